"""Writes the faceted-browse and search index of a build (read by
:mod:`dskg.artefact.browse`): in full from the store, or as the previous build's index
changed for the practices an incremental build touched.
"""
from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib.namespace import DCTERMS, OWL

from dskg.artefact.browse import (
    FACETS,
    WORD,
    bitset,
    fold_text,
    read_bitset,
)
from dskg.fields import LinkFacet
from dskg.namespaces import SCHEMA, Namespaces
from dskg.rdf import IRI, Literal
from dskg.store import Store, text_of
from dskg.text import fold

PRACTICES = """
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?class ?p ?title ?description ?issued WHERE {
  ?p a ?class ; dct:title ?title .
  OPTIONAL { ?p dct:description ?description }
  OPTIONAL { ?p dct:issued ?issued }
}"""
VALUES = "SELECT ?property ?p ?value WHERE { ?p ?property ?value }"
#: The paths of the link facets (:data:`dskg.fields.LINK_FACETS`), from a practice ?p
#: to the value's IRI; the properties are bound by :func:`_link_bindings`.
LINK_PATHS = {
    "programme": """
SELECT ?p ?value ?funder ?sameAs ?programme WHERE {
  ?p ?funder ?f . { ?f ?sameAs ?value } UNION { ?f ?programme ?value }
  FILTER(STRSTARTS(STR(?value), "http://publications.europa.eu/resource/authority/eu-programme/"))
}""",
    # The regions themselves: the ones above them come from :data:`NUTS_LEVELS`.
    # (With ``skos:broader*`` here Oxigraph walked every node of the store for each
    # practice: 10 s a practice at 100k, minutes for an incremental build.)
    "nuts": """
SELECT ?p ?value ?spatial ?location WHERE {
  { ?p ?spatial ?value } UNION { ?p ?location ?place . ?place ?spatial ?value }
}""",
    "digcomp": """
SELECT ?p ?value ?competence WHERE {
  ?p ?competence ?c . ?c <http://www.w3.org/2004/02/skos/core#broader> ?value
}""",
}
#: Every NUTS region with its level and the region it lies in.
NUTS_LEVELS = """SELECT ?r ?level ?levelP ?broader WHERE {
  ?r ?levelP ?level OPTIONAL { ?r <http://www.w3.org/2004/02/skos/core#broader> ?broader } }"""
#: Practices linked to an organisation ``?o`` (``?provided``, ``?partner``: our two links).
LINKED = "SELECT ?o ?p ?provided ?partner WHERE { { ?p ?provided ?o } UNION { ?p ?partner ?o } }"
#: One practice's linked names. A property path joined with another pattern is
#: evaluated over every practice (90 ms at 100k) even with ?p bound; this is not.
NAMES_OF = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p ?link ?name WHERE { ?p ?link ?o . ?o skos:prefLabel ?name }"""
ORGANISATIONS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?class ?p ?name ?provided ?partner WHERE {
  ?p a ?class . { ?p ?provided ?o } UNION { ?p ?partner ?o } ?o skos:prefLabel ?name }"""

SCHEMA_SQL = """
CREATE TABLE practice (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
                       issued TEXT, words INTEGER NOT NULL, published INTEGER NOT NULL,
                       doc INTEGER NOT NULL UNIQUE);
CREATE TABLE practice_text (doc INTEGER PRIMARY KEY, description TEXT, organisations TEXT);
CREATE TABLE facet (facet TEXT NOT NULL, value TEXT NOT NULL, iri TEXT,
                    by_title BLOB NOT NULL, by_published BLOB NOT NULL,
                    PRIMARY KEY (facet, value)) WITHOUT ROWID;
CREATE VIRTUAL TABLE search USING fts5(title, description, organisations,
                                       tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE term (term TEXT PRIMARY KEY, docs INTEGER NOT NULL, anywhere BLOB,
                   in_title BLOB) WITHOUT ROWID;
CREATE TABLE setting (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
"""
#: A word in at least this many practices gets bitsets in the term table: FTS5 reads
#: its whole doclist for every query, which is what makes common words slow.
FREQUENT_DOCS = 1000


