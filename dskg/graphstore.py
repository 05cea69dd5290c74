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
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from dskg.query_runner import QueryRequest, QueryResponse

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term | None]


class GraphStore(Protocol):
    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        """Rows of a SELECT query of ours, with variables bound to values (never pasted)."""

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Answer of an ASK query of ours."""

    def sparql(self, request: QueryRequest) -> QueryResponse:
        """Evaluate a client's query under the configured timeout and row cap."""


class _OxigraphQueries:
    """``select`` and ``ask`` over a pyoxigraph store, with values bound, never pasted."""

    store: ox.Store

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


def to_ox(term) -> Term:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def to_rdflib(term: Term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


class MemoryStore:
    """Small documents about a build (its catalogue, its VoID), one named graph each.

    Held with rdflib rather than Oxigraph: Oxigraph's storage turns derived integer
    types (``xsd:nonNegativeInteger``, which DCAT-AP requires for byte sizes) into
    ``xsd:integer``.
    """

    def __init__(self, files: Mapping[str, Path]):
        self.dataset = Dataset(default_union=True)
        for name, path in files.items():
            self.dataset.graph(URIRef(name)).parse(path, format="nt")

    def graph(self, name: str) -> Graph:
        return self.dataset.graph(URIRef(name))

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        result = self.dataset.query(query, initBindings={
            k: to_rdflib(v) for k, v in (bindings or {}).items()})
        return [{str(var): (to_ox(row[var]) if row[var] is not None else None)
                 for var in result.vars} for row in result]

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self.dataset.query(query, initBindings={
            k: to_rdflib(v) for k, v in (bindings or {}).items()}).askAnswer)


class QueryRunner(Protocol):
    def run(self, request: QueryRequest) -> QueryResponse:
        """Evaluate a client's query under the server's limits."""


class EmbeddedStore(_OxigraphQueries):
    """The build's Oxigraph store, opened read-only by this process.

    Our own bounded queries run here, in the calling thread; visitors' queries go to
    ``runner``, which evaluates them where they can be stopped.
    """

    def __init__(self, store_path: Path, runner: QueryRunner):
        self.path = Path(store_path)
        self.store = ox.Store.read_only(str(self.path))
        self.runner = runner

    def sparql(self, request: QueryRequest) -> QueryResponse:
        return self.runner.run(request)
