"""Practice records and curation → RDF.

Page-derived statements go to one graph and curated statements to another, so the
provenance of every value stays visible: ``GRAPH <set/curation> { ?s ?p ?o }`` is
exactly what a data steward added by hand.

Page data is kept per practice, as a :class:`Unit`: the statements about the
practice, and the keys of the *parts* it shares with other practices (an
organisation as this page names it, the page's source). A part's statements follow
from its key alone, so a build that redoes only some practices (an incremental
build, :mod:`dskg.ledger`) recomputes exactly the parts those practices use, and
the page-data graph is the union of every unit and of every part some unit uses.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from dskg.curation import Curation, FunderEntry, OrganisationEntry, Place, PracticeEntry
from dskg.fields import FIELDS, PROSE, Field
from dskg.ingest.dates import PartialDate
from dskg.ingest.records import Approval, PracticeRecord, publication_order
from dskg.messages import said
from dskg.namespaces import SCHEMA
from dskg.progress import Progress
from dskg.prose import sections as prose_sections
from dskg.registry import SlugRegistry, name_key, origin_key, slugify, title_key
from dskg.sources import Source
from dskg.text import fold
from dskg.vocab import Vocabularies

DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}
#: What a harvested source is, in its provenance.
SOURCE_LABELS = {"wordpress": "posts of the WordPress site {url}, read through its REST API",
                 "html": "pages of {url} as the site renders them"}
SCRIPT_LANGUAGES = {"CYRILLIC": ("bg", "mk", "sr", "uk", "ru", "be"), "GREEK": ("el",),
                    "GEORGIAN": ("ka",), "ARMENIAN": ("hy",)}


Triple = tuple[Node, Node, Node]
class PartKey(NamedTuple):
    """A part several practices may share: an organisation or a source, as one page
    names it, or the editor who submitted them (by pseudonym)."""

    kind: str
    #: The IRI of the resource the part describes.
    subject: str
    #: The name as the page gives it.
    name: str


def part_key(item: list[str] | tuple[str, ...]) -> PartKey:
    """A part's key as JSON gives it back (a list)."""
    kind, subject, name = item
    return PartKey(kind, subject, name)


@dataclass
class Unit:
    """What one published practice puts in the page-data graph."""

    iri: URIRef
    #: Statements whose subject is the practice.
    triples: list[Triple]
    #: The parts it uses, in the order it met them.
    parts: list[PartKey] = field(default_factory=list)


@dataclass
class MappedGraph:
    """The RDF of one build (or of the practices an incremental build redoes), before
    validation."""

    curation: Graph
    units: dict[URIRef, Unit] = field(default_factory=dict)
    #: The statements of every part a unit uses.
    parts: dict[PartKey, list[Triple]] = field(default_factory=dict)
    practices: dict[URIRef, PracticeRecord] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: IRI of a practice a registry key still names → the practice it is now part of
    #: (its entry became a duplicate); the change stream records the merge.
    merged: dict[str, str] = field(default_factory=dict)
    #: Resources other than practices taken out by quarantine, with the links to them.
    withheld: set[URIRef] = field(default_factory=set)

    def used_parts(self) -> list[PartKey]:
        """Every part some unit uses, once, in the order units use them."""
        return list(dict.fromkeys(key for unit in self.units.values() for key in unit.parts))

    def data(self) -> Iterator[Triple]:
        """The page-data graph's statements (a statement two parts share comes twice),
        without those about or linking to a withheld resource."""
        withheld = self.withheld
        for unit in self.units.values():
            yield from (t for t in unit.triples if t[2] not in withheld)
        for key in self.used_parts():
            if URIRef(key.subject) not in withheld:
                yield from (t for t in self.parts[key] if t[2] not in withheld)

    def statements(self) -> int:
        return sum(len(u.triples) for u in self.units.values()) + sum(
            len(self.parts[key]) for key in self.used_parts())


def date_literal(value: PartialDate) -> Literal:
    return Literal(value.iso, datatype=DATE_TYPES[value.precision])


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


ASCII_LETTER = re.compile(r"[A-Za-z]")
NON_ASCII = re.compile(r"[^\x00-\x7f]")


