"""``dskg build`` and ``dskg validate``: source pages → records → RDF → SHACL → store.

:func:`prepare` runs everything up to and including validation and quarantine, in
memory; :func:`build` then writes a new store and dumps and switches to them. A
bad entry is reported and left out; it never stops the other entries.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, XSD

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
from dskg.artefact.lifecycle import new_build_dir, prune_builds, switch_current
from dskg.catalog import catalog_graph
from dskg.config import Config
from dskg.curation import load_curation
from dskg.errors import DskgError
from dskg.fields import PAGE_FIELDS, Field
from dskg.harvest.cache import cache_path
from dskg.ingest.records import PracticeRecord
from dskg.ingest.sources import Node, read_sources
from dskg.mapping import MappedGraph, map_records
from dskg.namespaces import SCHEMA, Namespaces
from dskg.progress import stage
from dskg.registry import SlugRegistry
from dskg.sources import load_sources
from dskg.store import create_store, open_store
from dskg.validation import Finding, Quarantined, load_shapes, quarantine, validate_mapped
from dskg.vocab import Vocabularies, load_vocabularies
from dskg.void import void_graph

REGISTRY_FILE = "slugs.csv"
log = logging.getLogger("dskg.build")


class BuildFailed(DskgError):
    """A ``--strict`` build found errors; nothing was published."""


class NothingToPublish(DskgError):
    """The inputs hold no practice to publish (a missing or empty data folder, or
    every entry rejected); publishing would replace the graph with an empty one."""


@dataclass
class Prepared:
    """Everything a build knows before it writes anything."""

    config: Config
    vocab: Vocabularies
    registry: SlugRegistry
    records: list[PracticeRecord]
    mapped: MappedGraph
    findings: list[Finding]
    quarantined: list[Quarantined]
    problems: list[str]
    started: datetime
    timings: dict[str, float] = field(default_factory=dict)
    #: Source name → what its records were read from (pages, or a harvest's time).
    sources: dict[str, str] = field(default_factory=dict)
    #: Sources built from an old harvest or left out, and why (the build goes on).
    source_warnings: list[str] = field(default_factory=list)
    #: Other nodes' graphs (``ldes`` sources), published as they are, each in its own
    #: named graph; their nodes validated them.
    nodes: list[Node] = field(default_factory=list)

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

    def report(self) -> dict:
        return {
            "started": self.started.isoformat(),
            "version": __version__,
            "base": self.config.base,
            "entries": [record_summary(r, self.vocab) for r in self.records],
            "published": len(self.mapped.practices),
            "sources": self.sources,
            "source_warnings": self.source_warnings,
            "problems": self.problems,
            "quarantined": [q.as_dict() for q in self.quarantined],
            "findings": [f.as_dict() for f in self.findings],
            "timings": self.timings,
        }


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


def prepare(config: Config) -> Prepared:
    """Parse, map, validate and quarantine; nothing is written but new slugs in memory."""
    started, timings = datetime.now(UTC), dict[str, float]()
    ns = Namespaces.of(config)
    with stage("parse", timings):
        vocab = load_vocabularies(config.ontology_dir, ns)
        registry = SlugRegistry.load(config.data_dir / REGISTRY_FILE)
        sources = load_sources(config.data_dir)
        read = read_sources(sources, config.data_dir, config.var_dir, vocab)
        records = read.records
        for warning in read.warnings:
            log.warning("%s", warning)
        curation = load_curation(config.data_dir / "curation")
        log.info("read %d entries from %d sources (%s) and %d curation files",
                 len(records), len(sources), _statuses(records), len(curation.files))
    with stage("map", timings):
        mapped = map_records(records, curation, registry, vocab, sources=sources)
        log.info("%d practices: %d statements from pages, %d curated", len(mapped.practices),
                 len(mapped.data), len(mapped.curation))
    with stage("validate", timings):
        shapes = load_shapes(config.shapes_dir, ns)
        vocabularies = merged([g for _, g in vocabulary_graphs(vocab)])
        findings = validate_mapped(mapped, vocabularies, shapes, ns)
        quarantined = quarantine(mapped, findings)
        violations = sum(f.is_violation for f in findings)
        log.info("%d violations, %d warnings; %d resources quarantined", violations,
                 len(findings) - violations, len(quarantined))
    return Prepared(config=config, vocab=vocab, registry=registry, records=records,
                    mapped=mapped, findings=findings, quarantined=quarantined,
                    problems=curation.problems + mapped.problems, started=started,
                    timings=timings, sources=read.origins, source_warnings=read.warnings,
                    nodes=read.nodes)


def _statuses(records: list[PracticeRecord]) -> str:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def build_graph(prepared: Prepared, finished: datetime) -> Graph:
    """What the build records about itself: when, with which software, from what."""
    ns = Namespaces.of(prepared.config)
    g = Graph()
    activity = ns.iri(f"set/build/{prepared.started.strftime('%Y%m%dT%H%M%SZ')}")
    software = BNode()
    g.add((ns.dataset, RDF.type, DCAT.Dataset))
    g.add((ns.dataset, DCTERMS.title, Literal("Digital Skills Knowledge Graph", lang="en")))
    g.add((ns.dataset, DCTERMS.modified, Literal(finished.isoformat(), datatype=XSD.dateTime)))
    g.add((ns.dataset, PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.startedAtTime,
           Literal(prepared.started.isoformat(), datatype=XSD.dateTime)))
    g.add((activity, PROV.endedAtTime, Literal(finished.isoformat(), datatype=XSD.dateTime)))
    g.add((activity, PROV.wasAssociatedWith, software))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDF.type, SCHEMA.SoftwareApplication))
    g.add((software, SCHEMA.name, Literal("dskg")))
    g.add((software, SCHEMA.softwareVersion, Literal(__version__)))
    for graph in (prepared.mapped.data, prepared.mapped.curation):
        for source in set(graph.objects(None, PROV.wasDerivedFrom)):
            g.add((activity, PROV.used, source))
    for name, title in ((ns.curation_graph, "Curated statements"),
                        (ns.build_graph, "How this graph was built")):
        g.add((name, RDF.type, DCAT.Dataset))
        g.add((name, DCTERMS.title, Literal(title, lang="en")))
        g.add((name, DCTERMS.isPartOf, ns.dataset))
    g.add((ns.curation_graph, RDF.type, ns.dskg.CurationGraph))
    for node in prepared.nodes:
        name = node_graph_name(ns, node)
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


def node_graph_name(ns: Namespaces, node: Node) -> URIRef:
    """The named graph of another node's statements."""
    return ns.iri(f"set/node/{node.name}")


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


