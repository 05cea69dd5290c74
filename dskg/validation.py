"""SHACL validation of a build, and quarantine of what fails it.

pyshacl is thorough but slow on one large graph, and nearly every rule concerns one
practice and the few nodes it links to. So practices are validated in batches, each
batch with the descriptions of what it links to and the class and scheme facts of
the vocabularies; everything else (organisations, funders, places, concepts) is
validated once on its own. Batches run in forked processes, one per core, which
inherit the graphs instead of receiving copies.
"""
from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef, plugin
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.query import Processor
from rdflib.term import Node

from dskg import asked_once
from dskg.asked_once import TARGETS
from dskg.ingest.records import PracticeRecord
from dskg.lifeline import exit_with_parent
from dskg.mapping import MappedGraph, PartKey
from dskg.namespaces import Namespaces
from dskg.progress import Progress

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
    #: The shape's message in other languages, (language, text), for the submission
    #: form; reports, the ledger and :meth:`as_dict` keep the English ``message``.
    translations: tuple[tuple[str, str], ...] = ()

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "resource": self.focus, "property": self.path,
                "message": self.message, "value": self.value, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """A finding as :meth:`as_dict` wrote it (a build's ledger keeps them so)."""
        return cls(data["severity"], data["resource"], data["property"], data["message"],
                   data["value"], data["source"])


def load_shapes(shapes_dir: Path, ns: Namespaces) -> Graph:
    """Every ``*.ttl`` of ``shapes/``, with the bases put in place of the placeholders."""
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        for token, base in (("__BASE", ns.base), ("__VOCAB", ns.vocab)):
            text = text.replace(f"{token}_RE__", re.escape(base).replace("\\", "\\\\"))
            text = text.replace(f"{token}__", base)
        shapes.parse(data=text, format="turtle", publicID=ns.base)
    return shapes


def _results(report: Graph) -> list[Finding]:
    findings = []
    # Only the report's own results: nested ones (sh:detail) explain them, they are not
    # further results, and carry the severity of the inner shape, not of the check.
    for result in report.objects(None, SH.result):
        def one(prop: URIRef, result: Node = result) -> str | None:
            value = report.value(result, prop)
            return None if value is None else str(value)
        severity = SEVERITIES.get(URIRef(str(report.value(result, SH.resultSeverity))),
                                  "Violation")
        messages: dict[str, str] = {}
        for message in sorted(report.objects(result, SH.resultMessage), key=str):
            messages.setdefault(getattr(message, "language", None) or "", str(message))
        english = messages.pop("en", None) or messages.pop("", "")
        findings.append(Finding(severity=severity, focus=one(SH.focusNode) or "",
                                path=one(SH.resultPath), message=english,
                                value=one(SH.value), translations=tuple(sorted(messages.items()))))
    return findings


@lru_cache(maxsize=64)
def _prepared(text: str, base: str | None, namespaces: tuple) -> object:
    return translateQuery(parseQuery(text), base, dict(namespaces))


class PreparedQueryProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, parsing each distinct query text only once.

    pyshacl runs a SPARQL constraint once per focus node with the same text and
    ``$this`` as an initial binding; rdflib would parse that text every time, which
    measured at 80 ms of a 90 ms evaluation. A prepared query is what rdflib's own
    ``prepareQuery`` gives, so results are unchanged.
    """

    def query(self, strOrQuery: Any, initBindings: Any = None,  # type: ignore[override]
              initNs: Any = None, base: Any = None,
              DEBUG: bool = False) -> Any:  # rdflib's own signature, names and all
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted((k, str(v)) for k, v in (initNs or {}).items()))
            strOrQuery = _prepared(strOrQuery, base, namespaces)
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


plugin.register("sparql", Processor, __name__, "PreparedQueryProcessor")


def validate_graph(data: Graph, shapes: Graph) -> list[Finding]:
    """pyshacl on one graph (which must already hold the vocabularies it refers to),
    the constraints that allow it asked once for the whole graph
    (:mod:`dskg.asked_once`)."""
    per_node, once = asked_once.split(shapes)
    findings = _pyshacl(data, per_node)
    for constraint in once:
        nodes = constraint.focus_nodes(data)
        if nodes:
            findings += _pyshacl(data, constraint.aimed(shapes, nodes))
    return findings


def _pyshacl(data: Graph, shapes: Graph) -> list[Finding]:
    _, report, text = shacl_validate(data, shacl_graph=shapes, inference="none",
                                     advanced=True, allow_warnings=True, abort_on_first=False,
                                     inplace=True)
    if not isinstance(report, Graph):
        raise RuntimeError(f"SHACL validation failed to run: {text}")
    return _results(report)




def practice_shapes(shapes: Graph, ns: Namespaces) -> Graph:
    """The shapes with every target removed except the practice class.

    Batches hold linked nodes only partly described (an organisation without the
    funders of its funders); they must be checked as link targets, not as focus nodes.
    """
    return _with_class_targets(shapes, frozenset({ns.dskg.GoodPractice}), TARGETS)


@lru_cache(maxsize=16)
def _with_class_targets(shapes: Graph, classes: frozenset[Node],
                        dropped: tuple[URIRef, ...]) -> Graph:
    """``shapes`` with its targets of the ``dropped`` kinds removed, but the class
    targets of ``classes``. Made once per set of classes (the checker of submissions
    asks for the same few with every check); shapes graphs are never changed once
    loaded, so the copy stays right."""
    kept = Graph()
    for s, p, o in shapes:
        if p in dropped and not (p == SH.targetClass and o in classes):
            continue
        kept.add((s, p, o))
    return kept


def aimed_at(shapes: Graph, graph: Graph, focus: set[URIRef]) -> Graph:
    """The shapes without the class targets that none of ``focus`` is an instance of
    in ``graph`` (directly or through ``rdfs:subClassOf``).

    Where only the findings on ``focus`` are kept, a shape aimed at other classes finds
    nothing that is kept. The vocabularies' concepts are in every graph of other
    resources, and their shapes run a SPARQL query per concept: 0.2 of the 0.4 s a
    submission's check took, for findings never kept (``tests/test_shapes.py`` checks
    the vocabularies on their own).
    """
    classes: set[Node] = set()
    for node in focus:
        for kind in graph.objects(node, RDF.type):
            classes.update(c for c in graph.transitive_objects(kind, RDFS.subClassOf) if c)
    return _with_class_targets(shapes, frozenset(classes), (SH.targetClass,))


#: Predicates of the vocabularies that shapes look at; labels are left out of batches.
CONTEXT_PREDICATES = (RDF.type, SKOS.inScheme, RDFS.subClassOf)


@dataclass
class _Job:
    """What one validation worker needs; inherited by forked workers, never pickled."""

    mapped: MappedGraph
    vocabularies: Graph
    context: Graph
    shapes: Graph
    batch_shapes: Graph
    batches: list[list[URIRef]]
    rest: list[URIRef]


_JOB: _Job | None = None


def vocabulary_context(vocabularies: Graph) -> Graph:
    """What of the vocabularies the shapes of other resources look at."""
    context = Graph()
    for predicate in CONTEXT_PREDICATES:
        for triple in vocabularies.triples((None, predicate, None)):
            context.add(triple)
    return context


def _needed(vocabularies: Graph, context: Graph, focus: set[URIRef]) -> Graph:
    """The vocabularies in full if a ``focus`` node is described there (a concept),
    else their context: with :func:`aimed_at`, no shape of the concepts runs."""
    return vocabularies if any((node, None, None) in vocabularies for node in focus) \
        else context


def _describe(graph: Graph, subjects: Iterable[Node], into: Graph) -> None:
    for subject in subjects:
        for triple in graph.triples((subject, None, None)):
            into.add(triple)


def _validate_batch(index: int) -> list[Finding]:
    """Validate batch ``index`` of the current job (-1: everything but practices)."""
    job = _JOB
    assert job is not None
    mapped, graph = job.mapped, Graph()
    if index < 0:
        rest = set(job.rest)
        for triple in _needed(job.vocabularies, job.context, rest):
            graph.add(triple)
        parts = [key for key in mapped.used_parts() if URIRef(key[1]) in rest]
        _add_parts(mapped, parts, graph)
        linked = {o for _, _, o in graph if isinstance(o, URIRef)} | rest
        _describe(mapped.curation, linked, graph)
        _add_parts(mapped, [k for k in mapped.used_parts() if URIRef(k[1]) in linked], graph)
        return [f for f in validate_graph(graph, aimed_at(job.shapes, graph, rest))
                if URIRef(f.focus) in rest]
    for triple in job.context:
        graph.add(triple)
    chunk = job.batches[index]
    for iri in chunk:
        unit = mapped.units[iri]
        for triple in unit.triples:
            graph.add(triple)
        _add_parts(mapped, unit.parts, graph)
    _describe(mapped.curation, chunk, graph)
    linked = {o for _, _, o in graph if isinstance(o, URIRef)} - set(chunk)
    _describe(mapped.curation, linked, graph)
    return validate_graph(graph, job.batch_shapes)


def validate_resources(graph: Graph, focus: set[URIRef], curation: Graph,
                       vocabularies: Graph, shapes: Graph) -> list[Finding]:
    """Findings on ``focus`` (organisations, sources…), described by ``graph`` and the
    curation, with what they link to."""
    described = Graph()
    for triple in _needed(vocabularies, vocabulary_context(vocabularies), focus):
        described.add(triple)
    for triple in graph:
        described.add(triple)
    linked = {o for _, _, o in graph if isinstance(o, URIRef)} | focus
    _describe(curation, linked, described)
    return [f for f in validate_graph(described, aimed_at(shapes, described, focus))
            if URIRef(f.focus) in focus]


def _add_parts(mapped: MappedGraph, keys: Iterable[PartKey], graph: Graph) -> None:
    for key in keys:
        for triple in mapped.parts[key]:
            graph.add(triple)


def validate_mapped(mapped: MappedGraph, vocabularies: Graph, shapes: Graph,
                    ns: Namespaces, processes: int | None = None,
                    rest: set[URIRef] | None = None) -> list[Finding]:
    """Every finding for the practices of ``mapped`` (each in a batch with what it links
    to), and for the other resources it describes, ``rest`` of them if given (an
    incremental build's changed ones), each with the source entry of its practice."""
    global _JOB
    practices = sorted(mapped.units)
    if rest is None:
        rest = {URIRef(key[1]) for key in mapped.used_parts()} | {
            s for s in mapped.curation.subjects() if isinstance(s, URIRef)}
    rest_list = sorted(rest - set(practices), key=str)
    _JOB = _Job(mapped=mapped, vocabularies=vocabularies,
                context=vocabulary_context(vocabularies), shapes=shapes,
                batch_shapes=practice_shapes(shapes, ns),
                batches=[practices[i:i + BATCH_SIZE] for i in range(0, len(practices), BATCH_SIZE)],
                rest=rest_list)
    try:
        findings = _run(len(_JOB.batches), processes, bool(rest_list))
    finally:
        _JOB = None
    return _dedupe([with_source(f, mapped.practices) for f in findings])


def _run(batch_count: int, processes: int | None, rest: bool = True) -> list[Finding]:
    indexes = [-1, *range(batch_count)] if rest else list(range(batch_count))
    if not indexes:
        return []
    workers = min(processes or os.cpu_count() or 1, len(indexes))
    progress = Progress("validated batches of practices", len(indexes))
    findings: list[Finding] = []
    if workers <= 1:
        for index in indexes:
            findings += _validate_batch(index)
            progress.advance()
        return findings
    # The workers inherit every record and unit of the build. Frozen, the collector
    # never walks them, in the workers (where walking would also copy their pages)
    # nor here: validation of 20k practices went from 33 s to 26 s.
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                                   initializer=exit_with_parent, initargs=(os.getpid(),))
        with pool:
            for found in pool.map(_validate_batch, indexes):
                findings += found
                progress.advance()
    finally:
        gc.unfreeze()
    return findings


def with_source(finding: Finding, practices: Mapping[URIRef, PracticeRecord]) -> Finding:
    """The finding with the source entry of its practice, if it is about one."""
    record = practices.get(URIRef(finding.focus)) if finding.focus else None
    if record is None:
        return finding
    return replace(finding, source=f"{record.location}: {record.title}")


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Report each finding once, whichever batches it came from."""
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
            reasons.setdefault(finding.focus, []).append(reason_of(finding))
            sources[finding.focus] = finding.source
    for resource in reasons:
        node = URIRef(resource)
        mapped.units.pop(node, None)
        mapped.practices.pop(node, None)
        mapped.withheld.add(node)
        mapped.curation.remove((node, None, None))
        mapped.curation.remove((None, None, node))
    return [Quarantined(r, sources[r], reasons[r]) for r in sorted(reasons)]


def reason_of(finding: Finding) -> str:
    where = f" ({finding.path})" if finding.path else ""
    value = f" [value: {finding.value}]" if finding.value else ""
    return f"{finding.message}{where}{value}"

