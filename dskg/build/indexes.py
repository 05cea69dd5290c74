"""Writes ``indexes.json`` (read by :mod:`dskg.artefact.indexes`): per kind of resource,
its members sorted by label, and counts; an incremental build looks up again only the
resources it touched."""
from __future__ import annotations

import json
from pathlib import Path

from dskg.artefact.indexes import KINDS
from dskg.namespaces import Namespaces
from dskg.rdf import IRI, Literal
from dskg.store import Store
from dskg.text import fold

PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"

MEMBERS = """
SELECT ?item ?label ?class ?labelProperty WHERE {
  ?item a ?class .
  OPTIONAL { ?item ?labelProperty ?label }
}"""


def _pick(labels: list[Literal]) -> str | None:
    for wanted in ("en", None, ""):
        for label in labels:
            if (label.language or None) == (wanted or None):
                return label.value
    return labels[0].value if labels else None


def members(store: Store, class_iri: str, label_property: str,
            items: list[str] | None = None) -> list[tuple[str, str]]:
    """Resources of a class with their label, sorted by label; only ``items`` if given
    (an incremental build's changed resources)."""
    labels: dict[str, list] = {}
    bound = {"class": IRI(class_iri), "labelProperty": IRI(label_property)}
    solutions = (store.select(MEMBERS, bound) if items is None else
                 [row for item in items
                  for row in store.select(MEMBERS, bound | {"item": IRI(item)})])
    for row in solutions:
        item = row["item"]
        if isinstance(item, IRI):
            found = labels.setdefault(item.value, [])
            if isinstance(row["label"], Literal):
                found.append(row["label"])
    return sorted(((iri, _pick(found) or iri.rsplit("/", 1)[-1])
                   for iri, found in labels.items()), key=_order)


def _order(pair: tuple[str, str]) -> tuple[str, str]:
    return fold(pair[1]), pair[0]


def write_indexes(store: Store, ns: Namespaces, path: Path, previous: Path | None = None,
                  touched: set[str] | None = None) -> dict:
    """Compute and write the indexes; return them. With ``previous`` (the indexes of the
    build this one changes), only the ``touched`` resources (IRIs) are looked up again."""
    lists: dict[str, list] = {}
    old = json.loads(previous.read_text(encoding="utf-8"))["lists"] if previous else None
    changed = sorted(touched or ())
    for kind, (_, class_template, label_props) in KINDS.items():
        class_iri = class_template.format(dskg=str(ns.dskg))
        label = (label_props or (PREF_LABEL,))[0]
        if old is None:
            lists[kind] = members(store, class_iri, label)
            continue
        kept = [tuple(pair) for pair in old.get(kind, []) if pair[0] not in (touched or ())]
        lists[kind] = sorted(kept + members(store, class_iri, label, changed), key=_order)
    if "funder" in lists:
        funders = {iri for iri, _ in lists["funder"]}
        lists["organisation"] = [p for p in lists["organisation"] if p[0] not in funders]
    indexes = {"counts": {kind: len(items) for kind, items in lists.items()},
               "triples": store.count(), "lists": lists}
    path.write_text(json.dumps(indexes, ensure_ascii=False), encoding="utf-8")
    return indexes
