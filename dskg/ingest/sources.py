"""Records from every declared source: text pages from ``data/``, harvested items from
the harvest cache.

This is where a build learns what its sources hold. A harvested source that was
never harvested, or whose last harvest failed, is built from what the cache has
(nothing, or its last good harvest) and named in :attr:`SourceRecords.warnings`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from dskg.harvest.cache import CacheError, SourceCache, load_cache
from dskg.ingest.html import PageUnreadable, page_entry
from dskg.ingest.records import (
    STATUS_INVALID,
    PracticeRecord,
    interpret,
    mark_duplicates,
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


@dataclass
class SourceRecords:
    records: list[PracticeRecord] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    #: Per source: where its records came from (pages, or the harvest and its time).
    origins: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def read_sources(sources: list[Source], data_dir: Path, var_dir: Path,
                 vocab: Vocabularies) -> SourceRecords:
    """Every source's records, reposts and the same practice across sources marked."""
    result = SourceRecords()
    for source in sources:
        if not source.harvested:
            pages = source.pages(data_dir)
            for path in pages:
                result.records.extend(page_records(path, vocab))
            result.origins[source.name] = f"{len(pages)} pages in {data_dir}"
            continue
        try:
            cache = load_cache(var_dir, source.name)
        except CacheError as error:
            result.warnings.append(f"source {source.name!r}: {error}; left out")
            continue
        if cache is None or cache.harvested is None:
            why = f" (it failed: {cache.error})" if cache is not None and cache.error else ""
            result.warnings.append(f"source {source.name!r} has never been harvested{why}; "
                                   f"run `dskg harvest {source.name}`")
            continue
        if cache.error:
            result.warnings.append(f"source {source.name!r}: the last harvest "
                                   f"({cache.attempted}) failed: {cache.error}; built from "
                                   f"its harvest of {cache.harvested}")
        if source.kind == "ldes":
            assert source.url is not None
            result.nodes.append(node_graph(source.name, source.url, cache))
        else:
            result.records.extend(cached_records(source, cache, vocab))
        result.origins[source.name] = f"harvest of {cache.harvested}"
    mark_duplicates(result.records)
    return result


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
