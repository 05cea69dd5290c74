"""Reading the full-text part of a build's browse index (written by
:mod:`dskg.artefact.browse`).

The build's browse index holds an FTS5 table of the texts in their search form (case
and accents folded in every script), its vocabulary, and a bitset over practices for
every frequent word. Each word the visitor types matches as a word prefix: the
vocabulary says which words it stands for; frequent ones come as bitsets, the rest
from FTS5, whose doclists are short for them. The matches of a search are the AND of
its words' bitsets, so counting and listing cost the same whether a word is in ten
practices or in all of them — FTS5 alone reads every doclist in full, 25 ms for four
common words over 100,000 practices.

Ranking is BM25 over the three columns (a title word weighs 10, an organisation
word 5, a description word 1), computed here for at most ``search_ranked`` matches
(config, default 1,000): past that, practices with every word in their title come
first (ranked too, if there are no more of them than the cap), then the others in
title order, and the page says so.
"""
from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from dskg.artefact.browse import WORD, bit_positions, bitset, fold_text, read_bitset

#: A prefix that stands for more words than this is matched by FTS5 directly.
MAX_EXPANSION = 200
#: BM25 weight of a word in the title, description and organisations columns.
WEIGHTS = (10.0, 1.0, 5.0)
K1, B = 1.2, 0.75


def search_terms(text: str) -> list[str]:
    return [fold_text(word) for word in WORD.findall(text)]


def occurrences(text: str, word: str) -> int:
    """How often ``word`` (not empty) begins a word of ``text``: at its start or after a
    character that is not a letter or digit (an underscore counts as a break), without
    overlaps.

    The same count as ``len(re.findall(r"(?<![^\\W_])" + re.escape(word), text))``
    (``tests/test_properties.py`` compares them), found with ``str.find``, which skips
    through a text far faster than a pattern with a look-behind can.
    """
    count, at = 0, text.find(word) if word else -1
    while at >= 0:
        if at == 0 or not text[at - 1].isalnum():
            count += 1
            at = text.find(word, at + len(word))
        else:
            at = text.find(word, at + 1)
    return count


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


@dataclass
class Term:
    """One typed word: the practices it matches anywhere, in the title, and how many."""

    text: str
    anywhere: int
    in_title: int

    @property
    def documents(self) -> int:
        return self.anywhere.bit_count()


@dataclass
class Listing:
    """One page of a search: the practices in order, and how they were ordered."""

    total: int
    ids: list[int]
    capped: bool
    title_matches: int
    #: (IRI, title, description, organisations) of each practice in ``ids``.
    rows: list[tuple] = field(default_factory=list)


