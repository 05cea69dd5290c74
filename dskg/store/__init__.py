"""The store interface: the only way code outside ``dskg/store/`` reaches a graph store.

Callers get rows and triples in neutral terms (:mod:`dskg.rdf`), bind values as
parameters (never pasted into query text) and name formats by our format names
(:mod:`dskg.formats`). Two stores sit behind it today: the build's embedded Oxigraph
store (:mod:`dskg.store.oxigraph`) and the small rdflib dataset of the documents a
build writes about itself (:mod:`dskg.store.memory`). An external store reached
over the SPARQL and Graph Store protocols (:mod:`dskg.store.remote`) serves a
published build instead of the embedded one.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dskg.store.codec import ntriples_to, parse_ntriples, parse_triples, serialize_triples
from dskg.store.interface import (
    Bindings,
    Evaluating,
    EvaluationStopped,
    Queryable,
    QueryResult,
    QuerySyntaxError,
    Row,
    Store,
    StoreError,
    iri_of,
    term_of,
    text_of,
)
from dskg.store.memory import MemoryStore
from dskg.store.oxigraph import OxigraphStore


def open_store(path: Path) -> Store:
    """A built store, read-only (several processes may read it at once)."""
    return OxigraphStore.read_only(path)


def create_store(path: Path, graphs: Iterable[tuple[str, bytes | Path]]) -> None:
    """Write a new store at ``path`` from ``(graph name, N-Triples or a file of them)``
    pairs."""
    OxigraphStore.create(path, graphs)


def scratch_store(ntriples: bytes) -> Queryable:
    """An embedded store in memory holding ``ntriples``: for asking a small graph
    queries that rdflib's evaluator would take far longer over."""
    return OxigraphStore.in_memory(ntriples)


def copy_store(source: Path, target: Path) -> OxigraphStore:
    """A writable copy at ``target`` of the built store at ``source`` (which an
    incremental build then changes; ``source`` stays as it is)."""
    return OxigraphStore.copy(source, target)


__all__ = ["Bindings", "Evaluating", "EvaluationStopped", "MemoryStore", "Queryable",
           "QueryResult", "QuerySyntaxError", "Row",
           "Store", "StoreError", "copy_store", "create_store", "iri_of", "open_store",
           "ntriples_to", "parse_ntriples", "parse_triples", "scratch_store",
           "serialize_triples", "term_of", "text_of"]
