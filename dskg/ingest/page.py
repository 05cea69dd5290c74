"""Split a scraped listing page into raw entries.

A listing page (a WordPress "good practices" archive, scraped to text) is a run of
entries. Each entry has, in order: an optional title, a tag line ``By <categories>No
Comments``, the title, an optional ``DD.MM.YYYY |`` publication date, body text, and
trailing sections (``Target audience``, ``Digital technology``, …, ``End date``), each
followed by zero or more values. Entries are not delimited by anything else, so the
splitter works on the shape of lines rather than on positions: a tag line or a run of
text after a finished section block starts a new entry.

Nothing here interprets values; :mod:`dskg.ingest.records` does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from dskg.fields import PAGE_FIELDS, SECTIONS, heading_key
from dskg.ingest.dates import parse_date

#: Fields that hold one date (a line after their heading that is no date ends the block).
DATE_SECTIONS = {f.name for f in PAGE_FIELDS if f.kind == "date"}
TAG_LINE = re.compile(r"^By\s+(?P<tags>.*?)\s*(?:No Comments|\d+ Comments?)\s*$")
PUBLISHED_LINE = re.compile(r"^(?P<date>\d{1,2}\.\d{1,2}\.\d{2,4})\s*\|?\s*$")
PAGE_CHROME = {"skip to main content"}
#: A line longer than this after a section heading is prose, so it starts the next entry.
MAX_VALUE_LENGTH = 160
PLACEHOLDER = "TO BE FILLED"


@dataclass
class RawEntry:
    """The lines of one entry, grouped but not yet interpreted.

    A listing page gives its head as lines (title, date and body are told apart by
    the reader); a harvested item knows its title, date, categories and URL, and only
    its body is lines."""

    number: int
    first_line: int
    pre_title: str | None = None
    tag_line: str | None = None
    head: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)
    section_order: list[str] = field(default_factory=list)
    #: Set by harvested items: then ``head`` is the body alone.
    title: str | None = None
    published: str | None = None
    categories: list[str] | None = None
    url: str | None = None
    #: The item in its source, for messages (``post 12``, a page's URL).
    item: str | None = None
    #: The item's language, when its source says (``lang``, ``<html lang>``).
    language: str | None = None
    #: Addresses of the same item in other languages (folded into one entry by
    #: :mod:`dskg.ingest.translations`).
    alternates: list[str] = field(default_factory=list)
    #: Language tag → (title, body lines) of the item's translations.
    translations: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    @property
    def tags(self) -> list[str]:
        if self.categories is not None:
            return self.categories
        if self.tag_line is None:
            return []
        match = TAG_LINE.match(self.tag_line)
        text = match.group("tags") if match else self.tag_line[3:]
        return [tag.strip() for tag in text.split(",") if tag.strip()]

    def add_value(self, section: str, value: str) -> None:
        self.sections.setdefault(section, []).append(value)


def section_of(line: str) -> str | None:
    """The field a section heading introduces (:data:`dskg.fields.SECTIONS`), if any."""
    found = SECTIONS.get(heading_key(line))
    return found.name if found else None


def is_tag_line(line: str) -> bool:
    return bool(TAG_LINE.match(line.strip()))


def looks_like_date(line: str) -> bool:
    """True for anything meant as a date, readable or not (bad ones are reported later)."""
    return parse_date(line) is not None or bool(re.search(r"\d{4}", line) and len(line) < 40)


class _Splitter:
    """Walks a page's lines once, opening a new :class:`RawEntry` where one starts."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.entries: list[RawEntry] = []
        self.entry: RawEntry | None = None
        self.section: str | None = None

    def run(self) -> list[RawEntry]:
        for index, raw in enumerate(self.lines):
            line = raw.rstrip()
            if heading_key(line) in PAGE_CHROME:
                continue
            if is_tag_line(line):
                self._start_tagged_entry(index, line)
            elif self.section is not None:
                self._in_sections(index, line)
            else:
                self._in_head(index, line)
        return [entry for entry in self.entries if _has_content(entry)]

    def _new_entry(self, index: int) -> RawEntry:
        entry = RawEntry(number=len(self.entries) + 1, first_line=index + 1)
        self.entries.append(entry)
        self.entry = entry
        self.section = None
        return entry

    def _start_tagged_entry(self, index: int, line: str) -> None:
        pre_title = self._take_pre_title(index)
        entry = self._new_entry(index)
        entry.tag_line = line.strip()
        above = pre_title_line(self.lines, index)
        if pre_title is not None and above is not None:
            entry.pre_title = pre_title
            entry.first_line = above + 1

    def _take_pre_title(self, index: int) -> str | None:
        """A title repeated just above the tag line belongs to the new entry, not the old."""
        before = pre_title_line(self.lines, index)
        after = next_text_line(self.lines, index)
        if before is None or after is None:
            return None
        title = self.lines[before].strip()
        if title != self.lines[after].strip() or is_tag_line(title) or section_of(title):
            return None
        entry = self.entry
        if entry is None:
            return title
        if self.section is not None:
            values = entry.sections.get(self.section, [])
            if values and values[-1] == title:
                values.pop()
        elif entry.head and entry.head[-1] == title:
            entry.head.pop()
            if not any(text.strip() for text in entry.head):
                self.entries.remove(entry)
                self.entry = self.entries[-1] if self.entries else None
        return title

    def _in_sections(self, index: int, line: str) -> None:
        assert self.entry is not None and self.section is not None
        heading = section_of(line)
        if heading is not None:
            self._open_section(heading)
            return
        text = line.strip()
        if not text:
            return
        if self._ends_section_block(text):
            entry = self._new_entry(index)
            entry.head.append(line)
            return
        self.entry.add_value(self.section, text)

    def _ends_section_block(self, text: str) -> bool:
        """Whether a line after a section heading is no value but the next entry's text."""
        if PLACEHOLDER in text or len(text) > MAX_VALUE_LENGTH:
            return True
        return self.section in DATE_SECTIONS and not looks_like_date(text)

    def _in_head(self, index: int, line: str) -> None:
        heading = section_of(line)
        if heading is not None:
            if self.entry is None:
                self._new_entry(index)
            self._open_section(heading)
            return
        if self.entry is None:
            if not line.strip():
                return
            self._new_entry(index)
        assert self.entry is not None
        self.entry.head.append(line)

    def _open_section(self, heading: str) -> None:
        assert self.entry is not None
        self.section = heading
        self.entry.sections.setdefault(heading, [])
        if heading not in self.entry.section_order:
            self.entry.section_order.append(heading)


def pre_title_line(lines: list[str], index: int) -> int | None:
    """Index of the nearest non-blank line above ``index``."""
    for before in range(index - 1, -1, -1):
        if lines[before].strip():
            return before
    return None


def next_text_line(lines: list[str], index: int) -> int | None:
    for after in range(index + 1, len(lines)):
        if lines[after].strip():
            return after
    return None


def _has_content(entry: RawEntry) -> bool:
    """Text with neither a tag line nor sections is page chrome (pagination, banners)."""
    return bool(entry.tag_line or entry.sections)


def split_page(text: str) -> list[RawEntry]:
    """The raw entries of one listing page, in page order, numbered from 1."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    entries = _Splitter(text.split("\n")).run()
    for number, entry in enumerate(entries, start=1):
        entry.number = number
    return entries
