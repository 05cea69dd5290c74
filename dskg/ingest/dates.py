"""Read the date spellings the source site uses into ISO 8601.

Publication dates are ``DD.MM.YYYY``; start and end dates are typed by editors, so
they come as full dates, month and year, or a year alone, with month names in English,
Bulgarian or Greek. A value keeps its
precision: ``2018`` stays a year (``xsd:gYear``), it does not become 1 January.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

#: Month names and their usual abbreviations, in the languages coalitions write in:
#: English; Bulgarian and Greek as the Unicode CLDR gives them (wide and abbreviated, and
#: for Greek both the nominative "Μάρτιος" and the genitive of a date, "15 Μαρτίου").
#: Written without accents: values are folded the same way before they are looked up.
MONTH_NAMES: dict[str, list[tuple[str, ...]]] = {
    "en": [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
           ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
           ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
           ("december", "dec")],
    "bg": [("януари", "яну"), ("февруари", "фев"), ("март", "мар"), ("април", "апр"),
           ("май",), ("юни",), ("юли",), ("август", "авг"), ("септември", "сеп", "септ"),
           ("октомври", "окт"), ("ноември", "ное"), ("декември", "дек")],
    "el": [("ιανουαριος", "ιανουαριου", "ιαν"), ("φεβρουαριος", "φεβρουαριου", "φεβ"),
           ("μαρτιος", "μαρτιου", "μαρ"), ("απριλιος", "απριλιου", "απρ"),
           ("μαιος", "μαιου", "μαι"), ("ιουνιος", "ιουνιου", "ιουν"),
           ("ιουλιος", "ιουλιου", "ιουλ"), ("αυγουστος", "αυγουστου", "αυγ"),
           ("σεπτεμβριος", "σεπτεμβριου", "σεπ"), ("οκτωβριος", "οκτωβριου", "οκτ"),
           ("νοεμβριος", "νοεμβριου", "νοε"), ("δεκεμβριος", "δεκεμβριου", "δεκ")],
}
MONTHS = {name: number for months in MONTH_NAMES.values()
          for number, names in enumerate(months, start=1) for name in names}

_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[./-](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_DAY_NAME_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})$")
_NAME_DAY_YEAR = re.compile(r"^([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_NAME_YEAR = re.compile(r"^([^\W\d_]+)\.?,?\s+(\d{4})$")
#: "15 март 2021 г.", "2021 г.": Bulgarian marks a year with "г." (година).
_YEAR_MARK = re.compile(r"\s*(?:г\.?|година)$")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, the month or the year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def iso(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def precision(self) -> str:
        return "day" if self.day is not None else "month" if self.month is not None else "year"

    def earliest(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        if self.day is not None and self.month is not None:
            return date(self.year, self.month, self.day)
        if self.month is not None:
            next_month = date(self.year + self.month // 12, self.month % 12 + 1, 1)
            return date.fromordinal(next_month.toordinal() - 1)
        return date(self.year, 12, 31)


def _full(year: int, month: int, day: int) -> PartialDate | None:
    try:
        date(year, month, day)
    except ValueError:
        return None
    return PartialDate(year, month, day)


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _fold(text: str) -> str:
    """Lower case without accents ("Μαΐου" → "μαιου")."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if not unicodedata.combining(c))


def parse_date(text: str) -> PartialDate | None:
    """The date ``text`` spells, or ``None`` when it is not a date we can read."""
    value = _YEAR_MARK.sub("", _fold(" ".join(text.strip().rstrip("|").split())))
    if m := _DAY_MONTH_YEAR.match(value):
        return _full(_year(m[3]), int(m[2]), int(m[1]))
    if m := _ISO_DATE.match(value):
        return _full(int(m[1]), int(m[2]), int(m[3]))
    if (m := _MONTH_YEAR.match(value)) and 1 <= int(m[1]) <= 12:
        return PartialDate(int(m[2]), int(m[1]))
    if (m := _ISO_MONTH.match(value)) and 1 <= int(m[2]) <= 12:
        return PartialDate(int(m[1]), int(m[2]))
    if m := _YEAR.match(value):
        return PartialDate(int(m[1]))
    if (m := _DAY_NAME_YEAR.match(value)) and m[2] in MONTHS:
        return _full(int(m[3]), MONTHS[m[2]], int(m[1]))
    if (m := _NAME_DAY_YEAR.match(value)) and m[1] in MONTHS:
        return _full(int(m[3]), MONTHS[m[1]], int(m[2]))
    if (m := _NAME_YEAR.match(value)) and m[1] in MONTHS:
        return PartialDate(int(m[2]), MONTHS[m[1]])
    return None


def ends_before_start(start: PartialDate, end: PartialDate) -> bool:
    """True only when no reading of the two values lets the end follow the start."""
    return end.latest() < start.earliest()
