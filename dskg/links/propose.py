"""``dskg link propose``: candidate links, each with the rule that made it and a score.

Proposals read the served build (its store), the reference tables and our DigComp
scheme, and are written to the decision files as ``candidate`` rows beside the
decisions already there, which are never changed: a link once rejected is not
proposed again. Every rule is in this module, in words in each proposal's ``rule``.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS

from dskg.artefact import Build
from dskg.config import Config
from dskg.links import KINDS, Link, read_links
from dskg.links.reconciliation import Cache, ask
from dskg.namespaces import SCHEMA, Namespaces
from dskg.rdf import IRI
from dskg.reference import TABLES, genericode, nuts
from dskg.store.interface import Store, text_of
from dskg.text import fold
from dskg.vocab import Vocabularies, load_vocabularies

log = logging.getLogger(__name__)
PROPOSER = "dskg link propose"
QUERIES = Path(__file__).resolve().parent / "queries"
#: A region name shorter than this is not looked for in text (too many false hits).
MIN_NAME = 4


@cache
def _query(name: str) -> str:
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


@dataclass
class Proposer:
    """What every rule reads: the served build's store, our vocabularies, the tables."""

    config: Config
    store: Store
    ns: Namespaces
    vocab: Vocabularies
    today: str = field(default_factory=lambda: date.today().isoformat())

    @classmethod
    def open(cls, config: Config) -> Proposer:
        ns = Namespaces.of(config)
        store = Build.open(config.current_build).open_store()
        return cls(config, store, ns, load_vocabularies(config.ontology_dir, ns))

    def select(self, name: str, **bindings: URIRef) -> list[dict]:
        return self.store.select(_query(name), {k: IRI(str(v)) for k, v in bindings.items()})

    def link(self, subject: str, relation: str, target: str, rule: str, score: float) -> Link:
        return Link(self.ns.path(subject) or subject, relation, target, "candidate", PROPOSER,
                    rule, f"{score:.2f}", self.today)

    @property
    def reference(self) -> Path:
        return self.config.ontology_dir / "reference"

    # ------------------------------------------------------------------ funders

    def funders(self) -> list[Link]:
        """Funders named like an EU programme are that programme (``same-as``); a
        funder funded by or part of one is under it (``programme``)."""
        table = TABLES["eu-programme"]
        programmes = genericode.parse((self.reference / table.file).read_bytes(), table.file)
        names: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for entry in programmes.codes.values():
            for label in entry.labels.values():
                name, acronyms, period = _programme_label(label)
                for key in {name, *acronyms}:
                    names[fold(key)].append((entry.code, period))
        rows = self.select("funders", funderClass=self.ns.dskg.Funder, name_=SKOS.prefLabel,
                           fundedBy=SCHEMA.funder, partOf=DCTERMS.isPartOf)
        funder_names: dict[str, str] = {}
        parents: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            funder = text_of(row, "funder")
            funder_names[funder] = text_of(row, "name")
            if row.get("parent") is not None:
                parents[funder].add(text_of(row, "parent"))
        links, same = [], {}
        for funder, name in funder_names.items():
            found = names.get(fold(_strip_quotes(name)), [])
            codes = sorted({c for c, _ in found})
            if not codes:
                continue
            period = _period_of(name)
            if period and len(codes) > 1:
                codes = [c for c, p in found if p == period] or codes
            score = 1.0 if len(codes) == 1 else 0.5
            label = "the table's label" if len(codes) == 1 else "several codes' label"
            for code in codes:
                links.append(self.link(funder, "same-as", table.concept_base + code,
                                       f"the funder's name {name!r} is {label} of {code}",
                                       score))
            same[funder] = codes
        for funder in funder_names:
            if funder in same:
                continue
            for ancestor, via in _ancestors(funder, parents, funder_names):
                for code in same.get(ancestor, []):
                    links.append(self.link(funder, "programme", table.concept_base + code,
                                           f"{via} {funder_names[ancestor]!r}, which is {code}",
                                           0.8))
        return links

    # ------------------------------------------------------------------ places

    def places(self) -> list[Link]:
        """Places and practices to the NUTS regions they name, in their country only:
        a place named as a region is in it; a practice whose text names a region
        (its places aside) is there."""
        regions = nuts.read_csv(self.reference / TABLES["nuts"].file)
        by_name: dict[tuple[str, str], list[nuts.Region]] = defaultdict(list)
        for region in regions.values():
            if region.level == 0:
                continue
            for name in {region.name, region.name_latin, region.name_en}:
                by_name[(region.country, fold(name))].append(region)
        base = TABLES["nuts"].concept_base
        links = []
        rows = self.select("places", placeClass=SCHEMA.Place, name_=SKOS.prefLabel,
                           containedIn=SCHEMA.containedInPlace)
        for row in rows:
            country = self._alpha2(row.get("country"))
            name = text_of(row, "name")
            found = _deepest(by_name.get((country, fold(name)), []))
            for region in found:
                score = 1.0 if len(found) == 1 else 0.5
                links.append(self.link(text_of(row, "place"), "location", base + region.code,
                                       f"the place's name {name!r} is NUTS {region.level} "
                                       f"region {region.code} {region.name_en} in {country}",
                                       score))
        texts, terms = self._practices
        patterns = _name_patterns(regions)
        for practice, text in texts.items():
            own = {fold(v) for p, v in terms[practice] if p == "location"}
            countries = {self._alpha2(v) for p, v in terms[practice] if p == "country"}
            seen = set()
            for country in sorted(c for c in countries if c in patterns):
                pattern, regions_by_name = patterns[country]
                for match in pattern.finditer(text):
                    key = match.group(0)
                    if key in own or key in seen:
                        continue
                    seen.add(key)
                    for region in _deepest(regions_by_name[key]):
                        links.append(self.link(
                            practice, "location", base + region.code,
                            f"the text names {match.group(0)!r}, NUTS {region.level} region "
                            f"{region.code} {region.name_en} of {country}", 0.6))
        return links

    # ------------------------------------------------------------------ competences

    def competences(self) -> list[Link]:
        """Practices to the DigComp competences their concepts and words suggest."""
        scheme = self.vocab.schemes["digcomp"]
        competences = sorted({URIRef(str(c)) for c in scheme.subjects(SKOS.broader, None)},
                             key=str)
        notation = {c: str(scheme.value(c, SKOS.notation)) for c in competences}
        related: dict[str, list[URIRef]] = defaultdict(list)
        for competence in competences:
            for concept in scheme.objects(competence, SKOS.relatedMatch):
                related[str(concept)].append(competence)
        # One pattern for every keyword (longest first), read once over each text: which
        # keyword matched says which competences it speaks for.
        speaks_for: dict[str, set[URIRef]] = defaultdict(set)
        for competence in competences:
            for keyword in scheme.objects(competence, SKOS.hiddenLabel):
                if isinstance(keyword, Literal):
                    speaks_for[fold(str(keyword))].add(competence)
        pattern = re.compile(r"\b(" + "|".join(
            re.escape(k) for k in sorted(speaks_for, key=len, reverse=True)) + r")\w*")
        texts, terms = self._practices
        links = []
        for practice in sorted(set(texts) | set(terms)):
            said: dict[URIRef, set[str]] = defaultdict(set)
            for match in pattern.finditer(texts.get(practice, "")):
                for competence in speaks_for[match.group(1)]:
                    said[competence].add(match.group(0))
            concepts = {v for p, v in terms[practice] if p in ("technology", "audience")}
            for competence in competences:
                reasons, score = [], 0.0
                via = sorted(self._label(c) for c in concepts
                             if competence in related.get(c, []))
                if via:
                    reasons.append(f"its concept {', '.join(via)} is related to "
                                   f"{notation[competence]}")
                    score = 0.7
                words = sorted(said.get(competence, ()))
                if words:
                    reasons.append("the text says " + ", ".join(repr(w) for w in words[:3]))
                    score = max(score, min(0.9, 0.5 + 0.1 * len(words))) + (0.1 if via else 0)
                if reasons:
                    links.append(self.link(practice, "competence", str(competence),
                                           "; ".join(reasons), min(score, 1.0)))
        return links

    # ------------------------------------------------------------------ organisations

    def organisations(self) -> list[Link]:
        """Organisations to what the configured reconciliation services match their
        names with (:mod:`dskg.links.reconciliation`); no service, no candidates."""
        services = self.config.reconcile_services.split()
        if not services:
            log.info("no reconciliation service configured (DSKG_RECONCILE_SERVICES): "
                     "no organisation candidates")
            return []
        rows = self.select("organisations", orgClass=ORG.Organization, name_=SKOS.prefLabel)
        organisations = sorted({(text_of(r, "org"), text_of(r, "name")) for r in rows})
        cache = Cache(self.config.var.harvest / "reconcile.json")
        links = []
        try:
            for service in services:
                for found in ask(service, organisations, cache, self.config.reconcile_rate):
                    links.append(self.link(found.subject, "same-as", found.target, found.rule,
                                           found.score))
        finally:
            cache.save()
        return links

    # ------------------------------------------------------------------ shared

    @cached_property
    def _practices(self) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
        """Each practice's text (titles and descriptions joined, folded: every rule
        compares folded words) and terms: (which, value) pairs, ``which`` one of
        country, technology, audience, location."""
        practice_class = self.ns.dskg.GoodPractice
        texts: dict[str, list[str]] = defaultdict(list)
        for row in self.select("practice_texts", practiceClass=practice_class,
                               title=DCTERMS.title, description=DCTERMS.description):
            texts[text_of(row, "practice")].append(text_of(row, "text"))
        which = {str(self.ns.dskg.country): "country", str(self.ns.dskg.technology):
                 "technology", str(DCTERMS.audience): "audience",
                 str(SCHEMA.location): "location"}
        terms: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in self.select("practice_terms", practiceClass=practice_class,
                               country=self.ns.dskg.country, technology=self.ns.dskg.technology,
                               audience=DCTERMS.audience, location=SCHEMA.location,
                               name_=SKOS.prefLabel):
            terms[text_of(row, "practice")].append((which[text_of(row, "property")],
                                                    text_of(row, "value")))
        return {p: fold("\n".join(t)) for p, t in texts.items()}, terms

    def _alpha2(self, country: object) -> str:
        if country is None:
            return ""
        try:
            return self.vocab.country_code(URIRef(getattr(country, "value", str(country))))
        except KeyError:
            return ""

    def _label(self, concept: str) -> str:
        for graph in self.vocab.schemes.values():
            label = graph.value(URIRef(concept), SKOS.prefLabel)
            if label is not None:
                return f"{label}"
        return concept


