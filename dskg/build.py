"""``dskg build`` and ``dskg validate``: source pages → records → RDF → SHACL → store.

A build is *full* or *incremental*. A full build reads every input, maps and
validates every practice and writes every artefact from scratch, holding practices as
small units (:class:`dskg.mapping.Unit`) rather than one large graph. An incremental
build starts from the build being served and its ledger (:mod:`dskg.ledger`): it
reads again only the inputs whose digest changed (and those whose entries are the
same practice as a changed one), maps them, validates only the practices whose
statements changed, and applies the difference to a copy of the store, the dumps'
segments, the change stream and the indexes. Whatever it cannot vouch for (another
ontology, shapes, curation, dskg version, a hand-edited registry, a change that takes
another practice's IRI or touches a quarantined resource, ``--strict``) makes it a
full build, and the report says why. Both give the same graph, dumps and indexes.

:func:`prepare` runs everything up to and including validation and quarantine;
:func:`build` then writes a new build directory and switches to it. A bad entry is
reported and left out; it never stops the other entries.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, ORG, PROV, RDF

from dskg import __version__
from dskg.artefact import (
    Layout,
    write_gone,
    write_metadata,
    write_report,
    write_stream_index,
)
from dskg.artefact.browse import write_browse_index
from dskg.artefact.dumps import write_dumps
from dskg.artefact.history import History, StreamChanges
from dskg.artefact.indexes import write_indexes
from dskg.artefact.lifecycle import current_build, new_build_dir, prune_builds, switch_current
from dskg.catalog import catalog_graph
from dskg.config import Config
from dskg.curation import Curation, load_curation
from dskg.errors import DskgError
from dskg.fields import PAGE_FIELDS, Field
from dskg.harvest.cache import cache_path
from dskg.ingest.dates import PartialDate
from dskg.ingest.records import (
    STATUS_DUPLICATE,
    STATUS_OK,
    PracticeRecord,
    identity_keys,
    mark_duplicates,
)
from dskg.ingest.sources import Input, Node, list_inputs, page_origins, read_input
from dskg.ledger import Ledger, UnitRow, digest_file, fingerprint
from dskg.mapping import (
    MappedGraph,
    Mapper,
    PartKey,
    Unit,
    map_records,
    part_key,
    practice_keys,
)
from dskg.namespaces import SCHEMA, Namespaces
from dskg.progress import stage
from dskg.rdf import neutral_triple, ntriples_line, xsd_datetime
from dskg.registry import SlugRegistry
from dskg.sources import SOURCES_FILE, Source, load_sources
from dskg.store import copy_store, create_store, open_store
from dskg.validation import (
    Finding,
    Quarantined,
    load_shapes,
    quarantine,
    reason_of,
    validate_mapped,
    validate_resources,
    with_source,
)
from dskg.vocab import Vocabularies, load_vocabularies
from dskg.void import void_graph

REGISTRY_FILE = "slugs.csv"
log = logging.getLogger("dskg.build")


class BuildFailed(DskgError):
    """A ``--strict`` build found errors; nothing was published."""


class NothingToPublish(DskgError):
    """The inputs hold no practice to publish (a missing or empty data folder, or
    every entry rejected); publishing would replace the graph with an empty one."""


class FullBuildNeeded(Exception):
    """An incremental build met what it cannot vouch for; the message says what."""


@dataclass
class Changes:
    """What an incremental build changes in the build it starts from."""

    previous: Layout
    ledger: Ledger
    #: Inputs read again (changed, new, or sharing a practice with a changed one).
    reread: set[str]
    #: Inputs the previous build had and this one has not.
    lost: set[str]
    #: Digests of the inputs read again.
    digests: dict[str, str]
    #: The previous build's practices of the inputs read again or lost.
    old_units: list[UnitRow]
    #: Practices (IRIs) whose statements leave the store, and those that enter it.
    removed: set[str]
    added: set[str]
    #: Every part some published practice uses, after this build.
    part_uses: Counter[PartKey]
    #: Subjects whose parts changed (an organisation named a new way, a source that
    #: gained or lost its last practice).
    part_subjects: set[str]
    #: Nodes (``ldes`` sources) whose cache changed or went, by input key.
    node_inputs: set[str]
    #: Practices of the inputs read again whose records did not change: not mapped or
    #: validated again, with their records (for the sources of their findings).
    kept: list[tuple[UnitRow, PracticeRecord]] = field(default_factory=list)


@dataclass
class Prepared:
    """Everything a build knows before it writes anything."""

    config: Config
    vocab: Vocabularies
    registry: SlugRegistry
    #: The records read by this build (every one, or an incremental build's re-read).
    records: list[PracticeRecord]
    #: The practices mapped by this build.
    mapped: MappedGraph
    #: Every finding of the resulting graph (kept ones included).
    findings: list[Finding]
    quarantined: list[Quarantined]
    problems: list[str]
    started: datetime
    timings: dict[str, float] = field(default_factory=dict)
    #: Source name → what its records were read from (pages, or a harvest's time).
    sources: dict[str, str] = field(default_factory=dict)
    #: Sources built from an old harvest or left out, and why (the build goes on).
    source_warnings: list[str] = field(default_factory=list)
    #: Other nodes' graphs (``ldes`` sources) read by this build, each published in its
    #: own named graph; their nodes validated them.
    nodes: list[Node] = field(default_factory=list)
    #: Input key → (digest, origin, warnings) of every input read by this build.
    inputs: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)
    #: Input key of each record read (by ``id``).
    record_inputs: dict[int, str] = field(default_factory=dict)
    #: Each practice mapped (quarantined ones too): its record, digest and parts.
    practice_records: dict[URIRef, PracticeRecord] = field(default_factory=dict)
    digests: dict[URIRef, str] = field(default_factory=dict)
    unit_parts: dict[URIRef, list[PartKey]] = field(default_factory=dict)
    #: Why this build is full (``None``: incremental, see :attr:`changes`).
    full_because: str | None = "asked for"
    changes: Changes | None = None
    fingerprint: str = ""

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.is_violation]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_violation]

    @property
    def errors(self) -> list[str]:
        """What ``--strict`` fails on: invalid entries, curation problems, violations."""
        invalid = [f"{r.location}: {r.title or '(untitled)'}: {r.reason}"
                   for r in self.records if r.status == "invalid"]
        quarantined = [f"{q.resource} ({q.source or 'curation'}): {'; '.join(q.reasons)}"
                       for q in self.quarantined]
        return invalid + self.problems + quarantined

    @property
    def mode(self) -> str:
        if self.changes is None:
            return f"full ({self.full_because})"
        return (f"incremental: {len(self.changes.reread)} of the inputs read again, "
                f"{len(self.changes.lost)} gone; {len(self.changes.added)} practices "
                f"written, {len(self.changes.removed - self.changes.added)} withdrawn, "
                f"{len(self.changes.kept)} read again unchanged")

    def report(self, entries: bool = False) -> dict:
        """The build report; ``entries`` adds every record read (``dskg validate``)."""
        report: dict[str, Any] = {
            "started": self.started.isoformat(),
            "version": __version__,
            "base": self.config.base,
            "mode": self.mode,
            "sources": self.sources,
            "source_warnings": self.source_warnings,
            "problems": self.problems,
            "quarantined": [q.as_dict() for q in self.quarantined],
            "findings": [f.as_dict() for f in self.findings],
            "timings": self.timings,
        }
        if entries:
            report["entries"] = [record_summary(r, self.vocab) for r in self.records]
            report["published"] = len(self.mapped.practices)
        return report


def record_summary(record: PracticeRecord, vocab: Vocabularies) -> dict:
    """The JSON shape of ``dskg ingest --json``: one object per entry, with a key per
    field a page can fill (:data:`dskg.fields.PAGE_FIELDS`)."""
    summary = {
        "source": record.source, "entry": record.entry, "url": record.url,
        "status": record.status,
        "reason": record.reason, "duplicate_of": record.duplicate_of, "title": record.title,
        "published": record.published.iso if record.published else None,
    }
    for declared in PAGE_FIELDS:
        values = [summary_value(declared, value, vocab)
                  for value in record.values.get(declared.name, [])]
        summary[declared.name] = values if declared.many else (values[0] if values else None)
    summary["warnings"] = record.warnings
    return summary


def summary_value(declared: Field, value: Any, vocab: Vocabularies) -> str:
    if declared.kind == "concept" and declared.json_as == "code":
        return vocab.country_code(value)
    if declared.kind == "date":
        return value.iso
    return str(value)


def vocabulary_graphs(vocab: Vocabularies) -> list[tuple[URIRef, Graph]]:
    graphs = [(vocab.ns.ontology, vocab.ontology)]
    graphs += [(vocab.scheme_graph_name(name), g) for name, g in vocab.schemes.items()]
    return graphs


def merged(graphs: list[Graph]) -> Graph:
    union = Graph()
    for graph in graphs:
        for triple in graph:
            union.add(triple)
    return union


def record_digest(record: PracticeRecord) -> str:
    """Everything mapping reads of a record (vocabularies, curation and source
    declarations are in the ledger's fingerprint): the same digest, the same unit."""
    def text(value: Any) -> str:
        return value.iso if isinstance(value, PartialDate) else str(value)
    data = (record.source, record.entry, record.item, record.url, record.title,
            text(record.published), record.body, record.language,
            sorted(record.translations.items()), record.status,
            sorted((name, [text(v) for v in values]) for name, values in record.values.items()),
            [(o.source, o.entry, o.item, o.url, o.title, text(o.published))
             for o in record.also_from])
    return hashlib.sha256(repr(data).encode("utf-8")).hexdigest()


def unit_digest(unit: Unit) -> str:
    """What a practice's findings depend on besides the vocabularies and shapes: its
    statements and the parts it uses."""
    lines = sorted(f"{p.n3()} {o.n3()}" for _, p, o in unit.triples)
    lines += sorted("|".join(key) for key in unit.parts)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass
class _Context:
    """What every build loads first: cheap, and the same for both kinds."""

    config: Config
    ns: Namespaces
    vocab: Vocabularies
    registry: SlugRegistry
    sources: list[Source]
    curation: Curation
    inputs: list[Input]
    fingerprint: str

    @classmethod
    def load(cls, config: Config) -> _Context:
        ns = Namespaces.of(config)
        vocab = load_vocabularies(config.ontology_dir, ns)
        registry = SlugRegistry.load(config.data_dir / REGISTRY_FILE)
        sources = load_sources(config.data_dir)
        curation = load_curation(config.data_dir / "curation")
        data_files = [config.data_dir / SOURCES_FILE,
                      *sorted((config.data_dir / "curation").glob("*"))]
        return cls(config, ns, vocab, registry, sources, curation,
                   list_inputs(sources, config.data_dir, config.var_dir),
                   fingerprint(config, data_files))

    def read(self, inputs: list[Input], prepared_inputs: dict, record_inputs: dict
             ) -> tuple[list[PracticeRecord], list[Node], list[str]]:
        records, nodes, warnings = [], [], []
        for item in inputs:
            found = read_input(item, self.vocab, self.config.var_dir)
            for record in found.records:
                record_inputs[id(record)] = item.key
            records += found.records
            nodes += [found.node] if found.node is not None else []
            warnings += found.warnings
            prepared_inputs[item.key] = (digest_file(item.path), found.origin, found.warnings)
        return records, nodes, warnings


@contextmanager
def few_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while a build allocates millions of objects that
    live to its end: each full collection walks all of them (parse and map of 20k
    practices: 10.7 s with Python's thresholds, 8.0 s with these)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def prepare(config: Config, incremental: bool = False) -> Prepared:
    """Parse, map, validate and quarantine; nothing is written but new slugs in memory.
    With ``incremental``, only what changed since the served build, when it can."""
    with few_collections():
        return _prepare(config, incremental)


def _prepare(config: Config, incremental: bool) -> Prepared:
    started, timings = datetime.now(UTC), dict[str, float]()
    with stage("parse", timings):
        context = _Context.load(config)
    why: str | None = "asked for"
    if incremental:
        previous = current_build(config.var_dir)
        ledger = Ledger.open(Layout(previous).ledger) if previous else None
        why = _why_full(context, ledger)
        if why is None:
            assert previous is not None and ledger is not None
            try:
                return _prepare_changes(context, Layout(previous), ledger, started, timings)
            except FullBuildNeeded as reason:
                why = str(reason)
        log.info("full build: %s", why)
    prepared = _prepare_full(context, started, timings)
    prepared.full_because = why
    return prepared


def _why_full(context: _Context, ledger: Ledger | None) -> str | None:
    if ledger is None:
        return "no previous build with a ledger"
    try:
        recorded = ledger.setting("fingerprint")
    except sqlite3.Error as error:
        return f"the ledger of the served build cannot be read ({error})"
    if recorded != context.fingerprint:
        return ("the ontology, shapes, curation, source declarations, base or dskg "
                "version changed")
    if ledger.setting("registry") != digest_file(context.config.data_dir / REGISTRY_FILE):
        return f"{REGISTRY_FILE} changed since the last build"
    return None


def _prepare_full(context: _Context, started: datetime, timings: dict[str, float]) -> Prepared:
    config, vocab = context.config, context.vocab
    inputs: dict[str, tuple[str, str, list[str]]] = {}
    record_inputs: dict[int, str] = {}
    with stage("parse", timings):
        records, nodes, warnings = context.read(context.inputs, inputs, record_inputs)
        for warning in warnings:
            log.warning("%s", warning)
        mark_duplicates(records)
        log.info("read %d entries from %d sources (%s) and %d curation files",
                 len(records), len(context.sources), _statuses(records),
                 len(context.curation.files))
    with stage("map", timings):
        mapped = map_records(records, context.curation, context.registry, vocab,
                             sources=context.sources)
        log.info("%d practices: %d statements from pages, %d curated", len(mapped.practices),
                 mapped.statements(), len(mapped.curation))
    with stage("validate", timings):
        shapes = load_shapes(config.shapes_dir, context.ns)
        vocabularies = merged([g for _, g in vocabulary_graphs(vocab)])
        findings = validate_mapped(mapped, vocabularies, shapes, context.ns)
        digests = {iri: unit_digest(unit) for iri, unit in mapped.units.items()}
        mapped_records = dict(mapped.practices)
        parts = {iri: unit.parts for iri, unit in mapped.units.items()}
        quarantined = quarantine(mapped, findings)
        _log_findings(findings, quarantined)
    origins = {}
    for item in context.inputs:
        if inputs[item.key][1]:
            origins[item.source.name] = inputs[item.key][1]
    origins.update(page_origins(context.sources, config.data_dir))
    return Prepared(config=config, vocab=vocab, registry=context.registry, records=records,
                    mapped=mapped, findings=findings, quarantined=quarantined,
                    problems=context.curation.problems + mapped.problems, started=started,
                    timings=timings, sources=origins, source_warnings=warnings, nodes=nodes,
                    inputs=inputs, record_inputs=record_inputs, digests=digests,
                    practice_records=mapped_records, unit_parts=parts,
                    fingerprint=context.fingerprint)


def _log_findings(findings: list[Finding], quarantined: list[Quarantined]) -> None:
    violations = sum(f.is_violation for f in findings)
    log.info("%d violations, %d warnings; %d resources quarantined", violations,
             len(findings) - violations, len(quarantined))


def _prepare_changes(context: _Context, previous: Layout, ledger: Ledger, started: datetime,
                     timings: dict[str, float]) -> Prepared:
    """Read, map and validate only what changed since ``previous``."""
    config, vocab, ns = context.config, context.vocab, context.ns
    by_key = {item.key: item for item in context.inputs}
    known = ledger.inputs()
    with stage("parse", timings):
        digests = {key: digest_file(item.path) for key, item in by_key.items()}
        reread = {key for key, digest in digests.items()
                  if key not in known or known[key][0] != digest}
        lost = set(known) - set(by_key)
        inputs: dict[str, tuple[str, str, list[str]]] = {}
        record_inputs: dict[int, str] = {}
        records, nodes, warnings = context.read([by_key[k] for k in sorted(reread)], inputs,
                                                record_inputs)
        while more := _sharing_inputs(records, ledger, reread | lost):
            log.info("also reading %d inputs with the same practices", len(more))
            reread |= more
            found = context.read([by_key[k] for k in sorted(more)], inputs, record_inputs)
            records += found[0]
            nodes += found[1]
            warnings += found[2]
        mark_duplicates(records)
        log.info("incremental: %d of %d inputs changed, %d gone; %d entries read again",
                 len(reread), len(by_key), len(lost), len(records))
    with stage("map", timings):
        old_units = ledger.units(reread | lost)
        by_record = {(row.input, row.record): row for row in old_units}
        kept: dict[str, tuple[UnitRow, PracticeRecord]] = {}
        for record in records:
            row = by_record.get((record_inputs[id(record)], record_digest(record))) \
                if record.ok else None
            if row is not None:
                kept[row.iri] = (row, record)
        taken = ledger.published_slugs(exclude=reread | lost) | {
            row.slug for row, _ in kept.values() if row.published}
        kept_records = {id(record) for _, record in kept.values()}
        for record in records:
            if record.ok and record.title and id(record) not in kept_records:
                slug = context.registry.find("practice", *practice_keys(record))
                if slug in taken:
                    raise FullBuildNeeded(f"{record.location} now has a key of the practice "
                                          f"{slug!r} of another entry")
        mapped = map_records(records, context.curation, context.registry, vocab,
                             sources=context.sources, taken=taken,
                             kept={id(record): URIRef(iri) for iri, (_, record) in kept.items()})
    with stage("validate", timings):
        old = {row.iri: row for row in old_units}
        digests_now = {iri: unit_digest(unit) for iri, unit in mapped.units.items()}
        redo = MappedGraph(curation=mapped.curation, parts=mapped.parts,
                           practices=mapped.practices)
        redo.units = {iri: unit for iri, unit in mapped.units.items()
                      if str(iri) not in old or old[str(iri)].digest != digests_now[iri]}
        shapes = load_shapes(config.shapes_dir, ns)
        vocabularies = merged([g for _, g in vocabulary_graphs(vocab)])
        new_findings = validate_mapped(redo, vocabularies, shapes, ns, rest=set())
        sourced = dict(mapped.practices) | {URIRef(iri): record
                                            for iri, (_, record) in kept.items()}
        carried = [with_source(Finding.from_dict(f), sourced) for iri, unit in
                   mapped.units.items() if iri not in redo.units
                   for f in old[str(iri)].findings]
        carried += [with_source(Finding.from_dict(f), sourced) for row, _ in kept.values()
                    for f in row.findings]
        mapped_records = dict(mapped.practices)
        parts = {iri: unit.parts for iri, unit in mapped.units.items()}
        quarantined_now = quarantine(mapped, new_findings)
        published_kept = {iri for iri, (row, _) in kept.items() if row.published}
        was = {row.slug for row in old_units if row.published}
        now = {str(iri).rsplit("/", 1)[-1] for iri in [*mapped.units, *published_kept]}
        if moved := set(context.curation.practices) & (was ^ now):
            raise FullBuildNeeded("a practice with curation was published or withdrawn: "
                                  + ", ".join(sorted(moved)))
        added = {str(iri) for iri in redo.units if iri in mapped.units}
        removed = {row.iri for row in old_units if row.published} - published_kept - (
            {str(iri) for iri in mapped.units} - added)
        before = ledger.part_uses()
        uses = before.copy()
        for row in old_units:
            if row.published:
                uses.subtract(part_key(key) for key in row.parts)
        for iri in published_kept:
            uses.update(part_key(key) for key in kept[iri][0].parts)
        for unit in mapped.units.values():
            uses.update(unit.parts)
        changed_parts = {key for key in set(uses) | set(before)
                         if (uses[key] > 0) != (before[key] > 0)}
        uses = +uses
        withheld = {f["resource"] for f in ledger.findings() if f["severity"] == "Violation"}
        linked = {str(o) for unit in redo.units.values() for _, _, o in unit.triples}
        if withheld & (linked | {key[1] for key in changed_parts}):
            raise FullBuildNeeded("a changed practice links to a quarantined resource")
        part_subjects = {key[1] for key in changed_parts}
        rest = _validate_parts(context, part_subjects, uses, mapped, vocabularies, shapes)
        if any(f.is_violation for f in rest):
            raise FullBuildNeeded("a changed organisation or source fails validation")
        findings = [Finding.from_dict(f) for f in ledger.carried_findings(
            reread | lost, part_subjects)] + carried + [
            with_source(f, sourced) for f in new_findings] + rest
        quarantined = _quarantined(findings)
        _log_findings(findings, quarantined_now)
        log.info("%d practices read again unchanged, %d mapped, %d validated", len(kept),
                 len(mapped_records), len(redo.units))
    origins = {}
    for key, (_, origin, _) in known.items():
        if key not in reread and key not in lost and origin:
            origins[key.split(":", 2)[1]] = origin
    for key, (_, origin, _) in inputs.items():
        if origin:
            origins[by_key[key].source.name] = origin
    origins.update(page_origins(context.sources, config.data_dir))
    all_warnings = [w for key, (_, _, ws) in known.items() if key not in reread | lost
                    for w in ws] + warnings
    changes = Changes(previous=previous, ledger=ledger, reread=reread, lost=lost,
                      digests={k: digests[k] for k in reread}, old_units=old_units,
                      removed=removed, added=added, part_uses=uses,
                      part_subjects=part_subjects,
                      kept=[(row, record) for row, record in kept.values()],
                      node_inputs={k for k in reread | lost if k.startswith("harvest:")})
    return Prepared(config=config, vocab=vocab, registry=context.registry, records=records,
                    mapped=mapped, findings=findings, quarantined=quarantined,
                    problems=context.curation.problems + mapped.problems, started=started,
                    timings=timings, sources=origins, source_warnings=all_warnings,
                    nodes=nodes, inputs=inputs, record_inputs=record_inputs,
                    digests=digests_now, practice_records=mapped_records, unit_parts=parts,
                    full_because=None, changes=changes, fingerprint=context.fingerprint)


def _sharing_inputs(records: list[PracticeRecord], ledger: Ledger, done: set[str]) -> set[str]:
    """Inputs not yet read whose entries share a title or permalink with an entry read
    now, or with one the inputs read or lost had before: their reposts and cross-source
    duplicates must be judged again together."""
    keys = {key for record in records if record.ok and record.title
            for key in identity_keys(record)}
    keys |= ledger.identity_keys_of(done)
    return ledger.inputs_with_identity(keys) - done


def _validate_parts(context: _Context, subjects: set[str], uses: Counter[PartKey],
                    mapped: MappedGraph, vocabularies: Graph, shapes: Graph) -> list[Finding]:
    """Findings on the organisations and sources whose parts changed, each described
    by every part still used."""
    if not subjects:
        return []
    mapper = Mapper(context.vocab, context.registry, context.curation,
                    sources=context.sources)
    graph = Graph()
    for key in uses:
        if key[1] in subjects:
            for triple in mapped.parts.get(key) or mapper.part(key):
                graph.add(triple)
    focus = {URIRef(subject) for subject in subjects}
    return validate_resources(graph, focus, mapped.curation, vocabularies, shapes)


def _quarantined(findings: list[Finding]) -> list[Quarantined]:
    reasons: dict[str, Quarantined] = {}
    for finding in findings:
        if finding.is_violation and finding.focus:
            item = reasons.setdefault(finding.focus,
                                      Quarantined(finding.focus, finding.source, []))
            item.reasons.append(reason_of(finding))
    return [reasons[r] for r in sorted(reasons)]


def _statuses(records: list[PracticeRecord]) -> str:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def build_graph(prepared: Prepared, finished: datetime, sources: set[URIRef]) -> Graph:
    """What the build records about itself: when, with which software, from what."""
    ns = Namespaces.of(prepared.config)
    g = Graph()
    activity = ns.iri(f"set/build/{prepared.started.strftime('%Y%m%dT%H%M%SZ')}")
    software = BNode()
    g.add((ns.dataset, RDF.type, DCAT.Dataset))
    g.add((ns.dataset, DCTERMS.title, Literal("Digital Skills Knowledge Graph", lang="en")))
    g.add((ns.dataset, DCTERMS.modified, xsd_datetime(finished)))
    g.add((ns.dataset, PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.startedAtTime,
           xsd_datetime(prepared.started)))
    g.add((activity, PROV.endedAtTime, xsd_datetime(finished)))
    g.add((activity, PROV.wasAssociatedWith, software))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDF.type, SCHEMA.SoftwareApplication))
    g.add((software, SCHEMA.name, Literal("dskg")))
    g.add((software, SCHEMA.softwareVersion, Literal(__version__)))
    for source in sources:
        g.add((activity, PROV.used, source))
    for name, title in ((ns.curation_graph, "Curated statements"),
                        (ns.build_graph, "How this graph was built")):
        g.add((name, RDF.type, DCAT.Dataset))
        g.add((name, DCTERMS.title, Literal(title, lang="en")))
        g.add((name, DCTERMS.isPartOf, ns.dataset))
    g.add((ns.curation_graph, RDF.type, ns.dskg.CurationGraph))
    for node in prepared.nodes:
        name = node_graph_name(ns, node.name)
        g.add((name, RDF.type, DCAT.Dataset))
        g.add((name, DCTERMS.title, Literal(f"The graph of the node {node.name}", lang="en")))
        g.add((name, DCTERMS.isPartOf, ns.dataset))
        g.add((name, DCTERMS.source, URIRef(node.stream)))
        g.add((name, PROV.wasDerivedFrom, URIRef(node.stream)))
        g.add((activity, PROV.used, URIRef(node.stream)))
    g.add((ns.curation_graph, DCTERMS.description, Literal(
        "Statements a data steward added by hand in data/curation/ to complete or correct "
        "what the source pages say.", lang="en")))
    return g


