"""One log line per request, with a request id and the build that answered.

The id is the client's ``X-Request-Id`` when it is a short token (so a proxy's id
carries through), else a new one; it is sent back in ``X-Request-Id`` and put in the
WSGI environ (``dskg.request_id``) for error logs. Every response names the build that
answered it in ``DSKG-Build``, so a client (or a test, or a load balancer's log) sees
when a server switched builds. Written as WSGI middleware, not as
Flask hooks, because the SPARQL endpoint answers before Flask routes a request.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("dskg.request")

HEADER = "X-Request-Id"
BUILD_HEADER = "DSKG-Build"
ENVIRON_KEY = "dskg.request_id"
CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(environ: dict) -> str:
    """The id of the request ``environ`` describes (assigned by :class:`RequestLog`)."""
    return environ.get(ENVIRON_KEY, "-")


class RequestLog:
    def __init__(self, app: Callable, build_id: str):
        self.app, self.build_id = app, build_id

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if CLIENT_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        environ[ENVIRON_KEY] = rid
        started = time.perf_counter()
        status = ["-"]

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = code.split(" ", 1)[0]
            headers.append((HEADER, rid))
            headers.append((BUILD_HEADER, self.build_id))
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            path = environ.get("PATH_INFO", "")
            log.info("%s %s %s %s %.1fms id=%s build=%s", environ.get("REMOTE_ADDR", "-"),
                     environ.get("REQUEST_METHOD", "-"), path, status[0],
                     (time.perf_counter() - started) * 1000, rid, self.build_id)
