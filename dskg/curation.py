"""Hand-written curation: what a page lacks or gets wrong, added by a data steward.

Curation lives in ``data/curation/*.yaml``. Each file may hold three mappings, all
keyed by slug (the last segment of an IRI):

``organisations``
    ``name`` (required), ``also_known_as``, ``country``, ``homepage``.
``funders``
    ``name`` (required), ``type`` (``body`` or ``programme``), ``part_of`` (a funder
    slug), ``funded_by`` (funder slugs), ``country``, ``homepage``.
``practices``
    any field of :data:`dskg.fields.FIELDS`, by its name: concept fields
    (``countries``, ``audiences``, ``technologies``, ``funding``, ``initiative_type``)
    take labels of our concepts, ``organisations`` and ``partners`` organisation
    slugs, ``funders`` funder slugs, ``places`` names or ``{name, country}``,
    ``start_date`` and ``end_date`` dates, ``note`` text.

A problem in one entry is reported with its file, entry and field, and only that
entry (or that field) is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dskg.fields import FIELDS, Field
from dskg.ingest.dates import parse_date

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
    """What one curation file says about one practice: field name → values (text,
    :class:`Place` or dates, by the field's kind)."""

    slug: str
    source: str
    values: dict[str, list[Any]] = field(default_factory=dict)


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

    def _named(self, cls: type, slug: str, body: dict, where: str, allowed: set[str]) -> Any:
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
        self._unknown_fields(body, set(FIELDS), where)
        entry = PracticeEntry(slug=slug, source=self.source)
        for name, declared in FIELDS.items():
            if body.get(name) is None:
                continue
            values = self._values(declared, body[name], f"{where}.{name}")
            if values:
                entry.values[name] = values
        self.curation.practices.setdefault(slug, []).append(entry)

    def _values(self, declared: Field, raw: Any, where: str) -> list[Any]:
        """The values of one field as its kind reads them; problems are reported."""
        if declared.kind == "place":
            places = [self._place(item, where) for item in (raw if isinstance(raw, list)
                                                             else [raw])]
            return [place for place in places if place is not None]
        if declared.kind == "date":
            parsed = parse_date(str(raw))
            if parsed is None:
                self.problem(where, f"{raw!r} is not a date")
                return []
            return [parsed]
        values = _strings(raw)
        if values is None:
            self.problem(where, "must be a list of text values" if declared.many
                         else "must be text")
            return []
        if not declared.many and len(values) > 1:
            self.problem(where, "takes one value")
            return []
        return values

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
