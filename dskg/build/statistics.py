"""What VoID and the DCAT-AP catalogue count, gathered while the dumps are written.

Counting over the store (distinct objects, partitions by class and property, the
countries covered, the first and last dates) takes seconds of aggregation per query
at 100,000 practices. The dumps already pass over every statement once, segment by
segment (:mod:`.dumps`), so each segment's counts are kept with it: an incremental
build counts only the segments it rewrites and adds them up with the others'.
Subjects never span two segments, so their counts add up; objects do, so each
segment keeps the 8-byte digests of its distinct objects and the build counts their
union.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from dskg.links import EU_PROGRAMME, NUTS, ROR, WIKIDATA

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DATES = ("<https://schema.org/startDate>", "<https://schema.org/endDate>")
DIGEST = 8


@dataclass(frozen=True)
class Linkset:
    """Links that VoID describes as one linkset: a property and where its objects lie."""

    #: Part of the linkset's IRI (``set/practices/linkset/{slug}``), which never changes.
    slug: str
    predicate: str
    #: The IRI prefix of the objects.
    target: str
    title: str

    @property
    def key(self) -> str:
        return f"{self.predicate} {self.target}"


def linksets(vocab: str) -> tuple[Linkset, ...]:
    """The linksets of a graph whose vocabulary lies under ``vocab``: countries to the EU
    country table and Wikidata, and the link decisions of ``data/links/``."""
    exact = "http://www.w3.org/2004/02/skos/core#exactMatch"
    same = "http://www.w3.org/2002/07/owl#sameAs"
    dskg = vocab + "def/dskg/"
    return (
        Linkset("eu-countries", exact, "http://publications.europa.eu/resource/authority/country/",
                "EU country authority table"),
        Linkset("wikidata", exact, WIKIDATA, "Wikidata"),
        Linkset("eu-programmes", same, EU_PROGRAMME, "EU programme authority table (funders "
                "that are the programme)"),
        Linkset("eu-programmes-funding", dskg + "euProgramme", EU_PROGRAMME,
                "EU programme authority table (funders under the programme)"),
        Linkset("nuts", "http://purl.org/dc/terms/spatial", NUTS, "NUTS 2024 regions"),
        Linkset("wikidata-organisations", same, WIKIDATA, "Wikidata (organisations)"),
        Linkset("ror", same, ROR, "Research Organization Registry"),
        Linkset("digcomp", dskg + "competence", vocab + "def/digcomp/",
                "DigComp 2.2 competences"),
    )


class Counted(NamedTuple):
    """What the counts single out: practices, their countries, and the linksets (keys)."""

    practice_class: str
    country: str
    links: tuple[str, ...] = ()


@dataclass
class _Counts:
    """Counts over the union of the graphs (distinct triples), as VoID states them."""

    triples: int = 0
    subjects: int = 0
    iri_subjects: int = 0
    properties: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    links: Counter[str] = field(default_factory=Counter)
    #: Objects of the country property (the countries practices are in).
    countries: set[str] = field(default_factory=set)
    #: Earliest and latest start or end date of a practice (lexical forms).
    dates: list[str] = field(default_factory=list)


@dataclass
class Statistics(_Counts):
    """The counts of one segment, with the digests of its distinct objects."""

    objects: bytes = b""

    @classmethod
    def of_lines(cls, lines: list[str], practice_class: str, country: str,
                 links: tuple[str, ...] = ()) -> Statistics:
        """The counts of one segment's distinct N-Triples lines (``links``: the keys of
        the linksets to count, :attr:`Linkset.key`)."""
        stats = cls(triples=len(lines))
        targets: dict[str, list[str]] = {}
        for key in links:
            predicate, target = key.split(" ")
            targets.setdefault(f"<{predicate}>", []).append(target)
        practices, subjects, objects, dates = set(), set(), set(), []
        parsed = []
        for line in lines:
            subject, predicate, rest = line.split(" ", 2)
            term = rest[:-2]
            parsed.append((subject, predicate, term))
            subjects.add(subject)
            objects.add(hashlib.blake2b(term.encode("utf-8"), digest_size=DIGEST).digest())
            stats.properties[predicate[1:-1]] += 1
            if predicate == RDF_TYPE:
                stats.classes[term[1:-1]] += 1
                if term == f"<{practice_class}>":
                    practices.add(subject)
            elif predicate in targets:
                for target in targets[predicate]:
                    if term.startswith("<" + target):
                        stats.links[f"{predicate[1:-1]} {target}"] += 1
            elif predicate == f"<{country}>":
                stats.countries.add(term[1:-1])
        for subject, predicate, term in parsed:
            if predicate in DATES and subject in practices and term.startswith('"'):
                dates.append(term[1:term.index('"', 1)])
        stats.subjects = len(subjects)
        stats.iri_subjects = sum(1 for s in subjects if s.startswith("<"))
        stats.dates = [min(dates), max(dates)] if dates else []
        stats.objects = b"".join(sorted(objects))
        return stats

    def as_json(self) -> dict:
        """Everything but the object digests (kept in a file of their own)."""
        return {"triples": self.triples, "subjects": self.subjects,
                "iri_subjects": self.iri_subjects, "properties": dict(self.properties),
                "classes": dict(self.classes), "links": dict(self.links),
                "countries": sorted(self.countries), "dates": self.dates}

    @classmethod
    def from_json(cls, data: dict, objects: bytes) -> Statistics:
        return cls(data["triples"], data["subjects"], data["iri_subjects"],
                   Counter(data["properties"]), Counter(data["classes"]),
                   Counter(data["links"]), set(data["countries"]), data["dates"], objects)

    @classmethod
    def total(cls, segments: list[Statistics]) -> Total:
        total = Total()
        objects: set[bytes] = set()
        dates: list[str] = []
        for stats in segments:
            total.triples += stats.triples
            total.subjects += stats.subjects
            total.iri_subjects += stats.iri_subjects
            total.properties.update(stats.properties)
            total.classes.update(stats.classes)
            total.links.update(stats.links)
            total.countries |= stats.countries
            dates += stats.dates
            objects.update(stats.objects[i:i + DIGEST]
                           for i in range(0, len(stats.objects), DIGEST))
        total.objects = len(objects)
        total.dates = [min(dates), max(dates)] if dates else []
        return total


@dataclass
class Total(_Counts):
    """The counts of a whole build: distinct objects counted across segments."""

    objects: int = 0