def dominant_script(text: str, sample: int = 400) -> str | None:
    """The non-Latin script most letters of ``text`` are written in, if any."""
    if text.isascii():
        return None
    head = text[:sample]
    latin = ASCII_LETTER.search(head)
    # Script → (letters, where it first appears): a tie goes to the first to appear.
    counts: dict[str, list[int]] = {}
    if latin:
        counts["LATIN"] = [len(ASCII_LETTER.findall(head)), latin.start()]
    for match in NON_ASCII.finditer(head):
        ch = match.group()
        if ch.isalpha():
            script = _script(ch)
            counts.setdefault(script, [0, match.start()])[0] += 1
    if not counts:
        return None
    script = min(counts, key=lambda name: (-counts[name][0], counts[name][1]))
    return script if script in SCRIPT_LANGUAGES else None


def text_language(text: str, countries: list[URIRef], vocab: Vocabularies,
                  default: str) -> str:
    """Language tag for a title or description: the page language, unless the text
    is in another script, then the matching language of the practice's country."""
    script = dominant_script(text)
    if script is None:
        return default
    candidates = SCRIPT_LANGUAGES[script]
    country_graph = vocab.schemes["country"]
    native = vocab.ns.iri("def/country/nativeLabel")
    for country in countries:
        for label in country_graph.objects(country, native):
            if isinstance(label, Literal) and label.language in candidates:
                return label.language
    return candidates[0] if len(candidates) == 1 else "und"