def _first_by_language(values: list[Literal]) -> str:
    for language in ("en", None):
        for value in values:
            if (value.language or None) == language:
                return value.value
    return values[0].value



@dataclass
class _Row:
    """What the index keeps of one practice (before it is numbered)."""

    title: str
    issued: str | None
    description: str
    organisations: str
    words: int
    #: The full-text table's row of it (stable across incremental builds).
    doc: int = -1
    #: Title, description and organisations in search form (rows read from the store).
    search: tuple[str, ...] = ()


def _links(ns: Namespaces) -> dict[str, IRI]:
    """The two properties that link a practice to an organisation, bound by name."""
    return {"provided": IRI(f"{ns.dskg}providedBy"), "partner": IRI(f"{ns.dskg}partner")}


def _practices(store: Store, ns: Namespaces, iris: list[str] | None) -> dict[str, _Row]:
    """The rows of every practice, or of ``iris`` (those still practices)."""
    bound = {"class": IRI(str(ns.dskg.GoodPractice))}
    bindings = [bound] if iris is None else [bound | {"p": IRI(iri)} for iri in iris]
    titles: dict[str, list] = {}
    descriptions: dict[str, list] = {}
    issued: dict[str, str] = {}
    organisations: dict[str, set[str]] = {}
    links = {f"{ns.dskg}providedBy", f"{ns.dskg}partner"}
    for binding in bindings:
        for row in store.select(PRACTICES, binding):
            iri = text_of(row, "p")
            titles.setdefault(iri, []).append(row["title"])
            if row["description"] is not None:
                descriptions.setdefault(iri, []).append(row["description"])
            if row["issued"] is not None:
                issued[iri] = text_of(row, "issued")
        if iris is None:
            for row in store.select(ORGANISATIONS, binding | _links(ns)):
                organisations.setdefault(text_of(row, "p"), set()).add(text_of(row, "name"))
            continue
        for row in store.select(NAMES_OF, {"p": binding["p"]}):
            if text_of(row, "link") in links:
                organisations.setdefault(text_of(row, "p"), set()).add(text_of(row, "name"))
    rows = {}
    for iri, found in titles.items():
        texts = (" ".join(t.value for t in found),
                 "\n\n".join(d.value for d in descriptions.get(iri, [])),
                 "; ".join(sorted(organisations.get(iri, ()))))
        rows[iri] = _Row(_first_by_language(found), issued.get(iri), texts[1], texts[2],
                         sum(len(WORD.findall(t)) for t in texts),
                         search=tuple(fold_text(t) for t in texts))
    return rows


def _link_bindings(ns: Namespaces, facet: LinkFacet) -> dict[str, IRI | Literal]:
    if facet.path == "programme":
        return {"funder": IRI(str(SCHEMA.funder)), "sameAs": IRI(str(OWL.sameAs)),
                "programme": IRI(str(ns.dskg.euProgramme))}
    if facet.path == "nuts":
        return {"spatial": IRI(str(DCTERMS.spatial)), "location": IRI(str(SCHEMA.location))}
    return {"competence": IRI(str(ns.dskg.competence))}


class _Regions:
    """NUTS regions by IRI: each with its level and the region it lies in, read once."""

    def __init__(self, store: Store, ns: Namespaces):
        self.store, self.ns = store, ns
        self._up: dict[str, tuple[int, str | None]] | None = None

    def at_level(self, region: str, level: int) -> str | None:
        """The region at ``level`` that ``region`` is or lies in."""
        if self._up is None:
            self._up = {}
            for row in self.store.select(NUTS_LEVELS, {"levelP": IRI(str(self.ns.dskg.nutsLevel))}):
                broader = row.get("broader")
                self._up[text_of(row, "r")] = (int(text_of(row, "level")),
                                               broader.value if broader is not None else None)
        seen: set[str] = set()
        current: str | None = region
        while current is not None and current in self._up and current not in seen:
            seen.add(current)
            found, above = self._up[current]
            if found == level:
                return current
            current = above
        return None


