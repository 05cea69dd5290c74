"""SHACL validation of a build, and quarantine of what fails it.

pyshacl is thorough but slow on one large graph, and nearly every rule concerns one
practice and the few nodes it links to. So practices are validated in batches, each
batch with the descriptions of what it links to and the vocabularies; everything
else (organisations, funders, places, concepts) is validated once on its own.
Batches run in parallel processes, one per core.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from dskg.mapping import MappedGraph
from dskg.namespaces import Namespaces

BATCH_SIZE = 500
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Finding:
    """One validation result, in the terms a data steward reads."""

    severity: str
    focus: str
    path: str | None
    message: str
    value: str | None = None
    source: str | None = None

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "resource": self.focus, "property": self.path,
                "message": self.message, "value": self.value, "source": self.source}


def load_shapes(shapes_dir: Path, ns: Namespaces) -> Graph:
    """Every ``*.ttl`` of ``shapes/``, with the base put in place of the placeholders."""
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        text = text.replace("__BASE_RE__", re.escape(ns.base).replace("\\", "\\\\"))
        text = text.replace("__BASE__", ns.base)
        shapes.parse(data=text, format="turtle", publicID=ns.base)
    return shapes


def _results(report: Graph) -> list[Finding]:
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        def one(prop):
            value = report.value(result, prop)
            return None if value is None else str(value)
        severity = SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation")
        findings.append(Finding(severity=severity, focus=one(SH.focusNode),
                                path=one(SH.resultPath), message=one(SH.resultMessage) or "",
                                value=one(SH.value)))
    return findings


def validate_graph(data: Graph, shapes: Graph) -> list[Finding]:
    """pyshacl on one graph (which must already hold the vocabularies it refers to)."""
    _, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none",
                                  advanced=True, allow_warnings=True, abort_on_first=False)
    return _results(report)


def _validate_serialized(args: tuple[bytes, bytes]) -> list[Finding]:
    data_nt, shapes_nt = args
    data = Graph().parse(data=data_nt, format="nt")
    shapes = Graph().parse(data=shapes_nt, format="nt")
    return validate_graph(data, shapes)


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def practice_shapes(shapes: Graph, ns: Namespaces) -> Graph:
    """The shapes with every target removed except the practice class.

    Batches hold linked nodes only partly described (an organisation without the
    funders of its funders); they must be checked as link targets, not as focus nodes.
    """
    kept = Graph()
    for s, p, o in shapes:
        if p in TARGETS and not (p == SH.targetClass and o == ns.dskg.GoodPractice):
            continue
        kept.add((s, p, o))
    return kept


def _describe(graph: Graph, subjects: list[URIRef], into: Graph) -> None:
    for subject in subjects:
        for triple in graph.triples((subject, None, None)):
            into.add(triple)


def _batches(union: Graph, practices: list[URIRef], context: Graph) -> list[Graph]:
    """Practice batches, each closed over what its practices link to."""
    batches = []
    for start in range(0, len(practices), BATCH_SIZE):
        batch = Graph()
        chunk = practices[start:start + BATCH_SIZE]
        _describe(union, chunk, batch)
        linked = {o for _, _, o in batch if isinstance(o, URIRef)} - set(chunk)
        _describe(union, sorted(linked), batch)
        for triple in context:
            batch.add(triple)
        batches.append(batch)
    return batches


def validate_mapped(mapped: MappedGraph, vocabularies: Graph, shapes: Graph,
                    ns: Namespaces, processes: int | None = None) -> list[Finding]:
    """Every finding for a build's graphs, with the source entry of each practice."""
    union = mapped.union()
    practice_type = ns.dskg.GoodPractice
    practices = sorted(s for s in union.subjects(RDF.type, practice_type)
                       if isinstance(s, URIRef))
    practice_set = set(practices)
    rest = Graph()
    for triple in union:
        if triple[0] not in practice_set:
            rest.add(triple)
    for triple in vocabularies:
        rest.add(triple)
    jobs = [(rest, shapes)]
    batch_shapes = practice_shapes(shapes, ns)
    jobs += [(batch, batch_shapes) for batch in _batches(union, practices, vocabularies)]
    findings = _run(jobs, processes)
    return _dedupe([_with_source(f, mapped) for f in findings])


def _run(jobs: list[tuple[Graph, Graph]], processes: int | None) -> list[Finding]:
    workers = processes or min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        return [f for graph, shapes in jobs for f in validate_graph(graph, shapes)]
    shapes_nt: dict[int, bytes] = {}
    for _, shapes in jobs:
        shapes_nt.setdefault(id(shapes), shapes.serialize(format="nt", encoding="utf-8"))
    serialized = [(graph.serialize(format="nt", encoding="utf-8"), shapes_nt[id(shapes)])
                  for graph, shapes in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [f for found in pool.map(_validate_serialized, serialized) for f in found]


def _with_source(finding: Finding, mapped: MappedGraph) -> Finding:
    record = mapped.practices.get(URIRef(finding.focus)) if finding.focus else None
    if record is None:
        return finding
    return Finding(finding.severity, finding.focus, finding.path, finding.message,
                   finding.value, f"{record.location}: {record.title}")


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Linked nodes appear in several batches; report each of their findings once."""
    seen, unique = set(), []
    for finding in findings:
        key = (finding.severity, finding.focus, finding.path, finding.message, finding.value)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


@dataclass
class Quarantined:
    resource: str
    source: str | None
    reasons: list[str]

    def as_dict(self) -> dict:
        return {"resource": self.resource, "source": self.source, "reasons": self.reasons}


def quarantine(mapped: MappedGraph, findings: list[Finding]) -> list[Quarantined]:
    """Take every resource with a violation out of the graphs, and say why.

    A practice goes with all its statements. Another resource (an organisation, say)
    goes with its statements and the links to it, so the practices that point at it
    stay published without the bad link.
    """
    reasons: dict[str, list[str]] = {}
    sources: dict[str, str | None] = {}
    for finding in findings:
        if finding.is_violation and finding.focus:
            reasons.setdefault(finding.focus, []).append(_reason(finding))
            sources[finding.focus] = finding.source
    for resource in reasons:
        node = URIRef(resource)
        for graph in (mapped.data, mapped.curation):
            graph.remove((node, None, None))
            graph.remove((None, None, node))
        mapped.practices.pop(node, None)
    return [Quarantined(r, sources[r], reasons[r]) for r in sorted(reasons)]


def _reason(finding: Finding) -> str:
    where = f" ({finding.path})" if finding.path else ""
    value = f" [value: {finding.value}]" if finding.value else ""
    return f"{finding.message}{where}{value}"

