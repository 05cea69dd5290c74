"""Writes the entity index of a build (read by :mod:`dskg.artefact.entities`): every
practice, organisation, funder, country and DigComp competence with its names in every
language, for the reconciliation service to match names against in milliseconds.

A full build writes it from the store, one query per type and property. An incremental
build copies the previous build's index and writes again only the entities whose
statements it touched (each read with one query of its own statements), since an entry
holds nothing but its own statements: a change of 10 practices rewrites 10 rows, not
100k. Past :data:`PATCH_LIMIT` touched entities the full way is the quicker one.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path

from rdflib.namespace import DCTERMS, ORG, RDF, SKOS

from dskg.artefact.browse import fold_text
from dskg.artefact.entities import SCHEMA_SQL, TYPES
from dskg.namespaces import SCHEMA, Namespaces
from dskg.rdf import IRI, Literal, Term
from dskg.store import Store, term_of, text_of

NAMES = "SELECT ?e ?class ?nameP ?name WHERE { ?e a ?class ; ?nameP ?name }"
IN_SCHEME = ("SELECT ?e ?scheme ?inScheme ?nameP ?name "
             "WHERE { ?e ?inScheme ?scheme ; ?nameP ?name }")
VALUES = "SELECT ?e ?property ?value WHERE { ?e ?property ?value }"


def _classes(ns: Namespaces) -> dict[str, str]:
    """Entity type → its class (types found by scheme instead are not here)."""
    return {"practice": str(ns.dskg.GoodPractice), "organisation": str(ORG.Organization),
            "funder": str(ns.dskg.Funder)}


def _schemes(ns: Namespaces) -> dict[str, str]:
    return {"country": str(ns.country_scheme), "competence": str(ns.scheme("digcomp"))}


#: The properties each entity keeps, by name: what reconciliation scores and extends.
def _properties(ns: Namespaces) -> dict[str, tuple[str, ...]]:
    return {"country": (str(ns.dskg.country), str(DCTERMS.spatial)),
            "funder": (str(SCHEMA.funder),), "start": (str(SCHEMA.startDate),)}


#: Touched entities past which writing the whole index is quicker than patching it.
PATCH_LIMIT = 5000
STATEMENTS = "SELECT ?e ?p ?o WHERE { ?e ?p ?o }"
NAME_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, DCTERMS.title, SKOS.notation)
PREFERRED = (str(SKOS.prefLabel), str(DCTERMS.title))


class _Entities:
    """What the index holds of each entity, gathered statement by statement: an entity
    is one once it has a type (its class or scheme) and a name that is a literal."""

    def __init__(self, ns: Namespaces):
        self.classes = {cls: kind for kind, cls in _classes(ns).items()}
        self.schemes = {scheme: kind for kind, scheme in _schemes(ns).items()}
        self.value_names = {p: name for name, ps in _properties(ns).items() for p in ps}
        self.names_of = {str(p) for p in NAME_PROPERTIES}
        self.types: dict[str, set[str]] = defaultdict(set)
        self.names: dict[str, dict[str, list[Literal]]] = defaultdict(lambda: defaultdict(list))
        self.values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def typed(self, entity: str, kind: str) -> None:
        self.types[entity].add(kind)

    def named(self, entity: str, prop: str, name: object) -> None:
        if isinstance(name, Literal):
            self.names[entity][prop].append(name)

    def valued(self, entity: str, name: str, value: str) -> None:
        self.values[entity][name].add(value)

    def statement(self, entity: str, prop: str, value: Term) -> None:
        """One statement of ``entity``, whatever it says."""
        if prop == str(RDF.type) and value.value in self.classes:
            self.typed(entity, self.classes[value.value])
        elif prop == str(SKOS.inScheme) and value.value in self.schemes:
            self.typed(entity, self.schemes[value.value])
        if prop in self.names_of:
            self.named(entity, prop, value)
        if prop in self.value_names:
            self.valued(entity, self.value_names[prop], value.value)

    def rows(self) -> list[tuple[tuple, str]]:
        """Each entity's row of ``entity`` (without its number) and its folded names,
        by IRI."""
        found = []
        for entity in sorted(e for e in self.types if self.names.get(e)):
            names = self.names[entity]
            # In a fixed order, so that a patched index and a whole one agree.
            ordered = {p: sorted(vs, key=lambda v: (v.language or "", v.value))
                       for p, vs in sorted(names.items())}
            preferred = [v for p in PREFERRED for v in ordered.get(p, ())]
            labels: dict[str, str] = {}
            for label in preferred or [v for vs in ordered.values() for v in vs]:
                labels.setdefault(label.language or "", label.value)
            values = self.values.get(entity, {})
            row = (entity, " ".join(sorted(t for t in TYPES if t in self.types[entity])),
                   json.dumps(labels, ensure_ascii=False, sort_keys=True),
                   " ".join(sorted(values.get("country", ()))),
                   " ".join(sorted(values.get("funder", ()))),
                   min(values.get("start", ()), default=None))
            every = sorted({v.value for vs in names.values() for v in vs})
            found.append((row, fold_text(" | ".join(every))))
        return found


def write_entity_index(store: Store, ns: Namespaces, path: Path, previous: Path | None = None,
                       touched: set[str] | None = None) -> int:
    """Write ``entities.sqlite`` from the store: all of it, or, given the ``previous``
    build's index and the IRIs whose statements changed since, that index with those
    entities written again. Return the number of entities."""
    if previous is None or touched is None or len(touched) > PATCH_LIMIT \
            or not previous.is_file():
        return _write_all(store, ns, path)
    path.unlink(missing_ok=True)
    shutil.copyfile(previous, path)
    entities = _Entities(ns)
    for iri in sorted(touched):
        for row in store.select(STATEMENTS, {"e": IRI(iri)}):
            entities.statement(iri, text_of(row, "p"), term_of(row, "o"))
    connection = sqlite3.connect(path)
    try:
        marks = ",".join("?" * len(touched))
        gone = [n for (n,) in connection.execute(
            f"SELECT id FROM entity WHERE iri IN ({marks})", sorted(touched))]
        connection.executemany("DELETE FROM entity_search WHERE rowid = ?", [(n,) for n in gone])
        connection.executemany("DELETE FROM entity WHERE id = ?", [(n,) for n in gone])
        after = connection.execute("SELECT COALESCE(MAX(id), -1) + 1 FROM entity").fetchone()[0]
        _insert(connection, entities.rows(), after)
        count = connection.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        connection.commit()
    finally:
        connection.close()
    return int(count)


def _write_all(store: Store, ns: Namespaces, path: Path) -> int:
    entities = _Entities(ns)
    for kind, cls in _classes(ns).items():
        for prop in NAME_PROPERTIES:
            for row in store.select(NAMES, {"class": IRI(cls), "nameP": IRI(str(prop))}):
                entities.typed(text_of(row, "e"), kind)
                entities.named(text_of(row, "e"), str(prop), row["name"])
    for kind, scheme in _schemes(ns).items():
        for prop in NAME_PROPERTIES:
            for row in store.select(IN_SCHEME, {"scheme": IRI(scheme), "nameP": IRI(str(prop)),
                                                "inScheme": IRI(str(SKOS.inScheme))}):
                entities.typed(text_of(row, "e"), kind)
                entities.named(text_of(row, "e"), str(prop), row["name"])
    for name, predicates in _properties(ns).items():
        for predicate in predicates:
            for row in store.select(VALUES, {"property": IRI(predicate)}):
                entities.valued(text_of(row, "e"), name, text_of(row, "value"))
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA_SQL)
        rows = entities.rows()
        _insert(connection, rows, 0)
        connection.commit()
    finally:
        connection.close()
    return len(rows)


def _insert(connection: sqlite3.Connection, rows: list[tuple[tuple, str]], first: int) -> None:
    connection.executemany("INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(first + n, *row) for n, (row, _) in enumerate(rows)])
    connection.executemany("INSERT INTO entity_search (rowid, names) VALUES (?, ?)",
                           [(first + n, names) for n, (_, names) in enumerate(rows)])
