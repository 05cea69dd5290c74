"""Versions of one practice in several languages become one entry.

WordPress sites publish a translated post as a post of its own, linked to the others
(Polylang's and WPML's ``translations`` in the REST API; ``<link rel="alternate"
hreflang>`` in the pages they render). Each harvested entry says its language and the
addresses of its other versions (:attr:`RawEntry.alternates`); entries linked that way,
directly or through one another, are one practice. The version in the source's
language carries the fields; each other version adds its title and description in its
language (:attr:`RawEntry.translations`), never a practice of its own.
"""
from __future__ import annotations

from dskg.ingest.groups import connected
from dskg.ingest.page import RawEntry


def primary_language(tag: str | None) -> str | None:
    """``en`` of ``en-US``: the language a title is tagged with."""
    return tag.split("-")[0].split("_")[0].lower() if tag else None


def fold_translations(entries: list[RawEntry], language: str) -> list[RawEntry]:
    """One entry per practice, in the order of each practice's first version."""
    folded = []
    for group in connected(entries, _addresses):
        primary = next((e for e in group if primary_language(e.language) == language), group[0])
        for version in group:
            if version is not primary:
                lang = primary_language(version.language) or "und"
                primary.translations[lang] = (version.title or "", version.head)
        folded.append(primary)
    return folded


def _addresses(entry: RawEntry) -> list[str]:
    """The entry's own address and those of its other versions, compared without a
    trailing slash."""
    return [url.rstrip("/") for url in (entry.url, *entry.alternates) if url]
