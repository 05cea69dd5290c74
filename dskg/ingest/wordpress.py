"""WordPress posts (REST API v2 objects) as raw entries.

A post's title, date and permalink are its head; its categories and tags, resolved
to their names, are its tag line; its body (``content.rendered``) is read by
:mod:`dskg.ingest.html`. Posts linked as translations of each other (the ``lang`` and
``translations`` fields Polylang and WPML add to the REST API) are one practice: the
post in the source's language carries the fields, the others add their title and
description in their language. Only what a visitor may read becomes an entry:
published posts whose content is not password-protected.
"""
from __future__ import annotations

from typing import Any

from dskg.ingest.html import body_entry, head_lines, plain
from dskg.ingest.page import RawEntry

#: The parts of a post the cache keeps (``_fields`` of the REST requests).
POST_FIELDS = ("id", "link", "date", "modified_gmt", "status", "title", "content",
               "categories", "tags", "lang", "translations")


def visible(post: dict[str, Any]) -> bool:
    """Whether anyone may read the post: published and not password-protected."""
    content = post.get("content") or {}
    return post.get("status", "publish") == "publish" and not content.get("protected")


def post_entries(posts: list[dict[str, Any]], terms: dict[str, dict[int, str]],
                 language: str) -> list[RawEntry]:
    """One entry per practice: translations folded into the post in ``language``."""
    by_id = {int(post["id"]): post for post in posts if visible(post)}
    entries: list[RawEntry] = []
    taken: set[int] = set()
    for post_id in sorted(by_id):
        if post_id in taken:
            continue
        group = _translation_group(by_id, post_id)
        taken.update(group)
        primary = next((i for i in group if by_id[i].get("lang", language) == language),
                       group[0])
        entry = post_entry(by_id[primary], terms)
        for other in group:
            if other != primary:
                post = by_id[other]
                lang = str(post.get("lang") or "und")
                entry.translations[lang] = (plain(post["title"]["rendered"]),
                                            head_lines(post["content"]["rendered"]))
        entries.append(entry)
    return entries


def _translation_group(posts: dict[int, dict], start: int) -> list[int]:
    """``start`` and every visible post linked to it as a translation, by id."""
    group, todo = {start}, [start]
    while todo:
        linked = posts[todo.pop()].get("translations") or {}
        for other in (linked.values() if isinstance(linked, dict) else []):
            other = int(other)
            if other in posts and other not in group:
                group.add(other)
                todo.append(other)
    return sorted(group)


def post_entry(post: dict[str, Any], terms: dict[str, dict[int, str]]) -> RawEntry:
    """The raw entry of one post (entry number = post id)."""
    names = [terms.get("categories", {}).get(int(i)) for i in post.get("categories", [])]
    names += [terms.get("tags", {}).get(int(i)) for i in post.get("tags", [])]
    date = str(post.get("date") or "")[:10] or None
    return body_entry(post["content"]["rendered"], int(post["id"]),
                      title=plain(post["title"]["rendered"]), published=date,
                      categories=[name for name in names if name],
                      url=post.get("link"), item=f"post {post['id']}")
