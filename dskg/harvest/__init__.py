"""``dskg harvest``: fetch declared sources into the harvest cache.

One source at a time, each with its own polite :class:`~dskg.harvest.fetch.Fetcher`.
A source that fails keeps its last good harvest (the cache records the failure, so
the build can warn about it); the others go on.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dskg.harvest.cache import (
    CacheError,
    SourceCache,
    harvest_lock,
    load_cache,
    save_cache,
)
from dskg.harvest.fetch import Fetcher, FetchError
from dskg.harvest.html import harvest_html
from dskg.harvest.ldes import harvest_ldes
from dskg.harvest.summary import Summary
from dskg.harvest.wordpress import harvest_wordpress
from dskg.sources import Source, SourcesError

log = logging.getLogger("dskg.harvest")

Reader = Callable[[Source, Fetcher, SourceCache | None, str, Summary], SourceCache]
READERS: dict[str, Reader] = {"wordpress": harvest_wordpress, "html": harvest_html,
                              "ldes": harvest_ldes}


def select(sources: list[Source], names: list[str]) -> list[Source]:
    """The harvested sources named (all of them when none is)."""
    known = {source.name: source for source in sources}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SourcesError(f"no source named {unknown[0]!r} in data/sources.yaml (declared: "
                           f"{', '.join(known) or 'none'})")
    chosen = [known[name] for name in names] if names else sources
    listing = [s.name for s in chosen if not s.harvested]
    if names and listing:
        raise SourcesError(f"source {listing[0]!r} is read by `dskg build` itself (from "
                           "data/ or the site's submissions); there is nothing to harvest")
    return [source for source in chosen if source.harvested]


def fetch_source(source: Source, previous: SourceCache | None = None,
                 summary: Summary | None = None) -> SourceCache:
    """Read ``source`` from the network into a cache object (nothing is written)."""
    summary = summary or Summary(source.name, source.kind)
    fetcher = Fetcher(source.politeness)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        cache = READERS[source.kind](source, fetcher, previous, now, summary)
    finally:
        summary.requests, summary.bytes = fetcher.requests, fetcher.bytes
    cache.harvested = cache.attempted = now
    return cache


def harvest_source(var_dir: Path, source: Source) -> Summary:
    """Harvest one source into ``var_dir``'s cache; failures end up in the summary."""
    summary = Summary(source.name, source.kind)
    started = time.monotonic()
    log.info("%s: harvesting %s (%s)", source.name, source.url, source.kind)
    try:
        with harvest_lock(var_dir, source.name):
            previous = load_cache(var_dir, source.name)
            try:
                cache = fetch_source(source, previous, summary)
            except FetchError as error:
                summary.error = str(error)
                summary.new = summary.changed = summary.unchanged = summary.withdrawn = 0
                summary.details.clear()
                failed = previous or SourceCache(source=source.name, kind=source.kind,
                                                 url=source.url)
                failed.attempted = datetime.now(UTC).isoformat(timespec="seconds")
                failed.error = str(error)
                save_cache(var_dir, failed)
            else:
                save_cache(var_dir, cache)
    except CacheError as error:
        summary.error = str(error)
    summary.seconds = time.monotonic() - started
    log.debug("%s", summary.line())
    return summary


def harvest(var_dir: Path, sources: list[Source]) -> list[Summary]:
    return [harvest_source(var_dir, source) for source in sources]