def _facet_values(store: Store, ns: Namespaces, practices: set[str], iris: list[str] | None
                  ) -> dict[str, dict[str, tuple[str | None, set[str]]]]:
    """Facet → value key → (value IRI, practices with it), over every practice or ``iris``."""
    result: dict[str, dict[str, tuple[str | None, set[str]]]] = {}
    regions = _Regions(store, ns)
    # The NUTS facets (one per level, one after another) ask the same question: the
    # last answer is kept for the next facet (only the last: a build's answers are large).
    last: tuple[tuple[str, frozenset], list] | None = None
    for facet, (_, declared) in FACETS.items():
        members = result[facet] = {}
        if isinstance(declared, LinkFacet):
            query, bound = LINK_PATHS[declared.path], _link_bindings(ns, declared)
        else:
            query, bound = VALUES, {"property": IRI(str(ns.expand(declared.property)))}
        bindings = [bound] if iris is None else [bound | {"p": IRI(iri)} for iri in iris]
        for binding in bindings:
            question = (query, frozenset(binding.items()))
            if last is None or last[0] != question:
                last = (question, store.select(query, binding))
            for row in last[1]:
                if text_of(row, "p") not in practices:
                    continue
                value: str | None = text_of(row, "value")
                if isinstance(declared, LinkFacet) and declared.path == "nuts":
                    value = regions.at_level(text_of(row, "value"), declared.level)
                if value is None:
                    continue
                if declared.facet and declared.facet.by_year:
                    key, value_iri = value[:4], None
                else:  # the IRI's last segment: short, readable, shareable URLs
                    key, value_iri = value.rstrip("/").rsplit("/", 1)[-1], value
                members.setdefault(key, (value_iri, set()))[1].add(text_of(row, "p"))
    return result


def write_browse_index(store: Store, ns: Namespaces, path: Path,
                       frequent: int = FREQUENT_DOCS, previous: Path | None = None,
                       touched: set[str] | None = None) -> int:
    """Build ``browse.sqlite``; return the number of practices indexed.

    With ``previous`` (the index of the build this one changes), only the practices
    among ``touched`` (IRIs; an organisation's practices when it is touched) are read
    from the store again: every other practice keeps its row and full-text document,
    and every bitset is renumbered by shifting (the unchanged practices keep their
    order), then given the bits of the practices read again."""
    path.unlink(missing_ok=True)
    if previous is not None:
        shutil.copyfile(previous, path)
    connection = sqlite3.connect(path)
    try:
        if previous is None:
            connection.executescript(SCHEMA_SQL)
            count = _write_all(connection, store, ns, frequent)
        else:
            count = _write_changes(connection, store, ns, frequent, touched or set())
        connection.commit()
    finally:
        connection.close()
    return count


def _numbering(rows: dict[str, _Row]) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """Practices in title order, their numbers, and their ranks by publication date."""
    order = sorted(rows, key=lambda iri: (fold(rows[iri].title), iri))
    number = {iri: index for index, iri in enumerate(order)}
    newest_last = sorted(order, key=lambda iri: (rows[iri].issued or "", number[iri]))
    return order, number, {iri: index for index, iri in enumerate(newest_last)}


def _insert_practices(connection: sqlite3.Connection, rows: dict[str, _Row],
                      order: list[str], number: dict[str, int], published: dict[str, int],
                      fresh: list[str]) -> None:
    connection.executemany(
        "INSERT INTO practice VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((number[iri], iri, rows[iri].title, rows[iri].issued, rows[iri].words,
          published[iri], rows[iri].doc) for iri in order))
    connection.executemany("INSERT INTO practice_text VALUES (?, ?, ?)", (
        (rows[iri].doc, rows[iri].description, rows[iri].organisations) for iri in fresh))
    connection.executemany(
        "INSERT INTO search (rowid, title, description, organisations) VALUES (?, ?, ?, ?)",
        ((rows[iri].doc, *rows[iri].search) for iri in fresh))


