"""Practices submitted on the site (:mod:`dskg.submissions`) as records, and the check a
submission gets before it is stored.

A submission's form holds what a page holds, so it is read as a page's entry is: its
parts of the description become the body (each after its first heading, as a coalition's
page writes them), its fields the entry's sections (concepts by label or code, names,
dates as written), and :func:`dskg.ingest.records.interpret` judges it like any entry —
the editors' template refused, dates read, a country required. :func:`check` then maps
it and validates it with the build's own shapes, so a submission meets on the site the
very rules the build applies, each problem named by the form field it is about.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dskg.config import Config
from dskg.fields import FIELDS, FORM_FIELDS, PAGE_FIELDS, PROSE
from dskg.ingest.dates import parse_date
from dskg.ingest.page import PLACEHOLDER, RawEntry
from dskg.ingest.records import (
    STATUS_DUPLICATE,
    STATUS_INVALID,
    TEMPLATE_VALUES,
    Approval,
    PracticeRecord,
    interpret,
)
from dskg.mapping import practice_keys
from dskg.messages import Said, said
from dskg.namespaces import Namespaces
from dskg.prose import parts_hold_all
from dskg.registry import REGISTRY_FILE, SLUG, SlugRegistry
from dskg.sources import Source
from dskg.text import fold
from dskg.vocab import Vocabularies


def entry_of(fields: dict[str, Any], number: int, item: str) -> RawEntry:
    """The raw entry a submission's fields make."""
    entry = RawEntry(number=number, first_line=0, title=str(fields.get("title") or "").strip(),
                     categories=[], item=item, language=fields.get("language") or None)
    body: list[str] = []
    for part in PROSE.values():
        text = str(fields.get(part.name) or "").strip()
        if not text:
            continue
        if part.headings:
            body += ["", part.headings[0], ""] if body else [part.headings[0], ""]
        elif body:
            body.append("")
        body += text.replace("\r\n", "\n").split("\n")
    entry.head = body
    for declared in PAGE_FIELDS:
        values = fields.get(declared.name)
        values = [values] if isinstance(values, str) else list(values or [])
        values = [str(v).strip() for v in values if str(v).strip()]
        if values:
            entry.sections[declared.name] = values
            entry.section_order.append(declared.name)
    return entry


def record_of(fields: dict[str, Any], source: Source, vocab: Vocabularies, number: int,
              item: str, approval: Approval | None = None) -> PracticeRecord:
    record = interpret(entry_of(fields, number, item), source.name, vocab, source)
    record.language = str(fields.get("language") or "") or source.language
    for funder in fields.get("funders") or []:  # curated slugs: mapping checks them
        record.add("funders", str(funder).strip())
    record.approval = approval
    if approval is not None and record.ok:
        record.published = parse_date(approval.time[:10])  # on this site since then
    return record


def editorial_records(path: Path, source: Source, vocab: Vocabularies
                      ) -> list[PracticeRecord]:
    """The records of the approved submissions :meth:`Submissions.export` wrote."""
    document = json.loads(path.read_text(encoding="utf-8"))
    records = []
    for number, item in enumerate(document.get("submissions", []), start=1):
        record = record_of(item["fields"], source, vocab, number, f"submission {item['id']}",
                           Approval(item["id"], item["approved"], item["approved_by_role"],
                                    item.get("editor")))
        if item.get("practice"):
            record.corrects = practice_slug(str(item["practice"]), vocab.ns)
            if record.corrects is None:
                record.mark(STATUS_INVALID, f"corrects {item['practice']!r}, which is no "
                                            "practice's IRI")
        records.append(record)
    return records


def practice_slug(iri: str, ns: Namespaces) -> str | None:
    """The slug of a practice's IRI (``…/id/practice/<slug>``), or ``None``."""
    prefix = str(ns.practice(""))
    slug = iri[len(prefix):] if iri.startswith(prefix) else ""
    return slug if SLUG.fullmatch(slug) else None


def apply_corrections(records: list[PracticeRecord], registry: SlugRegistry) -> None:
    """An approved correction stands in for the practice it corrects.

    The entries that practice was published from (found by their slug in the registry)
    become duplicates of the correction: what the correction says is published at the
    practice's IRI, their sources stay in its provenance, and their translations into
    languages the correction is not in are kept. A later approved correction of the same
    practice replaces an earlier one. Run after :func:`mark_duplicates`, which leaves
    corrections alone.
    """
    latest: dict[str, PracticeRecord] = {}
    corrections = [(r.approval.time, r) for r in records
                   if r.ok and r.corrects and r.approval is not None]
    for _time, correction in sorted(corrections, key=lambda pair: pair[0]):
        assert correction.corrects is not None
        if correction.corrects in latest:
            _replaced(latest[correction.corrects], correction)
        latest[correction.corrects] = correction
    if not latest:
        return
    for record in records:
        if not record.ok or record.corrects or not record.title:
            continue
        replacing = latest.get(registry.find("practice", *practice_keys(record)) or "")
        if replacing is not None:
            _replaced(record, replacing)
            for language, texts in record.translations.items():
                if language != replacing.language:
                    replacing.translations.setdefault(language, texts)
    for record in records:  # reposts of a replaced entry are part of its correction
        while record.same_as is not None and record.same_as.same_as is not None:
            record.same_as = record.same_as.same_as


