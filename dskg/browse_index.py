"""The faceted-browse and search index of a build (``browse.sqlite``).

Oxigraph answers a facet count over 100k practices in about a second and a
title-ordered page in several; browsing needs both in milliseconds, for every
combination of facets. The store only changes at build time, so each build writes
this index beside it: practices numbered in title order, a bitset over them for
each facet value (and one over the practices in publication order), an FTS5 full-text table over titles, descriptions and
organisation names (case and diacritics folded, every script), and its vocabulary,
with a bitset over practices for each frequent word. The server turns
the facet rows into bitsets and answers from those; the store stays the source.
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from dskg.namespaces import Namespaces
from dskg.vocab import fold

#: Facet name → (title, SPARQL path from ?p to the value). Funder values are funders,
#: start years are taken from the start date.
FACETS = {
    "country": ("Country", "<{dskg}country>"),
    "audience": ("Target audience", "<http://purl.org/dc/terms/audience>"),
    "technology": ("Digital technology", "<{dskg}technology>"),
    "initiative": ("Type of initiative", "<{dskg}initiativeType>"),
    "funding": ("Funding type", "<{dskg}fundingType>"),
    "funder": ("Funder", "<https://schema.org/funder>"),
    "year": ("Start year", "<https://schema.org/startDate>"),
}

PRACTICES = """
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?class ?p ?title ?description ?issued WHERE {
  ?p a ?class ; dct:title ?title .
  OPTIONAL { ?p dct:description ?description }
  OPTIONAL { ?p dct:issued ?issued }
}"""
VALUES = "SELECT ?class ?p ?value WHERE {{ ?p a ?class ; {path} ?value }}"
ORGANISATIONS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?class ?p ?name WHERE {{
  ?p a ?class ; <{dskg}providedBy>|<{dskg}partner> ?o . ?o skos:prefLabel ?name }}"""

SCHEMA_SQL = """
CREATE TABLE practice (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
                       issued TEXT, description TEXT, organisations TEXT,
                       words INTEGER NOT NULL, published INTEGER NOT NULL);
CREATE TABLE facet (facet TEXT NOT NULL, value TEXT NOT NULL, iri TEXT,
                    by_title BLOB NOT NULL, by_published BLOB NOT NULL,
                    PRIMARY KEY (facet, value)) WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5(title, description, organisations,
                                       tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE term (term TEXT PRIMARY KEY, docs INTEGER NOT NULL, anywhere BLOB,
                   in_title BLOB) WITHOUT ROWID;
CREATE TABLE setting (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
"""
#: Letters and digits: words as FTS5's unicode61 tokenizer splits them.
WORD = re.compile(r"[^\W_]+")
#: A word in at least this many practices gets bitsets in the term table: FTS5 reads
#: its whole doclist for every query, which is what makes common words slow.
FREQUENT_DOCS = 1000


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


def _first_by_language(values: list[ox.Literal]) -> str:
    for language in ("en", None):
        for value in values:
            if (value.language or None) == language:
                return value.value
    return values[0].value


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection to a built index that cannot change it (servers read, builds write)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def bitset(positions, size: int) -> bytes:
    """``size`` bits as little-endian bytes (an int's ``to_bytes``), ``positions`` set."""
    data = bytearray((size + 7) // 8)
    for position in positions:
        data[position >> 3] |= 1 << (position & 7)
    return bytes(data)


def _write_terms(connection: sqlite3.Connection, practices: int, frequent: int) -> None:
    """The vocabulary of the full-text table, with bitsets for its frequent words, and
    the average practice length in words (for ranking)."""
    connection.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, search, row)")
    words = connection.execute("SELECT term, doc, cnt FROM temp.vocabulary").fetchall()
    rows = []
    for term, docs, _ in words:
        anywhere = in_title = None
        if docs >= frequent:
            phrase = '"' + term.replace('"', '""') + '"'
            anywhere = bitset((r for (r,) in connection.execute(
                "SELECT rowid FROM search WHERE search MATCH ?", (phrase,))), practices)
            in_title = bitset((r for (r,) in connection.execute(
                "SELECT rowid FROM search WHERE search MATCH ?", (f"{{title}} : {phrase}",))),
                practices)
        rows.append((term, docs, anywhere, in_title))
    connection.executemany("INSERT INTO term VALUES (?, ?, ?, ?)", rows)
    length = sum(count for _, _, count in words) / max(1, practices)
    connection.executemany("INSERT INTO setting VALUES (?, ?)",
                           [("practices", practices), ("average_length", length)])
    connection.execute("DROP TABLE temp.vocabulary")