def _write_all(connection: sqlite3.Connection, store: Store, ns: Namespaces,
               frequent: int) -> int:
    rows = _practices(store, ns, None)
    order, number, published = _numbering(rows)
    for iri in order:
        rows[iri].doc = number[iri]
    _insert_practices(connection, rows, order, number, published, order)
    vocabulary = _vocabulary(connection)
    position = {rows[iri].doc: number[iri] for iri in order}
    terms = []
    for term, docs in vocabulary.items():
        anywhere = in_title = None
        if docs >= frequent:
            anywhere, in_title = (bitset(bits, len(order))
                                  for bits in _matches(connection, term, position))
        terms.append((term, docs, anywhere, in_title))
    connection.executemany("INSERT INTO term VALUES (?, ?, ?, ?)", terms)
    _write_settings(connection, len(order))
    for facet, members in _facet_values(store, ns, set(rows), None).items():
        connection.executemany("INSERT INTO facet VALUES (?, ?, ?, ?, ?)", (
            (facet, key, iri, bitset((number[p] for p in practices), len(order)),
             bitset((published[p] for p in practices), len(order)))
            for key, (iri, practices) in sorted(members.items())))
    return len(order)


def _vocabulary(connection: sqlite3.Connection, terms: list[str] | None = None
                ) -> dict[str, int]:
    """Words of the full-text table (all, or ``terms``) with how many documents hold them."""
    connection.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary "
                       "USING fts5vocab(main, search, row)")
    if terms is None:
        return dict(connection.execute("SELECT term, doc FROM temp.vocabulary"))
    return {term: docs for word in terms for term, docs in connection.execute(
        "SELECT term, doc FROM temp.vocabulary WHERE term = ?", (word,))}


def _matches(connection: sqlite3.Connection, term: str, position: dict[int, int],
             docs: list[int] | None = None) -> tuple[list[int], list[int]]:
    """Numbers of the practices holding ``term`` anywhere, and in the title (among the
    documents ``docs`` if given)."""
    phrase = '"' + term.replace('"', '""') + '"'
    restrict = "" if docs is None else f" AND rowid IN ({','.join(map(str, docs))})"
    return tuple([position[r] for (r,) in connection.execute(  # type: ignore[return-value]
        f"SELECT rowid FROM search WHERE search MATCH ?{restrict}", (query,))]
        for query in (phrase, f"{{title}} : {phrase}"))


def _write_settings(connection: sqlite3.Connection, practices: int) -> None:
    """The number of practices, and their average length in words (for ranking)."""
    tokens = connection.execute("SELECT SUM(cnt) FROM temp.vocabulary").fetchone()[0] or 0
    connection.execute("DELETE FROM setting")
    connection.executemany("INSERT INTO setting VALUES (?, ?)", [
        ("practices", practices), ("average_length", tokens / max(1, practices))])


def renumber(bits: int, removed: list[int], added: list[int]) -> int:
    """A bitset over the old numbering moved to the new one, where ``removed`` (old
    numbers) left and ``added`` (new numbers) came in and the others kept their order:
    each removal and insertion is two shifts of the whole number."""
    for position in sorted(removed, reverse=True):
        bits = (bits & ((1 << position) - 1)) | ((bits >> (position + 1)) << position)
    for position in sorted(added):
        bits = (bits & ((1 << position) - 1)) | ((bits >> position) << (position + 1))
    return bits


