"""The graph as the site's views reach it: the build's store for our own queries, and
the evaluator pool for visitors' queries (which must run where they can be stopped).
"""
from __future__ import annotations

from typing import Protocol

from dskg.store import Bindings, Row, Store
from server.query_runner import QueryRequest, QueryResponse


class QueryRunner(Protocol):
    def run(self, request: QueryRequest) -> QueryResponse:
        """Evaluate a client's query under the server's limits."""


class SiteStore:
    """Our bounded queries run on ``store`` in the calling thread; visitors' queries go
    to ``runner``."""

    def __init__(self, store: Store, runner: QueryRunner):
        self.store, self.runner = store, runner

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        return self.store.select(query, bindings)

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        return self.store.ask(query, bindings)

    def sparql(self, request: QueryRequest) -> QueryResponse:
        return self.runner.run(request)
