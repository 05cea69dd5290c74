"""The ledger of a build: what each input, entry and practice contributed to it.

A build writes its ledger beside its store (:attr:`dskg.artefact.Layout.ledger`, one
SQLite file). The next build reads it to redo only what changed (:mod:`dskg.build`):
an input (a page file, a harvested source's cache) whose digest is unchanged gives
the same records, and a practice whose statements are unchanged gives the same
findings, so neither is read, mapped or validated again. What a ledger cannot vouch
for — another version of dskg, other ontology, shapes, curation or source
declarations, a slug registry edited by hand — is in its *fingerprint*; a build whose
fingerprint differs from the ledger's is a full build.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dskg import __version__
from dskg.config import Config
from dskg.ingest.records import (
    STATUS_DUPLICATE,
    STATUS_OK,
    identity_keys,
    practice_identity,
    record_digest,
    record_summary,
)
from dskg.ingest.sources import InputKey
from dskg.mapping import PartKey
from dskg.registry import REGISTRY_FILE

if TYPE_CHECKING:
    from dskg.build.report import Prepared

SCHEMA_SQL = """
CREATE TABLE setting (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE input (key TEXT PRIMARY KEY, digest TEXT NOT NULL, origin TEXT NOT NULL,
                    warnings TEXT NOT NULL) WITHOUT ROWID;
-- A rowid table: summaries are over a kilobyte each, and a WITHOUT ROWID table keeps
-- whole rows in its key's b-tree (at 100k practices 468 MB of pages for 130 MB of
-- summaries, against 155 MB so), which every incremental build copies.
CREATE TABLE entry (input TEXT NOT NULL, position INTEGER NOT NULL, summary TEXT NOT NULL,
                    PRIMARY KEY (input, position));
