"""Interpret raw entries as practice records, and judge each one.

A record carries everything the page says about one practice, with facet values
already mapped to concepts of our schemes. Its ``status`` says whether it is
published (``ok``), an editor template (``rejected``), unreadable (``invalid``) or
a repost of an earlier practice (``duplicate``); ``reason`` says why in words a data
steward can act on, and ``warnings`` lists what was kept but looked wrong.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dskg.fields import CONCEPT_FIELDS, FIELDS, PAGE_FIELDS, Field
from dskg.ingest.dates import PartialDate, ends_before_start, parse_date
from dskg.ingest.groups import connected
from dskg.ingest.page import PLACEHOLDER, PUBLISHED_LINE, RawEntry, split_page
from dskg.ingest.translations import primary_language
from dskg.messages import said
from dskg.prose import sections as prose_sections
from dskg.rdf import IRI
from dskg.sources import Source
from dskg.text import fold
from dskg.vocab import Vocabularies

#: Tag-line categories that group facet values rather than being one.
PARENT_CATEGORIES = {
    fold(name)
    for name in (
        "Country providing the good practice", "Funding of the good practice",
        "Type of initiative of the good practice", "Organisation providing the good practice",
        "INSPIRATION", "INSPIRATION: Good practices", "Good practices", "Audience",
        "Technology", "Target audience", "Digital technology", "Uncategorized",
    )
}

#: Section values the editor template ships with; a page still holding them is unfilled.
TEMPLATE_VALUES = {fold("Name of the organisation"), fold("ADD TITLE")}

STATUS_OK, STATUS_REJECTED, STATUS_INVALID, STATUS_DUPLICATE = (
    "ok", "rejected", "invalid", "duplicate",
)
BULLET = re.compile(r"^\s*[•▪◦●*-]\s+")


@dataclass(frozen=True)
class Approval:
    """How a practice submitted on the site went live: which submission, approved when,
    by which role (never who: provenance names no person)."""

    submission: str
    time: str
    role: str
    #: The pseudonym of the account that submitted it, if it agreed to be named.
    editor: str | None = None


@dataclass
class PracticeRecord:
    """One entry of one page, interpreted.

    The head (title, publication date, body) is held in attributes; the values of
    each field (:data:`dskg.fields.FIELDS`) in ``values``, also readable as attributes
    (``record.countries`` is a list, ``record.start_date`` a date or ``None``)."""

    source: str
    entry: int
    line: int
    title: str | None = None
    published: PartialDate | None = None
    body: str = ""
    #: The practice's own page on its site (a harvested item's permalink).
    url: str | None = None
    #: The item in its source when it is not a line of a page (``post 12``).
    item: str | None = None
    #: The language of title and body when the source declares it (else guessed).
    language: str | None = None
    #: Language tag → (title, body) of translations of the same practice.
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Set for a practice submitted on the site (the ``editorial`` source).
    approval: Approval | None = None
    #: For an approved correction: the slug of the published practice it replaces
    #: (:func:`dskg.ingest.editorial.apply_corrections`).
    corrects: str | None = None
    #: Records of other sources that are this same practice (provenance).
    also_from: list[PracticeRecord] = field(default_factory=list)
    #: The record of the practice a ``duplicate`` is part of.
    same_as: PracticeRecord | None = None
    values: dict[str, list[Any]] = field(default_factory=dict)
    status: str = STATUS_OK
    reason: str | None = None
    duplicate_of: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    @property
    def sections(self) -> dict[str, str]:
        """The parts of the body its headings open (:data:`dskg.fields.PROSE`)."""
        return prose_sections(self.body)

    @property
    def location(self) -> str:
        if self.item is not None:
            return f"{self.source} {self.item}" + (f" ({self.url})" if self.url else "")
        return f"{self.source} entry {self.entry} (line {self.line})"

    def mark(self, status: str, reason: str) -> None:
        if self.status == STATUS_OK:
            self.status, self.reason = status, reason

    def __getattr__(self, name: str) -> Any:
        declared = FIELDS.get(name)
        if declared is None:
            raise AttributeError(name)
        values = self.__dict__["values"].get(name, [])
        return values if declared.many else (values[0] if values else None)

    def add(self, field_name: str, value: Any) -> None:
        """Add one value of a field (a repeated value is kept once)."""
        values = self.values.setdefault(field_name, [])
        if value not in values:
            values.append(value)


def _split_head(entry: RawEntry) -> tuple[str | None, str | None, list[str]]:
    """Title, publication-date text and body lines of an entry's head."""
    lines = entry.head
    if entry.title is not None:
        return entry.title, entry.published, lines
    texts = [i for i, line in enumerate(lines) if line.strip()]
    if entry.tag_line is None or not texts:
        return entry.pre_title, None, lines
    title = lines[texts[0]].strip()
    rest = lines[texts[0] + 1:]
    published = None
    for i, line in enumerate(rest):
        if not line.strip():
            continue
        if match := PUBLISHED_LINE.match(line.strip()):
            published = match["date"]
            rest = rest[i + 1:]
        break
    return title, published, rest