def build(config: Config, strict: bool = False,
          allow_empty: bool = False) -> tuple[Prepared, Path]:
    """Build and publish a new store; return what was prepared and the build directory.

    A graph without practices is published only with ``allow_empty``; anything that
    fails on the way (a full disk included) leaves the served build as it was and
    removes the unfinished one."""
    if not allow_empty:
        check_inputs(config)
    prepared = prepare(config)
    if strict and prepared.errors:
        raise BuildFailed("\n".join(prepared.errors))
    practice = prepared.vocab.ns.dskg.GoodPractice
    if not allow_empty and not prepared.mapped.practices and not any(
            (None, RDF.type, practice) in node.graph for node in prepared.nodes):
        raise NothingToPublish(f"no entry of the {len(prepared.records)} read from "
                               f"{config.data_dir} is a publishable practice")
    build_dir = new_build_dir(config.var_dir)
    try:
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
    config = prepared.config
    timings = prepared.timings
    ns = Namespaces.of(config)
    finished = datetime.now(UTC)
    layout = Layout(build_dir)
    with stage("load", timings):
        graphs = [(ns.dataset, prepared.mapped.data),
                  (ns.curation_graph, prepared.mapped.curation)]
        graphs += vocabulary_graphs(prepared.vocab)
        graphs.append((ns.iri("def/shapes"), load_shapes(config.shapes_dir, ns)))
        graphs += [(node_graph_name(ns, node), node.graph) for node in prepared.nodes]
        graphs.append((ns.build_graph, build_graph(prepared, finished)))
        create_store(layout.store, ((str(name), graph.serialize(format="nt", encoding="utf-8"))
                                    for name, graph in graphs))
        log.info("store written: %d named graphs", len(graphs))
    with stage("dumps", timings):
        store = open_store(layout.store)
        sizes = write_dumps(store, layout.dumps, ns.prefixes())
        log.info("dumps written: %s", ", ".join(f"{name} {size:,} bytes"
                                                 for name, size in sizes.items()))
        indexes = write_indexes(store, ns, layout.indexes)
        practices = write_browse_index(store, ns, layout.browse)
        log.info("browse and search index written: %d practices, %d triples", practices,
                 indexes["triples"])
        history = History(config.var_dir / "history")
        changes = history.prepare(ns, [prepared.mapped.data, prepared.mapped.curation,
                                       *(node.graph for node in prepared.nodes)],
                                  finished, prepared.mapped.merged)
        stream_index = changes.index
        write_stream_index(layout, stream_index)
        write_gone(layout, changes.gone)
        first_issued = (datetime.fromisoformat(stream_index[0]["time"]) if stream_index
                        else finished)
        write_metadata(layout, {
            "catalog": catalog_graph(config, store, layout.dumps, finished, first_issued,
                                     [node.catalog for node in prepared.nodes]),
            "void": void_graph(config, store, _examples(indexes))})
        log.info("change stream: %d fragments; catalogue and VoID written", len(stream_index))
        del store
    prepared.registry.save()
    report = prepared.report() | {"dumps": sizes, "counts": indexes["counts"],
                                  "triples": indexes["triples"],
                                  "graphs": [str(name) for name, _ in graphs]}
    write_report(layout, report)
    return history, changes


def _examples(indexes: dict) -> list[str]:
    return [items[0][0] for kind in ("practice", "organisation", "country")
            if (items := indexes["lists"].get(kind))]
