"""The one interface the server uses to reach the graph.

Pages run small, bounded queries of our own (``select``/``ask`` with bound values);
the public endpoint runs anyone's query under a timeout (``sparql``). Today the
graph is the embedded Oxigraph store; a store reached over the SPARQL protocol
(Oxigraph server, Virtuoso) can implement the same three methods later.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Protocol

import pyoxigraph as ox

from dskg.query_runner import QueryRequest, QueryResponse, QueryRunner

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term | None]


class GraphStore(Protocol):
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        """Rows of a SELECT query of ours, with variables bound to values (never pasted)."""

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Answer of an ASK query of ours."""

    def sparql(self, request: QueryRequest) -> QueryResponse:
        """Evaluate a client's query under the configured timeout and row cap."""


class EmbeddedStore:
    """The build's Oxigraph store, opened read-only by this process."""

    def __init__(self, store_path: Path, query_timeout: float):
        self.path = Path(store_path)
        self.store = ox.Store.read_only(str(self.path))
        self.runner = QueryRunner(self.path, query_timeout)
        self.runner.start()  # ready before the first query, not during it

    @staticmethod
    def _substitutions(bindings: Mapping[str, Term] | None) -> dict:
        return {ox.Variable(name): value for name, value in (bindings or {}).items()}

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        solutions = self.store.query(query, use_default_graph_as_union=True,
                                     substitutions=self._substitutions(bindings))
        names = [v.value for v in solutions.variables]
        return [{name: row[name] for name in names} for row in solutions]

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self.store.query(query, use_default_graph_as_union=True,
                                     substitutions=self._substitutions(bindings)))

    def sparql(self, request: QueryRequest) -> QueryResponse:
        return self.runner.run(request)

    def close(self) -> None:
        self.runner.stop()
