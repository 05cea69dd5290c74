"""The ontology and concept schemes, loaded under the vocabulary base, and label look-up.

The source site spells one facet value several ways (``AI & ML`` in its tag line,
``Artificial Intelligence`` in its sections). Every spelling is a SKOS label of one
concept, so mapping a value is a label look-up within the right scheme.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, VANN, XSD

from dskg.fields import CONCEPT_FIELDS
from dskg.namespaces import SCHEMES, Namespaces
from dskg.text import fold

LABEL_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation)


@dataclass
class Vocabularies:
    """The ontology graph and one graph per concept scheme, with a label index."""

    ns: Namespaces
    ontology: Graph
    schemes: dict[str, Graph]

    def __post_init__(self) -> None:
        self._index: dict[str, dict[str, URIRef]] = {}
        for name, graph in self.schemes.items():
            index: dict[str, URIRef] = {}
            for prop in LABEL_PROPERTIES:
                for concept, label in graph.subject_objects(prop):
                    if isinstance(label, Literal) and isinstance(concept, URIRef):
                        index.setdefault(fold(str(label)), concept)
            self._index[name] = index

    def lookup(self, scheme: str, label: str) -> URIRef | None:
        """The concept of ``scheme`` that ``label`` names, if any."""
        return self._index[scheme].get(fold(label))

    def lookup_any(self, label: str) -> tuple[str, URIRef] | None:
        """The facet field and concept a tag-line category names, if any."""
        for field_name, scheme in CONCEPT_FIELDS.items():
            concept = self.lookup(scheme, label)
            if concept is not None:
                return field_name, concept
        return None

    def country_code(self, concept: URIRef, length: int = 2) -> str:
        """The ISO 3166-1 alpha-2 (``length=2``) or alpha-3 code of a country."""
        graph = self.schemes["country"]
        kind = f"ISO3166-1-alpha-{length}"
        for notation in graph.objects(concept, SKOS.notation):
            if str(getattr(notation, "datatype", "")).endswith(kind):
                return str(notation)
        raise KeyError(f"{concept} has no alpha-{length} code")

    @cached_property
    def _country_names(self) -> tuple[re.Pattern[str], dict[str, str]]:
        """A pattern matching any English name of a country, and name → preferred name."""
        graph = self.schemes["country"]
        english = {concept: str(label) for concept, label
                   in graph.subject_objects(SKOS.prefLabel)
                   if isinstance(label, Literal) and label.language == "en"}
        names = {}
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            for concept, label in graph.subject_objects(prop):
                if isinstance(label, Literal) and label.language == "en" and concept in english:
                    names[str(label)] = english[concept]
        pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"\b(?:{pattern})\b"), names

    def countries_named_in(self, text: str) -> list[str]:
        """English names of the countries ``text`` mentions by name, in text order."""
        pattern, names = self._country_names
        found = [names[match.group(0)] for match in pattern.finditer(text)]
        return list(dict.fromkeys(found))

    def scheme_graph_name(self, name: str) -> URIRef:
        return self.ns.country_scheme if name == "country" else self.ns.scheme(name)


def load_vocabularies(ontology_dir: Path, ns: Namespaces) -> Vocabularies:
    """Parse ``ontology/`` with its relative IRIs resolved against the vocabulary base."""
    ontology = Graph().parse(ontology_dir / "dskg.ttl", publicID=ns.vocab)
    # A literal cannot be relative: the namespace is written here, in full.
    ontology.add((URIRef(ns.vocab + "def/dskg"), VANN.preferredNamespaceUri,
                  Literal(ns.vocab + "def/dskg/", datatype=XSD.anyURI)))
    schemes = {}
    for name in SCHEMES:
        schemes[name] = Graph().parse(ontology_dir / "schemes" / f"{name}.ttl", publicID=ns.vocab)
    return Vocabularies(ns=ns, ontology=ontology, schemes=schemes)
