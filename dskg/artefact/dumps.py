"""Whole-graph downloads, written once per build from the built store.

Turtle, N-Triples and JSON-LD hold the union of all named graphs (what a SPARQL
query sees by default); N-Quads keeps the named graphs, so provenance (page data vs
curation) survives a round trip. JSON-LD is written compact, against a readable
``@context`` of our prefixes (:func:`dskg.formats.write_jsonld`).
"""
from __future__ import annotations

import gzip
from pathlib import Path

from dskg.formats import write_jsonld
from dskg.store import Store

#: File name → (description, media type); the server and the catalogue read this too.
DUMPS = {
    "dskg.ttl": ("Turtle", "text/turtle"),
    "dskg.nt.gz": ("N-Triples, gzip", "application/n-triples"),
    "dskg.nq.gz": ("N-Quads, gzip", "application/n-quads"),
    "dskg.jsonld": ("JSON-LD", "application/ld+json"),
}


def write_dumps(store: Store, directory: Path, prefixes: dict[str, str]) -> dict[str, int]:
    """Write every dump into ``directory``; return each file's size in bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "dskg.ttl").open("wb") as out:
        store.dump(out, "turtle", prefixes)
    with gzip.open(directory / "dskg.nt.gz", "wb", compresslevel=6) as out:
        store.dump(out, "ntriples")
    with gzip.open(directory / "dskg.nq.gz", "wb", compresslevel=6) as out:
        store.dump(out, "nquads")
    with (directory / "dskg.jsonld").open("w", encoding="utf-8") as out:
        write_jsonld(store.triples(), out, prefixes)
    return {name: (directory / name).stat().st_size for name in DUMPS}
