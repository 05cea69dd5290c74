"""Harvest a WordPress site through its REST API (v2).

The API is found at ``/wp-json/`` or, on sites without pretty permalinks, through
``/?rest_route=``. A first harvest reads every post of the configured categories,
page by page (``X-WP-TotalPages``). Later harvests read a light listing of ids and
modification times (complete, so posts gone from it are withdrawn), then only the
posts modified since the last harvest (``modified_after``), and fetch by id any
other post whose modification time differs from the cached one. Category and tag
names are re-read each time (a renamed category changes the mapped concepts).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from dskg.harvest.cache import CURRENT, Item, SourceCache
from dskg.harvest.fetch import Fetcher, FetchError, Response
from dskg.harvest.summary import Summary
from dskg.ingest.html import plain
from dskg.ingest.wordpress import POST_FIELDS
from dskg.progress import Progress
from dskg.sources import Source
from dskg.text import fold

log = logging.getLogger("dskg.harvest")
PER_PAGE = 100
#: A site claiming more listing pages than this is refused rather than followed.
MAX_PAGES = 10_000


class WordPressAPI:
    """The REST API of one site, in whichever URL form the site answers."""

    def __init__(self, fetcher: Fetcher, site: str, pretty: bool | None = None):
        """``pretty`` is the URL form that answered last time, tried first."""
        self.fetcher, self.site = fetcher, site if site.endswith("/") else site + "/"
        self.pretty = self._discover(True if pretty is None else pretty)

    def _discover(self, first: bool) -> bool:
        """The URL form the site answers in, asking for the API index's namespaces only
        (the whole index describes every route: hundreds of kilobytes)."""
        for pretty in (first, not first):
            url = self.url("/", {"_fields": "namespaces"}, pretty)
            response = self.fetcher.get(url, accept="application/json", allow_missing=True)
            if response.status != 200:
                continue
            try:
                index = json.loads(response.text())
            except ValueError as error:
                if "json" in response.headers.get("content-type", ""):
                    raise FetchError(url, f"malformed JSON ({error})") from None
                continue  # a page of the site, not the API
            if isinstance(index, dict) and "wp/v2" in index.get("namespaces", []):
                return pretty
        raise FetchError(self.site, "no WordPress REST API (wp/v2) at /wp-json/ or "
                         "/?rest_route=/")

    def url(self, route: str, params: dict[str, Any], pretty: bool | None = None) -> str:
        pretty = self.pretty if pretty is None else pretty
        if pretty:
            query = urlencode(params)
            return f"{self.site}wp-json{route}" + (f"?{query}" if query else "")
        return f"{self.site}?{urlencode({'rest_route': route, **params})}"

    def get(self, route: str, params: dict[str, Any]) -> tuple[Any, Response]:
        url = self.url(route, params)
        response = self.fetcher.get(url, accept="application/json")
        try:
            return json.loads(response.text()), response
        except ValueError as error:
            raise FetchError(url, f"malformed JSON ({error})") from None

    def pages(self, route: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Each page of a collection, as a list of objects, until ``X-WP-TotalPages``."""
        page, total = 1, 1
        while page <= total:
            data, response = self.get(route, {**params, "per_page": PER_PAGE, "page": page})
            url = self.url(route, {**params, "per_page": PER_PAGE, "page": page})
            if not isinstance(data, list) or not all(isinstance(o, dict) and "id" in o
                                                      for o in data):
                raise FetchError(url, "expected a JSON list of objects with ids")
            header = response.headers.get("x-wp-totalpages", "1")
            if not header.isdigit() or int(header) > MAX_PAGES:
                raise FetchError(url, f"X-WP-TotalPages {header!r} is not a page count")
            total = int(header)
            yield data
            page += 1

    def terms(self, taxonomy: str) -> dict[str, str]:
        """Term id → name (entities decoded: the API sends ``AI &amp; ML``)."""
        return {str(term["id"]): plain(str(term.get("name", "")))
                for page in self.pages(f"/wp/v2/{taxonomy}", {"_fields": "id,name"})
                for term in page}


