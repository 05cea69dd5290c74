"""The faceted-browse and search index of a build, as the server reads it (the build
writes it: :mod:`dskg.build.browse_index`).

Oxigraph answers a facet count over 100k practices in about a second and a
title-ordered page in several; browsing needs both in milliseconds, for every
combination of facets. The store only changes at build time, so each build writes
this index beside it (:attr:`dskg.artefact.Layout.browse`): practices numbered in
title order, a bitset over them for each facet value (and one over the practices in
publication order), an FTS5 full-text table over titles, descriptions and
organisation names (case and diacritics folded, every script), and its vocabulary,
with a bitset over practices for each frequent word. The server turns the facet rows
into bitsets (:class:`FacetIndex`) and answers from those; the store stays the source.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dskg import fields

#: Facet key → (title, field or link facet): the facets of :data:`dskg.fields.FACETS`,
#: then those of :data:`dskg.fields.LINK_FACETS`, in order.
FACETS: dict[str, tuple[str, fields.Field | fields.LinkFacet]] = {
    **{key: (f.facet.title, f) for key, f in fields.FACETS.items() if f.facet},
    **{key: (f.facet.title, f) for key, f in fields.LINK_FACETS.items()}}

#: Letters and digits: words as FTS5's unicode61 tokenizer splits them.
WORD = re.compile(r"[^\W_]+")


def fold_char(ch: str) -> str:
    """One character, case-folded and without its accents — still one character.

    Case folding (not just lower-casing) also maps final sigma to σ, long s to s and
    the like, as FTS5's tokenizer does: the folded text is then already in the form
    the tokenizer indexes, so the words of the index vocabulary are folded words.
    """
    base = unicodedata.normalize("NFD", ch)[0]
    for folded in (base.casefold(), base.lower()):
        if len(folded) == 1:
            return folded
    return base


class _FoldTable(dict):
    """``str.translate`` table that folds each character once, then remembers it."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code))
        return folded


_FOLDED = _FoldTable()


def fold_text(text: str) -> str:
    """Search form of a text: same length, so positions in it are positions in the text.

    SQLite's tokenizer removes diacritics from Latin letters only; folding here makes
    Greek, Cyrillic and every other script match without their accents too.
    """
    return text.translate(_FOLDED)


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection to a built index that cannot change it (servers read, builds write)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def bitset(positions: Iterable[int], size: int) -> bytes:
    """``size`` bits as little-endian bytes (an int's ``to_bytes``), ``positions`` set."""
    data = bytearray((size + 7) // 8)
    for position in positions:
        data[position >> 3] |= 1 << (position & 7)
    return bytes(data)


def read_bitset(data: bytes) -> int:
    """A bitset as written by :func:`bitset`, as an int (bit ``n`` = position ``n``)."""
    return int.from_bytes(data, "little")


#: For each byte value, the positions of its set bits.
BYTE_BITS = [tuple(i for i in range(8) if value >> i & 1) for value in range(256)]
BYTE_COUNTS = [len(bits) for bits in BYTE_BITS]


def bit_positions(bits: int, skip: int = 0, take: int | None = None,
                  descending: bool = False) -> list[int]:
    """Positions of set bits in order (or reverse order), skipping the first ``skip``.

    Whole bytes are counted and passed over, so reaching page 2,000 of 100k results
    costs one pass over 12.5 kB, not a shift of a 100k-bit number per practice.
    """
    if take == 0:
        return []
    data = bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little")
    indexes = range(len(data) - 1, -1, -1) if descending else range(len(data))
    found: list[int] = []
    for index in indexes:
        byte = data[index]
        if not byte:
            continue
        if skip >= BYTE_COUNTS[byte]:
            skip -= BYTE_COUNTS[byte]
            continue
        positions = BYTE_BITS[byte][::-1] if descending else BYTE_BITS[byte]
        for position in positions[skip:]:
            found.append(index * 8 + position)
            if take is not None and len(found) == take:
                return found
        skip = 0
    return found


@dataclass
class Practice:
    number: int
    iri: str
    title: str
    issued: str | None


class FacetIndex:
    """Practices and facet bitsets of one build.

    Bitsets exist twice: over practices numbered in title order, and over the same
    practices ranked by publication date, so both sort orders page without sorting.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        """``connect`` opens the index read-only."""
        self.connect = connect
        connection = self.connect()
        try:
            self.practices = [Practice(*row) for row in connection.execute(
                "SELECT id, iri, title, issued FROM practice ORDER BY id")]
            self.by_published = [self.practices[number] for (number,) in connection.execute(
                "SELECT id FROM practice ORDER BY published")]
            facet_rows = connection.execute(
                "SELECT facet, value, iri, by_title, by_published FROM facet").fetchall()
        finally:
            connection.close()
        self.bits: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        self.published_bits: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        self.iris: dict[tuple[str, str], str] = {}
        for facet, value, iri, by_title, by_published in facet_rows:
            self.bits[facet][value] = read_bitset(by_title)
            self.published_bits[facet][value] = read_bitset(by_published)
            if iri:
                self.iris[facet, value] = iri
        self.all = (1 << len(self.practices)) - 1
        self._bytes: dict[str, dict[str, bytes]] = {}

    def values_of(self, facet: str, numbers: Iterable[int]) -> dict[int, list[str]]:
        """The values of ``facet`` each of the practices ``numbers`` has, in the facet's
        order. Read from each value's bitset as bytes (made once per facet), one byte
        per practice and value: testing a bit of the int would shift all of it, 12.5 kB
        at 100k practices, for every practice of a page and every value."""
        table = self._bytes.get(facet)
        if table is None:
            size = len(self.practices) // 8 + 1
            table = self._bytes[facet] = {value: bits.to_bytes(size, "little")
                                          for value, bits in self.bits[facet].items()}
        found: dict[int, list[str]] = {number: [] for number in numbers}
        for value, data in table.items():
            for number, values in found.items():
                if data[number >> 3] >> (number & 7) & 1:
                    values.append(value)
        return found

    def selection(self, chosen: dict[str, list[str]], skip: str | None = None,
                  space: dict[str, dict[str, int]] | None = None) -> int:
        """Practices matching every facet (values of one facet are alternatives)."""
        space = self.bits if space is None else space
        selected = self.all
        for facet, values in chosen.items():
            if facet == skip or not values:
                continue
            union = 0
            for value in values:
                union |= space[facet].get(value, 0)
            selected &= union
        return selected

    def counts(self, chosen: dict[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
        """Per facet, each value with how many practices it would leave selected: the
        most frequent first, years newest first."""
        result = {}
        for facet, values in self.bits.items():
            base = self.selection(chosen, skip=facet)
            pairs = [(value, (base & bits).bit_count()) for value, bits in values.items()]
            kept = [(v, n) for v, n in pairs if n or v in chosen.get(facet, [])]
            by_year = FACETS[facet][1].facet.by_year  # type: ignore[union-attr]
            result[facet] = sorted(kept, key=lambda pair: pair[0], reverse=True) if by_year \
                else sorted(kept, key=lambda pair: (-pair[1], pair[0]))
        return result

    def page(self, chosen: dict[str, list[str]], sort: str, offset: int,
             size: int | None) -> tuple[int, list[Practice]]:
        """How many practices match, and the ones at ``offset`` in the asked order."""
        by_title = sort in ("title", "-title")
        space = self.bits if by_title else self.published_bits
        ordered = self.practices if by_title else self.by_published
        selected = self.selection(chosen, space=space)
        positions = bit_positions(selected, offset, size, descending=sort.startswith("-"))
        return selected.bit_count(), [ordered[position] for position in positions]
