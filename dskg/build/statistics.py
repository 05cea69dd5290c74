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

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
EXACT_MATCH = "<http://www.w3.org/2004/02/skos/core#exactMatch>"
DATES = ("<https://schema.org/startDate>", "<https://schema.org/endDate>")
#: Where links lead (VoID linksets): EU country table, Wikidata.
LINK_TARGETS = ("http://publications.europa.eu/resource/authority/country/",
                "http://www.wikidata.org/entity/")
DIGEST = 8


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
    def of_lines(cls, lines: list[str], practice_class: str, country: str) -> Statistics:
        """The counts of one segment's distinct N-Triples lines."""
        stats = cls(triples=len(lines))
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
            elif predicate == EXACT_MATCH:
                for target in LINK_TARGETS:
                    if term.startswith("<" + target):
                        stats.links[target] += 1
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
