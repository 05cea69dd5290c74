"""The app in-process, reached with ``requests``: the same calls as against a real
server, without starting one.

A transport adapter hands each request to the Flask app's WSGI callable (as Flask's
test client does) and turns the answer into a ``requests.Response``, so redirects,
``params=``, ``.json()`` and the rest behave as over HTTP. Visitors' queries are
evaluated in the calling thread (``server.app.in_process``: the same checks and writers,
no evaluator process to start) unless ``isolated=True`` asks for the real evaluator
pool, for tests of what isolation does. Tests of what only a real server does (timeouts of slow clients,
worker exit, proxies, browsers, clients that open their own connections such as
SPARQLWrapper and rdflib) use :mod:`tests.server_fixture` instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

from dskg.config import Config
from server.app import create_app, in_process

URL = "http://dskg.test"


class WSGIAdapter(BaseAdapter):
    def __init__(self, app: Flask):
        super().__init__()
        # Cookies are the caller's to send: a language one tests sets must not follow
        # the other tests sharing this site.
        self.client = Client(app, use_cookies=False)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None,
             proxies=None) -> requests.Response:
        parts = urlsplit(request.url)
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        answer = self.client.open(parts.path, base_url=f"{parts.scheme}://{parts.netloc}",
                                  query_string=parts.query, method=request.method,
                                  headers=list(request.headers.items()), data=body or b"",
                                  environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.status.partition(" ")[2]
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.get_data()
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url, response.request = request.url, request
        answer.close()
        return response

    def close(self) -> None:
        pass


@dataclass
class InProcessSite:
    """Same shape as a running server for the tests: ``url``, ``config``, ``http``."""

    url: str
    config: Config
    app: Flask
    http: requests.Session

    def close(self) -> None:
        self.app.extensions["dskg"].store.runner.close()


def start_site(config: Config, isolated: bool = False) -> InProcessSite:
    app = create_app(config, runner=None if isolated else in_process(config))
    session = requests.Session()
    session.mount(URL, WSGIAdapter(app))
    return InProcessSite(URL, config, app, session)