def _programme_label(label: str) -> tuple[str, list[str], str]:
    """An EU programme's label split: name, acronyms, period (``2014/2020``)."""
    groups = re.findall(r"\(([^()]*)\)", label)
    name = re.sub(r"\s*\([^()]*\)", "", label).strip()
    period = next((g for g in groups if re.fullmatch(r"\d{4}/\d{4}", g)), "")
    acronyms = [g for g in groups if g != period and " " not in g and len(g) >= 2]
    return name, acronyms, period


def _strip_quotes(name: str) -> str:
    return re.sub(r"[“”\"„«»]", "", name).strip()


def _period_of(name: str) -> str:
    m = re.search(r"(\d{4})\s*[-–/]\s*(\d{4})", name)
    return f"{m[1]}/{m[2]}" if m else ""


def _ancestors(funder: str, parents: dict[str, set[str]], names: dict[str, str]
               ) -> Iterable[tuple[str, str]]:
    """The funders above ``funder`` (funded by or part of, at any depth), each with
    the words that say how."""
    seen, todo = {funder}, [(funder, "funded by or part of")]
    while todo:
        current, via = todo.pop()
        for parent in sorted(parents.get(current, ())):
            if parent in seen or parent not in names:
                continue
            seen.add(parent)
            yield parent, via
            todo.append((parent, f"{via} {names[parent]!r}, funded by or part of"))


