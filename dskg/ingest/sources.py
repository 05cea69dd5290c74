"""Records from every declared source: text pages from ``data/``, harvested items from
the harvest cache.

This is where a build learns what its sources hold. A harvested source that was
never harvested, or whose last harvest failed, is built from what the cache has
(nothing, or its last good harvest) and named in :attr:`InputRecords.warnings`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rdflib import Graph

from dskg.config import VarLayout
from dskg.harvest.cache import CacheError, SourceCache, cache_path, load_cache
from dskg.ingest.editorial import editorial_records
from dskg.ingest.html import PageUnreadable, page_entry
from dskg.ingest.records import (
    STATUS_INVALID,
    PracticeRecord,
    interpret,
    page_records,
)
from dskg.ingest.translations import fold_translations
from dskg.ingest.wordpress import post_entries
from dskg.sources import Source
from dskg.vocab import Vocabularies


@dataclass
class Node:
    """Another dskg node's graph, as its event stream last gave it (an ``ldes`` source)."""

    name: str
    stream: str
    graph: Graph
    #: The node's catalogue: its IRI and statements (empty when it publishes none).
    catalog: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class InputKey:
    """Which input a record came from, as the ledger keeps it: ``page:<source>:<file>``
    for a page of a listing-text source, ``harvest:<source>`` for a harvest cache,
    ``editorial:<source>`` for the approved submissions."""

    kind: str
    source: str
    page: str = ""

    HARVEST: ClassVar[str] = "harvest"
    PAGE: ClassVar[str] = "page"
    EDITORIAL: ClassVar[str] = "editorial"

    def __str__(self) -> str:
        return f"{self.kind}:{self.source}:{self.page}" if self.kind == self.PAGE \
            else f"{self.kind}:{self.source}"

    @classmethod
    def parse(cls, text: str) -> InputKey:
        """The key a ledger wrote (a source name holds no colon; a file name may)."""
        kind, _, rest = text.partition(":")
        if kind == cls.PAGE:
            source, _, page = rest.partition(":")
            return cls(kind, source, page)
        if kind in (cls.HARVEST, cls.EDITORIAL):
            return cls(kind, rest)
        raise ValueError(f"not an input key: {text!r}")

    @property
    def harvested(self) -> bool:
        return self.kind == self.HARVEST


@dataclass(frozen=True)
class Input:
    """One file a build reads: a page of a listing-text source, or the harvest cache of
    a harvested source. Its digest tells a build whether it can reuse what it made of
    it last time (:mod:`dskg.ledger`)."""

    key: InputKey
    source: Source
    path: Path


@dataclass
class InputRecords:
    """What one input yields: records (before reposts are marked) or another node's
    graph, and warnings for the build report."""

    records: list[PracticeRecord] = field(default_factory=list)
    node: Node | None = None
    warnings: list[str] = field(default_factory=list)
    #: Where its source's records came from (pages, or the harvest and its time).
    origin: str = ""


def list_inputs(sources: list[Source], data_dir: Path, var_dir: Path) -> list[Input]:
    """Every input of the declared sources, in source order."""
    inputs = []
    for source in sources:
        if source.kind == "editorial":
            path = editorial_path(var_dir, source.name)
            inputs += [Input(InputKey(InputKey.EDITORIAL, source.name), source, path)
                       ] if path.is_file() else []
        elif source.harvested:
            inputs.append(Input(InputKey(InputKey.HARVEST, source.name), source,
                                cache_path(var_dir, source.name)))
        else:
            inputs += [Input(InputKey(InputKey.PAGE, source.name, path.name), source, path)
                       for path in source.pages(data_dir)]
    return inputs


def read_input(item: Input, vocab: Vocabularies, var_dir: Path) -> InputRecords:
    """The records (or node graph) of one input; a source whose harvest is missing or
    failed is named in the warnings and built from its last good harvest, if any."""
    source = item.source
    if source.kind == "editorial":
        return InputRecords(editorial_records(item.path, source, vocab),
                            origin="approved submissions")
    if not source.harvested:
        return InputRecords(page_records(item.path, vocab))
    result = InputRecords()
    try:
        cache = load_cache(var_dir, source.name)
    except CacheError as error:
        result.warnings.append(f"source {source.name!r}: {error}; left out")
        return result
    if cache is None or cache.harvested is None:
        why = f" (it failed: {cache.error})" if cache is not None and cache.error else ""
        result.warnings.append(f"source {source.name!r} has never been harvested{why}; "
                               f"run `dskg harvest {source.name}`")
        return result
    if cache.error:
        result.warnings.append(f"source {source.name!r}: the last harvest "
                               f"({cache.attempted}) failed: {cache.error}; built from "
                               f"its harvest of {cache.harvested}")
    if source.kind == "ldes":
        assert source.url is not None
        result.node = node_graph(source.name, source.url, cache)
    else:
        result.records = cached_records(source, cache, vocab)
    result.origin = f"harvest of {cache.harvested}"
    return result


def editorial_path(var_dir: Path, name: str) -> Path:
    """Where an ``editorial`` source's approved submissions are exported."""
    return VarLayout(var_dir).editorial / f"{name}.json"


def page_origins(sources: list[Source], data_dir: Path) -> dict[str, str]:
    """Where each listing-text source's records come from."""
    return {source.name: f"{len(source.pages(data_dir))} pages in {data_dir}"
            for source in sources if source.kind == "listing-text"}


def node_graph(name: str, stream: str, cache: SourceCache) -> Node:
    """The statements of every entity the node's stream still has."""
    graph = Graph()
    text = "".join(item.content["ntriples"] for item in cache.current().values())
    if text:
        graph.parse(data=text, format="nt")
    return Node(name, stream, graph, dict(cache.terms.get("catalog", {})))


def cached_records(source: Source, cache: SourceCache, vocab: Vocabularies
                   ) -> list[PracticeRecord]:
    """The records of a harvested source's current items."""
    items = cache.current()
    if source.kind == "wordpress":
        terms = {taxonomy: {int(k): v for k, v in names.items()}
                 for taxonomy, names in cache.terms.items()}
        entries = post_entries([item.content for item in items.values()], terms,
                               source.language)
        return [interpret(entry, source.name, vocab, source) for entry in entries]
    records, entries = [], []
    for number, (url, item) in enumerate(sorted(items.items()), start=1):
        try:
            entries.append(page_entry(item.content["html"], url, number, source.selector))
        except PageUnreadable as error:
            record = PracticeRecord(source=source.name, entry=number, line=0, url=url,
                                    item="page")
            record.mark(STATUS_INVALID, f"page cannot be read: {error}")
            records.append(record)
    entries = fold_translations(entries, source.language)
    return records + [interpret(entry, source.name, vocab, source) for entry in entries]
