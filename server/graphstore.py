"""The graph as the site's views reach it: the build's store for our own queries, and
a runner for visitors' queries: the evaluator pool (which runs them where they can be
stopped) on the embedded store, the external store's own limits otherwise.
"""
from __future__ import annotations

from typing import Protocol

from dskg.store import Bindings, Queryable, Row
from server.sparql.answers import AnswerCache
from server.sparql.runner import QueryRequest, QueryResponse


class QueryRunner(Protocol):
    def admit(self, request: QueryRequest) -> None:
        """Raise if the query or its client is refused now (checked before the cache)."""

    def run(self, request: QueryRequest) -> QueryResponse:
        """Evaluate an admitted query under the server's limits."""

    def close(self) -> None:
        """End what it started (evaluator processes)."""


class SiteStore:
    """Our bounded queries run on ``store`` in the calling thread; visitors' queries go
    to ``runner``, unless ``answers`` has the answer already."""

    def __init__(self, store: Queryable, runner: QueryRunner, answers: AnswerCache):
        self.store, self.runner, self.answers = store, runner, answers

    @property
    def stable_order(self) -> bool:
        return getattr(self.store, "stable_order", True)

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        return self.store.select(query, bindings)

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        return self.store.ask(query, bindings)

    def sparql(self, request: QueryRequest) -> QueryResponse:
        self.runner.admit(request)
        answer = self.answers.get(request)
        if answer is None:
            answer = self.runner.run(request)
            self.answers.put(request, answer)
        return answer
