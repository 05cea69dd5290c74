"""A build as a typed artefact: the one place that names the files of a build.

``var/builds/<id>/`` holds one build. :class:`Layout` says where each artefact of it
lives and :class:`Build` opens a finished build for reading; this package holds the
readers (the store in :mod:`dskg.store`, the dumps' names in :mod:`.dumps`, the browse
and search index in :mod:`.browse` and :mod:`.search`, the browse lists and counts in
:mod:`.indexes`, the change stream in :mod:`.history`, the rest here), and the build
writes them (:mod:`dskg.build`: ``dumps``, ``browse_index``, ``indexes``), so a server
loads no pipeline code. Servers open a build only through :meth:`Build.open`;
:mod:`.lifecycle` creates, publishes and prunes builds.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from dskg.artefact import browse
from dskg.artefact.indexes import Indexes
from dskg.errors import DskgError
from dskg.store import MemoryStore, Store, StoreError, open_store

#: Documents about a build that cannot be inside its store (they describe its dumps),
#: and the path of each one's IRI under the base.
METADATA = {"catalog": "set/catalog", "void": ".well-known/void"}


@dataclass(frozen=True)
class Layout:
    """Where each artefact of one build lives."""

    root: Path

    @property
    def store(self) -> Path:
        return self.root / "store"

    @property
    def dumps(self) -> Path:
        return self.root / "dumps"

    @property
    def meta(self) -> Path:
        return self.root / "meta"

    def metadata(self, name: str) -> Path:
        return self.meta / f"{name}.nt"

    @property
    def indexes(self) -> Path:
        return self.root / "indexes.json"

    @property
    def browse(self) -> Path:
        return self.root / "browse.sqlite"

    @property
    def entities(self) -> Path:
        return self.root / "entities.sqlite"

    @property
    def stream_index(self) -> Path:
        return self.root / "ldes.json"

    @property
    def report(self) -> Path:
        return self.root / "report.json"

    @property
    def ledger(self) -> Path:
        """What each input, entry and practice contributed (:mod:`dskg.ledger`)."""
        return self.root / "ledger.sqlite"

    @property
    def gone(self) -> Path:
        """Every practice, organisation and funder that left the graph (``410 Gone``)."""
        return self.root / "gone.json"


class BuildUnusable(DskgError):
    """A build that cannot be read; the message says why in one line."""


def write_json(path: Path, value: Any) -> None:
    """Compact JSON: an indented dump uses Python's slow pure encoder (minutes at 100k)."""
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_report(layout: Layout, report: dict) -> None:
    write_json(layout.report, report)


def write_stream_index(layout: Layout, stream_index: list[dict]) -> None:
    write_json(layout.stream_index, stream_index)


def write_gone(layout: Layout, gone: dict[str, dict]) -> None:
    write_json(layout.gone, gone)


def write_metadata(layout: Layout, documents: dict[str, Any]) -> None:
    """Each rdflib graph of ``documents`` (keys of :data:`METADATA`) as N-Triples."""
    layout.meta.mkdir()
    for name, graph in documents.items():
        graph.serialize(layout.metadata(name), format="nt", encoding="utf-8")


@dataclass
class Build:
    """One finished build, opened for reading."""

    layout: Layout
    report: dict

    @classmethod
    def open(cls, path: Path) -> Build:
        """The build at ``path``; :class:`BuildUnusable` if it is missing or unreadable."""
        if not Path(path).exists():
            raise BuildUnusable(f"no build at {path}; run `dskg build` first")
        layout = Layout(Path(path).resolve())
        try:
            return cls(layout, read_json(layout.report))
        except (OSError, ValueError) as error:
            raise BuildUnusable(f"the build at {layout.root} cannot be served ({error}); "
                                "run `dskg build` again") from None

    def check(self) -> None:
        """Open the store and ask it one question, so a broken build fails here."""
        try:
            self.open_store().ask("ASK { ?s ?p ?o }")
        except (StoreError, OSError, RuntimeError) as error:  # RuntimeError: a corrupt store
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            raise BuildUnusable(f"the build at {self.path} cannot be served ({reason}); run "
                                "`dskg build` again") from None

    @property
    def id(self) -> str:
        return self.layout.root.name

    @property
    def path(self) -> Path:
        return self.layout.root

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.report["started"])

    def open_store(self) -> Store:
        return open_store(self.layout.store)

    @cached_property
    def graph_names(self) -> list[str]:
        """The named graphs of the build (what ``dskg publish`` loads into a store)."""
        return sorted(self.open_store().graph_names())

    @cached_property
    def indexes(self) -> Indexes:
        return Indexes.load(self.layout.indexes)

    @cached_property
    def stream_index(self) -> list[dict]:
        return read_json(self.layout.stream_index)

    @cached_property
    def gone(self) -> dict[str, dict]:
        """IRI → ``time`` it left, its ``last`` version in the change stream (version
        IRI, fragment number) and the IRIs it was ``merged_into``; builds older than
        this record have none."""
        return read_json(self.layout.gone) if self.layout.gone.exists() else {}

    def open_browse(self) -> sqlite3.Connection:
        return browse.open_read_only(self.layout.browse)

    def open_entities(self) -> sqlite3.Connection:
        return browse.open_read_only(self.layout.entities)

    def metadata(self, base: str) -> MemoryStore:
        """The build's documents about itself, each as the named graph of its IRI."""
        return MemoryStore({base + iri_path: self.layout.metadata(name)
                            for name, iri_path in METADATA.items()})
