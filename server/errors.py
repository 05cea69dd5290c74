"""How the app answers errors: the site's own page for browsers, a JSON problem
document (RFC 9457) for JSON routes, plain text otherwise; never Werkzeug's default
page, a stack trace or a file path."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from dskg.messages import N_
from dskg.store import StoreError
from server.headers import EVERY_RESPONSE
from server.i18n import _
from server.logs import request_id
from server.negotiation import best_match

log = logging.getLogger("dskg.server")
#: Routes whose answers are JSON, so their errors are too.
JSON_ROUTES = ("/graph", "/health")

#: The names werkzeug gives the statuses this app answers with, marked for the catalogue
#: (the error page shows them translated).
STATUS_NAMES = (N_("Bad Request"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
                N_("Not Acceptable"), N_("Request Timeout"), N_("Gone"),
                N_("Request Entity Too Large"), N_("Unsupported Media Type"),
                N_("Too Many Requests"), N_("Internal Server Error"), N_("Service Unavailable"),
                N_("Request Header Fields Too Large"), N_("URI Too Long"))


def _wants(kind: str) -> bool:
    if request.path.startswith(JSON_ROUTES):
        return kind == "json"
    media = best_match(request.headers.get("Accept"), ["text/html", "application/problem+json",
                                                       "application/json", "text/plain"])
    return {"html": media == "text/html",
            "json": media in ("application/problem+json", "application/json")}[kind]


def http_error(error: HTTPException) -> Response:
    status, name = error.code or 500, error.name
    message = error.description or name
    if _wants("json"):
        response = jsonify(type="about:blank", title=name, status=status, detail=message)
        response.status_code = status
        response.mimetype = "application/problem+json"
    elif _wants("html"):
        response = Response(render_template("error.html", status=status, name=_(name),
                                            message=message), status, mimetype="text/html")
    else:
        response = Response(f"{status} {name}: {message}\n", status, mimetype="text/plain")
    for header, value in error.get_headers():
        if header.lower() not in ("content-type", "content-length"):
            response.headers[header] = value
    return response


def unexpected(error: Exception) -> Response:
    rid = request_id(request.environ)
    log.exception("unexpected error on %s %s (request %s)", request.method, request.path, rid)
    return http_error(InternalServerError(_(
        "The server failed on this request; it has been logged as request %(id)s.", id=rid)))


class RejectUndecodable:
    """WSGI middleware: a request whose path or query string is not UTF-8 gets a 400.

    Werkzeug raises while decoding such a query string, deep inside whichever view
    first reads a parameter; checked once here, every route answers the same way."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ: dict, start_response):
        for key, what in (("PATH_INFO", "path"), ("QUERY_STRING", "query string")):
            try:
                environ.get(key, "").encode("latin-1").decode("utf-8")
            except UnicodeError:
                body = f"400 Bad Request: the {what} is not valid UTF-8.\n".encode()
                start_response("400 Bad Request", [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body)))] + EVERY_RESPONSE)
                return [body]
        return self.app(environ, start_response)


def store_unavailable(error: StoreError) -> Response:
    """The external store did not answer a page's query: 503, try again shortly."""
    log.warning("the store failed on %s %s: %s", request.method, request.path, error)
    response = http_error(ServiceUnavailable(
        _("The graph store behind this site did not answer; try again in a moment.")))
    response.headers["Retry-After"] = "5"
    return response


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(StoreError, store_unavailable)
    app.register_error_handler(Exception, unexpected)
