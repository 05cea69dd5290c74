"""Reference tables of outside publishers, shipped in ``ontology/reference/``.

Each table is published in the store as SKOS, in a named graph whose name is the
table's own IRI (as the publishers' SPARQL endpoints do), so a query can join our
links to the table's labels. The tables are read at build time; ``dskg reference
refresh`` replaces a shipped file with the publisher's current one (:mod:`.refresh`).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

from dskg.namespaces import Namespaces
from dskg.reference import genericode, nuts


@dataclass(frozen=True)
class Table:
    """One reference table: where it is shipped, what its IRIs are, who publishes it."""

    #: Its name on the command line (``dskg reference refresh nuts``).
    name: str
    #: The shipped file, in ``ontology/reference/``.
    file: str
    #: The table's IRI: its concept scheme and the named graph it is published in.
    scheme: str
    #: A code's IRI is this followed by the code.
    concept_base: str
    title: str
    #: Where ``dskg reference refresh`` downloads the publisher's current table.
    url: str
    publisher: str
    licence: str

    def code_of(self, iri: str) -> str | None:
        """The code an IRI of this table names, if it is one of its IRIs."""
        return iri[len(self.concept_base):] if iri.startswith(self.concept_base) else None


EFORMS = "https://raw.githubusercontent.com/OP-TED/eForms-SDK/develop/codelists/"
EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
TABLES: dict[str, Table] = {t.name: t for t in (
    Table("eu-programme", "eu-programme.gc",
          "http://publications.europa.eu/resource/authority/eu-programme",
          "http://publications.europa.eu/resource/authority/eu-programme/",
          "EU programmes", EFORMS + "eu-programme.gc",
          "Publications Office of the European Union", EU_LICENCE),
    Table("nuts", "nuts-2024.csv", "http://data.europa.eu/nuts/scheme/2024",
          "http://data.europa.eu/nuts/code/", "NUTS 2024 regions", EFORMS + "nuts.gc",
          "Eurostat and the Publications Office of the European Union", EU_LICENCE),
)}


def codes(table: Table, reference_dir: Path) -> set[str]:
    """Every code of the shipped table."""
    path = reference_dir / table.file
    if table.name == "nuts":
        return set(nuts.read_csv(path))
    return set(genericode.parse(path.read_bytes(), str(path)).codes)


def scheme_graph(table: Table, reference_dir: Path, ns: Namespaces) -> Graph:
    """The shipped table as a SKOS concept scheme (NUTS regions with their level, their
    broader region and, where one exists, their ISO 3166-2 code as a notation typed
    like the country scheme's ISO 3166-1 codes)."""
    path = reference_dir / table.file
    g = Graph()
    scheme = URIRef(table.scheme)
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, Literal(table.title, lang="en")))
    g.add((scheme, DCTERMS.publisher, Literal(table.publisher)))
    g.add((scheme, DCTERMS.license, URIRef(table.licence)))
    if table.name == "nuts":
        for region in nuts.read_csv(path).values():
            concept = _concept(g, table, region.code)
            if region.name_en:
                g.add((concept, SKOS.prefLabel, Literal(region.name_en, lang="en")))
            else:  # a level-1 or level-2 region no list names yet: named by its code
                g.add((concept, SKOS.prefLabel, Literal(region.code)))
            if region.language and region.language != "en":
                g.add((concept, SKOS.prefLabel, Literal(region.name, lang=region.language)))
            if region.name_latin not in (region.name, region.name_en):
                g.add((concept, SKOS.altLabel, Literal(region.name_latin)))
            g.add((concept, ns.dskg.nutsLevel, Literal(region.level, datatype=XSD.integer)))
            if region.parent and len(region.parent) > 2:
                g.add((concept, SKOS.broader, URIRef(table.concept_base + region.parent)))
            if region.iso_3166_2:
                g.add((concept, SKOS.notation,
                       Literal(region.iso_3166_2, datatype=ns.iri("def/country/ISO3166-2"))))
    else:
        code_list = genericode.parse(path.read_bytes(), str(path))
        g.add((scheme, OWL.versionInfo, Literal(code_list.version)))
        for code in code_list.codes.values():
            concept = _concept(g, table, code.code)
            for lang, label in code.labels.items():
                g.add((concept, SKOS.prefLabel, Literal(label, lang=lang)))
    return g


def _concept(g: Graph, table: Table, code: str) -> URIRef:
    concept = URIRef(table.concept_base + code)
    g.add((concept, RDF.type, SKOS.Concept))
    g.add((concept, SKOS.inScheme, URIRef(table.scheme)))
    g.add((concept, SKOS.notation, Literal(code)))
    return concept


def national_languages(reference_dir: Path) -> dict[str, str]:
    """Country (alpha-2) → its first national language, from ``countries.csv``."""
    with (reference_dir / "countries.csv").open(encoding="utf-8", newline="") as f:
        return {row["alpha2"]: row["native_languages"].split()[0] for row in csv.DictReader(f)}


def extra_names(reference_dir: Path) -> dict[str, str]:
    """Latin-script names of regions the NUTS code lists have no row for."""
    with (reference_dir / "nuts-names.csv").open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["name_latin"] for row in csv.DictReader(f)}