def body_text(lines: list[str]) -> str:
    """Paragraphs separated by blank lines; bullet items one per line as ``• item``."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        text = line.strip()
        if not text:
            if blocks[-1]:
                blocks.append([])
            continue
        if BULLET.match(line):
            text = "• " + BULLET.sub("", line).strip()
        elif blocks[-1] and blocks[-1][-1].startswith("• "):
            blocks.append([])
        blocks[-1].append(text)
    return "\n\n".join("\n".join(block) for block in blocks if block)


def interpret(entry: RawEntry, source: str, vocab: Vocabularies,
              settings: Source | None = None) -> PracticeRecord:
    """Turn one raw entry into a record, judging it but never raising; ``settings``
    are the declared source's (its concept mapping, default country and language)."""
    record = PracticeRecord(source=source, entry=entry.number, line=entry.first_line,
                            item=entry.item)
    record.url = _page_url(entry.url, record.warnings)
    title, published, body = _split_head(entry)
    record.title = title
    record.body = body_text(body)
    if settings is not None and settings.harvested:
        record.language = primary_language(entry.language) or settings.language
    record.translations = {lang: (text, body_text(lines))
                           for lang, (text, lines) in entry.translations.items()}
    if _is_template(entry, title):
        record.mark(STATUS_REJECTED, "unfilled editor template ('TO BE FILLED' placeholders), "
                    "not a practice")
        return record
    if not title:
        record.mark(STATUS_REJECTED, said("entry has no title or tag line"))
        return record
    if published is not None:
        record.published = parse_date(published)
        if record.published is None:
            record.mark(STATUS_INVALID, f"publication date {published!r} cannot be read")
    if entry.title is not None and not entry.sections:
        known = ", ".join(f.headings[0] for f in PAGE_FIELDS[:3])
        record.mark(STATUS_REJECTED, said("the body has none of the practice's sections "
                                          "(%(known)s, …); not a practice", known=known))
        return record
    _read_tags(record, entry.tags, vocab, settings)
    _read_sections(record, entry, vocab)
    _check_dates(record)
    _check_country(record, vocab, settings)
    return record


def _page_url(url: str | None, warnings: list[str]) -> str | None:
    """A harvested item's permalink, if it can be an IRI (it becomes ``foaf:page``)."""
    if url is None:
        return None
    try:
        IRI.checked(url)
    except ValueError:
        warnings.append(f"its page address {url!r} is no valid IRI; not published")
        return None
    if not url.startswith(("http://", "https://")):
        warnings.append(f"its page address {url!r} is not an http(s) URL; not published")
        return None
    return url


def _is_template(entry: RawEntry, title: str | None) -> bool:
    texts = [*entry.head, *(v for values in entry.sections.values() for v in values)]
    if any(PLACEHOLDER in text for text in texts):
        return True
    if title and fold(title) in TEMPLATE_VALUES:
        return True
    return any(fold(v) in TEMPLATE_VALUES for v in entry.sections.get("organisations", []))


