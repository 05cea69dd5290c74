"""The one writer of error answers, for every route: the site's own page for browsers,
a JSON problem document (RFC 9457) for JSON routes and clients that ask for one, plain
text otherwise; never Werkzeug's default page, a stack trace or a file path.

Flask's views reach it through the handlers :func:`register` installs; the SPARQL
protocol layer, which answers before Flask routes a request, through :class:`Writer`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    ServiceUnavailable,
    default_exceptions,
)
from werkzeug.http import HTTP_STATUS_CODES

from dskg.messages import N_
from dskg.store import StoreError
from server.i18n import _, language
from server.logs import request_id
from server.negotiation import best_match

log = logging.getLogger("dskg.server")
#: Routes whose answers are JSON, so their errors are too.
JSON_ROUTES = ("/graph", "/health", "/reconcile/suggest/", "/reconcile/properties")
#: Routes for programs that answer JSON, exactly (beside ``/reconcile/preview``, a page).
JSON_EXACT = ("/reconcile",)
#: Routes for programs first: text unless the client prefers HTML or JSON.
TEXT_ROUTES = ("/sparql",)
PAGE_OFFERS = ["text/html", "application/problem+json", "application/json", "text/plain"]
TEXT_OFFERS = ["text/plain", "application/problem+json", "application/json", "text/html"]

#: The names werkzeug gives the statuses this app answers with, marked for the catalogue
#: (the error page shows them translated).
STATUS_NAMES = (N_("Bad Request"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
                N_("Not Acceptable"), N_("Request Timeout"), N_("Gone"),
                N_("Request Entity Too Large"), N_("Unsupported Media Type"),
                N_("Too Many Requests"), N_("Internal Server Error"), N_("Service Unavailable"),
                N_("Request Header Fields Too Large"), N_("URI Too Long"))


def _wanted() -> str:
    """``json``, ``html`` or ``text``: what this request's error answer is written as."""
    if request.path.startswith(JSON_ROUTES) or request.path in JSON_EXACT:
        return "json"
    offers = TEXT_OFFERS if request.path in TEXT_ROUTES else PAGE_OFFERS
    media = best_match(request.headers.get("Accept"), offers)
    if media in ("application/problem+json", "application/json"):
        return "json"
    return "html" if media == "text/html" else "text"


def http_error(error: HTTPException) -> Response:
    status, name = error.code or 500, error.name
    message = error.description or name
    wanted = _wanted()
    if wanted == "json":
        response = problem(status, message)
    elif wanted == "html":
        response = Response(render_template("error.html", status=status, name=_(name),
                                            message=message), status, mimetype="text/html")
    else:
        response = Response(f"{status} {name}: {message}\n", status, mimetype="text/plain")
    for header, value in error.get_headers():
        if header.lower() not in ("content-type", "content-length"):
            response.headers[header] = value
    response.vary.add("Accept")  # the answer's form was chosen by it
    if status == 413:  # the body was left unread: it must not be read as a next request
        response.headers["Connection"] = "close"
    return response


def problem(status: int, detail: str, **members: object) -> Response:
    """An RFC 9457 problem document, with any ``members`` a route adds (the SHACL
    findings of a refused submission)."""
    response = jsonify(type="about:blank", title=HTTP_STATUS_CODES.get(status, ""),
                       status=status, detail=detail, **members)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def unexpected(error: Exception) -> Response:
    rid = request_id(request.environ)
    log.exception("unexpected error on %s %s (request %s)", request.method, request.path, rid)
    return http_error(InternalServerError(_(
        "The server failed on this request; it has been logged as request %(id)s.", id=rid)))


def _undecodable() -> str | None:
    """Which part of the request is not UTF-8 (``path``, ``query string``), if one is;
    the query string is then forgotten, since the error page reads ``?lang=`` too."""
    for key, what in (("PATH_INFO", N_("path")), ("QUERY_STRING", N_("query string"))):
        try:
            request.environ.get(key, "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            request.query_string = b""
            return what
    return None


def reject_undecodable() -> None:
    """A path or query string that is not UTF-8 is a 400, checked before any view:
    Werkzeug would raise while decoding it deep inside whichever view first reads a
    parameter."""
    what = _undecodable()
    if what is not None:
        abort(400, description=_("The %(what)s is not valid UTF-8.", what=_(what)))


class Writer:
    """Error answers for a WSGI layer in front of Flask, written by :func:`http_error`
    in a request context of ``app`` (so in the reader's language and format)."""

    def __init__(self, app: Flask):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any],
                 status: int, detail: str,
                 headers: Iterable[tuple[str, str]] = ()) -> Iterable[bytes]:
        with self.app.request_context(environ):
            _undecodable()
            # A ``?lang=`` that names no language is not this answer's error: the page is
            # then written in the reader's other choices (``language`` keeps them).
            with suppress(HTTPException):
                language()
            response = http_error(default_exceptions[status](description=detail))
        for name, value in headers:
            response.headers[name] = value
        return response(environ, start_response)


def store_unavailable(error: StoreError) -> Response:
    """The external store did not answer a page's query: 503, try again shortly."""
    log.warning("the store failed on %s %s: %s", request.method, request.path, error)
    response = http_error(ServiceUnavailable(
        _("The graph store behind this site did not answer; try again in a moment.")))
    response.headers["Retry-After"] = "5"
    return response


def register(app: Flask) -> None:
    app.before_request(reject_undecodable)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(StoreError, store_unavailable)
    app.register_error_handler(Exception, unexpected)
