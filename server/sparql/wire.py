"""The messages between a web worker and its evaluator processes, and their framing.

Both ends are ours, so a message is a ``marshal`` payload behind a 4-byte length, on
the process's stdin (requests) and stdout (answers). What travels is typed on both
sides: a :class:`QueryRequest` one way; :class:`Ready`, a :class:`QueryResponse` or a
:class:`Failure` the other. A failure names its kind, and each kind is one exception
of :mod:`server.sparql.runner`, so a store that could not be read is never reported
as a limit of the server.
"""
from __future__ import annotations

import enum
import marshal
import os
import struct
from dataclasses import dataclass

from server.sparql.runner import (
    NotAcceptable,
    QueryError,
    QueryRequest,
    QueryResponse,
    StoreUnreadable,
)

HEADER = struct.Struct("!I")


class FailureKind(enum.Enum):
    SYNTAX = "syntax"
    NOT_ACCEPTABLE = "not-acceptable"
    MEMORY = "memory"
    STORE = "store"
    ENGINE = "engine"


@dataclass(frozen=True)
class Failure:
    """A query the evaluator could not answer; ``reason`` only for NOT_ACCEPTABLE."""

    kind: FailureKind
    message: str = ""
    reason: str = ""

    @property
    def evaluator_usable(self) -> bool:
        """Whether the evaluator can take the next query (its state is known)."""
        return self.kind in (FailureKind.SYNTAX, FailureKind.NOT_ACCEPTABLE)

    def error(self) -> Exception:
        """The exception the web worker raises for this failure (memory is the pool's)."""
        if self.kind is FailureKind.SYNTAX:
            return QueryError(self.message)
        if self.kind is FailureKind.NOT_ACCEPTABLE:
            return NotAcceptable(self.message, self.reason)
        if self.kind is FailureKind.ENGINE:
            return QueryError(f"The engine could not evaluate this query: {self.message}")
        return StoreUnreadable(f"The store could not be read: {self.message}")


@dataclass(frozen=True)
class Ready:
    """An evaluator has opened the store and takes queries."""

    pid: int


Answer = QueryResponse | Failure

_READY, _OK, _FAILED = "ready", "ok", "failed"


def encode_request(request: QueryRequest) -> bytes:
    """What the evaluator needs of ``request`` (the client and base stay with the worker)."""
    return marshal.dumps((request.query, request.result_format, request.graph_format,
                          tuple(request.default_graphs), tuple(request.named_graphs),
                          request.limit))


def decode_request(payload: bytes, base: str | None, prefixes: dict[str, str]) -> QueryRequest:
    query, result_format, graph_format, default_graphs, named_graphs, limit = \
        marshal.loads(payload)
    return QueryRequest(query=query, result_format=result_format, graph_format=graph_format,
                        default_graphs=list(default_graphs), named_graphs=list(named_graphs),
                        limit=limit, base=base, prefixes=prefixes)


def encode_answer(message: Answer | Ready) -> bytes:
    if isinstance(message, Ready):
        return marshal.dumps((_READY, message.pid))
    if isinstance(message, Failure):
        return marshal.dumps((_FAILED, message.kind.value, message.message, message.reason))
    return marshal.dumps((_OK, message.kind, message.format, message.body, message.truncated,
                          message.rows))


def decode_answer(payload: bytes) -> Answer | Ready:
    tag, *fields = marshal.loads(payload)
    if tag == _READY:
        return Ready(fields[0])
    if tag == _FAILED:
        kind, message, reason = fields
        return Failure(FailureKind(kind), message, reason)
    return QueryResponse(*fields)


def read_frame(fd: int) -> bytes | None:
    """One frame from ``fd``, or ``None`` at end of input.

    Only one frame is ever in flight on a pipe (a request, then its answer), so a
    read may take the header and the whole payload at once."""
    data = os.read(fd, 1 << 16)
    while 0 < len(data) < HEADER.size:
        more = os.read(fd, HEADER.size)
        if not more:
            return None
        data += more
    if not data:
        return None
    (length,) = HEADER.unpack_from(data)
    chunks, remaining = [data[HEADER.size:]], length - (len(data) - HEADER.size)
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks) if len(chunks) > 1 else chunks[0]


def write_frame(fd: int, payload: bytes) -> None:
    data = memoryview(HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]
