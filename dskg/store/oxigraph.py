"""The embedded Oxigraph store behind the store interface (with :mod:`dskg.store.codec`,
the only modules that import pyoxigraph).

A build writes the store once (:meth:`OxigraphStore.create`); servers and evaluator
processes then open it read-only, many at a time. Oxigraph's own terms never leave
this module: rows and triples come back as :mod:`dskg.rdf` terms.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from dskg.rdf import Triple
from dskg.store.codec import (
    RDF_FORMATS,
    native,
    native_subject,
    native_triple,
    neutral,
    neutral_triple,
)
from dskg.store.interface import Bindings, Output, QueryResult, QuerySyntaxError, Row, StoreError
from dskg.store.sparql_text import names_dataset

ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


class OxigraphStore:
    """One Oxigraph store on disk."""

    stable_order = True  # the store changes only at build time

    def __init__(self, store: ox.Store, path: Path):
        self._store, self.path = store, path

    @classmethod
    def read_only(cls, path: Path) -> OxigraphStore:
        if not Path(path).exists():
            raise StoreError(f"no store at {path}")
        try:
            return cls(ox.Store.read_only(str(path)), Path(path))
        except (OSError, RuntimeError) as error:  # RuntimeError: a corrupt store
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise StoreError(f"the store at {path} cannot be opened: {reason}") from None

    @classmethod
    def in_memory(cls, ntriples: bytes) -> OxigraphStore:
        """A store in memory with ``ntriples`` in its default graph (no file: ``path``
        is empty)."""
        store = ox.Store()
        store.bulk_load(input=ntriples, format=ox.RdfFormat.N_TRIPLES)
        return cls(store, Path())

    @classmethod
    def create(cls, path: Path, graphs: Iterable[tuple[str, bytes | Path]]) -> None:
        """Bulk-load each ``(graph name, N-Triples or a file of them)`` pair as a named
        graph."""
        store = ox.Store(str(path))
        try:
            for name, data in graphs:
                source = {"path": str(data)} if isinstance(data, Path) else {"input": data}
                store.bulk_load(format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name),
                                **source)
            store.optimize()
        finally:
            store.flush()
            del store

    @classmethod
    def copy(cls, source: Path, target: Path) -> OxigraphStore:
        """A writable copy of a finished store, which stays as it is.

        RocksDB never changes a table file once written, so the copy links them (as a
        RocksDB checkpoint does) and copies only the small files that name them:
        seconds for a store of millions of statements, and no second copy on disk."""
        target.mkdir()
        for path in Path(source).iterdir():
            if path.suffix == ".sst":
                os.link(path, target / path.name)
            elif path.is_file() and path.name != "LOCK":
                shutil.copy2(path, target / path.name)
        return cls(ox.Store(str(target)), target)

    def close(self) -> None:
        self._store.flush()
        del self._store

    @staticmethod
    def _substitutions(bindings: Bindings | None) -> dict:
        return {ox.Variable(name): native(value) for name, value in (bindings or {}).items()}

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        solutions = cast(ox.QuerySolutions, self._store.query(
            query, use_default_graph_as_union=True, substitutions=self._substitutions(bindings)))
        names = [v.value for v in solutions.variables]
        return [{name: (None if (value := row[name]) is None else neutral(value))
                 for name in names} for row in solutions]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        return bool(self._store.query(query, use_default_graph_as_union=True,
                                      substitutions=self._substitutions(bindings)))

    def evaluate(self, query: str, base_iri: str | None = None,
                 default_graphs: Sequence[str] = (),
                 named_graphs: Sequence[str] = ()) -> QueryResult:
        # A dataset the client names (protocol parameters, or FROM in the query) is
        # the one queried; otherwise the default graph is the union of all graphs.
        options: dict = {"use_default_graph_as_union":
                         not default_graphs and not named_graphs and not names_dataset(query)}
        if default_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            result = self._store.query(query, base_iri=base_iri, **options)
        except (SyntaxError, ValueError) as error:
            raise QuerySyntaxError(str(error)) from None
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            solutions: ox.QuerySolutions = result
            variables = [v.value for v in solutions.variables]
            rows = ([None if (value := solution[v]) is None else neutral(value)
                     for v in variables] for solution in solutions)
            return QueryResult("select", variables=variables, rows=rows)
        graph: ox.QueryTriples = result
        return QueryResult("graph", triples=(neutral_triple(t) for t in graph))

    def count(self) -> int:
        return len(self._store)

    def _all_triples(self) -> ox.QueryTriples:
        return cast(ox.QueryTriples, self._store.query(ALL_TRIPLES,
                                                       use_default_graph_as_union=True))

    def triples(self) -> Iterator[Triple]:
        return (neutral_triple(t) for t in self._all_triples())

    def lines(self, subjects: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
        """Every quad (or those of ``subjects``, in N-Triples form) as its subject and
        its N-Quads line, without the line end."""
        if subjects is None:
            patterns = [self._store.quads_for_pattern(None, None, None, None)]
        else:
            patterns = [self._store.quads_for_pattern(native_subject(text), None, None, None)
                        for text in subjects]
        for pattern in patterns:
            for quad in pattern:
                yield str(quad.subject), f"{quad} ."

    def update(self, graph: str, clear: Iterable[str], add: Iterable[Triple]) -> None:
        """In the named graph ``graph``, drop the statements of the subjects ``clear``
        (N-Triples form), then add ``add``."""
        name = ox.NamedNode(graph)
        for text in clear:
            for quad in list(self._store.quads_for_pattern(native_subject(text), None, None, name)):
                self._store.remove(quad)
        for triple in add:
            added = native_triple(triple)
            self._store.add(ox.Quad(added.subject, added.predicate, added.object, name))

    def graph_subjects(self, graph: str) -> set[str]:
        """Subjects (N-Triples form) of a named graph's statements."""
        return {str(quad.subject) for quad in
                self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}

    def graph_lines(self, graph: str) -> Iterator[str]:
        """A named graph's statements as N-Triples lines, without the line end."""
        for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            yield f"{quad.subject} {quad.predicate} {quad.object} ."

    def has_blank_nodes(self, graph: str) -> bool:
        return bool(self._store.query(
            "ASK { GRAPH ?g { ?s ?p ?o FILTER (isBlank(?s) || isBlank(?o)) } }",
            substitutions={ox.Variable("g"): ox.NamedNode(graph)}))

    def graph_names(self) -> list[str]:
        return [graph.value for graph in self._store.named_graphs()
                if isinstance(graph, ox.NamedNode)]

    def replace_graph(self, graph: str, data: bytes) -> None:
        """A named graph's statements replaced by these N-Triples."""
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.clear_graph(name)
        self._store.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES, to_graph=name)

    def dump(self, out: Output, name: str, prefixes: dict[str, str] | None = None) -> None:
        target = cast(IO[bytes], out)
        if name == "nquads":
            ox.serialize(self._store.quads_for_pattern(None, None, None, None), target,
                         RDF_FORMATS[name])
        else:
            ox.serialize(self._all_triples(), target, RDF_FORMATS[name], prefixes=prefixes)
