"""Evaluate a visitor's SPARQL query and serialise its answer; the errors it can end in.

:func:`execute` is what an evaluator process runs (``server/sparql/evaluator.py``); the
server decides where and under which limits (``server/sparql/pool.py``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from dskg.formats import Unwritable
from dskg.store import Evaluating, QuerySyntaxError
from server.sparql.results import SELECT_WRITERS, ask_body, graph_body


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
    #: The client's address, for the limits per client.
    client: str = ""


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
    """No format the client accepts fits this kind of query, or this answer (HTTP 406)."""

    def __init__(self, kind: str, reason: str = ""):
        super().__init__(kind)
        self.kind, self.reason = kind, reason


class QueryTimeout(Exception):
    """The query ran past the time limit and was stopped (HTTP 503)."""


class QueryLimitExceeded(Exception):
    """The query was stopped for another limit of the server, such as memory (HTTP 503)."""


class StoreUnreadable(Exception):
    """The store failed while reading for the query: not the query's fault (HTTP 503)."""


def execute(store: Evaluating, request: QueryRequest) -> QueryResponse:
    """Evaluate one request and serialise at most ``limit`` rows or triples."""
    try:
        result = store.evaluate(request.query, base_iri=request.base,
                                default_graphs=request.default_graphs,
                                named_graphs=request.named_graphs)
    except QuerySyntaxError as error:
        raise QueryError(str(error)) from None
    limit = request.limit
    if result.kind == "ask":
        if request.result_format is None:
            raise NotAcceptable("ask")
        return QueryResponse("ask", request.result_format,
                             ask_body(result.boolean, request.result_format))
    if result.kind == "select":
        if request.result_format is None:
            raise NotAcceptable("select")
        rows = list(itertools.islice(result.rows, limit + 1))
        truncated = len(rows) > limit
        rows = rows[:limit]
        body = SELECT_WRITERS[request.result_format](result.variables, rows)
        return QueryResponse("select", request.result_format, body, truncated, len(rows))
    if request.graph_format is None:
        raise NotAcceptable("graph")
    triples = list(itertools.islice(result.triples, limit + 1))
    truncated = len(triples) > limit
    triples = triples[:limit]
    try:
        body = graph_body(triples, request.graph_format, request.prefixes or None)
    except Unwritable as error:
        raise NotAcceptable("graph", str(error)) from None
    return QueryResponse("graph", request.graph_format, body, truncated, len(triples))
