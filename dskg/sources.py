"""Where practices come from, declared once in ``data/sources.yaml``.

A source has a name (its key in the harvest cache, in the build report and in
provenance), a kind, where it is, its default language and country, how its
categories and tags map to our concept schemes, and how politely to fetch it:

``listing-text``
    scraped listing pages in a folder of ``data/`` (``path``, default ``sources``);
    each ``*.txt`` file is read as today and keeps its file name as its source name.
``wordpress``
    a WordPress site read through its REST API (``url``; ``categories`` limits the
    harvest to posts in those categories).
``html``
    a site without the REST API: ``url`` (or ``listing``) is a listing page linking to
    each practice's own page; ``selectors`` (CSS) say where the parts of a page are.
``ldes``
    another dskg node (or any LDES of the same shape): ``url`` is its event stream
    (``…/set/ldes``); its members are replayed with their own IRIs into a named graph
    of their own (federation).
``editorial``
    the practices editors submitted on the site and curators approved
    (:mod:`dskg.submissions`), from ``var/editorial/<name>.json``; nothing to fetch.

Without ``data/sources.yaml`` the data folder holds one ``listing-text`` source over
``data/sources/``, and the site's approved submissions are the ``editorial`` source. A
problem in the file names the source, the field and what is wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from dskg import __version__
from dskg.errors import DskgError
from dskg.fields import CONCEPT_FIELDS

SOURCES_FILE = "sources.yaml"
KINDS = ("listing-text", "wordpress", "html", "ldes", "editorial")
NAME = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
USER_AGENT = (f"dskg/{__version__} (Digital Skills Knowledge Graph harvester; "
              "+https://github.com/dskg/dskg)")

#: Where the parts of a practice's page are in a WordPress theme (the defaults of the
#: ``html`` kind): every default theme shipped since 2019 marks them up this way.
WORDPRESS_SELECTORS = {
    "links": "article .entry-title a, h2.entry-title a, h2.wp-block-post-title a",
    "next": "a.next.page-numbers, .nav-previous a, a.wp-block-query-pagination-next",
    "title": "h1.entry-title, h1.wp-block-post-title, article h1",
    "content": ".entry-content, .wp-block-post-content",
    "date": "time.entry-date[datetime], .wp-block-post-date time[datetime], time[datetime]",
    "categories": ".cat-links a, .wp-block-post-terms a, a[rel~=category]",
    "tags": ".tags-links a, a[rel~=tag]",
}


class SourcesError(DskgError):
    """``data/sources.yaml`` cannot be used as it stands."""


@dataclass(frozen=True)
class Politeness:
    """How a harvest treats a site: one request per ``1 / rate`` seconds at most,
    ``concurrency`` in flight, each given up after ``timeout`` seconds and retried
    ``retries`` times with exponential backoff, no response larger than ``max_bytes``."""

    rate: float = 2.0
    concurrency: int = 2
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    max_bytes: int = 5_000_000
    user_agent: str = USER_AGENT
    robots: bool = True


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    #: Folder or file under the data folder (``listing-text``).
    path: Path | None = None
    #: The site (``wordpress``) or its listing page (``html``).
    url: str | None = None
    language: str = "en"
    #: An ISO code or name of our country scheme, for items that name no country.
    country: str | None = None
    #: WordPress category names whose posts are harvested (all posts when empty).
    categories: tuple[str, ...] = ()
    #: Category or tag name → (field, label of one of its scheme's concepts), for
    #: names our schemes' labels do not know already.
    concepts: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Category or tag names that group others and map to nothing.
    ignore: tuple[str, ...] = ()
    selectors: dict[str, str] = field(default_factory=dict)
    politeness: Politeness = Politeness()

    @property
    def harvested(self) -> bool:
        """Read from the harvest cache (fetched by ``dskg harvest``), not from ``data/``."""
        return self.kind not in ("listing-text", "editorial")

    def pages(self, data_dir: Path) -> list[Path]:
        """The text pages of a ``listing-text`` source, in name order."""
        where = data_dir / (self.path or Path("sources"))
        if where.is_file():
            return [where]
        return sorted(p for p in where.glob("*.txt") if p.is_file())

    def selector(self, part: str) -> str:
        return self.selectors.get(part) or WORDPRESS_SELECTORS[part]


DEFAULT_SOURCES = [Source(name="sources", kind="listing-text", path=Path("sources")),
                   Source(name="editorial", kind="editorial")]


def load_sources(data_dir: Path) -> list[Source]:
    """The declared sources of a data folder, in file order."""
    path = data_dir / SOURCES_FILE
    if not path.exists():
        return list(DEFAULT_SOURCES)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SourcesError(f"{path}: cannot be parsed: {at}{problem}") from None
    except UnicodeDecodeError as error:
        raise SourcesError(f"{path}: cannot be parsed: not UTF-8 ({error})") from None
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: expected `sources:` with a list of sources")
    sources: list[Source] = []
    for number, entry in enumerate(entries, start=1):
        source = parse_source(entry, f"{path}: source {number}")
        if any(s.name == source.name for s in sources):
            raise SourcesError(f"{path}: source {source.name!r} is declared twice")
        sources.append(source)
    return sources


_FIELDS = {"name", "kind", "path", "url", "listing", "language", "country", "categories",
           "concepts", "ignore", "selectors", "politeness"}


def parse_source(entry: Any, where: str = "source") -> Source:
    """One declaration (a mapping as in ``sources.yaml``) as a :class:`Source`;
    :class:`SourcesError` names ``where`` and the field that is wrong."""
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: expected a mapping with name, kind and where it is")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise SourcesError(f"{where}: name {name!r} must be lowercase letters, digits, "
                           "hyphens, dots or underscores")
    where = f"{where.rsplit(': ', 1)[0]}: source {name!r}"
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise SourcesError(f"{where}: unknown field {unknown[0]!r} (known: "
                           f"{', '.join(sorted(_FIELDS))})")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise SourcesError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    url = entry.get("url") or entry.get("listing")
    if kind in ("listing-text", "editorial"):
        if url:
            raise SourcesError(f"{where}: a {kind} source is not fetched from a URL")
    elif not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise SourcesError(f"{where}: url {url!r} must be an http or https URL")
    path = entry.get("path")
    if path is not None and kind != "listing-text":
        raise SourcesError(f"{where}: path is for listing-text sources; use url")
    language = entry.get("language", "en")
    if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*",
                                                         language):
        raise SourcesError(f"{where}: language {language!r} must be a language tag (en, bg)")
    selectors = _mapping(entry, "selectors", where)
    unknown_parts = sorted(set(selectors) - set(WORDPRESS_SELECTORS))
    if unknown_parts:
        raise SourcesError(f"{where}: selectors: unknown part {unknown_parts[0]!r} (known: "
                           f"{', '.join(WORDPRESS_SELECTORS)})")
    if isinstance(url, str) and kind == "wordpress":
        url = url.rstrip("/") + "/"
    return Source(
        name=name, kind=kind, path=Path(path) if path else None,
        url=url,
        language=language, country=_text(entry, "country", where),
        categories=tuple(_texts(entry, "categories", where)),
        concepts=_concepts(_mapping(entry, "concepts", where), f"{where}: concepts"),
        ignore=tuple(_texts(entry, "ignore", where)),
        selectors={k: str(v) for k, v in selectors.items()},
        politeness=_politeness(_mapping(entry, "politeness", where), f"{where}: politeness"))


def _text(entry: dict, key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise SourcesError(f"{where}: {key} must be text")
    return value


def _texts(entry: dict, key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourcesError(f"{where}: {key} must be a list of names")
    return value


def _mapping(entry: dict, key: str, where: str) -> dict:
    value = entry.get(key) or {}
    if not isinstance(value, dict):
        raise SourcesError(f"{where}: {key} must be a mapping")
    return value


def _concepts(raw: dict, where: str) -> dict[str, tuple[str, str]]:
    """``"AI & ML": "technologies: Artificial Intelligence"`` → name → (field, label)."""
    concepts = {}
    for name, target in raw.items():
        field_name, _, label = str(target).partition(":")
        field_name, label = field_name.strip(), label.strip()
        if field_name not in CONCEPT_FIELDS or not label:
            raise SourcesError(f"{where}: {name!r}: expected 'FIELD: concept label' with "
                               f"FIELD one of {', '.join(CONCEPT_FIELDS)}, got {target!r}")
        concepts[str(name)] = (field_name, label)
    return concepts


def _politeness(raw: dict, where: str) -> Politeness:
    defaults = Politeness()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if not hasattr(defaults, key):
            raise SourcesError(f"{where}: unknown setting {key!r} (known: rate, concurrency, "
                               "timeout, retries, backoff, max_bytes, user_agent, robots)")
        expected = type(getattr(defaults, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected in (int, float) and value < 0):
            raise SourcesError(f"{where}: {key} must be a non-negative "
                               f"{expected.__name__}, got {value!r}")
        values[key] = value
    politeness = Politeness(**values)
    if politeness.rate <= 0 or politeness.concurrency < 1:
        raise SourcesError(f"{where}: rate must be above 0 and concurrency at least 1")
    return politeness