class SearchIndex:
    """The full-text part of a build's ``browse.sqlite``, with frequent words in memory."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        """``connect`` opens the index read-only."""
        self.connect = connect
        connection = self.connect()
        try:
            self.frequent = {
                word: (read_bitset(anywhere), read_bitset(in_title))
                for word, anywhere, in_title in connection.execute(
                    "SELECT term, anywhere, in_title FROM term WHERE anywhere IS NOT NULL")}
            settings = dict(connection.execute("SELECT name, value FROM setting"))
            #: Full-text row → practice number (they differ after incremental builds).
            self.position = dict(connection.execute("SELECT doc, id FROM practice"))
        finally:
            connection.close()
        self.practices = int(settings["practices"])
        self.average_length = float(settings["average_length"]) or 1.0

    def _from_fts(self, connection: sqlite3.Connection, match: str) -> tuple[int, int]:
        """Practices an FTS5 query matches anywhere, and in the title, as bitsets."""
        def bits(query: str) -> int:
            rows = connection.execute("SELECT rowid FROM search WHERE search MATCH ?", (query,))
            return read_bitset(bitset((self.position[rowid] for (rowid,) in rows),
                                      self.practices))
        return bits(match), bits(f"{{title}} : ({match})")

    def term(self, connection: sqlite3.Connection, text: str) -> Term:
        """The practices ``text`` matches as a prefix of one of their words."""
        upper = text[:-1] + chr(ord(text[-1]) + 1)
        words = connection.execute(
            "SELECT term, anywhere IS NOT NULL FROM term WHERE term >= ? AND term < ? LIMIT ?",
            (text, upper, MAX_EXPANSION + 1)).fetchall()
        if len(words) > MAX_EXPANSION:
            return Term(text, *self._from_fts(connection, _phrase(text) + "*"))
        anywhere = in_title = 0
        for word, frequent in words:
            if frequent:
                anywhere |= self.frequent[word][0]
                in_title |= self.frequent[word][1]
        rare = [word for word, frequent in words if not frequent]
        if rare:
            more, more_in_title = self._from_fts(connection, " OR ".join(map(_phrase, rare)))
            anywhere |= more
            in_title |= more_in_title
        return Term(text, anywhere, in_title)

    def rank(self, connection: sqlite3.Connection, ids: list[int],
             terms: list[Term]) -> list[int]:
        """``ids`` by BM25 over the weighted columns, best first (title order on ties)."""
        found: dict[int, tuple] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update((row[0], row[1:]) for row in connection.execute(
                "SELECT p.id, s.title, s.description, s.organisations, p.words "
                f"FROM search s JOIN practice p ON p.doc = s.rowid WHERE p.id IN ({marks})",
                chunk))
        weighted = [(term.text, max(1e-6, math.log((self.practices - term.documents + 0.5)
                                                   / (term.documents + 0.5))))
                    for term in terms]

        def score(practice: int) -> float:
            *columns, length = found[practice]
            norm = K1 * (1 - B + B * length / self.average_length)
            total = 0.0
            for word, idf in weighted:
                frequency = sum(weight * occurrences(text or "", word)
                                for weight, text in zip(WEIGHTS, columns))
                total += idf * frequency * (K1 + 1) / (frequency + norm)
            return total

        return sorted(ids, key=lambda practice: (-score(practice), practice))

    def search(self, terms: list[str], offset: int, limit: int, ranked: int) -> Listing:
        """One page of the practices matching every term, ranked as far as ``ranked``
        allows; each row (IRI, title, description, organisations, and the last two in
        their search form, as :func:`fold_text` made them for the index)."""
        connection = self.connect()
        try:
            listing = self._listing(connection, terms, offset, limit, ranked)
            marks = ",".join("?" * len(listing.ids))
            found = {row[0]: row[1:] for row in connection.execute(
                "SELECT p.id, p.iri, p.title, t.description, t.organisations, s.description,"
                " s.organisations FROM practice p JOIN practice_text t ON t.doc = p.doc "
                f"JOIN search s ON s.rowid = p.doc WHERE p.id IN ({marks})", listing.ids)}
            listing.rows = [found[i] for i in listing.ids]
            return listing
        finally:
            connection.close()

    def texts(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """Description and organisation names of the practices numbered ``ids`` (what a
        list shows under each title)."""
        if not ids:
            return {}
        connection = self.connect()
        try:
            marks = ",".join("?" * len(ids))
            return {row[0]: (row[1] or "", row[2] or "") for row in connection.execute(
                "SELECT p.id, t.description, t.organisations FROM practice p JOIN "
                f"practice_text t ON t.doc = p.doc WHERE p.id IN ({marks})", ids)}
        finally:
            connection.close()

    def _listing(self, connection: sqlite3.Connection, terms: list[str], offset: int,
                 limit: int, ranked: int) -> Listing:
        found = [self.term(connection, text) for text in terms]
        anywhere, in_title = found[0].anywhere, found[0].in_title
        for term in found[1:]:
            anywhere &= term.anywhere
            in_title &= term.in_title
        total = anywhere.bit_count()
        if total <= ranked:
            ids = self.rank(connection, bit_positions(anywhere), found)
            return Listing(total, ids[offset:offset + limit], False, 0)
        title_count = in_title.bit_count()
        if title_count <= ranked:
            ids = self.rank(connection, bit_positions(in_title), found)[offset:offset + limit]
        else:
            ids = bit_positions(in_title, offset, limit)
        if len(ids) < limit:
            ids += bit_positions(anywhere & ~in_title, max(0, offset - title_count),
                                 limit - len(ids))
        return Listing(total, ids, True, title_count)
