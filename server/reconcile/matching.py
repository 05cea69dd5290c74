"""Finding and scoring candidates for a reconciliation query, explainably.

Candidates come from the build's entity index (every name and alias, all languages,
folded). Each is scored on features the answer lists:

``name``
    how alike the query and the closest of the candidate's names are (1: the same words
    once case, accents, spacing and punctuation are set aside; else RapidFuzz's ratio,
    the normalised Indel similarity, over the words as written and as sorted);
``type``
    1 when the candidate has one of the types asked for (queries without a type: not
    scored);
``country``, ``funder``, ``start``
    for each property the query gives that the service knows: 1 when the candidate has
    the value (a country by IRI, code or name in any language; a funder by IRI or name;
    a start date by its year), else 0.

The score is 100 × the name feature when no property is given, else 100 × (¾ name + ¼
the properties' mean). A candidate is a ``match`` only when it is unambiguous: its name
is the query's, no other candidate's is, and every property given agrees.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from dskg.artefact.browse import WORD, fold_text
from dskg.artefact.entities import Entity, EntityIndex
from server.reconcile.protocol import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PROPERTIES,
    type_ids,
    type_object,
)

#: Candidates read from the index for each query, before scoring.
POOL = 50
NAME_WEIGHT = 0.75


@dataclass
class Query:
    text: str
    types: tuple[str, ...]
    limit: int
    #: (property id, its values) of each property the service scores.
    properties: list[tuple[str, list[Any]]] = field(default_factory=list)

    @classmethod
    def of(cls, document: dict) -> Query:
        limit = int(document.get("limit") or DEFAULT_LIMIT)
        properties = []
        for given in document.get("properties") or []:
            values = given["v"] if isinstance(given["v"], list) else [given["v"]]
            prop = PROPERTIES.get(given["pid"])
            if prop is not None and prop.scored:
                properties.append((given["pid"], values))
        return cls(str(document.get("query") or "").strip(), type_ids(document.get("type")),
                   max(1, min(limit, MAX_LIMIT)), properties)


def _key(text: str) -> str:
    """A name as compared: folded, its words only (dashes, quotes and commas aside)."""
    return " ".join(WORD.findall(fold_text(text)))


def similarity(query: str, name: str) -> float:
    """How alike two names are, from 0 to 1 (1: the same, folded)."""
    a, b = _key(query), _key(name)
    if a == b:
        return 1.0
    best = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) / 100
    return round(min(0.99, best), 4)


class Matcher:
    """Scores queries against one build's entity index (countries and funders looked
    up once per batch)."""

    def __init__(self, index: EntityIndex, languages: list[str]):
        self.index = index
        self.languages = languages
        countries = index.of_type("country")
        self.countries = {c.iri: c for c in countries}
        self.country_by_name = {_key(name): c.iri for c in countries for name in c.names}
        self._funders: dict[str, Entity] = {}

    def country_name(self, iri: str) -> str:
        country = self.countries.get(iri)
        return country.label(self.languages) if country is not None else iri

    def reconcile(self, query: Query) -> list[dict]:
        if not query.text:
            return []
        pool = self.index.candidates(query.text, query.types, POOL)
        self._load_funders(pool)
        scored = []
        for entity in pool:
            features = {"name": max((similarity(query.text, n) for n in entity.names),
                                    default=0.0)}
            if query.types:
                features["type"] = 1.0 if set(entity.types) & set(query.types) else 0.0
            for pid, values in query.properties:
                features[pid] = 1.0 if self._has(entity, pid, values) else 0.0
            props = [features[pid] for pid, _ in query.properties]
            score = features["name"] if not props else (
                NAME_WEIGHT * features["name"] + (1 - NAME_WEIGHT) * sum(props) / len(props))
            scored.append((round(100 * score, 2), entity, features))
        scored.sort(key=lambda item: (-item[0], item[1].iri))
        exact = [item for item in scored if item[2]["name"] == 1.0]
        results = []
        for position, (score, entity, features) in enumerate(scored[:query.limit]):
            unambiguous = (position == 0 and len(exact) == 1 and exact[0][1] is entity
                           and all(features[pid] == 1.0 for pid, _ in query.properties))
            results.append({
                "id": entity.iri, "name": entity.label(self.languages),
                "description": self.describe(entity), "score": score, "match": unambiguous,
                "type": [type_object(t) for t in entity.types],
                "features": [{"id": k, "value": v} for k, v in features.items()]})
        return results

    def describe(self, entity: Entity) -> str:
        """A line to tell namesakes apart: countries, start year, what it is."""
        parts = [self.country_name(c) for c in entity.countries]
        if entity.start:
            parts.append(entity.start[:4])
        return " · ".join(parts)

    def _load_funders(self, pool: Iterable[Entity]) -> None:
        wanted = {f for e in pool for f in e.funders if f not in self._funders}
        self._funders.update(self.index.get(sorted(wanted)))

    def _has(self, entity: Entity, pid: str, values: list[Any]) -> bool:
        for value in values:
            iri = value.get("id") if isinstance(value, dict) else None
            text = str(value.get("name", "") if isinstance(value, dict) else value)
            if pid == "country":
                wanted = iri or self.country_by_name.get(_key(text))
                if wanted in entity.countries:
                    return True
            elif pid == "funder":
                if iri in entity.funders:
                    return True
                names = (n for f in entity.funders if f in self._funders
                         for n in self._funders[f].names)
                if text and any(similarity(text, n) >= 0.9 for n in names):
                    return True
            elif pid == "start":
                year = re.search(r"\d{4}", text)
                if year and entity.start and entity.start[:4] == year.group(0):
                    return True
        return False