CREATE TABLE identity (key TEXT NOT NULL, input TEXT NOT NULL);
CREATE INDEX identity_key ON identity (key);
CREATE INDEX identity_input ON identity (input);
CREATE TABLE unit (iri TEXT PRIMARY KEY, input TEXT NOT NULL, slug TEXT NOT NULL,
                   digest TEXT NOT NULL, parts TEXT NOT NULL, findings TEXT NOT NULL,
                   published INTEGER NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX unit_input ON unit (input);
CREATE TABLE finding (focus TEXT NOT NULL, body TEXT NOT NULL);
"""
#: What a build's fingerprint covers besides dskg's version and the two bases.
FINGERPRINTED = ("ontology_dir", "shapes_dir")
#: The form of the artefacts an incremental build changes in place (ledger, dump
#: segments, browse index); a build of another form is rebuilt in full.
ARTEFACT_FORM = 4


def digest_file(path: Path) -> str:
    """The digest of a file's bytes (``"missing"`` for none)."""
    if not path.exists():
        return "missing"
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def fingerprint(config: Config, data_files: Iterable[Path]) -> str:
    """What every unchanged input and practice depends on: dskg's version, the bases,
    the ontology and shapes, and the data folder's own files (curation, source
    declarations)."""
    sha = hashlib.sha256(
        f"{__version__}|{ARTEFACT_FORM}|{config.base}|{config.vocab_base}".encode())
    named = [(name, path) for name in FINGERPRINTED
             for path in sorted(Path(getattr(config, name)).rglob("*")) if path.is_file()]
    named += [("data_dir", path) for path in sorted(data_files)]
    for name, path in named:
        where = path.relative_to(getattr(config, name))
        sha.update(f"|{name}/{where}|{digest_file(path)}".encode())
    return sha.hexdigest()


@dataclass
class UnitRow:
    """A practice as the ledger keeps it."""

    iri: str
    input: InputKey
    slug: str
    digest: str
    parts: list[list[str]]
    findings: list[dict]
    published: bool
    #: Digest of what mapping read of its record (:func:`dskg.ingest.records.record_digest`).
    record: str = ""


class Ledger:
    """One build's ledger, open for reading (the previous build) or writing (this one)."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path, self.connection = path, connection

    @classmethod
    def open(cls, path: Path) -> Ledger | None:
        """The ledger at ``path``, or ``None`` when there is none (an older build)."""
        if not path.exists():
            return None
        return cls(path, sqlite3.connect(f"file:{path}?mode=ro", uri=True))

    @classmethod
    def create(cls, path: Path, previous: Ledger | None = None) -> Ledger:
        """A new ledger; a copy of ``previous`` when this build only changes it."""
        if previous is not None:
            shutil.copyfile(previous.path, path)
            return cls(path, sqlite3.connect(path))
        connection = sqlite3.connect(path)
        connection.executescript(SCHEMA_SQL)
        return cls(path, connection)

    def close(self) -> None:
        self.connection.close()

    # ---------------------------------------------------------------- reading

    def setting(self, name: str) -> str | None:
        row = self.connection.execute("SELECT value FROM setting WHERE name = ?",
                                      (name,)).fetchone()
        return None if row is None else row[0]

    def inputs(self) -> dict[InputKey, tuple[str, str, list[str]]]:
        """Input key → (digest, origin, warnings)."""
        return {InputKey.parse(key): (digest, origin, json.loads(warnings))
                for key, digest, origin, warnings in self.connection.execute(
                    "SELECT key, digest, origin, warnings FROM input")}

    def identity_keys_of(self, inputs: Iterable[InputKey]) -> set[str]:
        """Titles and permalinks (folded) of the entries of ``inputs``."""
        return {key for item in inputs for (key,) in self.connection.execute(
            "SELECT key FROM identity WHERE input = ?", (str(item),))}

    def inputs_with_identity(self, keys: Iterable[str]) -> set[InputKey]:
        """Inputs with an entry of one of these titles or permalinks."""
        return {InputKey.parse(item) for key in keys for (item,) in self.connection.execute(
            "SELECT input FROM identity WHERE key = ?", (key,))}

    def units(self, inputs: Iterable[InputKey]) -> list[UnitRow]:
        """The practices of some inputs."""
        query = ("SELECT iri, slug, digest, parts, findings, published, record FROM unit "
                 "WHERE input = ?")
        return [UnitRow(iri, item, slug, digest, json.loads(parts), json.loads(findings),
                        bool(published), record)
                for item in inputs for iri, slug, digest, parts, findings, published, record
                in self.connection.execute(query, (str(item),))]

    def published_slugs(self, exclude: set[InputKey]) -> set[str]:
        excluded = {str(key) for key in exclude}
        return {slug for slug, key in self.connection.execute(
            "SELECT slug, input FROM unit WHERE published") if key not in excluded}

    def part_uses(self) -> Counter[PartKey]:
        """How many published practices use each part."""
        uses: Counter[PartKey] = Counter()
        for (parts,) in self.connection.execute("SELECT parts FROM unit WHERE published"):
            uses.update(PartKey(*key) for key in json.loads(parts))
        return uses

    def carried_findings(self, inputs: set[InputKey], subjects: set[str]) -> list[dict]:
        """Findings a build keeps: those of practices of inputs it does not read again,
        and those on other resources but ``subjects``."""
        excluded = {str(key) for key in inputs}
        found = [finding for key, findings in self.connection.execute(
                     "SELECT input, findings FROM unit WHERE findings != '[]'")
                 if key not in excluded for finding in json.loads(findings)]
        return found + [json.loads(body) for focus, body in self.connection.execute(
            "SELECT focus, body FROM finding ORDER BY rowid") if focus not in subjects]

    def findings(self) -> list[dict]:
        """Findings on resources other than practices."""
        return [json.loads(body) for (body,) in
                self.connection.execute("SELECT body FROM finding ORDER BY rowid")]

    def nodes(self) -> dict[str, tuple[str, dict]]:
        """Node name → (stream, catalogue) of every other node the graph holds."""
        return {name.removeprefix("node:"): tuple(json.loads(value)) for name, value
                in self.connection.execute(
                    "SELECT name, value FROM setting WHERE name LIKE 'node:%'")}

    def published(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM unit WHERE published").fetchone()[0]

    # ---------------------------------------------------------------- writing

    def set(self, name: str, value: str) -> None:
        self.connection.execute("INSERT OR REPLACE INTO setting VALUES (?, ?)", (name, value))

    def unset(self, name: str) -> None:
        self.connection.execute("DELETE FROM setting WHERE name = ?", (name,))

    def forget_inputs(self, keys: Iterable[InputKey]) -> None:
        """Drop what the ledger knows about inputs this build reads again (or lost)."""
        for key in keys:
            for table, column in (("input", "key"), ("entry", "input"), ("identity", "input"),
                                  ("unit", "input")):
                self.connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (str(key),))

    def add_input(self, key: InputKey, digest: str, origin: str, warnings: list[str]) -> None:
        self.connection.execute("INSERT INTO input VALUES (?, ?, ?, ?)",
                                (str(key), digest, origin, json.dumps(warnings)))

    def add_entries(self, entries: Iterable[tuple[InputKey, int, dict]],
                    identities: Iterable[tuple[str, InputKey]]) -> None:
        """Every entry read (input, position, summary), and the titles and permalinks
        of those that are a practice or a repost of one (key, input)."""
        self.connection.executemany("INSERT INTO entry VALUES (?, ?, ?)", (
            (str(key), position, json.dumps(summary, ensure_ascii=False))
            for key, position, summary in entries))
        self.connection.executemany("INSERT INTO identity VALUES (?, ?)", (
            (identity, str(key)) for identity, key in identities))

    def add_units(self, rows: Iterable[UnitRow]) -> None:
        self.connection.executemany(
            "INSERT OR REPLACE INTO unit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
                (row.iri, str(row.input), row.slug, row.digest,
                 json.dumps(row.parts, ensure_ascii=False),
                 json.dumps(row.findings, ensure_ascii=False), int(row.published), row.record)
                for row in rows))

    def replace_findings(self, focuses: Iterable[str], findings: Iterable[dict]) -> None:
        """Findings on other resources: those about ``focuses`` replaced by ``findings``."""
        for focus in focuses:
            self.connection.execute("DELETE FROM finding WHERE focus = ?", (focus,))
        self.connection.executemany("INSERT INTO finding VALUES (?, ?)", (
            (f["resource"], json.dumps(f, ensure_ascii=False)) for f in findings))

    def commit(self) -> None:
        self.connection.commit()


def write_ledger(path: Path, prepared: Prepared) -> int:
    """Record what a build read and made at ``path``; return how many practices it
    publishes. An incremental build's ledger is the previous one, changed."""
    changes = prepared.delta
    ledger = Ledger.create(path, None if changes.full else changes.ledger)
    try:
        if not changes.full:
            ledger.forget_inputs(changes.gone)
        for key, (digest, origin, warnings) in prepared.inputs.items():
            ledger.add_input(key, digest, origin, warnings)
        positions: dict[InputKey, int] = {}
        entries, identities = [], []
        slug_of = {id(record): str(iri).rsplit("/", 1)[-1]
                   for iri, record in prepared.practice_records.items()}
        slug_of.update((id(record), row.slug) for row, record in changes.kept)
        for record in prepared.records:
            key = prepared.record_inputs[id(record)]
            position = positions[key] = positions.get(key, -1) + 1
            entries.append((key, position, record_summary(record, prepared.vocab)))
            if record.status in (STATUS_OK, STATUS_DUPLICATE) and record.title:
                identities += [(identity, key) for identity in identity_keys(record)]
                slug = slug_of.get(id(record.same_as or record))
                if slug is not None:
                    identities.append((practice_identity(slug), key))
        ledger.add_entries(entries, identities)
        by_focus: dict[str, list[dict]] = {}
        for finding in prepared.findings:
            by_focus.setdefault(finding.focus, []).append(finding.as_dict())
        rows = []
        for iri, record in prepared.practice_records.items():
            rows.append(UnitRow(str(iri), prepared.record_inputs[id(record)],
                                str(iri).rsplit("/", 1)[-1], prepared.digests[iri],
                                [list(k) for k in prepared.unit_parts.get(iri, [])],
                                by_focus.pop(str(iri), []), iri in prepared.mapped.units,
                                record_digest(record)))
        for row, _ in changes.kept:
            rows.append(replace(row, findings=by_focus.pop(row.iri, [])))
        ledger.add_units(rows)
        if changes.full:
            rest = [f for focus, found in by_focus.items() for f in found]
            ledger.replace_findings([], rest)
        else:
            ledger.replace_findings(changes.part_subjects, [
                f for focus, found in by_focus.items() if focus in changes.part_subjects
                for f in found])
        for node in prepared.nodes:
            ledger.set(f"node:{node.name}", json.dumps([node.stream, node.catalog]))
        for lost in changes.lost:
            ledger.unset(f"node:{lost.source}")
        ledger.set("fingerprint", prepared.fingerprint)
        ledger.set("registry", digest_file(prepared.config.data_dir / REGISTRY_FILE))
        ledger.commit()
        return ledger.published()
    finally:
        ledger.close()
