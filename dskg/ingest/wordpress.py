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

from dskg.ingest.html import body_entry, plain
from dskg.ingest.page import RawEntry
from dskg.ingest.translations import fold_translations

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
    visible_posts = {int(post["id"]): post for post in posts if visible(post)}
    entries = []
    for post_id in sorted(visible_posts):
        entry = post_entry(visible_posts[post_id], terms)
        linked = visible_posts[post_id].get("translations")
        others = [visible_posts.get(int(i)) for i in linked.values()] \
            if isinstance(linked, dict) else []
        entry.alternates = [str(o.get("link")) for o in others
                            if o is not None and o.get("link") and int(o["id"]) != post_id]
        entries.append(entry)
    return fold_translations(entries, language)


def post_entry(post: dict[str, Any], terms: dict[str, dict[int, str]]) -> RawEntry:
    """The raw entry of one post (entry number = post id)."""
    names = [terms.get("categories", {}).get(int(i)) for i in post.get("categories", [])]
    names += [terms.get("tags", {}).get(int(i)) for i in post.get("tags", [])]
    date = str(post.get("date") or "")[:10] or None
    entry = body_entry(post["content"]["rendered"], int(post["id"]),
                       title=plain(post["title"]["rendered"]), published=date,
                       categories=[name for name in names if name],
                       url=post.get("link"), item=f"post {post['id']}")
    entry.language = str(post["lang"]) if post.get("lang") else None
    return entry