def _replaced(record: PracticeRecord, correction: PracticeRecord) -> None:
    assert correction.approval is not None
    record.status, record.duplicate_of = STATUS_DUPLICATE, correction.title
    record.same_as = correction
    record.reason = (f"corrected on this site by submission {correction.approval.submission}"
                     f" (approved {correction.approval.time[:10]}): the correction is "
                     "published in its place; this entry's source stays in its provenance")
    correction.also_from += [record, *record.also_from]
    record.also_from = []


def fields_of_rdf(data: str, media: str, vocab: Vocabularies
                  ) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """A submission's fields from a description of one practice in RDF (the same
    properties the graph publishes), and what is wrong with the description itself;
    ``media`` is one of :data:`dskg.submissions.SUBMISSION_MEDIA`."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

    from dskg.namespaces import SCHEMA

    graph = Graph()
    try:
        graph.parse(data=data, format=media)  # rdflib knows parsers by media type
    except Exception as error:  # rdflib raises many kinds for a malformed document
        return {}, [(None, f"the {media} document cannot be read: {error}".splitlines()[0])]
    practices = set(graph.subjects(RDF.type, vocab.ns.dskg.GoodPractice))
    if len(practices) != 1:
        return {}, [(None, f"the document describes {len(practices)} resources typed "
                           "dskg:GoodPractice; send one")]
    practice = practices.pop()
    fields: dict[str, Any] = {}
    titles = {t.language or "": str(t) for t in graph.objects(practice, DCTERMS.title)
              if isinstance(t, Literal)}
    language = "en" if "en" in titles else min(titles, default="en")

    def text_of(prop: Any) -> str | None:
        """The value of ``prop`` in the title's language (or any, if none is)."""
        found = sorted((v for v in graph.objects(practice, prop) if isinstance(v, Literal)),
                       key=lambda v: (v.language or "") != language)
        return str(found[0]) if found else None
    if titles:
        fields["title"], fields["language"] = titles[language], language or "en"
    description = text_of(DCTERMS.description)
    if description is not None and not parts_hold_all(description):
        fields["summary"] = description  # its headings stay in it: nothing is lost
    else:
        for part in PROSE.values():
            if (found := text_of(vocab.ns.expand(part.property))) is not None:
                fields[part.name] = found
        if description is not None and not any(p.name in fields for p in PROSE.values()):
            fields["summary"] = description

    def name_of(node: Any) -> str:
        if isinstance(node, Literal):
            return str(node)
        for prop in (SKOS.prefLabel, SCHEMA.name, RDFS.label):
            label = graph.value(node, prop)
            if label is not None:
                return str(label)
        return str(node)
    funder_prefix = str(vocab.ns.funder(""))
    for declared in FORM_FIELDS:
        values = list(graph.objects(practice, vocab.ns.expand(declared.property)))
        if not values:
            continue
        if declared.kind == "concept" and declared.scheme is not None:
            scheme = vocab.schemes[declared.scheme]
            labels = []
            for value in values:
                english = [str(label) for label in scheme.objects(URIRef(str(value)),
                                                                  SKOS.prefLabel)
                           if getattr(label, "language", None) == "en"]
                labels.append(english[0] if english else str(value))
            fields[declared.name] = labels
        elif declared.kind == "name":
            fields[declared.name] = [name_of(v) for v in values]
        elif declared.kind == "funder":
            fields[declared.name] = [str(v).removeprefix(funder_prefix) for v in values]
        else:
            fields[declared.name] = [str(v) for v in values] if declared.many else str(values[0])
    return fields, []


