"""Visitors' queries whose cost their syntax bounds, answered in the web worker itself.

Handing a query to an evaluator process costs the worker pipes, polls and GIL
hand-offs several times what the cheapest queries cost to evaluate (an ASK of one
triple pattern: ~50 µs of evaluation, ~200 µs of hand-over; bench/README.md, issue 23).
Some queries cannot cost more than a few index reads whatever the data, and those the
worker answers on its own store handle, as it answers the pages:

- ``ASK`` or ``SELECT`` over an empty group or one triple pattern whose variables are
  all different, with nothing else (no FILTER, OPTIONAL, UNION, GRAPH, VALUES,
  sub-query, property path, blank node, expression, DISTINCT, ORDER BY, GROUP BY,
  OFFSET or FROM): each solution is one entry of one of the store's indexes (Oxigraph
  keeps every order of subject, predicate, object and graph), read lazily, so ASK
  stops at the first and SELECT after the rows it returns;
- ``DESCRIBE`` of IRIs the query names (no WHERE): the statements about each, read
  lazily the same way.

The worker reads at most :data:`ROWS_HERE` rows or statements of such a query; one that
would give more goes to the evaluators like any other query, which start again from
nothing. Whatever the recogniser does not understand goes to the evaluators too, so a
mistake in it can only send a cheap query the long way, never an expensive one to the
worker. Queries naming a dataset in the protocol (``default-graph-uri``,
``named-graph-uri``) always take the long way.
"""
from __future__ import annotations

import re
from dataclasses import replace

from dskg.store import Evaluating
from server.sparql.evaluator import answer
from server.sparql.guard import IRIREF
from server.sparql.runner import QueryRequest
from server.sparql.wire import Answer

#: The most rows (SELECT) or statements (DESCRIBE) the worker reads for one query.
ROWS_HERE = 200

_TOKEN = re.compile(r"""
    (?P<gap>(?:\s|\#[^\n\r]*)+)
  | (?P<iri>""" + IRIREF.pattern + r""")
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d_](?:[\w.-]*[\w-])?)?:(?:[\w:](?:[\w.:-]*[\w:-])?)?)
  | (?P<literal>(?:"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
                (?:@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*
                  |\^\^(?:""" + IRIREF.pattern + r"""
                      |(?:[^\W\d_](?:[\w.-]*[\w-])?)?:(?:[\w:](?:[\w.:-]*[\w:-])?)?))?
              |[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?(?!\w))
  | (?P<word>[A-Za-z]+(?![\w:]))
  | (?P<punct>[{}.*])
""", re.X | re.U)


def _tokens(query: str) -> list[tuple[str, str]] | None:
    """The query's tokens as (kind, text), keywords upper-cased; ``None`` at the first
    text outside the little grammar this module knows."""
    tokens, position = [], 0
    for match in _TOKEN.finditer(query):
        if match.start() != position:  # skipped text no token matches
            return None
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "gap":
            text = match.group()
            tokens.append((kind, text.upper() if kind == "word" and text != "a" else text))
    return tokens if position == len(query) else None


def is_bounded(request: QueryRequest) -> bool:
    """Whether the worker may answer ``request`` itself (see the module's docstring)."""
    if request.default_graphs or request.named_graphs:
        return False
    tokens = _tokens(request.query)
    return tokens is not None and _Reader(tokens).query()


class _Reader:
    """A recursive-descent reading of the bounded forms; any surprise answers False."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, *kinds: str) -> str | None:
        kind, text = self.peek()
        if kind in kinds or text in kinds:
            self.at += 1
            return text
        return None

    def query(self) -> bool:
        while keyword := self.take("PREFIX", "BASE"):
            if keyword == "PREFIX" and not (self.take("pname") or "").endswith(":"):
                return False
            if self.take("iri") is None:
                return False
        if self.take("DESCRIBE"):
            named = 0
            while self.take("iri", "pname"):
                named += 1
            return named > 0 and self.at_end()
        if self.take("ASK"):
            return self.where() and self.at_end()
        if self.take("SELECT"):
            if not self.take("*"):
                if self.take("var") is None:
                    return False
                while self.take("var"):
                    pass
            if not self.where():
                return False
            if self.take("LIMIT") and not (self.take("literal") or "").isdigit():
                return False
            return self.at_end()
        return False

    def where(self) -> bool:
        """``WHERE? { }`` or ``WHERE? { s p o .? }`` with no variable twice."""
        self.take("WHERE")
        if not self.take("{"):
            return False
        if self.take("}"):
            return True
        terms = [self.take("var", "iri", "pname"), self.take("var", "iri", "pname", "a"),
                 self.take("var", "iri", "pname", "literal")]
        if None in terms:
            return False
        variables = [term[1:] for term in terms if term and term[0] in "?$"]
        if len(set(variables)) < len(variables):
            return False
        self.take(".")
        return self.take("}") is not None

    def at_end(self) -> bool:
        return self.peek()[0] == "end"


def answer_here(store: Evaluating, request: QueryRequest) -> Answer | None:
    """The answer to a bounded request read from ``store`` in this thread, or ``None``
    when it has more than :data:`ROWS_HERE` rows or statements (the evaluators answer it
    then). Failures are those an evaluator would give for the same query."""
    budget = min(request.limit, ROWS_HERE)
    result = answer(store, replace(request, limit=budget))
    if getattr(result, "truncated", False) and request.limit > budget:
        return None
    return result