def _write_changes(connection: sqlite3.Connection, store: Store, ns: Namespaces,
                   frequent: int, touched: set[str]) -> int:
    old = connection.execute(
        "SELECT id, iri, title, issued, '', '', words, doc, published FROM practice").fetchall()
    known = {row[1] for row in old}
    linked = {text_of(row, "p") for org in sorted(touched - known) for row in store.select(
        LINKED, {"o": IRI(org)} | _links(ns))}
    fresh_rows = _practices(store, ns, sorted(touched | linked))
    redo = (touched | linked) & (known | set(fresh_rows))
    gone = [row for row in old if row[1] in redo]
    rows = {iri: _Row(title, issued, description, organisations, words, doc)
            for _, iri, title, issued, description, organisations, words, doc, _ in old
            if iri not in redo}
    words: set[str] = set()
    for texts in connection.execute(
            "SELECT title, description, organisations FROM search WHERE rowid IN "
            f"({','.join(str(row[7]) for row in gone)})") if gone else ():
        words.update(w for text in texts for w in WORD.findall(text or ""))
    for table in ("search", "practice_text"):
        connection.executemany(f"DELETE FROM {table} WHERE rowid = ?",
                               [(row[7],) for row in gone])
    next_doc = max((row[7] for row in old), default=-1) + 1
    rows.update(fresh_rows)
    order, number, published = _numbering(rows)
    for doc, iri in enumerate(sorted(fresh_rows, key=number.__getitem__), start=next_doc):
        rows[iri].doc = doc
        words.update(w for text in rows[iri].search for w in WORD.findall(text))
    connection.execute("DELETE FROM practice")
    _insert_practices(connection, rows, order, number, published, list(fresh_rows))
    size = len(order)
    removed = [row[0] for row in gone]
    removed_published = [row[8] for row in gone]
    added = [number[iri] for iri in fresh_rows]
    added_published = [published[iri] for iri in fresh_rows]
    position = {rows[iri].doc: number[iri] for iri in order}
    new_docs = [rows[iri].doc for iri in fresh_rows]
    counts = _vocabulary(connection, sorted(words))
    old_frequent = {term: (docs, anywhere, in_title) for term, docs, anywhere, in_title in
                    connection.execute("SELECT term, docs, anywhere, in_title FROM term "
                                       "WHERE anywhere IS NOT NULL")}
    terms = [(term, docs, *(renumber(read_bitset(bits), removed, added).to_bytes(
        (size + 7) // 8, "little") for bits in (anywhere, in_title)))
             for term, (docs, anywhere, in_title) in old_frequent.items() if term not in words]
    for term in sorted(words):
        docs = counts.get(term, 0)
        if not docs:
            continue
        anywhere = in_title = None
        if docs >= frequent and term in old_frequent:
            found = _matches(connection, term, position, new_docs)
            anywhere, in_title = (_with(renumber(read_bitset(bits), removed, added), new, size)
                                  for bits, new in zip(old_frequent[term][1:], found))
        elif docs >= frequent:
            anywhere, in_title = (bitset(bits, size)
                                  for bits in _matches(connection, term, position))
        terms.append((term, docs, anywhere, in_title))
    connection.executemany("DELETE FROM term WHERE term = ?",
                           [(term,) for term in sorted(words | set(old_frequent))])
    connection.executemany("INSERT INTO term VALUES (?, ?, ?, ?)", terms)
    _write_settings(connection, size)
    facets = _facet_values(store, ns, set(fresh_rows), sorted(fresh_rows))
    updated = []
    for facet, key, iri, by_title, by_published in connection.execute(
            "SELECT facet, value, iri, by_title, by_published FROM facet").fetchall():
        value_iri, practices = facets.get(facet, {}).pop(key, (iri, set()))
        updated.append((facet, key, value_iri,
                        renumber(read_bitset(by_title), removed, added)
                        | _bits(number[p] for p in practices),
                        renumber(read_bitset(by_published), removed_published, added_published)
                        | _bits(published[p] for p in practices)))
    for facet, members in facets.items():
        for key, (value_iri, practices) in members.items():
            updated.append((facet, key, value_iri, _bits(number[p] for p in practices),
                            _bits(published[p] for p in practices)))
    connection.execute("DELETE FROM facet")
    connection.executemany("INSERT INTO facet VALUES (?, ?, ?, ?, ?)", (
        (facet, key, iri, by_title.to_bytes((size + 7) // 8, "little"),
         by_published.to_bytes((size + 7) // 8, "little"))
        for facet, key, iri, by_title, by_published in sorted(updated) if by_title))
    return size


def _bits(positions: Iterable[int]) -> int:
    bits = 0
    for position in positions:
        bits |= 1 << position
    return bits


def _with(bits: int, positions: list[int], size: int) -> bytes:
    return (bits | _bits(positions)).to_bytes((size + 7) // 8, "little")
