"""``dskg reference refresh``: replace a shipped table with its publisher's current one.

Nothing is replaced unless the new table parses and still holds every code our link
decisions lead to (an accepted or candidate link to a code that left the table would
silently point nowhere): the check fails with one line naming the codes, and the
shipped file stays as it was.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from dskg.errors import DskgError
from dskg.reference import TABLES, Table, codes, extra_names, genericode, national_languages, nuts

log = logging.getLogger(__name__)

#: Largest table accepted (the whole NUTS table in all its languages is ~30 MB).
MAX_BYTES = 200_000_000


@dataclass
class Refreshed:
    table: Table
    path: Path
    before: int
    after: int
    added: list[str]
    removed: list[str]

    def describe(self) -> str:
        change = (f"{len(self.added)} added, {len(self.removed)} removed"
                  if self.added or self.removed else "no code added or removed")
        return (f"{self.table.name}: {self.after} codes ({change}); wrote {self.path}")


def download(location: str) -> bytes:
    """A table's bytes from a URL (fetched as the harvester fetches) or a local path."""
    if "://" not in location:
        try:
            return Path(location).read_bytes()
        except OSError as exc:
            raise DskgError(f"{location}: {exc.strerror}") from None
    from dskg.harvest.fetch import Fetcher
    from dskg.sources import Politeness

    fetcher = Fetcher(Politeness(rate=1.0, timeout=120.0, max_bytes=MAX_BYTES, robots=False))
    return fetcher.get(location).body


def refresh(name: str, reference_dir: Path, used: set[str],
            sources: list[str] | None = None) -> Refreshed:
    """Download table ``name`` (from ``sources``, else its publisher), check it, and
    write it in place of the shipped one."""
    if name not in TABLES:
        raise DskgError(f"reference refresh: no table {name!r} (tables: {', '.join(TABLES)})")
    table = TABLES[name]
    sources = sources or [table.url]
    path = reference_dir / table.file
    before = codes(table, reference_dir) if path.is_file() else set()
    raw = [download(source) for source in sources]
    lists = [genericode.parse(data, source) for source, data in zip(sources, raw)]
    for source, code_list in zip(sources, lists):
        if code_list.iri.rstrip("/") != _list_id(table):
            raise DskgError(f"{source}: the code list is {code_list.iri}, not the "
                            f"{table.name} table ({_list_id(table)})")
    if table.name == "nuts":
        regions = nuts.regions_of(lists, extra_names(reference_dir),
                                  national_languages(reference_dir))
        after = set(regions)
    else:
        if len(lists) != 1:
            raise DskgError(f"reference refresh {name}: one source, not {len(lists)}")
        after = set(lists[0].codes)
    if gone := sorted(used - after):
        raise DskgError(f"reference refresh {name}: {' '.join(sources)} no longer has "
                        f"{', '.join(gone)}, which data/links leads to; nothing replaced")
    tmp = path.with_name(path.name + ".new")
    if table.name == "nuts":
        nuts.write_csv(tmp, regions.values())
    else:
        tmp.write_bytes(raw[0])
    os.replace(tmp, path)
    refreshed = Refreshed(table, path, len(before), len(after), sorted(after - before),
                          sorted(before - after))
    log.info("%s", refreshed.describe())
    return refreshed


def _list_id(table: Table) -> str:
    """The ``listId`` the publisher's code list gives (NUTS: its authority table)."""
    if table.name == "nuts":
        return "http://publications.europa.eu/resource/authority/nuts"
    return table.scheme
