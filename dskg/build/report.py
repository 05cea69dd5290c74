"""What a build knows before it writes anything (:class:`Prepared`), and its report."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rdflib import Graph, URIRef

from dskg import __version__
from dskg.build.plan import Delta
from dskg.config import Config
from dskg.ingest.records import STATUS_INVALID, PracticeRecord, record_summary
from dskg.ingest.sources import InputKey, Node
from dskg.mapping import MappedGraph, PartKey
from dskg.registry import SlugRegistry
from dskg.validation import Finding, Quarantined
from dskg.vocab import Vocabularies


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
    inputs: dict[InputKey, tuple[str, str, list[str]]] = field(default_factory=dict)
    #: Input key of each record read (by ``id``).
    record_inputs: dict[int, InputKey] = field(default_factory=dict)
    #: Each practice mapped (quarantined ones too): its record, digest and parts.
    practice_records: dict[URIRef, PracticeRecord] = field(default_factory=dict)
    digests: dict[URIRef, str] = field(default_factory=dict)
    unit_parts: dict[URIRef, list[PartKey]] = field(default_factory=dict)
    #: What this build changes in the build it starts from (everything, when full).
    delta: Delta = field(default_factory=Delta)
    fingerprint: str = ""
    #: The accepted link decisions (``data/links/``), published in ``set/links``.
    links: Graph = field(default_factory=Graph)

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
                   for r in self.records if r.status == STATUS_INVALID]
        quarantined = [f"{q.resource} ({q.source or 'curation'}): {'; '.join(q.reasons)}"
                       for q in self.quarantined]
        return invalid + self.problems + quarantined

    def report(self, entries: bool = False) -> dict:
        """The build report; ``entries`` adds every record read (``dskg validate``)."""
        report: dict[str, Any] = {
            "started": self.started.isoformat(),
            "version": __version__,
            "base": self.config.base,
            "mode": self.delta.describe(),
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