def placeholders(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each of the editors' template's placeholder texts left in."""
    found: list[tuple[str, str]] = []
    for name, value in fields.items():
        for text in [value] if isinstance(value, str) else list(value or []):
            if PLACEHOLDER in str(text):
                found.append((name, said("still holds the template's placeholder "
                                         "“%(placeholder)s…”: write the practice's own text",
                                         placeholder=PLACEHOLDER)))
            elif fold(str(text)) in TEMPLATE_VALUES:
                found.append((name, said("“%(text)s” is the template's placeholder, not a "
                                         "value", text=text)))
    return found


class Checker:
    """The build's rules for submissions, loaded once (the ontology, schemes, shapes,
    curation and slug registry: about a second) and applied to many."""

    def __init__(self, config: Config):
        from dskg.build.prepare import merged, vocabulary_graphs
        from dskg.curation import load_curation
        from dskg.validation import load_shapes
        from dskg.vocab import load_vocabularies

        self.config, self.ns = config, Namespaces.of(config)
        self.vocab = load_vocabularies(config.ontology_dir, self.ns)
        self.shapes = load_shapes(config.shapes_dir, self.ns)
        self.vocabularies = merged([g for _, g in vocabulary_graphs(self.vocab)])
        self.curation = load_curation(config.data_dir / "curation")
        self.by_property = {str(self.ns.expand(f.property)): f.name for f in FIELDS.values()} | {
            str(self.ns.expand(p.property)): p.name for p in PROSE.values()} | {
            "http://purl.org/dc/terms/title": "title",
            "http://purl.org/dc/terms/description": "summary"}
        self.registry: SlugRegistry | None = None
        self.registry_stamp = 0

    def check(self, fields: dict[str, Any], practice: str | None = None
              ) -> tuple[list[tuple[str | None, str]], list[dict[str, Any]]]:
        """What stops a submission being published, as (form field or None, message; a
        :class:`~dskg.messages.Said` where the web can say it in its reader's language):
        the template's placeholders, what the reader refuses, the shapes' violations;
        and, when none does, the statements it would publish about its practice (the
        published ``practice`` it corrects, if it is a correction), each
        ``{"p": IRI, "o": {"iri": …} or {"literal": …, "lang": …, "datatype": …},
        "label": name}``, for the diff a curator reads."""
        from dskg.mapping import map_records
        from dskg.validation import validate_mapped

        problems: list[tuple[str | None, str]] = list(placeholders(fields))
        if problems:
            return problems, []
        source = Source(name="editorial", kind="editorial")
        record = record_of(fields, source, self.vocab, 1, "submission (being checked)",
                           Approval("unsubmitted", "2000-01-01T00:00:00+00:00", "curator"))
        if practice is not None:
            record.corrects = practice_slug(practice, self.ns)
            if record.corrects is None:
                return [(None, said("%(iri)s is no practice's IRI", iri=practice))], []
        for warning in record.warnings:
            problems.append((_field_named(warning), warning))
        if not record.ok:
            problems.append((_field_named(record.reason or ""),
                             record.reason or "not a practice"))
            return problems, []
        mapped = map_records([record], self.curation, self._registry(), self.vocab,
                             sources=[source])
        for problem in mapped.problems:
            if problem.startswith(record.location + ": "):
                message = _without_location(problem, record.location)
                problems.append((_field_named(message), message))
        for finding in validate_mapped(mapped, self.vocabularies, self.shapes, self.ns,
                                       processes=1):
            if finding.is_violation:
                problems.append((self.by_property.get(finding.path or ""),
                                 Said(finding.message, {}, dict(finding.translations))))
        if problems:
            return problems, []
        labels = {key.subject: key.name for key in mapped.parts}
        statements = [{"p": str(p), "o": _term(o), **({"label": labels[str(o)]}
                                                      if str(o) in labels else {})}
                      for unit in mapped.units.values() for _s, p, o in unit.triples]
        return [], statements

    def _registry(self) -> SlugRegistry:
        """The slug registry as the last build left it: read again only when a build
        changed it (100k practices make a large file), never saved from here."""
        path = self.config.data_dir / REGISTRY_FILE
        stamp = path.stat().st_mtime_ns if path.exists() else 0
        if self.registry is None or self.registry_stamp != stamp:
            self.registry, self.registry_stamp = SlugRegistry.load(path), stamp
        return self.registry

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """One check as ``dskg submission check`` answers it: ``{"fields": …}`` or
        ``{"rdf": media type, "body": text}`` in (with ``"practice"``, the IRI of the
        practice a correction is of; with ``"read": true`` the RDF is only read, as the
        correction form reads a published practice), the fields, the problems and the
        statements out."""
        if "rdf" in request:
            fields, problems = fields_of_rdf(str(request.get("body", "")),
                                             str(request["rdf"]), self.vocab)
        else:
            fields, problems = request.get("fields") or {}, []
        statements: list[dict[str, Any]] = []
        if not problems and not request.get("read"):
            problems, statements = self.check(fields, request.get("practice"))
        return {"fields": fields, "statements": statements,
                "problems": [{"field": name, "message": message,
                              **({"said": message.as_dict()} if isinstance(message, Said)
                                 else {})} for name, message in problems]}


def _term(node: Any) -> dict[str, str]:
    from rdflib import Literal

    if isinstance(node, Literal):
        return {"literal": str(node), "lang": node.language or "",
                "datatype": str(node.datatype or "")}
    return {"iri": str(node)}


def _without_location(problem: str, location: str) -> str:
    """A mapping problem about the record at ``location``, without saying where (the
    form shows it beside its field)."""
    if isinstance(problem, Said) and str(problem.values.get("where", "")).startswith(location):
        where = str(problem.values["where"]).removeprefix(location).removeprefix(": ")
        return Said(problem.template, problem.values | {"where": where})
    return problem.removeprefix(location + ": ")


def _field_named(message: str) -> str | None:
    """The form field a reader's message is about (it names the section or field)."""
    folded = message.lower()
    for declared in FIELDS.values():
        if f"'{declared.name}'" in folded or folded.startswith(declared.label):
            return declared.name
    if "title" in folded:
        return "title"
    if "country" in folded:
        return "countries"
    return None