def _fingerprint(post: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(post, sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def harvest_wordpress(source: Source, fetcher: Fetcher, previous: SourceCache | None,
                      now: str, summary: Summary) -> SourceCache:
    """The source's new cache; ``summary`` counts what changed. Raises
    :class:`FetchError` when the site cannot be read completely."""
    assert source.url is not None
    cursor = dict(previous.cursor) if previous else {}
    api = WordPressAPI(fetcher, source.url, {"pretty": True, "plain": False}.get(
        cursor.get("api", "")))
    cursor["api"] = "pretty" if api.pretty else "plain"
    cache = SourceCache(source=source.name, kind=source.kind, url=source.url,
                        items=dict(previous.items) if previous else {}, cursor=cursor)
    cache.terms = {"categories": api.terms("categories"), "tags": api.terms("tags")}
    filters = _category_filter(source, cache.terms["categories"])
    full = {"_fields": ",".join(POST_FIELDS), "orderby": "id", "order": "asc", **filters}
    if previous is None or not previous.items:
        posts = _all(api, full, "posts")
        listing = {str(post["id"]): str(post.get("modified_gmt")) for post in posts}
    else:
        light = {"_fields": "id,modified_gmt", "orderby": "id", "order": "asc", **filters}
        listing = {str(post["id"]): str(post.get("modified_gmt"))
                   for post in _all(api, light, "post ids")}
        changed = {key for key, modified in listing.items()
                   if (item := cache.items.get(f"post/{key}")) is None
                   or item.modified != modified or item.status != CURRENT}
        posts = []
        since = cache.cursor.get("modified_after")
        if since and changed:
            posts = [post for post in _all(api, {**full, "modified_after": since},
                                           "modified posts")
                     if str(post["id"]) in changed]
        missing = sorted(changed - {str(post["id"]) for post in posts}, key=int)
        posts += _by_id(api, full, missing)
    for post in posts:
        key = f"post/{post['id']}"
        _store(cache, key, post, api.url(f"/wp/v2/posts/{post['id']}", {}), now, summary)
    summary.unchanged = len(listing) - summary.new - summary.changed
    summary.withdraw_unlisted(cache, {f"post/{post_id}" for post_id in listing}, now)
    latest = max((item.modified or "" for item in cache.items.values()), default="")
    if latest:
        cache.cursor["modified_after"] = latest
    return cache


def _category_filter(source: Source, categories: dict[str, str]) -> dict[str, str]:
    if not source.categories:
        return {}
    by_name = {fold(name): term_id for term_id, name in categories.items()}
    missing = [name for name in source.categories if fold(name) not in by_name]
    if missing:
        raise FetchError(source.url or source.name, f"no category named {missing[0]!r} on "
                         "the site (categories in data/sources.yaml)")
    return {"categories": ",".join(by_name[fold(name)] for name in source.categories)}


def _all(api: WordPressAPI, params: dict[str, Any], what: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    progress = Progress(f"{api.site}: {what}", 0, log)
    for page in api.pages("/wp/v2/posts", params):
        found.extend(page)
        progress.advance(len(page))
    return found


def _by_id(api: WordPressAPI, params: dict[str, Any], ids: list[str]
           ) -> list[dict[str, Any]]:
    """Posts by id, ``PER_PAGE`` to a request, ``concurrency`` requests at a time."""
    batches = [ids[i:i + PER_PAGE] for i in range(0, len(ids), PER_PAGE)]

    def fetch(batch: list[str]) -> list[dict[str, Any]]:
        return [post for page in api.pages("/wp/v2/posts", {**params, "include": ",".join(batch)})
                for post in page]
    with ThreadPoolExecutor(max_workers=api.fetcher.politeness.concurrency) as pool:
        return [post for posts in pool.map(fetch, batches) for post in posts]


def _store(cache: SourceCache, key: str, post: dict[str, Any], api_url: str, now: str,
           summary: Summary) -> None:
    digest = _fingerprint(post)
    before = cache.items.get(key)
    if before is not None and before.sha256 == digest and before.status == CURRENT:
        before.modified = str(post.get("modified_gmt"))
        return
    if before is None or before.status != CURRENT:
        summary.new += 1
    else:
        summary.changed += 1
    cache.items[key] = Item(url=str(post.get("link") or api_url), api=api_url, fetched=now,
                            sha256=digest, content=post,
                            modified=str(post.get("modified_gmt")))
