"""A small in-memory store behind the store interface: the documents a build writes
about itself (its catalogue, its VoID), one named graph each.

Held with rdflib rather than Oxigraph: Oxigraph's storage turns derived integer types
(``xsd:nonNegativeInteger``, which DCAT-AP requires for byte sizes) into ``xsd:integer``.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rdflib import Dataset, URIRef

from dskg.rdf import BlankNode, Term, Triple, from_rdflib, to_rdflib
from dskg.store.codec import parse_ntriples
from dskg.store.interface import Bindings, Row


class MemoryStore:
    """A :class:`~dskg.store.interface.Queryable` over N-Triples files."""

    def __init__(self, files: Mapping[str, Path]):
        """``files``: graph name → N-Triples file.

        Blank nodes keep the labels the files give them (prefixed per file, so two files
        never share one): rdflib's parser would invent new ones in every process, and
        replicas would then send different bytes for one document under one ETag."""
        self.dataset = Dataset(default_union=True)
        for number, (name, path) in enumerate(files.items()):
            graph = self.dataset.graph(URIRef(name))
            for triple in parse_ntriples(path.read_bytes()):
                graph.add((to_rdflib(_scoped(triple.subject, number)), to_rdflib(triple.predicate),
                           to_rdflib(_scoped(triple.object, number))))

    def graph_triples(self, name: str) -> list[Triple]:
        """The statements of one named graph."""
        return [Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o))  # type: ignore[arg-type]
                for s, p, o in self.dataset.graph(URIRef(name))]

    def _query(self, query: str, bindings: Bindings | None) -> Any:
        bound: dict[str, Any] = {k: to_rdflib(v) for k, v in (bindings or {}).items()}
        return self.dataset.query(query, initBindings=bound)

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        result = self._query(query, bindings)
        return [{str(var): (from_rdflib(row[var]) if row[var] is not None else None)
                 for var in result.vars} for row in result]

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        return bool(self._query(query, bindings).askAnswer)


def _scoped(term: Term, number: int) -> Term:
    return BlankNode(f"f{number}{term.value}") if isinstance(term, BlankNode) else term