def _deepest(regions: list[nuts.Region]) -> list[nuts.Region]:
    if not regions:
        return []
    level = max(r.level for r in regions)
    return sorted({r.code: r for r in regions if r.level == level}.values(),
                  key=lambda r: r.code)


def _name_patterns(regions: dict[str, nuts.Region]
                   ) -> dict[str, tuple[re.Pattern[str], dict[str, list[nuts.Region]]]]:
    """Per country, a pattern matching any NUTS 2 or 3 region name (folded) and name →
    regions. A region named as its whole country's level-1 region (``Luxembourg``,
    ``Malta``) is left out: naming the country is not naming a region."""
    whole = {(r.country, fold(n)) for r in regions.values() if r.level == 1
             for n in (r.name, r.name_latin, r.name_en)}
    by_country: dict[str, dict[str, list[nuts.Region]]] = defaultdict(lambda: defaultdict(list))
    for region in regions.values():
        for name in {region.name, region.name_latin, region.name_en}:
            key = fold(name)
            if len(key) >= MIN_NAME and region.level >= 2 and (region.country, key) not in whole:
                by_country[region.country][key].append(region)
    return {country: (re.compile(r"\b(?:" + "|".join(
        re.escape(k) for k in sorted(names, key=len, reverse=True)) + r")\b"), names)
        for country, names in by_country.items()}


PROPOSERS = {"funder": Proposer.funders, "place": Proposer.places,
             "organisation": Proposer.organisations, "competence": Proposer.competences}


def merge(existing: list[Link], proposed: list[Link]) -> tuple[list[Link], int]:
    """The decisions with the new proposals added: a link already decided on (in any
    status) keeps its row; a proposal is added once."""
    known = {link.key for link in existing}
    added = []
    for link in proposed:
        if link.key not in known:
            known.add(link.key)
            added.append(link)
    return existing + added, len(added)


def propose(config: Config, kinds: list[str]) -> dict[str, tuple[int, int]]:
    """Propose links of ``kinds`` and add them to the decision files; kind → (new
    candidates, decisions in the file)."""
    from dskg.links import write_links

    proposer = Proposer.open(config)
    done = {}
    for name in kinds:
        kind = KINDS[name]
        existing, problems = read_links(config.data_dir, kind, proposer.ns.vocab)
        if problems:
            from dskg.errors import DskgError
            raise DskgError(problems[0])
        merged, added = merge(existing, PROPOSERS[name](proposer))
        if added:
            write_links(config.data_dir, kind, merged)
        done[name] = (added, len(merged))
    return done
