"""Harvest a site's rendered pages: a listing page that links to each practice's page.

The listing (and its following pages, by the ``next`` selector) is read completely
first: a page it no longer links to is withdrawn, and a listing that cannot be read
fails the source. Each practice page is then fetched with the validators of its
last copy (``If-None-Match``/``If-Modified-Since``), so an unchanged page costs a 304;
a page that answers 404 or 410 is withdrawn; any other failure keeps the last copy
and is counted as failed, naming the page.
"""
from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor

from dskg.harvest.cache import CURRENT, Item, SourceCache
from dskg.harvest.fetch import Fetcher, FetchError
from dskg.harvest.summary import Summary
from dskg.ingest.html import is_practice_page, page_links
from dskg.progress import Progress
from dskg.sources import Source

log = logging.getLogger("dskg.harvest")
#: Listing pages followed at most (a ``next`` link that never ends is a loop).
MAX_LISTING_PAGES = 1000


def listing(source: Source, fetcher: Fetcher) -> list[str]:
    """Every practice page the listing links to, in listing order."""
    assert source.url is not None
    url: str | None = source.url
    seen: set[str] = set()
    links: list[str] = []
    first: str | None = None
    while url is not None:
        if url in seen or len(seen) >= MAX_LISTING_PAGES:
            raise FetchError(url, "the listing's next-page links go round in a loop")
        seen.add(url)
        response = fetcher.get(url, accept="text/html")
        document = response.text()
        first = first if first is not None else document
        found, url = page_links(document, response.url, source.selector)
        links.extend(link for link in found if link not in links)
    if not links and first is not None and is_practice_page(first, source.selector):
        return [source.url]  # the URL is a practice's own page
    if not links:
        raise FetchError(source.url, "the listing links to no page (selector "
                         f"{source.selector('links')!r})")
    return links


def harvest_html(source: Source, fetcher: Fetcher, previous: SourceCache | None, now: str,
                 summary: Summary) -> SourceCache:
    """The source's new cache; raises :class:`FetchError` when its listing fails."""
    cache = SourceCache(source=source.name, kind=source.kind, url=source.url,
                        items=dict(previous.items) if previous else {})
    links = listing(source, fetcher)
    progress = Progress(f"{source.name}: pages", len(links), log)

    def fetch(url: str) -> tuple[str, Item | None, str | None]:
        """(url, the fetched item or ``None``, what went wrong or ``None``)."""
        before = cache.items.get(url)
        try:
            response = fetcher.get(url, accept="text/html", allow_missing=True,
                                   etag=before.etag if before else None,
                                   last_modified=before.last_modified if before else None)
            if response.status in (404, 410):
                return url, None, f"HTTP {response.status}"
            if response.not_modified and before is not None:
                return url, before, None
            text = response.text()
        except FetchError as error:
            return url, None, error.reason
        finally:
            progress.advance()
        return url, Item(url=url, fetched=now, sha256=hashlib.sha256(
            response.body).hexdigest(), content={"html": text}, etag=response.etag,
            last_modified=response.last_modified), None

    with ThreadPoolExecutor(max_workers=source.politeness.concurrency) as pool:
        results = list(pool.map(fetch, links))
    for url, item, problem in results:
        before = cache.items.get(url)
        known = before is not None and before.status == CURRENT
        if problem is not None and problem.startswith(("HTTP 404", "HTTP 410")) \
                and item is None and known:
            assert before is not None
            summary.withdraw(before, now, f"page {url}: withdrawn ({problem})")
        elif problem is not None:
            summary.failed += 1
            summary.details.append(f"page {url}: {problem}; "
                                   + ("last copy kept" if known else "not harvested"))
        elif item is None:
            continue
        elif not known:
            summary.new += 1
            cache.items[url] = item
        elif before is not None and before.sha256 != item.sha256:
            summary.changed += 1
            cache.items[url] = item
        else:
            summary.unchanged += 1
            if before is not None:
                before.etag, before.last_modified = item.etag, item.last_modified
    summary.withdraw_unlisted(cache, set(links), now)
    return cache
