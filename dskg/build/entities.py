"""Writes the entity index of a build (read by :mod:`dskg.artefact.entities`): every
practice, organisation, funder, country and DigComp competence with its names in every
language, for the reconciliation service to match names against in milliseconds.

The index is small beside the store (names and a few properties) and is written in full
by every build, incremental ones too: reading it from the store is one query per type
and property, not worth keeping apart.
"""
from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path

from rdflib.namespace import DCTERMS, ORG, SKOS

from dskg.artefact.browse import fold_text
from dskg.artefact.entities import SCHEMA_SQL, TYPES
from dskg.namespaces import SCHEMA, Namespaces
from dskg.rdf import IRI, Literal
from dskg.store import Store, text_of

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


def write_entity_index(store: Store, ns: Namespaces, path: Path) -> int:
    """Build ``entities.sqlite`` from the store; return the number of entities."""
    names: dict[str, dict[str, list[Literal]]] = defaultdict(lambda: defaultdict(list))
    types: dict[str, set[str]] = defaultdict(set)
    prefs = {str(SKOS.prefLabel), str(DCTERMS.title)}
    preferred: dict[str, list[Literal]] = defaultdict(list)
    name_properties = (SKOS.prefLabel, SKOS.altLabel, DCTERMS.title, SKOS.notation)
    for kind, cls in _classes(ns).items():
        for prop in name_properties:
            for row in store.select(NAMES, {"class": IRI(cls), "nameP": IRI(str(prop))}):
                _add(row, kind, names, types, preferred, prefs)
    for kind, scheme in _schemes(ns).items():
        for prop in name_properties:
            for row in store.select(IN_SCHEME, {"scheme": IRI(scheme), "nameP": IRI(str(prop)),
                                                "inScheme": IRI(str(SKOS.inScheme))}):
                _add(row, kind, names, types, preferred, prefs)
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, predicates in _properties(ns).items():
        for predicate in predicates:
            for row in store.select(VALUES, {"property": IRI(predicate)}):
                entity = text_of(row, "e")
                if entity in types:
                    values[entity][name].add(text_of(row, "value"))
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA_SQL)
        rows, search = [], []
        for number, entity in enumerate(sorted(types)):
            labels: dict[str, str] = {}
            for label in preferred.get(entity) or [v for vs in names[entity].values() for v in vs]:
                labels.setdefault(label.language or "", label.value)
            found = values.get(entity, {})
            rows.append((number, entity, " ".join(sorted(t for t in TYPES if t in types[entity])),
                         json.dumps(labels, ensure_ascii=False, sort_keys=True),
                         " ".join(sorted(found.get("country", ()))),
                         " ".join(sorted(found.get("funder", ()))),
                         min(found.get("start", ()), default=None)))
            every = sorted({v.value for vs in names[entity].values() for v in vs})
            search.append((number, fold_text(" | ".join(every))))
        connection.executemany("INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        connection.executemany("INSERT INTO entity_search (rowid, names) VALUES (?, ?)",
                               search)
        connection.commit()
    finally:
        connection.close()
    return len(rows)


def _add(row: dict, kind: str, names: dict, types: dict, preferred: dict,
         prefs: set[str]) -> None:
    entity, label, prop = text_of(row, "e"), row["name"], text_of(row, "nameP")
    if not isinstance(label, Literal):
        return
    types[entity].add(kind)
    names[entity][prop].append(label)
    if prop in prefs:
        preferred[entity].append(label)
