"""The entity index of a build, as the reconciliation service reads it (the build
writes it: :mod:`dskg.build.entities`): the practices, organisations, funders,
countries and DigComp competences, each with its labels (language → label), types,
countries, funders and start date, and an FTS5 table over all their names (folded as
the search index folds them), so that a name finds its candidates in milliseconds.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from dskg.artefact.browse import WORD, fold_text

#: Entity types, as the reconciliation service names them.
TYPES = ("practice", "organisation", "funder", "country", "competence")

SCHEMA_SQL = """
CREATE TABLE entity (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, types TEXT NOT NULL,
                     labels TEXT NOT NULL, countries TEXT NOT NULL, funders TEXT NOT NULL,
                     start TEXT);
CREATE VIRTUAL TABLE entity_search USING fts5(names,
                                              tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE entity_vocab USING fts5vocab(entity_search, 'row');
"""


@dataclass(frozen=True)
class Entity:
    iri: str
    types: tuple[str, ...]
    #: Language tag ("" for none) → label.
    labels: dict[str, str]
    countries: tuple[str, ...]
    funders: tuple[str, ...]
    start: str | None
    #: Every name, alias and code, folded as the search index folds them.
    names: tuple[str, ...] = ()

    def label(self, languages: list[str]) -> str:
        for language in [*languages, "", "en"]:
            if language in self.labels:
                return self.labels[language]
        return next(iter(self.labels.values()), self.iri)


def _entity(row: tuple, names: str = "") -> Entity:
    _, iri, types, labels, countries, funders, start = row[:7]
    return Entity(iri, tuple(types.split()), json.loads(labels), tuple(countries.split()),
                  tuple(funders.split()), start,
                  tuple(n for n in names.split(" | ") if n) if names else ())


def _match(words: list[str], every: bool, prefix: bool) -> str:
    """An FTS5 query: the words (each as a prefix, with ``prefix``), all or any."""
    quoted = ['"' + w.replace('"', '""') + '"' + ("*" if prefix else "") for w in words]
    return (" AND " if every else " OR ").join(quoted)


#: Words looked for when no name has every word of a query: its rarest ones.
RARE_WORDS = 3


def _rarest(connection: sqlite3.Connection, words: list[str]) -> list[str]:
    """The words in fewest names (the index's vocabulary says how many)."""
    counts = {w: connection.execute("SELECT doc FROM entity_vocab WHERE term = ?",
                                    (w,)).fetchone() for w in set(words)}
    known = sorted((found[0], w) for w, found in counts.items() if found)
    return [w for _, w in known[:RARE_WORDS]] or words[:RARE_WORDS]


class EntityIndex:
    """Candidates by name, entities by IRI, from a build's ``entities.sqlite``."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        self.connect = connect
        #: Every entity of a small type, read once (the index never changes).
        self._of_type: dict[str, list[Entity]] = {}

    def candidates(self, text: str, types: tuple[str, ...] = (), limit: int = 50,
                   prefix: bool = False) -> list[Entity]:
        """Entities whose names have every word of ``text`` (each as a prefix, with
        ``prefix``: what a reader typing sees), best BM25 first; if none has, those
        with any of its rarer words."""
        words = [fold_text(w) for w in WORD.findall(text)]
        if not words:
            return []
        sql = ("SELECT e.*, s.names FROM entity_search s JOIN entity e ON e.id = s.rowid "
               "WHERE entity_search MATCH ? ORDER BY bm25(entity_search) LIMIT ?")
        wanted = limit * 4 if types else limit
        connection = self.connect()
        try:
            # Names with every word: selective, so BM25 ranks few rows. Only when none
            # has them all, names with any of the rarer words (a common word matches
            # thousands of names, each ranked).
            rows = connection.execute(sql, (_match(words, True, prefix), wanted)).fetchall()
            if not rows and len(words) > 1 and not prefix:
                rare = _rarest(connection, words)
                rows = connection.execute(sql, (_match(rare, False, False), wanted)).fetchall()
            found = [_entity(row[:7], row[7]) for row in rows]
        finally:
            connection.close()
        if types:
            found = [e for e in found if set(e.types) & set(types)]
        return found[:limit]

    def get(self, iris: list[str]) -> dict[str, Entity]:
        """The entities of ``iris`` that the index has."""
        if not iris:
            return {}
        connection = self.connect()
        try:
            marks = ",".join("?" * len(iris))
            rows = connection.execute(
                f"SELECT e.*, s.names FROM entity e JOIN entity_search s ON s.rowid = e.id "
                f"WHERE e.iri IN ({marks})", iris).fetchall()
        finally:
            connection.close()
        return {row[1]: _entity(row[:7], row[7]) for row in rows}

    def of_type(self, kind: str) -> list[Entity]:
        """Every entity of a small type (countries, competences)."""
        if kind in self._of_type:
            return self._of_type[kind]
        connection = self.connect()
        try:
            rows = connection.execute(
                "SELECT e.*, s.names FROM entity e JOIN entity_search s ON s.rowid = e.id "
                "WHERE ' ' || e.types || ' ' LIKE ?", (f"% {kind} %",)).fetchall()
        finally:
            connection.close()
        found = self._of_type[kind] = [_entity(row[:7], row[7]) for row in rows]
        return found
