"""The slug registry: keeps every minted IRI stable across rebuilds.

An IRI, once minted, never changes. Slugs come from titles and names, but titles get
edited, so the registry (``data/slugs.csv``, committed) remembers which keys led to
which slug. A practice is found again by any title it ever had, or by where it was
first published (source page and publication date); only a practice the registry
has never seen gets a new slug, and the new slug is appended to the file.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii

from dskg.errors import DskgError
from dskg.text import fold

FIELDS = ("kind", "slug", "key")
#: The registry's file in the data folder.
REGISTRY_FILE = "slugs.csv"
MAX_SLUG_LENGTH = 80
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class RegistryError(DskgError):
    """``slugs.csv`` cannot be read; building on it could change public IRIs."""


def slugify(text: str) -> str:
    """A lowercase ASCII slug; Cyrillic and Greek are transliterated, not dropped."""
    ascii_text = anyascii(text).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0]
    return slug or "untitled"


@dataclass
class SlugRegistry:
    """Keys to slugs, per kind of thing (practice, organisation, funder, place, source)."""

    path: Path | None = None
    _by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    _slugs: dict[str, set[str]] = field(default_factory=dict)
    _ambiguous: set[tuple[str, str]] = field(default_factory=set)
    _every: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _new_rows: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> SlugRegistry:
        """The registry in ``path`` (empty if there is none); :class:`RegistryError`
        names the row of a file that cannot be trusted to keep IRIs stable."""
        registry = cls(path=path)
        if not path.exists():
            return registry
        number = 1
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = csv.reader(handle)
                header = next(rows, [])
                columns = [header.index(name) if name in header else -1 for name in FIELDS]
                for number, row in enumerate(rows, start=2):
                    if not row:
                        continue
                    kind, slug, key = (row[i] if 0 <= i < len(row) else "" for i in columns)
                    if not kind or not slug or not key:
                        raise RegistryError(f"{path}, row {number}: a row needs kind, slug "
                                            "and key")
                    if not SLUG.fullmatch(slug):
                        raise RegistryError(f"{path}, row {number}: {slug!r} is not a "
                                            "slug (lowercase letters, digits and hyphens)")
                    registry._remember(kind, slug, key)
        except (UnicodeDecodeError, csv.Error) as error:
            raise RegistryError(f"{path}, row {number}: cannot be read ({error})") from None
        return registry

    def _remember(self, kind: str, slug: str, key: str) -> None:
        known = self._by_key.setdefault((kind, key), slug)
        if known != slug:
            self._ambiguous.add((kind, key))
        self._every.setdefault((kind, key), set()).add(slug)
        self._slugs.setdefault(kind, set()).add(slug)

    def find(self, kind: str, *keys: str, exclude: Container[str] = ()) -> str | None:
        """The slug of the first key that names exactly one slug not in ``exclude``."""
        for key in keys:
            slug = self._by_key.get((kind, key))
            if slug is not None and (kind, key) not in self._ambiguous and slug not in exclude:
                return slug
        return None

    def named_by(self, kind: str, key: str) -> set[str]:
        """Every slug ``key`` ever led to (one, unless entries were merged)."""
        return set(self._every.get((kind, key), ()))

    def add_keys(self, kind: str, slug: str, *keys: str) -> None:
        """Record further keys for a slug (a new title of a known practice, say)."""
        for key in keys:
            if self._by_key.get((kind, key)) != slug:
                self._remember(kind, slug, key)
                self._new_rows.append((kind, slug, key))

    def mint(self, kind: str, text: str, *keys: str,
             exclude: Container[str] = ()) -> str:
        """The slug for ``keys``: the registered one, or a new unique one made from ``text``.

        ``exclude`` holds slugs already given to other things in this run, so two
        practices never share one.
        """
        slug = self.find(kind, *keys, exclude=exclude)
        if slug is None:
            slug = self._unique(kind, slugify(text))
        self.add_keys(kind, slug, *keys)
        return slug

    def _unique(self, kind: str, slug: str) -> str:
        taken = self._slugs.get(kind, set())
        candidate, counter = slug, 2
        while candidate in taken:
            candidate, counter = f"{slug}-{counter}", counter + 1
        return candidate

    def save(self) -> None:
        """Append the keys minted by this run; existing rows are never rewritten."""
        if self.path is None or not self._new_rows:
            return
        exists = self.path.exists() and self.path.stat().st_size > 0
        with self.path.open("a", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            if not exists:
                writer.writerow(FIELDS)
            writer.writerows(self._new_rows)
        self._new_rows.clear()


def title_key(title: str) -> str:
    return "title:" + fold(title)


def name_key(name: str) -> str:
    return "name:" + fold(name)


def origin_key(source: str, published_iso: str | None, entry: int) -> str:
    """Where a practice was first published: page plus date (or entry number if undated)."""
    return f"origin:{source}|{published_iso or f'#{entry}'}"
