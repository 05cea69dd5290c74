"""The gunicorn worker dskg runs: threads, and a deadline for reading each request.

gunicorn's ``gthread`` worker keeps idle and keep-alive connections in a selector
(they hold no thread) and hands a connection to one of its threads once data
arrives. From then on the thread reads the request with blocking socket calls, so a
client that sends its headers or body slowly would hold the thread as long as it
likes. Here each connection's socket gives the whole request (headers and body) a
deadline, ``request_read_timeout`` from its first byte: past it the read fails, and
the client gets ``408 Request Timeout`` and the connection is closed. Sending the
answer has a separate, per-write limit, so large downloads are not cut.
"""
from __future__ import annotations

import errno
import select
import socket
import time
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

#: How long one write of an answer may wait for a client that does not read.
SEND_TIMEOUT = 60.0
REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                   b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 61\r\n\r\n"
                   b"The request was not received in time; the connection closes.\n")


class RequestReadTimeout(Exception):
    """The client did not send its whole request before the deadline (HTTP 408).

    Not an ``OSError``, so gunicorn hands it to :meth:`DskgWorker.handle_error`."""


class DeadlineSocket(socket.socket):
    """A client socket whose reads share one deadline per request."""

    read_timeout = 15.0
    deadline: float | None = None
    #: Set once the answer is sent: gunicorn's own drain of an unread body then reads
    #: under its own limits.
    answered = False

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(SEND_TIMEOUT)
        else:
            super().setblocking(False)

    def recv(self, size: int, *flags: int) -> bytes:
        if self.answered or self.gettimeout() == 0.0:  # gunicorn's own reads
            return super().recv(size, *flags)
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.read_timeout
        remaining = self.deadline - now
        if remaining <= 0:
            raise RequestReadTimeout()
        self.settimeout(remaining)
        try:
            return super().recv(size, *flags)
        except TimeoutError:
            raise RequestReadTimeout() from None
        finally:
            self.settimeout(SEND_TIMEOUT)


class DskgWorker(ThreadWorker):
    """gthread with a read deadline per request (``request_read_timeout``)."""

    read_timeout = 15.0

    def accept(self, listener: Any) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        wrapped = DeadlineSocket(client.family, client.type, client.proto,
                                 fileno=client.detach())
        wrapped.read_timeout = self.read_timeout
        wrapped.setblocking(True)
        self.nr_conns += 1
        conn = TConn(self.cfg, wrapped, address, listener.getsockname())
        # Most clients send their request with the connection: then the thread need not
        # build a selector to wait for it (gunicorn does, for every new connection).
        conn.data_ready = bool(select.select([wrapped], [], [], 0)[0])
        self.enqueue_req(conn)

    def handle(self, conn: Any) -> None:
        conn.sock.deadline, conn.sock.answered = None, False  # a new request, a new deadline
        return super().handle(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        try:
            return super().handle_request(req, conn)
        finally:
            conn.sock.answered = True

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if isinstance(exc, RequestReadTimeout):
            try:
                client.settimeout(1.0)
                client.sendall(REQUEST_TIMEOUT)
            except OSError:
                pass
            return
        super().handle_error(req, client, addr, exc)