class Mapper:
    """Writes the RDF for one build's records and curation."""

    def __init__(self, vocab: Vocabularies, registry: SlugRegistry, curation: Curation,
                 default_language: str = "en", sources: Sequence[Source] = ()):
        self.vocab, self.ns, self.registry = vocab, vocab.ns, registry
        self.curation, self.language = curation, default_language
        self.declared = {source.name: source for source in sources
                         if source.kind != "listing-text"}
        self.result = MappedGraph(curation=Graph())
        self.slugs: dict[str, URIRef] = {}
        self.sources: set[str] = set()
        self.unit: Unit | None = None
        self.taken: Container[str] = ()
        self.kept: dict[int, URIRef] = {}

    def run(self, records: list[PracticeRecord], taken: Container[str] = (),
            kept: dict[int, URIRef] | None = None) -> MappedGraph:
        """Map the ``ok`` records; ``taken`` holds slugs of practices published without
        being redone here (an incremental build's unchanged practices), ``kept`` the
        IRI of each record (by ``id``) that is not mapped again because nothing it
        says changed."""
        self._register_curated_names()
        self.taken, self.kept = taken, kept or {}
        publishable = sorted((r for r in records if r.ok and id(r) not in self.kept),
                             key=publication_order)
        progress = Progress("mapped practices", len(publishable))
        for record in publishable:
            self._practice(record, taken)
            progress.advance()
        self._curated_entities()
        self._curated_practices()
        self._merges(records)
        return self.result

    def _merges(self, records: list[PracticeRecord]) -> None:
        """Practices whose entries now count as part of another practice: a key of an
        entry (its title, origin, post id…) still names a slug no practice has now."""
        iri_of = {id(record): iri for iri, record in self.result.practices.items()}
        iri_of.update(self.kept)
        for record in records:
            into = iri_of.get(id(record.same_as if record.same_as is not None else record))
            if into is None or record.title is None:
                continue
            for key in practice_keys(record):
                for slug in self.registry.named_by("practice", key):
                    if slug in self.slugs or slug in self.taken:
                        continue
                    self.result.merged[str(self.ns.practice(slug))] = str(into)

    # ------------------------------------------------------------ page data

    def _practice(self, record: PracticeRecord, taken: Container[str] = ()) -> None:
        assert record.title is not None
        exclude = _Either(self.slugs, taken)
        if record.corrects and record.corrects not in exclude:
            slug = record.corrects  # a correction takes the IRI of what it corrects
            self.registry.add_keys("practice", slug, *practice_keys(record))
        else:
            slug = self.registry.mint("practice", record.title, *practice_keys(record),
                                      exclude=exclude)
        for other in record.also_from:
            self.registry.add_keys("practice", slug, *practice_keys(other))
        iri = self.ns.practice(slug)
        self.slugs[slug] = iri
        self.result.practices[iri] = record
        self.unit = unit = self.result.units[iri] = Unit(iri, [])
        g, dskg = _Statements(unit.triples), self.ns.dskg
        lang = record.language or text_language(record.title + " " + record.body,
                                                record.countries, self.vocab, self.language)
        g.add((iri, RDF.type, dskg.GoodPractice))
        g.add((iri, DCTERMS.identifier, Literal(slug)))
        g.add((iri, DCTERMS.title, Literal(record.title, lang=lang)))
        self._body(g, iri, record.body, lang)
        for other_lang, (title, body) in record.translations.items():
            if other_lang != lang:
                g.add((iri, DCTERMS.title, Literal(title, lang=other_lang)))
                self._body(g, iri, body, other_lang)
        if record.published:
            g.add((iri, DCTERMS.issued, date_literal(record.published)))
        for name, declared in FIELDS.items():
            for value in record.values.get(name, []):
                term = (self._curated_funder(value, f"{record.location}: funders")
                        if declared.kind == "funder" else self._page_value(declared, value))
                if term is not None:
                    g.add((iri, self.ns.expand(declared.property), term))
        if record.item is None:
            g.add((iri, dskg.sourceEntry, Literal(record.entry)))
        if record.approval is not None:
            for triple in self._approval(iri, record.approval):
                g.add(triple)
        for seen in (record, *record.also_from):
            g.add((iri, PROV.wasDerivedFrom, self._page_source(seen.source)))
            if seen.url:
                g.add((iri, FOAF.page, URIRef(seen.url)))
        unit.triples = list(dict.fromkeys(unit.triples))
        self.unit = None

    def _approval(self, iri: URIRef, approval: Approval) -> list[Triple]:
        """The submission a practice went live from: approved when, by which role, and
        by which editor if its author agreed to be named (a pseudonymous IRI)."""
        submission = self.ns.iri(f"id/submission/{approval.submission}")
        triples: list[Triple] = [
            (iri, self.ns.dskg.submission, submission), (submission, RDF.type, PROV.Activity),
            (submission, PROV.endedAtTime, Literal(approval.time, datatype=XSD.dateTime)),
            (submission, self.ns.dskg.approverRole, Literal(approval.role))]
        if approval.editor:  # its author agreed to be named, by a pseudonym
            editor = self._use(PartKey("editor", str(self.ns.iri(
                f"id/editor/{approval.editor}")), approval.editor), _editor_part)
            triples.append((submission, PROV.wasAssociatedWith, editor))
        return triples

    def _page_value(self, declared: Field, value: Any) -> Node | None:
        """The RDF term of one value a page gives for a field."""
        if declared.kind == "concept":
            return value
        if declared.kind == "name":
            return self._page_organisation(value)
        if declared.kind == "date":
            return date_literal(value)
        if declared.kind == "note":
            return Literal(value, lang="en")
        return Literal(value)

    def _use(self, key: PartKey, make: Callable[[URIRef], list[Triple]]) -> URIRef:
        """The subject of a part, which the practice being mapped now uses."""
        iri = URIRef(key.subject)
        if key not in self.result.parts:
            self.result.parts[key] = make(iri)
        assert self.unit is not None
        if key not in self.unit.parts:
            self.unit.parts.append(key)
        return iri

    def part(self, key: PartKey) -> list[Triple]:
        """The statements of a part, from its key alone."""
        kind, subject, name = key
        if kind == "organisation":
            return self._organisation_part(URIRef(subject), subject.rsplit("/", 1)[-1], name)
        if kind == "editor":
            return _editor_part(URIRef(subject))
        return self._source_description(URIRef(subject), name, "page")

    def _page_organisation(self, name: str) -> URIRef:
        slug = self.registry.mint("organisation", name, name_key(name))
        return self._use(PartKey("organisation", str(self.ns.organisation(slug)), name),
                         lambda iri: self._organisation_part(iri, slug, name))

    def _body(self, g: _Statements, iri: URIRef, body: str, lang: str) -> None:
        """The whole description, and each part of it its headings open."""
        if not body:
            return
        g.add((iri, DCTERMS.description, Literal(body, lang=lang)))
        for name, text in prose_sections(body).items():
            g.add((iri, self.ns.expand(PROSE[name].property), Literal(text, lang=lang)))

    def _organisation_part(self, iri: URIRef, slug: str, name: str) -> list[Triple]:
        """An organisation as one page names it (several spellings: several parts)."""
        triples: list[Triple] = [(iri, RDF.type, ORG.Organization)]
        curated = self.curation.organisations.get(slug)
        if curated is None:
            triples.append((iri, SKOS.prefLabel, Literal(name)))
            triples.append((iri, DCTERMS.identifier, Literal(slug)))
        elif fold(name) != fold(curated.name):
            triples.append((iri, SKOS.altLabel, Literal(name)))
        return triples

    def _page_source(self, name: str) -> URIRef:
        return self._use(PartKey("source", str(self.ns.source(slugify(name))), name),
                         lambda iri: self._source_description(iri, name, "page"))

    def _source(self, name: str, kind: str) -> URIRef:
        """A curation file as a source (in the curation graph, once)."""
        iri = self.ns.source(slugify(name))
        if name not in self.sources:
            self.sources.add(name)
            for triple in self._source_description(iri, name, kind):
                self.result.curation.add(triple)
        return iri

    def _source_description(self, iri: URIRef, name: str, kind: str) -> list[Triple]:
        declared = self.declared.get(name)
        triples: list[Triple] = [(iri, RDF.type, PROV.Entity), (iri, RDF.type, FOAF.Document),
                                 (iri, DCTERMS.title, Literal(name))]
        if declared is not None and declared.url:
            label = SOURCE_LABELS[declared.kind].format(url=declared.url)
            triples.append((iri, DCTERMS.source, URIRef(declared.url)))
        elif declared is not None and declared.kind == "editorial":
            label = "practices that editors submitted on this site and a curator approved"
        elif kind == "page":
            label = "scraped listing page in data/ of the dskg repository"
        else:
            label = "curation file in data/ of the dskg repository"
        triples.append((iri, RDFS.comment, Literal(label, lang="en")))
        return triples

    # ------------------------------------------------------------ curation

    def _register_curated_names(self) -> None:
        for kind, entries in (("organisation", self.curation.organisations),
                              ("funder", self.curation.funders)):
            for slug, entry in entries.items():
                names = [entry.name, *entry.also_known_as]
                self.registry.add_keys(kind, slug, *(name_key(n) for n in names))

    def _curated_entities(self) -> None:
        for entry in self.curation.organisations.values():
            self._curated_agent(self.ns.organisation(entry.slug), entry, [ORG.Organization])
        dskg = self.ns.dskg
        for entry in self.curation.funders.values():
            iri = self.ns.funder(entry.slug)
            kind = dskg.FundingBody if entry.type == "body" else dskg.FundingProgramme
            types = [dskg.Funder, kind] + ([ORG.Organization] if entry.type == "body" else [])
            self._curated_agent(iri, entry, types)
            where = f"{entry.source}: funders.{entry.slug}"
            if entry.part_of:
                parent = self._curated_funder(entry.part_of, f"{where}.part_of")
                if parent is not None:
                    self.result.curation.add((iri, DCTERMS.isPartOf, parent))
            for slug in entry.funded_by:
                funder = self._curated_funder(slug, f"{where}.funded_by")
                if funder is not None:
                    self.result.curation.add((iri, SCHEMA.funder, funder))

    def _curated_agent(self, iri: URIRef, entry: OrganisationEntry, types: list) -> None:
        g = self.result.curation
        for rdf_type in types:
            g.add((iri, RDF.type, rdf_type))
        g.add((iri, SKOS.prefLabel, Literal(entry.name)))
        g.add((iri, DCTERMS.identifier, Literal(entry.slug)))
        for alias in entry.also_known_as:
            g.add((iri, SKOS.altLabel, Literal(alias)))
        if entry.homepage:
            g.add((iri, FOAF.homepage, URIRef(entry.homepage)))
        kind = "funders" if isinstance(entry, FunderEntry) else "organisations"
        if entry.country:
            country = self._country(entry.country, f"{entry.source}: {kind}.{entry.slug}.country")
            if country is not None:
                g.add((iri, DCTERMS.spatial, country))
        g.add((iri, PROV.wasDerivedFrom, self._source(entry.source, "curation")))

    def _curated_funder(self, slug: str, where: str) -> URIRef | None:
        if slug in self.curation.funders:
            return self.ns.funder(slug)
        self.result.problems.append(said("%(where)s: %(slug)r is no funder defined in "
                                         "curation", where=where, slug=slug))
        return None

    def _country(self, value: str, where: str) -> URIRef | None:
        concept = self.vocab.lookup("country", value)
        if concept is None:
            self.result.problems.append(f"{where}: {value!r} is no country we know "
                                        "(use an ISO code or a name)")
        return concept

    def _curated_practices(self) -> None:
        for slug, entries in self.curation.practices.items():
            for entry in entries:
                where = f"{entry.source}: practices.{slug}"
                iri = self.slugs.get(slug)
                if iri is None and slug in self.taken:
                    iri = self.ns.practice(slug)
                if iri is None:
                    self.result.problems.append(f"{where}: no published practice has this "
                                                "slug; curation not applied")
                else:
                    self._curate(iri, entry, where)

    def _curate(self, iri: URIRef, entry: PracticeEntry, where: str) -> None:
        g = self.result.curation
        g.add((iri, PROV.wasDerivedFrom, self._source(entry.source, "curation")))
        for name, declared in FIELDS.items():
            if name not in entry.values:
                continue
            values = entry.values[name]
            prop = self.ns.expand(declared.property)
            unit = self.result.units.get(iri)
            if not declared.many and unit is not None:  # a curated value replaces the page's
                unit.triples = [t for t in unit.triples if t[1] != prop]
            for value in values:
                term = self._curated_value(declared, value, f"{where}.{name}")
                if term is not None:
                    g.add((iri, prop, term))

    def _curated_value(self, declared: Field, value: Any, where: str) -> Node | None:
        """The RDF term of one curated value of a field, or ``None`` (reported)."""
        if declared.kind == "concept":
            assert declared.scheme is not None
            concept = self.vocab.lookup(declared.scheme, value)
            if concept is None:
                self.result.problems.append(f"{where}: {value!r} matches no concept; ignored")
            return concept
        if declared.kind == "name":
            if value in self.curation.organisations:
                return self.ns.organisation(value)
            self.result.problems.append(f"{where}: {value!r} is no organisation defined in "
                                        "curation; ignored")
            return None
        if declared.kind == "funder":
            return self._curated_funder(value, where)
        if declared.kind == "place":
            return self._place(value, where.rsplit(".", 1)[0])
        return self._page_value(declared, value)

    def _place(self, place: Place, where: str) -> URIRef:
        country = self._country(place.country, f"{where}.places") if place.country else None
        key = name_key(place.name + (f", {place.country}" if place.country else ""))
        slug = self.registry.mint("place", place.name, key)
        iri = self.ns.place(slug)
        g = self.result.curation
        g.add((iri, RDF.type, SCHEMA.Place))
        g.add((iri, SKOS.prefLabel, Literal(place.name)))
        if country is not None:
            g.add((iri, SCHEMA.containedInPlace, country))
        return iri


