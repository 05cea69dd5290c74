"""Headers every response carries: security policy and CORS.

Everything this server publishes is public and read-only, and no request carries
credentials, so any origin may read any response (``Access-Control-Allow-Origin: *``):
documents, dumps, catalogue, VoID, LDES, graph JSON and the endpoint alike, for
linked-data clients running in a browser. Pages load scripts and styles only from
this server (no inline script anywhere), and may not be framed by other sites.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from server import metrics

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'",
    # YASGUI and Cytoscape set style attributes from their scripts.
    "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
    "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'"])

SECURITY = [("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("X-Frame-Options", "DENY")]

CORS = [("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers",
         "Content-Location, Content-Disposition, DSKG-Results-Truncated, ETag, Link, "
         "Retry-After, Vary")]

#: Answer to a CORS preflight (OPTIONS) on any route.
PREFLIGHT = [("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
             ("Access-Control-Allow-Headers",
              "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Range"),
             ("Access-Control-Max-Age", "86400")]

EVERY_RESPONSE = SECURITY + CORS
_EVERY = [(pair, pair[0].lower()) for pair in EVERY_RESPONSE]

#: Where a layer that knows a request's route leaves it for :class:`EveryResponse`.
ROUTE_KEY = "dskg.route"


class EveryResponse:
    """The outermost WSGI layer: answers CORS preflights, adds the headers above to
    every response (unless a view set its own value), counts each response by route and
    status, and closes the connection after an answer that says ``Connection: close``
    (one whose request body was left unread). Here once, so the SPARQL protocol layer
    (which answers before Flask) and Flask's views cannot differ."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "OPTIONS":
            start_response("204 No Content", [("Content-Length", "0")] + PREFLIGHT
                           + EVERY_RESPONSE)
            metrics.REQUESTS.labels("(preflight)", "204").inc()
            return [b""]

        def start(status: str, headers: list[tuple[str, str]],
                  exc_info: Any = None) -> Any:
            present = {name.lower(): value for name, value in headers}
            if present.get("connection", "").lower() == "close":
                _close_after(start_response)
            headers.extend(pair for pair, name in _EVERY if name not in present)
            metrics.REQUESTS.labels(environ.get(ROUTE_KEY, "(no route)"),
                                    status.split(" ", 1)[0]).inc()
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _close_after(start_response: Callable[..., Any]) -> None:
    """Have the server close the connection once this answer is sent. gunicorn drops a
    ``Connection`` header an application sets (it is hop-by-hop) and keeps the connection,
    reading what is left of an unread body as if it were the next request; its
    ``start_response`` belongs to the response object that can close instead. Under
    another server, the header is what there is."""
    close = getattr(getattr(start_response, "__self__", None), "force_close", None)
    if callable(close):
        close()
