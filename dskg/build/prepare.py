"""Everything a build does before it writes: read the inputs, map, validate and
quarantine, all of them (a full build) or only what changed since the served build
(incremental; its :class:`~dskg.build.plan.Delta` says what).

Nothing is written here but new slugs in the registry's memory.
"""
from __future__ import annotations

import gc
import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Graph, URIRef

from dskg.artefact import Layout
from dskg.artefact.lifecycle import current_build
from dskg.build.plan import (
    ASKED_FOR,
    Delta,
    FullBuildNeeded,
    changed_inputs,
    changed_parts,
    why_full,
)
from dskg.build.report import Prepared
from dskg.config import Config
from dskg.curation import Curation, load_curation
from dskg.ingest.editorial import apply_corrections
from dskg.ingest.records import PracticeRecord, identity_keys, mark_duplicates, record_digest
from dskg.ingest.sources import Input, InputKey, Node, list_inputs, page_origins, read_input
from dskg.ledger import Ledger, UnitRow, digest_file, fingerprint
from dskg.links import decision_files
from dskg.links.graph import links_graph
from dskg.mapping import (
    MappedGraph,
    Mapper,
    PartKey,
    Unit,
    map_records,
    part_key,
    practice_keys,
)
from dskg.namespaces import Namespaces
from dskg.progress import stage
from dskg.reference import TABLES, codes
from dskg.registry import REGISTRY_FILE, SlugRegistry
from dskg.sources import SOURCES_FILE, Source, load_sources
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

log = logging.getLogger("dskg.build")


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


def unit_digest(unit: Unit) -> str:
    """What a practice's findings depend on besides the vocabularies and shapes: its
    statements and the parts it uses."""
    lines = sorted(f"{p.n3()} {o.n3()}" for _, p, o in unit.triples)
    lines += sorted("|".join(key) for key in unit.parts)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def link_targets(config: Config, vocab: Vocabularies) -> dict[str, set[str]]:
    """Outside IRI prefix → the codes a link there may lead to: the reference tables'
    and our DigComp scheme's."""
    reference = config.ontology_dir / "reference"
    targets = {table.concept_base: codes(table, reference) for table in TABLES.values()}
    digcomp = str(vocab.ns.scheme("digcomp")) + "/"
    targets[digcomp] = {str(c)[len(digcomp):] for c in vocab.schemes["digcomp"].subjects()
                        if str(c).startswith(digcomp)}
    return targets


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
    links: Graph
    link_problems: list[str]

    @classmethod
    def load(cls, config: Config) -> _Context:
        ns = Namespaces.of(config)
        vocab = load_vocabularies(config.ontology_dir, ns)
        registry = SlugRegistry.load(config.data_dir / REGISTRY_FILE)
        sources = load_sources(config.data_dir)
        curation = load_curation(config.data_dir / "curation")
        data_files = [config.data_dir / SOURCES_FILE,
                      *sorted((config.data_dir / "curation").glob("*")),
                      *decision_files(config.data_dir)]
        links, link_problems = links_graph(config.data_dir, ns, link_targets(config, vocab))
        return cls(config, ns, vocab, registry, sources, curation,
                   list_inputs(sources, config.data_dir, config.var_dir),
                   fingerprint(config, data_files), links, link_problems)

    def read(self, inputs: list[Input],
             prepared_inputs: dict[InputKey, tuple[str, str, list[str]]],
             record_inputs: dict[int, InputKey]
             ) -> tuple[list[PracticeRecord], list[Node], list[str]]:
        records: list[PracticeRecord] = []
        nodes: list[Node] = []
        warnings: list[str] = []
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
    why: str | None = ASKED_FOR
    if incremental:
        previous = current_build(config.var_dir)
        ledger = Ledger.open(Layout(previous).ledger) if previous else None
        why = why_full(context.fingerprint, config.data_dir / REGISTRY_FILE, ledger)
        if why is None:
            assert previous is not None and ledger is not None
            try:
                return _prepare_changes(context, Layout(previous), ledger, started, timings)
            except FullBuildNeeded as reason:
                why = str(reason)
        log.info("full build: %s", why)
    prepared = _prepare_full(context, started, timings)
    prepared.delta = Delta(full_because=why)
    return prepared


def _prepare_full(context: _Context, started: datetime, timings: dict[str, float]) -> Prepared:
    config, vocab = context.config, context.vocab
    inputs: dict[InputKey, tuple[str, str, list[str]]] = {}
    record_inputs: dict[int, InputKey] = {}
    with stage("parse", timings):
        records, nodes, warnings = context.read(context.inputs, inputs, record_inputs)
        for warning in warnings:
            log.warning("%s", warning)
        mark_duplicates(records)
        apply_corrections(records, context.registry)
        read_from = {item.source.name for item in context.inputs}
        log.info("read %d entries from %d sources (%s) and %d curation files",
                 len(records), len(read_from), _statuses(records), len(context.curation.files))
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
                    problems=context.curation.problems + context.link_problems
                    + mapped.problems, started=started,
                    timings=timings, sources=origins, source_warnings=warnings, nodes=nodes,
                    inputs=inputs, record_inputs=record_inputs, digests=digests,
                    practice_records=mapped_records, unit_parts=parts,
                    fingerprint=context.fingerprint, links=context.links)


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
        reread, lost = changed_inputs(
            {key: digest_file(item.path) for key, item in by_key.items()}, known)
        inputs: dict[InputKey, tuple[str, str, list[str]]] = {}
        record_inputs: dict[int, InputKey] = {}
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
        apply_corrections(records, context.registry)
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
                slug = record.corrects or context.registry.find("practice",
                                                                *practice_keys(record))
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
        part_subjects = {key.subject for key in changed_parts(before, uses)}
        uses = +uses
        withheld = {f["resource"] for f in ledger.findings() if f["severity"] == "Violation"}
        linked = {str(o) for unit in redo.units.values() for _, _, o in unit.triples}
        if withheld & (linked | part_subjects):
            raise FullBuildNeeded("a changed practice links to a quarantined resource")
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
            origins[key.source] = origin
    for key, (_, origin, _) in inputs.items():
        if origin:
            origins[by_key[key].source.name] = origin
    origins.update(page_origins(context.sources, config.data_dir))
    all_warnings = [w for key, (_, _, ws) in known.items() if key not in reread | lost
                    for w in ws] + warnings
    delta = Delta(full_because=None, previous=previous, ledger=ledger, reread=reread,
                  lost=lost, old_units=old_units, removed=removed, added=added,
                  part_uses=uses, part_subjects=part_subjects,
                  kept=[(row, record) for row, record in kept.values()])
    return Prepared(config=config, vocab=vocab, registry=context.registry, records=records,
                    mapped=mapped, findings=findings, quarantined=quarantined,
                    problems=context.curation.problems + context.link_problems
                    + mapped.problems, started=started,
                    timings=timings, sources=origins, source_warnings=all_warnings,
                    nodes=nodes, inputs=inputs, record_inputs=record_inputs,
                    digests=digests_now, practice_records=mapped_records, unit_parts=parts,
                    delta=delta, fingerprint=context.fingerprint, links=context.links)


def _sharing_inputs(records: list[PracticeRecord], ledger: Ledger,
                    done: set[InputKey]) -> set[InputKey]:
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
        if key.subject in subjects:
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