def _editor_part(iri: URIRef) -> list[Triple]:
    """A named editor, shared by the submissions of one account: only an agent."""
    return [(iri, RDF.type, PROV.Agent)]


class _Statements:
    """A unit's statement list with a graph's ``add``, so mapping reads the same for
    both."""

    def __init__(self, triples: list[Triple]):
        self.triples = triples

    def add(self, triple: Triple) -> None:
        self.triples.append(triple)


class _Either:
    """Slugs in either of two containers."""

    def __init__(self, first: Container[str], second: Container[str]):
        self.first, self.second = first, second

    def __contains__(self, slug: object) -> bool:
        return slug in self.first or slug in self.second


def practice_keys(record: PracticeRecord) -> list[str]:
    """The registry keys that find a practice's slug again, the most lasting first: the
    item in its source (a post id), its permalink, its title, where it was published."""
    assert record.title is not None
    # A post id names its item for good; a page is named by its URL (the next key).
    keys = [f"item:{record.source}|{record.item}"] if record.item not in (None, "page") else []
    if record.url:
        keys.append("page:" + record.url.rstrip("/"))
    keys.append(title_key(record.title))
    if record.approval is not None:  # its submission names it; many go live a day
        return keys
    keys.append(origin_key(record.source, record.published.iso if record.published else None,
                           record.entry))
    return keys


def map_records(records: list[PracticeRecord], curation: Curation, registry: SlugRegistry,
                vocab: Vocabularies, default_language: str = "en",
                sources: Sequence[Source] = (), taken: Container[str] = (),
                kept: dict[int, URIRef] | None = None) -> MappedGraph:
    """The RDF of the ``ok`` records plus curation, minting slugs through ``registry``
    (never one of ``taken``), but for the records ``kept`` (see :meth:`Mapper.run`)."""
    return Mapper(vocab, registry, curation, default_language, sources).run(
        records, taken, kept)

