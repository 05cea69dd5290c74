"""Practice records and curation → RDF.

Page-derived statements go to one graph and curated statements to another, so the
provenance of every value stays visible: ``GRAPH <set/curation> { ?s ?p ?o }`` is
exactly what a data steward added by hand. Both graphs are rdflib graphs here; the
store module loads them as named graphs.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from dskg.curation import Curation, FunderEntry, OrganisationEntry, Place, PracticeEntry
from dskg.fields import FIELDS, Field
from dskg.ingest.dates import PartialDate
from dskg.ingest.records import PracticeRecord, publication_order
from dskg.namespaces import SCHEMA
from dskg.progress import Progress
from dskg.registry import SlugRegistry, name_key, origin_key, slugify, title_key
from dskg.sources import Source
from dskg.vocab import Vocabularies, fold

DATE_TYPES = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}
#: What a harvested source is, in its provenance.
SOURCE_LABELS = {"wordpress": "posts of the WordPress site {url}, read through its REST API",
                 "html": "pages of {url} as the site renders them"}
SCRIPT_LANGUAGES = {"CYRILLIC": ("bg", "mk", "sr", "uk", "ru", "be"), "GREEK": ("el",),
                    "GEORGIAN": ("ka",), "ARMENIAN": ("hy",)}


@dataclass
class MappedGraph:
    """The RDF of one build, before validation."""

    data: Graph
    curation: Graph
    practices: dict[URIRef, PracticeRecord] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: IRI of a practice a registry key still names → the practice it is now part of
    #: (its entry became a duplicate); the change stream records the merge.
    merged: dict[str, str] = field(default_factory=dict)


def date_literal(value: PartialDate) -> Literal:
    return Literal(value.iso, datatype=DATE_TYPES[value.precision])


def dominant_script(text: str, sample: int = 400) -> str | None:
    """The non-Latin script most letters of ``text`` are written in, if any."""
    if text.isascii():
        return None
    counts: dict[str, int] = {}
    for ch in text[:sample]:
        if ch.isalpha():
            script = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    script = max(counts, key=lambda name: counts[name])
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
        self.declared = {source.name: source for source in sources if source.harvested}
        self.result = MappedGraph(data=Graph(), curation=Graph())
        self.slugs: dict[str, URIRef] = {}
        self.sources: set[str] = set()

    def run(self, records: list[PracticeRecord]) -> MappedGraph:
        self._register_curated_names()
        publishable = sorted((r for r in records if r.ok), key=publication_order)
        progress = Progress("mapped practices", len(publishable))
        for record in publishable:
            self._practice(record)
            progress.advance()
        self._curated_entities()
        self._curated_practices()
        self._merges(records)
        return self.result

    def _merges(self, records: list[PracticeRecord]) -> None:
        """Practices whose entries now count as part of another practice: a key of an
        entry (its title, origin, post id…) still names a slug no practice has now."""
        iri_of = {id(record): iri for iri, record in self.result.practices.items()}
        for record in records:
            into = iri_of.get(id(record.same_as if record.same_as is not None else record))
            if into is None or record.title is None:
                continue
            for key in practice_keys(record):
                for slug in self.registry.named_by("practice", key) - set(self.slugs):
                    self.result.merged[str(self.ns.practice(slug))] = str(into)

    # ------------------------------------------------------------ page data

    def _practice(self, record: PracticeRecord) -> None:
        assert record.title is not None
        slug = self.registry.mint("practice", record.title, *practice_keys(record),
                                  exclude=self.slugs)
        for other in record.also_from:
            self.registry.add_keys("practice", slug, *practice_keys(other))
        iri = self.ns.practice(slug)
        self.slugs[slug] = iri
        self.result.practices[iri] = record
        g, dskg = self.result.data, self.ns.dskg
        lang = record.language or text_language(record.title + " " + record.body,
                                                record.countries, self.vocab, self.language)
        g.add((iri, RDF.type, dskg.GoodPractice))
        g.add((iri, DCTERMS.identifier, Literal(slug)))
        g.add((iri, DCTERMS.title, Literal(record.title, lang=lang)))
        if record.body:
            g.add((iri, DCTERMS.description, Literal(record.body, lang=lang)))
        for other_lang, (title, body) in record.translations.items():
            if other_lang != lang:
                g.add((iri, DCTERMS.title, Literal(title, lang=other_lang)))
                if body:
                    g.add((iri, DCTERMS.description, Literal(body, lang=other_lang)))
        if record.published:
            g.add((iri, DCTERMS.issued, date_literal(record.published)))
        for name, declared in FIELDS.items():
            for value in record.values.get(name, []):
                term = self._page_value(declared, value)
                if term is not None:
                    g.add((iri, self.ns.expand(declared.property), term))
        if record.item is None:
            g.add((iri, dskg.sourceEntry, Literal(record.entry)))
        for seen in (record, *record.also_from):
            g.add((iri, PROV.wasDerivedFrom, self._source(seen.source, "page")))
            if seen.url:
                g.add((iri, FOAF.page, URIRef(seen.url)))

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

    def _page_organisation(self, name: str) -> URIRef:
        slug = self.registry.mint("organisation", name, name_key(name))
        iri = self.ns.organisation(slug)
        g = self.result.data
        g.add((iri, RDF.type, ORG.Organization))
        curated = self.curation.organisations.get(slug)
        if curated is None:
            g.add((iri, SKOS.prefLabel, Literal(name)))
            g.add((iri, DCTERMS.identifier, Literal(slug)))
        elif fold(name) != fold(curated.name):
            g.add((iri, SKOS.altLabel, Literal(name)))
        return iri

    def _source(self, name: str, kind: str) -> URIRef:
        iri = self.ns.source(slugify(name))
        if name not in self.sources:
            self.sources.add(name)
            g = self.result.data if kind == "page" else self.result.curation
            g.add((iri, RDF.type, PROV.Entity))
            g.add((iri, RDF.type, FOAF.Document))
            g.add((iri, DCTERMS.title, Literal(name)))
            declared = self.declared.get(name)
            if declared is not None and declared.url:
                label = SOURCE_LABELS[declared.kind].format(url=declared.url)
                g.add((iri, DCTERMS.source, URIRef(declared.url)))
            elif kind == "page":
                label = "scraped listing page in data/ of the dskg repository"
            else:
                label = "curation file in data/ of the dskg repository"
            g.add((iri, RDFS.comment, Literal(label, lang="en")))
        return iri

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
        self.result.problems.append(f"{where}: {slug!r} is no funder defined in curation")
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
            if not declared.many:  # a curated value replaces what the page says
                self.result.data.remove((iri, prop, None))
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


def practice_keys(record: PracticeRecord) -> list[str]:
    """The registry keys that find a practice's slug again, the most lasting first: the
    item in its source (a post id), its permalink, its title, where it was published."""
    assert record.title is not None
    # A post id names its item for good; a page is named by its URL (the next key).
    keys = [f"item:{record.source}|{record.item}"] if record.item not in (None, "page") else []
    if record.url:
        keys.append("page:" + record.url.rstrip("/"))
    keys.append(title_key(record.title))
    keys.append(origin_key(record.source, record.published.iso if record.published else None,
                           record.entry))
    return keys


def map_records(records: list[PracticeRecord], curation: Curation, registry: SlugRegistry,
                vocab: Vocabularies, default_language: str = "en",
                sources: Sequence[Source] = ()) -> MappedGraph:
    """The RDF of all ``ok`` records plus curation, minting slugs through ``registry``."""
    return Mapper(vocab, registry, curation, default_language, sources).run(records)

