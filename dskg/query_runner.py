"""Run free-form SPARQL queries so that a timeout really stops them.

pyoxigraph cannot cancel a running query, and a thread cannot be killed. So each
server worker hands endpoint queries to an executor: a child process with its own
read-only handle on the store. If a query outlives the timeout, the worker kills
the executor — which ends the evaluation and frees its memory at once — answers the
client with a timeout error and starts a fresh executor for the next query.

Protocol (over the child's stdin/stdout): a request is one JSON line; a response is
one JSON header line followed by exactly ``length`` bytes of body.
"""
from __future__ import annotations

import itertools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from dskg.results import SELECT_WRITERS, ask_body, graph_body


@dataclass
class QueryRequest:
    query: str
    result_format: str | None
    graph_format: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    limit: int = 10000
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass
class QueryResponse:
    kind: str                 # "select", "ask" or "graph"
    format: str               # name of the format of ``body``
    body: bytes
    truncated: bool = False
    rows: int = 0


class QueryError(Exception):
    """The query is not valid SPARQL 1.1 Query (HTTP 400)."""


class NotAcceptable(Exception):
    """No format the client accepts fits this kind of query (HTTP 406)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class QueryTimeout(Exception):
    """The query ran past the time limit and was stopped (HTTP 503)."""


# ---------------------------------------------------------------- the executor (child)

def execute(store: ox.Store, request: dict) -> tuple[dict, bytes]:
    """Evaluate one request; return the response header and body."""
    options = {"use_default_graph_as_union": not request["default_graphs"]}
    if request["default_graphs"]:
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    if request["named_graphs"]:
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    try:
        result = store.query(request["query"], base_iri=request.get("base"), **options)
    except (SyntaxError, ValueError) as error:
        return {"status": "error", "kind": "syntax", "message": str(error)}, b""
    limit = request["limit"]
    if isinstance(result, ox.QueryBoolean):
        name = request["result_format"]
        if name is None:
            return {"status": "error", "kind": "not-acceptable", "query": "ask"}, b""
        return {"status": "ok", "kind": "ask", "format": name}, ask_body(bool(result), name)
    if isinstance(result, ox.QuerySolutions):
        name = request["result_format"]
        if name is None:
            return {"status": "error", "kind": "not-acceptable", "query": "select"}, b""
        variables = [v.value for v in result.variables]
        rows = [[solution[v] for v in variables] for solution in itertools.islice(result, limit + 1)]
        truncated = len(rows) > limit
        rows = rows[:limit]
        body = SELECT_WRITERS[name](variables, rows)
        return {"status": "ok", "kind": "select", "format": name, "truncated": truncated,
                "rows": len(rows)}, body
    name = request["graph_format"]
    if name is None:
        return {"status": "error", "kind": "not-acceptable", "query": "graph"}, b""
    triples = list(itertools.islice(result, limit + 1))
    truncated = len(triples) > limit
    triples = triples[:limit]
    body = graph_body(triples, name, request.get("prefixes") or None)
    return {"status": "ok", "kind": "graph", "format": name, "truncated": truncated,
            "rows": len(triples)}, body


def executor_main(store_path: str) -> None:
    """Loop of the child process: read requests from stdin until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    store = ox.Store.read_only(store_path)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    for line in stdin:
        try:
            header, body = execute(store, json.loads(line))
        except Exception as error:  # report, never die silently mid-protocol
            header, body = {"status": "error", "kind": "internal", "message": repr(error)}, b""
        header["length"] = len(body)
        stdout.write(json.dumps(header).encode() + b"\n" + body)
        stdout.flush()


# ---------------------------------------------------------------- the runner (parent)

class QueryRunner:
    """One executor process, restarted whenever a query has to be stopped."""

    def __init__(self, store_path: Path, timeout: float):
        self.store_path, self.timeout = Path(store_path), timeout
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "dskg.query_runner", str(self.store_path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def run(self, request: QueryRequest) -> QueryResponse:
        with self._lock:
            self.start()
            assert self._process is not None
            message = json.dumps(request.__dict__).encode() + b"\n"
            try:
                self._process.stdin.write(message)
                header, body = self._read(self._process.stdout.fileno())
            except QueryTimeout:
                self.stop()
                self.start()
                raise
            except (BrokenPipeError, EOFError):
                self.stop()
                raise
        if header["status"] == "error":
            if header["kind"] == "syntax":
                raise QueryError(header["message"])
            if header["kind"] == "not-acceptable":
                raise NotAcceptable(header["query"])
            raise RuntimeError(header.get("message", "query executor failed"))
        return QueryResponse(kind=header["kind"], format=header["format"], body=body,
                             truncated=header.get("truncated", False),
                             rows=header.get("rows", 0))

    def _read(self, fd: int) -> tuple[dict, bytes]:
        deadline = _Deadline(self.timeout)
        buffer = b""
        while b"\n" not in buffer:
            buffer += self._chunk(fd, deadline)
        line, _, rest = buffer.partition(b"\n")
        header = json.loads(line)
        while len(rest) < header["length"]:
            rest += self._chunk(fd, deadline)
        return header, rest[:header["length"]]

    @staticmethod
    def _chunk(fd: int, deadline: "_Deadline") -> bytes:
        ready, _, _ = select.select([fd], [], [], deadline.remaining())
        if not ready:
            raise QueryTimeout()
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise EOFError("query executor exited")
        return chunk


class _Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())


if __name__ == "__main__":
    executor_main(sys.argv[1])
