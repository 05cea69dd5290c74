"""Hand-written curation: what a page lacks or gets wrong, added by a data steward.

Curation lives in ``data/curation/*.yaml``. Each file may hold three mappings, all
keyed by slug (the last segment of an IRI):

``organisations``
    ``name`` (required), ``also_known_as``, ``country``, ``homepage``.
``funders``
    ``name`` (required), ``type`` (``body`` or ``programme``), ``part_of`` (a funder
    slug), ``funded_by`` (funder slugs), ``country``, ``homepage``.
``practices``
    ``countries``, ``organisations`` and ``partners`` (organisation slugs),
    ``funders`` (funder slugs), ``places`` (names, or ``{name, country}``),
    ``start_date``, ``end_date``, ``audiences``, ``technologies``, ``funding``,
    ``initiative_type`` (labels of our concepts), ``note``.

A problem in one entry is reported with its file, entry and field, and only that
entry (or that field) is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dskg.ingest.dates import PartialDate, parse_date

LIST_FIELDS = ("countries", "organisations", "partners", "funders", "audiences",
               "technologies", "funding", "initiative_type")
PRACTICE_FIELDS = {*LIST_FIELDS, "places", "start_date", "end_date", "note"}
ORGANISATION_FIELDS = {"name", "also_known_as", "country", "homepage"}
FUNDER_FIELDS = {"name", "type", "part_of", "funded_by", "country", "homepage"}
FUNDER_TYPES = ("body", "programme")


@dataclass
class Place:
    name: str
    country: str | None = None


@dataclass
class OrganisationEntry:
    slug: str
    source: str
    name: str
    also_known_as: list[str] = field(default_factory=list)
    country: str | None = None
    homepage: str | None = None


@dataclass
class FunderEntry(OrganisationEntry):
    type: str = "body"
    part_of: str | None = None
    funded_by: list[str] = field(default_factory=list)


@dataclass
class PracticeEntry:
    slug: str
    source: str
    lists: dict[str, list[str]] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    note: str | None = None


@dataclass
class Curation:
    """Every curation file, merged; ``problems`` lists what was skipped and why."""

    organisations: dict[str, OrganisationEntry] = field(default_factory=dict)
    funders: dict[str, FunderEntry] = field(default_factory=dict)
    practices: dict[str, list[PracticeEntry]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


class _Reader:
    def __init__(self, curation: Curation, source: str):
        self.curation, self.source = curation, source

    def problem(self, where: str, message: str) -> None:
        self.curation.problems.append(f"{self.source}: {where}: {message}")

    def read(self, document: Any) -> None:
        if document is None:
            return
        if not isinstance(document, dict):
            self.problem("top level", "expected a mapping with organisations/funders/practices")
            return
        for section, reader in (("organisations", self.organisation), ("funders", self.funder),
                                ("practices", self.practice)):
            entries = document.get(section) or {}
            if not isinstance(entries, dict):
                self.problem(section, "expected a mapping keyed by slug")
                continue
            for slug, body in entries.items():
                where = f"{section}.{slug}"
                if not isinstance(body, dict):
                    self.problem(where, "expected a mapping of fields")
                    continue
                reader(str(slug), body, where)
        for unknown in set(document) - {"organisations", "funders", "practices"}:
            self.problem(str(unknown), "unknown section; expected organisations, funders "
                         "or practices")

    def _unknown_fields(self, body: dict, allowed: set[str], where: str) -> None:
        for name in set(body) - allowed:
            self.problem(f"{where}.{name}", "unknown field; ignored")

    def _unique(self, entries: dict, slug: str, where: str) -> bool:
        if slug in entries:
            self.problem(where, f"defined again; the definition in {entries[slug].source} is kept")
            return False
        return True

    def organisation(self, slug: str, body: dict, where: str) -> None:
        entry = self._named(OrganisationEntry, slug, body, where, ORGANISATION_FIELDS)
        if entry is not None and self._unique(self.curation.organisations, slug, where):
            self.curation.organisations[slug] = entry

    def funder(self, slug: str, body: dict, where: str) -> None:
        entry = self._named(FunderEntry, slug, body, where, FUNDER_FIELDS)
        if entry is None:
            return
        kind = body.get("type", "body")
        if kind not in FUNDER_TYPES:
            self.problem(f"{where}.type", f"{kind!r} is not one of {', '.join(FUNDER_TYPES)}")
            return
        entry.type = kind
        entry.part_of = body.get("part_of")
        entry.funded_by = _strings(body.get("funded_by", [])) or []
        if self._unique(self.curation.funders, slug, where):
            self.curation.funders[slug] = entry

    def _named(self, cls: type, slug: str, body: dict, where: str, allowed: set[str]):
        self._unknown_fields(body, allowed, where)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(f"{where}.name", "required, and must be text")
            return None
        aliases = _strings(body.get("also_known_as", []))
        if aliases is None:
            self.problem(f"{where}.also_known_as", "must be a list of names")
            aliases = []
        return cls(slug=slug, source=self.source, name=name.strip(), also_known_as=aliases,
                   country=body.get("country"), homepage=body.get("homepage"))

    def practice(self, slug: str, body: dict, where: str) -> None:
        self._unknown_fields(body, PRACTICE_FIELDS, where)
        entry = PracticeEntry(slug=slug, source=self.source, note=body.get("note"))
        for name in LIST_FIELDS:
            if name in body:
                values = _strings(body[name])
                if values is None:
                    self.problem(f"{where}.{name}", "must be a list of text values")
                else:
                    entry.lists[name] = values
        for raw in body.get("places", []) or []:
            place = self._place(raw, f"{where}.places")
            if place is not None:
                entry.places.append(place)
        for name in ("start_date", "end_date"):
            if body.get(name) is not None:
                parsed = parse_date(str(body[name]))
                if parsed is None:
                    self.problem(f"{where}.{name}", f"{body[name]!r} is not a date")
                else:
                    setattr(entry, name, parsed)
        self.curation.practices.setdefault(slug, []).append(entry)

    def _place(self, raw: Any, where: str) -> Place | None:
        if isinstance(raw, str):
            return Place(raw)
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            return Place(raw["name"], raw.get("country"))
        self.problem(where, f"{raw!r} is neither a name nor a mapping with a name")
        return None


def load_curation(directory: Path) -> Curation:
    """Read every ``*.yaml`` file of ``directory``, in name order."""
    curation = Curation()
    for path in sorted(directory.glob("*.y*ml")):
        source = f"{directory.name}/{path.name}"
        curation.files.append(source)
        reader = _Reader(curation, source)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            reader.problem("file", f"cannot be parsed: {error}")
            continue
        reader.read(document)
    return curation
