"""IRIs of everything dskg mints, following the EU persistent-URI pattern.

``id/`` names things, ``doc/`` documents about them, ``def/`` the ontology and
vocabularies, ``set/`` datasets. All of them hang off one configurable base, so
this module turns a base into the concrete namespaces.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

SCHEMA = SDO
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Namespaces:
    """The namespaces under one base IRI."""

    base: str

    def iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    @property
    def dskg(self) -> Namespace:
        return Namespace(self.base + "def/dskg/")

    @property
    def ontology(self) -> URIRef:
        return self.iri("def/dskg")

    def scheme(self, name: str) -> URIRef:
        return self.iri(f"def/{name}")

    @property
    def country_scheme(self) -> URIRef:
        return self.iri("def/country")

    def practice(self, slug: str) -> URIRef:
        return self.iri(f"id/practice/{slug}")

    def organisation(self, slug: str) -> URIRef:
        return self.iri(f"id/organisation/{slug}")

    def funder(self, slug: str) -> URIRef:
        return self.iri(f"id/funder/{slug}")

    def place(self, slug: str) -> URIRef:
        return self.iri(f"id/place/{slug}")

    def source(self, slug: str) -> URIRef:
        return self.iri(f"id/source/{slug}")

    def country(self, alpha3: str) -> URIRef:
        return self.iri(f"id/country/{alpha3.upper()}")

    @property
    def dataset(self) -> URIRef:
        """The published knowledge graph, and the named graph of page-derived data."""
        return self.iri("set/practices")

    @property
    def curation_graph(self) -> URIRef:
        """Named graph of statements that come from hand-written curation files."""
        return self.iri("set/curation")

    @property
    def build_graph(self) -> URIRef:
        """Named graph describing the build that produced the store."""
        return self.iri("set/build")

    def expand(self, name: str) -> URIRef:
        """The IRI a prefixed name (``dskg:country``) stands for."""
        prefix, _, local = name.partition(":")
        return URIRef(self.prefixes()[prefix] + local)

    def prefixes(self) -> dict[str, str]:
        """Prefixes for serialisations and queries."""
        return {
            "dskg": str(self.dskg),
            "practice": self.base + "id/practice/",
            "organisation": self.base + "id/organisation/",
            "funder": self.base + "id/funder/",
            "country": self.base + "id/country/",
            "audience": self.base + "def/audience/",
            "technology": self.base + "def/technology/",
            "initiative": self.base + "def/initiative-type/",
            "funding": self.base + "def/funding-type/",
            "dct": str(DCTERMS),
            "skos": str(SKOS),
            "schema": str(SCHEMA),
            "org": str(ORG),
            "prov": str(PROV),
            "foaf": str(FOAF),
            "dcat": str(DCAT),
            "owl": str(OWL),
            "rdf": str(RDF),
            "rdfs": str(RDFS),
            "xsd": str(XSD),
        }