def _read_tags(record: PracticeRecord, tags: list[str], vocab: Vocabularies,
               settings: Source | None) -> None:
    ignored = PARENT_CATEGORIES | {fold(name) for name in settings.ignore} if settings \
        else PARENT_CATEGORIES
    declared = {fold(name): target for name, target in settings.concepts.items()} \
        if settings else {}
    where = "category" if settings is not None and settings.harvested else "tag line: category"
    for tag in tags:
        key = fold(tag)
        if key in ignored:
            continue
        if key in declared:
            field_name, label = declared[key]
            scheme = CONCEPT_FIELDS[field_name]
            concept = vocab.lookup(scheme, label)
            if concept is None:
                record.warnings.append(f"category {tag!r}: the source maps it to {label!r}, "
                                       f"which is no concept of {scheme}; ignored")
            else:
                record.add(field_name, concept)
            continue
        found = vocab.lookup_any(tag)
        if found is None:
            record.warnings.append(f"{where} {tag!r} matches no concept; ignored")
            continue
        record.add(*found)


def _read_sections(record: PracticeRecord, entry: RawEntry, vocab: Vocabularies) -> None:
    for name, values in entry.sections.items():
        declared = FIELDS[name]
        if declared.kind == "concept":
            assert declared.scheme is not None
            for value in values:
                concept = vocab.lookup(declared.scheme, value)
                if concept is None:
                    record.warnings.append(said(
                        "section %(name)r: value %(value)r matches no concept; ignored",
                        name=name, value=value))
                else:
                    record.add(name, concept)
        elif declared.kind == "date":
            _read_date_section(record, name, values)
        elif declared.many:
            for value in values:
                record.add(name, value)
        elif values:
            if len(values) > 1:
                record.warnings.append(_several(name, values))
            record.add(name, values[0])


def _read_date_section(record: PracticeRecord, section: str, values: list[str]) -> None:
    if not values:
        return
    if len(values) > 1:
        record.warnings.append(_several(section, values))
    parsed = parse_date(values[0])
    if parsed is None:
        record.mark(STATUS_INVALID, said("%(field)s %(value)r cannot be read",
                                         field=said(FIELDS[section].label), value=values[0]))
    else:
        record.add(section, parsed)


def _several(section: str, values: list[str]) -> str:
    return said("section %(name)r: several values %(values)r; kept the first",
                name=section, values=values)


def _check_dates(record: PracticeRecord) -> None:
    if record.start_date and record.end_date and ends_before_start(record.start_date,
                                                                   record.end_date):
        record.mark(STATUS_INVALID, said("end date %(end)s precedes start date %(start)s",
                                         end=record.end_date.iso, start=record.start_date.iso))


def _check_country(record: PracticeRecord, vocab: Vocabularies,
                   settings: Source | None) -> None:
    """A practice without a country gets the source's default country, if it has one;
    otherwise a warning names the countries its text mentions (never guessed into
    the data: the text may name a partner's country)."""
    if record.countries or not record.ok:
        return
    if settings is not None and settings.country:
        concept = vocab.lookup("country", settings.country)
        if concept is not None:
            record.add("countries", concept)
            return
        record.warnings.append(f"the source's country {settings.country!r} is no country "
                               "we know; ignored")
    named = vocab.countries_named_in(f"{record.title} {record.body}")
    if named:
        record.warnings.append("no country category or section; the text names "
                               + ", ".join(named) + " (add the category to the page, or "
                               "the country in data/curation/)")


def mark_duplicates(records: list[PracticeRecord]) -> None:
    """One practice, however many times and places it was published.

    Two ``ok`` records are the same practice when they share a permalink, or when
    their titles are equal with case, accents and spacing folded. Within a group the
    earliest publication is the practice (an entry without a date counts as later
    than any dated one, then source and entry order decide); the others become
    ``duplicate`` of it. A duplicate from another source is the same practice seen
    there: its source joins the practice's provenance (:attr:`PracticeRecord.also_from`).
    A duplicate from the same source is a repost.
    """
    groups = connected([r for r in records if r.ok and r.title and not r.corrects],
                       identity_keys)
    for group in groups:
        if len(group) < 2:
            continue
        group.sort(key=publication_order)
        first = group[0]
        for other in group[1:]:
            other.status, other.duplicate_of = STATUS_DUPLICATE, first.title
            other.same_as = first
            when = first.published.iso if first.published else "(no date)"
            if other.source != first.source:
                first.also_from.append(other)
                other.reason = (f"the same practice as {first.title!r} from {first.location} "
                                f"(same {_shared_key(first, other)}); this source is added to "
                                "its provenance")
            else:
                other.reason = (f"repost of {first.title!r} first published {when} "
                                f"at {first.location}")


