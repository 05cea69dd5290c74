"""Whole-graph downloads, written once per build from the built store.

Turtle, N-Triples and JSON-LD hold the union of all named graphs (what a SPARQL
query sees by default); N-Quads keeps the named graphs, so provenance (page data vs
curation) survives a round trip. JSON-LD is written compact, against a readable
``@context`` of our prefixes, rather than as the expanded form Oxigraph would give.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO, Iterator

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: File name → (description, media type); the server and the catalogue read this too.
DUMPS = {
    "dskg.ttl": ("Turtle", "text/turtle"),
    "dskg.nt.gz": ("N-Triples, gzip", "application/n-triples"),
    "dskg.nq.gz": ("N-Quads, gzip", "application/n-quads"),
    "dskg.jsonld": ("JSON-LD", "application/ld+json"),
}


def _triples(store: ox.Store) -> Iterator[ox.Triple]:
    """Distinct triples of all graphs (a CONSTRUCT result is a set)."""
    return store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                       use_default_graph_as_union=True)


def write_dumps(store: ox.Store, directory: Path, prefixes: dict[str, str]) -> dict[str, int]:
    """Write every dump into ``directory``; return each file's size in bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    ox.serialize(_triples(store), str(directory / "dskg.ttl"), ox.RdfFormat.TURTLE,
                 prefixes=prefixes)
    with gzip.open(directory / "dskg.nt.gz", "wb", compresslevel=6) as out:
        ox.serialize(_triples(store), out, ox.RdfFormat.N_TRIPLES)
    with gzip.open(directory / "dskg.nq.gz", "wb", compresslevel=6) as out:
        ox.serialize(store.quads_for_pattern(None, None, None, None), out, ox.RdfFormat.N_QUADS)
    with (directory / "dskg.jsonld").open("w", encoding="utf-8") as out:
        write_jsonld(_triples(store), out, prefixes)
    return {name: (directory / name).stat().st_size for name in DUMPS}


class _Compactor:
    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def iri(self, value: str) -> str:
        for prefix, namespace in self.prefixes:
            if value.startswith(namespace) and len(value) > len(namespace):
                local = value[len(namespace):]
                if "/" not in local and "#" not in local and ":" not in local:
                    return f"{prefix}:{local}"
        return value

    def term(self, term) -> object:
        if isinstance(term, ox.NamedNode):
            return {"@id": self.iri(term.value)}
        if isinstance(term, ox.BlankNode):
            return {"@id": f"_:{term.value}"}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": self.iri(term.datatype.value)}

    def subject(self, term) -> str:
        return f"_:{term.value}" if isinstance(term, ox.BlankNode) else self.iri(term.value)


def write_jsonld(triples: Iterator[ox.Triple], out: IO[str], prefixes: dict[str, str]) -> None:
    """Compact JSON-LD: one node object per subject, keys as prefixed names."""
    compact = _Compactor(prefixes)
    nodes: dict[str, dict] = {}
    for triple in triples:
        node = nodes.setdefault(compact.subject(triple.subject),
                                {"@id": compact.subject(triple.subject)})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(compact.iri(triple.object.value))
        else:
            node.setdefault(compact.iri(triple.predicate.value), []).append(
                compact.term(triple.object))
    # One node object per line: readable, and written by json's fast C encoder (an
    # indented dump falls back to the pure-Python one, minutes on a large graph).
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
    out.write('{"@context": ' + context + ',\n"@graph": [\n')
    for index, node in enumerate(nodes.values()):
        out.write((",\n" if index else "") + json.dumps(node, ensure_ascii=False))
    out.write("\n]}\n")
