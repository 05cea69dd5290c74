"""IRIs of everything dskg mints, following the EU persistent-URI pattern.

``id/`` names things, ``doc/`` documents about them, ``def/`` the ontology and
vocabularies, ``set/`` datasets. Two bases: the deployment's (``DSKG_BASE``) for what a
deployment publishes — practices, organisations, documents, datasets — and one
persistent vocabulary base (``DSKG_VOCAB_BASE``, by default ``https://w3id.org/dskg/``)
for the ontology, its SHACL shapes and the concept schemes, countries included, so
that every deployment speaks the same vocabulary and graphs merge. Paths are the same
under both: :meth:`Namespaces.iri` and :meth:`Namespaces.path` choose the base by the
path, so a deployment serves ``/def/dskg`` as documentation of
``https://w3id.org/dskg/def/dskg``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

from dskg.config import VOCAB_BASE, Config
from dskg.fields import CONCEPT_FIELDS

SCHEMA = SDO
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")


#: Our concept schemes (``ontology/schemes/{name}.ttl``, ``def/{name}``): those of the
#: concept fields, and DigComp, whose competences are link targets (``data/links/``).
SCHEMES = (*dict.fromkeys(CONCEPT_FIELDS.values()), "digcomp")
#: Paths under the vocabulary base: the ontology, its shapes, each concept scheme, the
#: countries.
VOCAB_PATHS = ("def/dskg", "def/shapes", *(f"def/{scheme}" for scheme in SCHEMES),
               "id/country")


def _in_vocabulary(path: str) -> bool:
    return any(path == root or path.startswith((root + "/", root + "#"))
               for root in VOCAB_PATHS)


@dataclass(frozen=True)
class Namespaces:
    """The namespaces of one deployment (``base``) and of the vocabulary (``vocab``)."""

    base: str
    vocab: str = VOCAB_BASE

    @classmethod
    def of(cls, config: Config) -> Namespaces:
        """The namespaces of the deployment ``config`` describes."""
        return cls(config.base, config.vocab_base)

    def iri(self, path: str) -> URIRef:
        """The IRI of a path, under the vocabulary base or the deployment's."""
        return URIRef((self.vocab if _in_vocabulary(path) else self.base) + path)

    def path(self, iri: str) -> str | None:
        """The path of an IRI this deployment serves (either base), else ``None``."""
        for base, vocabulary in ((self.vocab, True), (self.base, False)):
            if iri.startswith(base) and _in_vocabulary(iri[len(base):]) == vocabulary:
                return iri[len(base):]
        return None

    @property
    def dskg(self) -> Namespace:
        return Namespace(self.vocab + "def/dskg/")

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
    def links_graph(self) -> URIRef:
        """Named graph of the accepted link decisions (``data/links/``)."""
        return self.iri("set/links")

    @property
    def build_graph(self) -> URIRef:
        """Named graph describing the build that produced the store."""
        return self.iri("set/build")

    def expand(self, name: str) -> URIRef:
        """The IRI a prefixed name (``dskg:country``) stands for."""
        return _expand(self, name)

    def prefixes(self) -> dict[str, str]:
        """Prefixes for serialisations and queries."""
        return {
            "dskg": str(self.dskg),
            "practice": self.base + "id/practice/",
            "organisation": self.base + "id/organisation/",
            "funder": self.base + "id/funder/",
            "country": self.vocab + "id/country/",
            "audience": self.vocab + "def/audience/",
            "technology": self.vocab + "def/technology/",
            "initiative": self.vocab + "def/initiative-type/",
            "funding": self.vocab + "def/funding-type/",
            "digcomp": self.vocab + "def/digcomp/",
            "euprogramme": "http://publications.europa.eu/resource/authority/eu-programme/",
            "nuts": "http://data.europa.eu/nuts/code/",
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


@lru_cache(maxsize=1024)
def _expand(ns: Namespaces, name: str) -> URIRef:
    """Mapping asks for the same few properties once per value of every practice."""
    prefix, _, local = name.partition(":")
    return URIRef(ns.prefixes()[prefix] + local)
