"""The harvest cache: what each harvested source last yielded, with provenance.

``var/harvest/<source>.json`` holds one source: when it was last harvested (and the
last failure, if the latest attempt failed), the names of its categories and tags,
where an incremental harvest resumes, and every item it ever gave — its URL, when it
was fetched, its ``ETag``/``Last-Modified``, the SHA-256 of the fetched body, the
body itself, and whether it is ``current`` or ``withdrawn`` (gone from a complete
listing). ``dskg build`` reads practices from here, so it never waits on a network.

The file is replaced in one atomic rename after a harvest ends, so a killed or
failed harvest leaves the previous one whole; a lock keeps two harvests of one
source from running at once.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dskg.config import VarLayout
from dskg.errors import DskgError

FORMAT = 1
CURRENT, WITHDRAWN = "current", "withdrawn"


class CacheError(DskgError):
    """A cache file cannot be read, or another harvest holds the source."""


@dataclass
class Item:
    """One fetched item (a post, a page) and where it came from."""

    url: str
    fetched: str
    sha256: str
    content: dict[str, Any]
    #: Where the content was fetched from when that is not ``url`` (a REST route).
    api: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: The source's own modification time (WordPress ``modified_gmt``).
    modified: str | None = None
    status: str = CURRENT
    withdrawn: str | None = None


@dataclass
class SourceCache:
    source: str
    kind: str
    url: str | None
    harvested: str | None = None
    attempted: str | None = None
    error: str | None = None
    terms: dict[str, dict[str, str]] = field(default_factory=dict)
    cursor: dict[str, str] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)

    def current(self) -> dict[str, Item]:
        return {key: item for key, item in self.items.items() if item.status == CURRENT}

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT
        return data


def cache_dir(var_dir: Path) -> Path:
    return VarLayout(var_dir).harvest


def cache_path(var_dir: Path, source: str) -> Path:
    return cache_dir(var_dir) / f"{source}.json"


def load_cache(var_dir: Path, source: str) -> SourceCache | None:
    """The last harvest of ``source``, or ``None`` when it was never harvested."""
    path = cache_path(var_dir, source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise CacheError(f"harvest cache {path} cannot be read ({error}); remove it and run "
                         f"`dskg harvest {source}` again") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CacheError(f"harvest cache {path} is of another format; remove it and run "
                         f"`dskg harvest {source}` again")
    items = {key: Item(**value) for key, value in data.pop("items").items()}
    data.pop("format")
    return SourceCache(**data, items=items)


def save_cache(var_dir: Path, cache: SourceCache) -> None:
    """Write ``cache`` in place of the source's previous one, atomically and durably."""
    path = cache_path(var_dir, cache.source)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(cache.as_json(), handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def harvest_lock(var_dir: Path, source: str) -> Iterator[None]:
    """Hold ``source`` for one harvest; a second one at the same time is refused."""
    folder = cache_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f".{source}.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CacheError(f"source {source!r} is being harvested by another process") \
                from None
        yield