def write_browse_index(store: ox.Store, ns: Namespaces, path: Path,
                       frequent: int = FREQUENT_DOCS) -> int:
    """Build ``browse.sqlite``; return the number of practices indexed."""
    practice_class = ox.NamedNode(str(ns.dskg.GoodPractice))
    bound = {ox.Variable("class"): practice_class}
    titles: dict[str, list] = {}
    descriptions: dict[str, list] = {}
    issued: dict[str, str] = {}
    for row in store.query(PRACTICES, substitutions=bound,
                           use_default_graph_as_union=True):
        iri = row["p"].value
        titles.setdefault(iri, []).append(row["title"])
        if row["description"] is not None:
            descriptions.setdefault(iri, []).append(row["description"])
        if row["issued"] is not None:
            issued[iri] = row["issued"].value
    order = sorted(titles, key=lambda iri: (fold(_first_by_language(titles[iri])), iri))
    number = {iri: index for index, iri in enumerate(order)}
    newest_last = sorted(order, key=lambda iri: (issued.get(iri) or "", number[iri]))
    published = {iri: index for index, iri in enumerate(newest_last)}
    organisations: dict[str, set[str]] = {}
    for row in store.query(ORGANISATIONS.format(dskg=ns.dskg), substitutions=bound,
                           use_default_graph_as_union=True):
        organisations.setdefault(row["p"].value, set()).add(row["name"].value)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA_SQL)
        texts = {iri: (" ".join(t.value for t in titles[iri]),
                       "\n\n".join(d.value for d in descriptions.get(iri, [])),
                       "; ".join(sorted(organisations.get(iri, ())))) for iri in order}
        connection.executemany(
            "INSERT INTO practice VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((number[iri], iri, _first_by_language(titles[iri]), issued.get(iri),
              texts[iri][1], texts[iri][2], sum(len(WORD.findall(t)) for t in texts[iri]),
              published[iri])
             for iri in order))
        connection.executemany(
            "INSERT INTO search (rowid, title, description, organisations) VALUES (?, ?, ?, ?)",
            ((number[iri], *(fold_text(t) for t in texts[iri])) for iri in order))
        _write_terms(connection, len(order), frequent)
        for facet, (_, path_template) in FACETS.items():
            query = VALUES.format(path=path_template.format(dskg=ns.dskg))
            members: dict[str, tuple[str | None, set[str]]] = {}
            for row in store.query(query, substitutions=bound, use_default_graph_as_union=True):
                if row["p"].value not in number:
                    continue
                if facet == "year":
                    key, iri = row["value"].value[:4], None
                else:  # the IRI's last segment: short, readable, shareable URLs
                    iri = row["value"].value
                    key = iri.rstrip("/").rsplit("/", 1)[-1]
                members.setdefault(key, (iri, set()))[1].add(row["p"].value)
            connection.executemany("INSERT INTO facet VALUES (?, ?, ?, ?, ?)", (
                (facet, key, iri, bitset((number[p] for p in practices), len(order)),
                 bitset((published[p] for p in practices), len(order)))
                for key, (iri, practices) in sorted(members.items())))
        connection.commit()
    finally:
        connection.close()
    return len(order)
