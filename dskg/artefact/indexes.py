"""What the browse pages need, computed once per build (by :mod:`dskg.build.indexes`).

Oxigraph is slow at ORDER BY and aggregates over large data, and the store only
changes at build time, so each build writes ``indexes.json``: per kind of resource,
its members sorted by label, and counts. Servers load it once per build.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dskg.messages import N_

#: Kind → (title, class IRI template, label properties in order of preference).
KINDS = {
    "practice": (N_("Good practices"), "{dskg}GoodPractice", ("http://purl.org/dc/terms/title",)),
    "organisation": (N_("Organisations"), "http://www.w3.org/ns/org#Organization", ()),
    "funder": (N_("Funders"), "{dskg}Funder", ()),
    "country": (N_("Countries"), "http://purl.org/dc/terms/Location", ()),
    "place": (N_("Places"), "https://schema.org/Place", ()),
    "scheme": (N_("Concept schemes"), "http://www.w3.org/2004/02/skos/core#ConceptScheme", ()),
}
@dataclass
class Indexes:
    """The indexes of one build, as the server reads them."""

    counts: dict[str, int]
    triples: int
    lists: dict[str, list[list[str]]]

    @classmethod
    def load(cls, path: Path) -> Indexes:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(counts=data["counts"], triples=data["triples"], lists=data["lists"])