def identity_keys(record: PracticeRecord) -> list[str]:
    """What makes two records one practice: a title or permalink, and for a correction
    the practice it corrects (the ledger also files every published entry under its
    practice's :func:`practice_identity`, so that an incremental build reads the
    corrected entries again with their correction)."""
    assert record.title is not None
    if record.corrects:
        return [practice_identity(record.corrects)]
    keys = ["title:" + fold(record.title)]
    if record.url:
        keys.append("url:" + record.url.rstrip("/"))
    return keys


def practice_identity(slug: str) -> str:
    return f"practice:{slug}"


def _shared_key(first: PracticeRecord, other: PracticeRecord) -> str:
    shared = set(identity_keys(first)) & set(identity_keys(other))
    return "permalink" if any(k.startswith("url:") for k in shared) else "title"


def publication_order(record: PracticeRecord) -> tuple:
    published = record.published.earliest().toordinal() if record.published else 10**9
    return (published, record.source, record.entry)


def read_page(path: Path, vocab: Vocabularies, source: str | None = None) -> list[PracticeRecord]:
    """All entries of one page file as records, in page order."""
    text = path.read_text(encoding="utf-8")
    name = source or path.name
    return [interpret(entry, name, vocab) for entry in split_page(text)]


def page_records(path: Path, vocab: Vocabularies) -> list[PracticeRecord]:
    """The records of one page; a page that cannot be read is one ``invalid`` record."""
    try:
        return read_page(path, vocab)
    except (OSError, UnicodeDecodeError) as error:
        unreadable = PracticeRecord(source=path.name, entry=0, line=0)
        unreadable.mark(STATUS_INVALID, f"page cannot be read: {error}")
        return [unreadable]


def read_pages(paths: list[Path], vocab: Vocabularies) -> list[PracticeRecord]:
    """Records of several pages, with reposts across and within them marked."""
    records = [record for path in paths for record in page_records(path, vocab)]
    mark_duplicates(records)
    return records


def record_summary(record: PracticeRecord, vocab: Vocabularies) -> dict:
    """The JSON shape of ``dskg ingest --json``: one object per entry, with a key per
    field a page can fill (:data:`dskg.fields.PAGE_FIELDS`)."""
    summary = {
        "source": record.source, "entry": record.entry, "url": record.url,
        "status": record.status,
        "reason": record.reason, "duplicate_of": record.duplicate_of, "title": record.title,
        "published": record.published.iso if record.published else None,
    }
    for declared in PAGE_FIELDS:
        values = [summary_value(declared, value, vocab)
                  for value in record.values.get(declared.name, [])]
        summary[declared.name] = values if declared.many else (values[0] if values else None)
    summary["sections"] = record.sections
    summary["warnings"] = record.warnings
    return summary


def summary_value(declared: Field, value: Any, vocab: Vocabularies) -> str:
    if declared.kind == "concept" and declared.json_as == "code":
        return vocab.country_code(value)
    if declared.kind == "date":
        return value.iso
    return str(value)


def record_digest(record: PracticeRecord) -> str:
    """Everything mapping reads of a record (vocabularies, curation and source
    declarations are in the ledger's fingerprint): the same digest, the same unit."""
    def text(value: Any) -> str:
        return value.iso if isinstance(value, PartialDate) else str(value)
    data = (record.source, record.entry, record.item, record.url, record.title,
            text(record.published), record.body, record.language,
            sorted(record.translations.items()), record.status,
            sorted((name, [text(v) for v in values]) for name, values in record.values.items()),
            [(o.source, o.entry, o.item, o.url, o.title, text(o.published))
             for o in record.also_from], record.approval, record.corrects)
    return hashlib.sha256(repr(data).encode("utf-8")).hexdigest()
