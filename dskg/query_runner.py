"""Evaluate a visitor's SPARQL query and serialise its answer; the errors it can end in.

:func:`execute` is what an evaluator process runs (``server/evaluator.py``); the
server decides where and under which limits (``server/querypool.py``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

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
    """No format the client accepts fits this kind of query (HTTP 406)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class QueryTimeout(Exception):
    """The query ran past the time limit and was stopped (HTTP 503)."""


class QueryLimitExceeded(Exception):
    """The query was stopped for another limit of the server, such as memory (HTTP 503)."""


def execute(store: ox.Store, request: QueryRequest) -> QueryResponse:
    """Evaluate one request and serialise at most ``limit`` rows or triples."""
    options: dict = {"use_default_graph_as_union": not request.default_graphs}
    if request.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    if request.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    try:
        result = store.query(request.query, base_iri=request.base, **options)
    except (SyntaxError, ValueError) as error:
        raise QueryError(str(error)) from None
    limit = request.limit
    if isinstance(result, ox.QueryBoolean):
        if request.result_format is None:
            raise NotAcceptable("ask")
        return QueryResponse("ask", request.result_format,
                             ask_body(bool(result), request.result_format))
    if isinstance(result, ox.QuerySolutions):
        if request.result_format is None:
            raise NotAcceptable("select")
        variables = [v.value for v in result.variables]
        rows = [[solution[v] for v in variables]
                for solution in itertools.islice(result, limit + 1)]
        truncated = len(rows) > limit
        rows = rows[:limit]
        body = SELECT_WRITERS[request.result_format](variables, rows)
        return QueryResponse("select", request.result_format, body, truncated, len(rows))
    if request.graph_format is None:
        raise NotAcceptable("graph")
    triples = list(itertools.islice(result, limit + 1))
    truncated = len(triples) > limit
    triples = triples[:limit]
    body = graph_body(triples, request.graph_format, request.prefixes or None)
    return QueryResponse("graph", request.graph_format, body, truncated, len(triples))