def node_graph_name(ns: Namespaces, name: str) -> URIRef:
    """The named graph of another node's statements."""
    return ns.iri(f"set/node/{name}")


def check_inputs(config: Config) -> None:
    """Refuse a data folder that cannot hold a graph, before any work."""
    data_dir = config.data_dir
    if not data_dir.is_dir():
        raise NothingToPublish(f"the data folder {data_dir} does not exist")
    sources = load_sources(data_dir)
    if not any(source.pages(data_dir) if not source.harvested
               else cache_path(config.var_dir, source.name).exists() for source in sources):
        raise NothingToPublish(f"the data folder {data_dir} holds no source pages "
                               "(sources/*.txt) and no declared source has been harvested "
                               "(dskg harvest)")


def build(config: Config, strict: bool = False, allow_empty: bool = False,
          full: bool = False) -> tuple[Prepared, Path]:
    """Build and publish a new store; return what was prepared and the build directory.

    Incremental unless ``full`` or ``strict`` (a strict build judges every entry). A
    graph without practices is published only with ``allow_empty``; anything that
    fails on the way (a full disk included) leaves the served build as it was and
    removes the unfinished one."""
    if not allow_empty:
        check_inputs(config)
    prepared = prepare(config, incremental=not (full or strict))
    if strict and prepared.errors:
        raise BuildFailed("\n".join(prepared.errors))
    if prepared.changes is None:
        practice = prepared.vocab.ns.dskg.GoodPractice
        if not allow_empty and not prepared.mapped.practices and not any(
                (None, RDF.type, practice) in node.graph for node in prepared.nodes):
            raise NothingToPublish(f"no entry of the {len(prepared.records)} read from "
                                   f"{config.data_dir} is a publishable practice")
    build_dir = new_build_dir(config.var_dir)
    try:
        with few_collections():
            history, changes = _write(prepared, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    switch_current(config.var_dir, build_dir)
    history.commit(changes)
    removed = prune_builds(config.var_dir)
    log.info("published build %s%s", build_dir.name,
             f" (removed {len(removed)} old builds)" if removed else "")
    return prepared, build_dir


def _write(prepared: Prepared, build_dir: Path) -> tuple[History, StreamChanges]:
    """Write every artefact of the build into ``build_dir``; return the change-stream
    history with what it will record once the build is live."""
    config, timings, changes = prepared.config, prepared.timings, prepared.changes
    ns = Namespaces.of(config)
    finished = datetime.now(UTC)
    layout = Layout(build_dir)
    # Recomputes parts an incremental build did not map again (a curated organisation's
    # other names are alternative labels: the curation must be the build's).
    mapper = Mapper(prepared.vocab, prepared.registry, load_curation(config.data_dir / "curation"),
                    sources=load_sources(config.data_dir))
    with stage("load", timings):
        if changes is None:
            graphs = _full_store(prepared, layout,
                                 build_graph(prepared, finished, _used_sources(prepared)))
            subjects: set[str] = set()
        else:
            graphs, subjects = _changed_store(prepared, changes, layout, mapper, finished)
        log.info("store written: %d named graphs", len(graphs))
    with stage("dumps", timings):
        store = open_store(layout.store)
        dumps = write_dumps(store, layout.dumps, ns.prefixes(),
                            (str(ns.dskg.GoodPractice), str(ns.dskg.country)),
                            None if changes is None else changes.previous.dumps, subjects)
        log.info("dumps written: %s", ", ".join(f"{name} {size:,} bytes"
                                                 for name, size in dumps.sizes.items()))
    with stage("indexes", timings):
        indexes = write_indexes(store, ns, layout.indexes,
                                None if changes is None else changes.previous.indexes,
                                {s[1:-1] for s in subjects if s.startswith("<")})
        practices = write_browse_index(
            store, ns, layout.browse, previous=None if changes is None else
            changes.previous.browse, touched={s[1:-1] for s in subjects if s.startswith("<")})
        log.info("browse and search index written: %d practices, %d triples", practices,
                 indexes["triples"])
    with stage("history", timings):
        history = History(config.var_dir / "history")
        if changes is None:
            stream = history.prepare(ns, entity_descriptions(prepared, mapper, None), finished,
                                     prepared.mapped.merged)
        else:
            stream = history.prepare(ns, entity_descriptions(prepared, mapper, changes),
                                     finished, prepared.mapped.merged,
                                     deleted=_withdrawn(prepared, changes, mapper))
        write_stream_index(layout, stream.index)
        write_gone(layout, stream.gone)
        first_issued = (datetime.fromisoformat(stream.index[0]["time"]) if stream.index
                        else finished)
        write_metadata(layout, {
            "catalog": catalog_graph(config, store, dumps, finished, first_issued,
                                     [node.catalog for node in _all_nodes(prepared)]),
            "void": void_graph(config, dumps.total, _examples(indexes))})
        log.info("change stream: %d fragments; catalogue and VoID written", len(stream.index))
        del store
    prepared.registry.save()
    with stage("ledger", timings):
        published = _write_ledger(prepared, layout)
    report = prepared.report() | {"published": published, "dumps": dumps.sizes,
                                  "counts": indexes["counts"], "triples": indexes["triples"],
                                  "graphs": graphs}
    write_report(layout, report)
    return history, stream


def _used_sources(prepared: Prepared) -> set[URIRef]:
    """The sources the graph's statements come from (``prov:used`` of the build)."""
    if prepared.changes is None:
        used = {URIRef(key[1]) for key in prepared.mapped.used_parts() if key[0] == "source"}
    else:
        used = {URIRef(key[1]) for key in prepared.changes.part_uses if key[0] == "source"}
    return used | {o for o in prepared.mapped.curation.objects(None, PROV.wasDerivedFrom)
                   if isinstance(o, URIRef)}


def _fixed_graphs(prepared: Prepared) -> list[tuple[URIRef, Graph]]:
    """The graphs that only change with the fingerprint: vocabularies and shapes."""
    ns = Namespaces.of(prepared.config)
    return [*vocabulary_graphs(prepared.vocab),
            (ns.iri("def/shapes"), load_shapes(prepared.config.shapes_dir, ns))]


def _full_store(prepared: Prepared, layout: Layout, about: Graph) -> list[str]:
    """A new store; page data streamed to a file first, never one large graph."""
    ns = Namespaces.of(prepared.config)
    data_file = layout.root / "data.nt"
    with data_file.open("w", encoding="utf-8") as out:
        for triple in prepared.mapped.data():
            out.write(ntriples_line(triple))
    graphs: list[tuple[URIRef, bytes | Path]] = [(ns.dataset, data_file)]
    small = [(ns.curation_graph, prepared.mapped.curation), *_fixed_graphs(prepared)]
    small += [(node_graph_name(ns, node.name), node.graph) for node in prepared.nodes]
    small.append((ns.build_graph, about))
    graphs += [(name, graph.serialize(format="nt", encoding="utf-8")) for name, graph in small]
    create_store(layout.store, ((str(name), data) for name, data in graphs))
    data_file.unlink()
    return [str(name) for name, _ in graphs]


def _changed_store(prepared: Prepared, changes: Changes, layout: Layout, mapper: Mapper,
                   finished: datetime) -> tuple[list[str], set[str]]:
    """The previous store, copied and changed; return the named graphs and the subjects
    (N-Triples form) whose statements may have changed."""
    ns = Namespaces.of(prepared.config)
    mapped = prepared.mapped
    store = copy_store(changes.previous.store, layout.store)
    try:
        clear = {f"<{iri}>" for iri in changes.removed | changes.part_subjects}
        add = [triple for iri in changes.added for triple in mapped.units[URIRef(iri)].triples]
        for key in changes.part_uses:
            if key[1] in changes.part_subjects:
                add += mapped.parts.get(key) or mapper.part(key)
        store.update(str(ns.dataset), clear, (neutral_triple(t) for t in add))
        subjects = clear | {f"<{iri}>" for iri in changes.added}
        nodes = {node.name: node for node in prepared.nodes}
        for node_input in changes.node_inputs:
            name = node_input.split(":", 1)[1]
            graph = str(node_graph_name(ns, name))
            subjects |= store.graph_subjects(graph)
            node = nodes.get(name)
            store.replace_graph(graph, node.graph.serialize(format="nt", encoding="utf-8")
                                if node is not None else b"")
            subjects |= store.graph_subjects(graph)
        about = str(ns.build_graph)
        subjects |= store.graph_subjects(about)
        store.replace_graph(about, build_graph(prepared, finished, _used_sources(prepared))
                            .serialize(format="nt", encoding="utf-8"))
        subjects |= store.graph_subjects(about)
        graphs = sorted(store.graph_names())
    finally:
        store.close()
    return graphs, subjects


def entity_descriptions(prepared: Prepared, mapper: Mapper, changes: Changes | None
                        ) -> dict[str, list[tuple]]:
    """Statements of the practices, organisations and funders the change stream
    compares: every one (a full build) or those this build changed."""
    ns = Namespaces.of(prepared.config)
    mapped, curation = prepared.mapped, prepared.mapped.curation
    types = (ns.dskg.GoodPractice, ORG.Organization, ns.dskg.Funder)
    described: dict[URIRef, set[tuple]] = {}
    if changes is None:
        practices = set(mapped.units)
        parts = mapped.used_parts()
        node_graphs = [node.graph for node in prepared.nodes]
        curated = {s for t in types for s in curation.subjects(RDF.type, t)
                   if isinstance(s, URIRef)}
    else:
        practices = {URIRef(iri) for iri in changes.added}
        parts = [key for key in changes.part_uses if key[1] in changes.part_subjects]
        node_graphs = [node.graph for node in prepared.nodes]
        curated = {URIRef(s) for s in changes.part_subjects}
    for iri in practices:
        described[iri] = set(mapped.units[iri].triples)
    for key in parts:
        if key[0] == "organisation":
            described.setdefault(URIRef(key[1]), set()).update(
                mapped.parts.get(key) or mapper.part(key))
    for subject in curated:
        if any((subject, RDF.type, t) in curation for t in types) or subject in described:
            described.setdefault(subject, set()).update(curation.triples((subject, None, None)))
    for iri in practices:
        described[iri].update(curation.triples((iri, None, None)))
    for graph in node_graphs:
        for t in types:
            for node_subject in graph.subjects(RDF.type, t):
                if isinstance(node_subject, URIRef):
                    described.setdefault(node_subject, set()).update(
                        graph.triples((node_subject, None, None)))
    return {str(entity): sorted(triples) for entity, triples in described.items()
            if not (isinstance(entity, URIRef) and entity in mapped.withheld)}


def _withdrawn(prepared: Prepared, changes: Changes, mapper: Mapper) -> set[str]:
    """Entities an incremental build takes out: practices of the inputs read again that
    are no longer published, organisations no practice names any more, and what a
    changed node's stream no longer has."""
    gone = changes.removed - changes.added - {str(iri) for iri in prepared.mapped.units}
    gone |= {subject for subject in changes.part_subjects
             if not any(key[1] == subject for key in changes.part_uses)
             and (URIRef(subject), None, None) not in prepared.mapped.curation}
    old = open_store(changes.previous.store)
    ns = Namespaces.of(prepared.config)
    still = {str(s) for node in prepared.nodes for s in node.graph.subjects()}
    for key in changes.node_inputs:
        graph = str(node_graph_name(ns, key.split(":", 1)[1]))
        gone |= {subject[1:-1] for subject in old.graph_subjects(graph)
                 if subject.startswith("<")} - still
    return gone


def _all_nodes(prepared: Prepared) -> list[Node]:
    """Every node the graph holds: those read now, and (incremental) those kept."""
    nodes = list(prepared.nodes)
    if prepared.changes is not None:
        kept = prepared.changes.ledger.nodes()
        read = {node.name for node in nodes}
        lost = {key.split(":", 1)[1] for key in prepared.changes.lost}
        nodes += [Node(name, stream, Graph(), catalog) for name, (stream, catalog)
                  in kept.items() if name not in read and name not in lost]
    return sorted(nodes, key=lambda node: node.name)


def _write_ledger(prepared: Prepared, layout: Layout) -> int:
    """Record what this build read and made; return how many practices it publishes."""
    changes = prepared.changes
    ledger = Ledger.create(layout.ledger, None if changes is None else changes.ledger)
    try:
        if changes is not None:
            ledger.forget_inputs(changes.reread | changes.lost)
        for key, (digest, origin, warnings) in prepared.inputs.items():
            ledger.add_input(key, digest, origin, warnings)
        positions: dict[str, int] = {}
        entries, identities = [], []
        for record in prepared.records:
            key = prepared.record_inputs[id(record)]
            position = positions[key] = positions.get(key, -1) + 1
            entries.append((key, position, record_summary(record, prepared.vocab)))
            if record.status in (STATUS_OK, STATUS_DUPLICATE) and record.title:
                identities += [(identity, key) for identity in identity_keys(record)]
        ledger.add_entries(entries, identities)
        by_focus: dict[str, list[dict]] = {}
        for finding in prepared.findings:
            by_focus.setdefault(finding.focus, []).append(finding.as_dict())
        rows = []
        for iri, record in prepared.practice_records.items():
            rows.append(UnitRow(str(iri), prepared.record_inputs[id(record)],
                                str(iri).rsplit("/", 1)[-1], prepared.digests[iri],
                                [list(k) for k in prepared.unit_parts.get(iri, [])],
                                by_focus.pop(str(iri), []), iri in prepared.mapped.units,
                                record_digest(record)))
        for row, _ in [] if changes is None else changes.kept:
            rows.append(replace(row, findings=by_focus.pop(row.iri, [])))
        ledger.add_units(rows)
        if changes is None:
            rest = [f for focus, found in by_focus.items() for f in found]
            ledger.replace_findings([], rest)
        else:
            ledger.replace_findings(changes.part_subjects, [
                f for focus, found in by_focus.items() if focus in changes.part_subjects
                for f in found])
        for node in prepared.nodes:
            ledger.set(f"node:{node.name}", json.dumps([node.stream, node.catalog]))
        for lost in () if changes is None else changes.lost:
            ledger.unset(f"node:{lost.split(':', 1)[1]}")
        ledger.set("fingerprint", prepared.fingerprint)
        ledger.set("registry", digest_file(prepared.config.data_dir / REGISTRY_FILE))
        ledger.commit()
        return ledger.published()
    finally:
        ledger.close()


def _examples(indexes: dict) -> list[str]:
    return [items[0][0] for kind in ("practice", "organisation", "country")
            if (items := indexes["lists"].get(kind))]
