"""The DCAT-AP 3.0 catalogue of a build, for EU portals (data.europa.eu) to harvest.

It describes the knowledge graph as a ``dcat:Dataset`` with one distribution per
dump (size and checksum measured on the written files), the SPARQL endpoint as a
``dcat:DataService``, and draws licence, access rights, file types, themes and
frequency from the EU authority tables. It is written beside the store rather than
into it: a catalogue holding the checksums of dumps cannot itself be in them.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from dskg.artefact.dumps import DUMPS
from dskg.build.dumps import Written
from dskg.config import Config
from dskg.fields import FIELDS
from dskg.namespaces import Namespaces
from dskg.rdf import IRI, to_rdflib
from dskg.store import Store, parse_triples, text_of

if TYPE_CHECKING:
    from dskg.validation import Finding

EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
#: DCAT-AP 3.0.1 names checksum algorithms in the https form of the SPDX namespace.
SHA256 = URIRef("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
#: Dump file → (EU file type, compression media type or None).
FILE_TYPES = {
    "dskg.ttl": ("RDF_TURTLE", None),
    "dskg.nt.gz": ("RDF_N_TRIPLES", "application/gzip"),
    "dskg.nq.gz": ("RDF_N_QUADS", "application/gzip"),
    "dskg.jsonld": ("JSON_LD", None),
}
EXACT_MATCHES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?eu WHERE { ?c skos:exactMatch ?eu }"""


def _date_bounds(dates: list[str]) -> tuple[str, str] | None:
    """Earliest and latest start/end date of any practice, widened to whole days."""
    if not dates:
        return None
    start, end = min(dates), max(dates)
    start += "-01-01"[len(start) - 4:] if len(start) < 10 else ""
    end = end + ("-12-31" if len(end) == 4 else "-28" if len(end) == 7 else "")
    return start[:10], end[:10]


#: Titles of the concept schemes: their fields' facet titles (the country scheme is a list).
SCHEME_TITLES = {f.scheme: f.facet.title for f in FIELDS.values() if f.scheme and f.facet} | {
    "country": "Countries"}
#: DCAT-AP checks the class of every linked node, so the catalogue states them.
RANGE_TYPES = {
    DCTERMS.license: DCTERMS.LicenseDocument, DCTERMS.language: DCTERMS.LinguisticSystem,
    DCTERMS.spatial: DCTERMS.Location, DCTERMS.accrualPeriodicity: DCTERMS.Frequency,
    DCAT.compressFormat: DCTERMS.MediaType, DCAT.mediaType: DCTERMS.MediaType,
    DCTERMS.format: DCTERMS.MediaTypeOrExtent, DCTERMS.accessRights: DCTERMS.RightsStatement,
    DCAT.theme: SKOS.Concept, DCAT.themeTaxonomy: SKOS.ConceptScheme,
    SPDX.algorithm: SPDX.ChecksumAlgorithm,
    DCTERMS.conformsTo: DCTERMS.Standard, FOAF.homepage: FOAF.Document,
    FOAF.page: FOAF.Document, DCTERMS.type: SKOS.Concept,
}


REFERENCE_TABLES = Path(__file__).resolve().parent.parent / "ontology" / "reference" / \
    "eu-authority-tables"
DCAT_AP_SHAPES = Path(__file__).resolve().parent.parent / "shapes" / "dcat-ap-3.0.1"
COUNTRY_LABELS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?eu ?label WHERE {
  ?c skos:exactMatch ?eu ; skos:prefLabel ?label FILTER(lang(?label) = "en")
}"""


#: What the catalogue reads of the authority tables: schemes, titles and labels.
TABLE_PREDICATES = {str(p) for p in (SKOS.inScheme, SKOS.prefLabel, DCTERMS.title, RDFS.label)}


@lru_cache(maxsize=1)
def authority_tables() -> Graph:
    """The schemes and labels of the EU authority tables copied into ontology/reference
    (see its README)."""
    tables = Graph()
    for path in sorted(REFERENCE_TABLES.iterdir()):
        if path.suffix in (".rdf", ".ttl"):
            for triple in parse_triples(path.read_bytes(),
                                        "rdfxml" if path.suffix == ".rdf" else "turtle"):
                if triple.predicate.value in TABLE_PREDICATES:
                    tables.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                                to_rdflib(triple.object)))
    return tables


def _english(graph: Graph, node: Node, *props: URIRef) -> Literal | None:
    for prop in props:
        for value in graph.objects(node, prop):
            if isinstance(value, Literal) and value.language in ("en", None):
                return Literal(str(value), lang="en")
    return None


def _describe_authority_values(g: Graph, store: Store) -> None:
    """State scheme membership and English labels of every authority value used.

    DCAT-AP's vocabulary shapes check ``skos:inScheme`` on each value, and portals show
    labels; both come from the copied tables (countries: from our country scheme).
    """
    tables = authority_tables()
    used = {o for o in g.objects() if isinstance(o, URIRef)
            and str(o).startswith((EU, "http://purl.org/adms/"))
            and not str(o).endswith(tuple(f"/{n}" for n in ("data-theme", "language")))}
    schemes: set[Node] = set()
    for value in used:
        if str(value).startswith(EU + "country/"):
            g.add((value, SKOS.inScheme, URIRef(EU + "country")))
            rows = store.select(COUNTRY_LABELS, {"eu": IRI(str(value))})
            if rows:
                g.add((value, SKOS.prefLabel, Literal(text_of(rows[0], "label"), lang="en")))
            schemes.add(URIRef(EU + "country"))
            continue
        for scheme in tables.objects(value, SKOS.inScheme):
            g.add((value, SKOS.inScheme, scheme))
            schemes.add(scheme)
        label = _english(tables, value, SKOS.prefLabel)
        if label is not None:
            g.add((value, SKOS.prefLabel, label))
    if URIRef(EU + "language/ENG") in used:
        g.add((URIRef(EU + "language/ENG"), SKOS.inScheme, URIRef(EU + "language")))
        g.add((URIRef(EU + "language/ENG"), SKOS.prefLabel, Literal("English", lang="en")))
        schemes.add(URIRef(EU + "language"))
    schemes.add(URIRef(EU + "data-theme"))
    for scheme in schemes:
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        title = _english(tables, scheme, DCTERMS.title, SKOS.prefLabel, RDFS.label) or \
            Literal(str(scheme).rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize(),
                    lang="en")
        g.add((scheme, DCTERMS.title, title))


def _type_linked_nodes(g: Graph) -> None:
    for prop, rdf_type in RANGE_TYPES.items():
        for value in set(g.objects(None, prop)):
            if isinstance(value, URIRef):
                g.add((value, RDF.type, rdf_type))


def catalog_graph(config: Config, store: Store, dumps: Written, built: datetime,
                  issued: datetime, members: Sequence[dict[str, str]] = ()) -> Graph:
    """The catalogue, dataset, distributions, data service and their agents; the
    catalogues of the nodes this one aggregates (``members``: each one's IRI and
    statements) are listed as its member catalogues (``dcat:catalog``)."""
    ns = Namespaces.of(config)
    g = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("spdx", SPDX),
                              ("vcard", VCARD), ("skos", SKOS), ("owl", OWL)):
        g.bind(prefix, namespace)
    catalog, dataset = ns.iri("set/catalog"), ns.dataset
    service, publisher = ns.iri("id/service/sparql"), URIRef(config.publisher)
    licence, public = URIRef(config.licence), URIRef(EU + "access-right/PUBLIC")
    english = URIRef(EU + "language/ENG")
    modified = Literal(built.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    first = Literal(issued.isoformat(timespec="seconds"), datatype=XSD.dateTime)

    def text(subject: Node, prop: URIRef, value: str) -> None:
        g.add((subject, prop, Literal(value, lang="en")))

    g.add((catalog, RDF.type, DCAT.Catalog))
    for member in members:
        if member.get("iri"):
            g.add((catalog, DCAT.catalog, URIRef(member["iri"])))
            g.parse(data=member["ntriples"], format="nt")
    text(catalog, DCTERMS.title, "Digital Skills Knowledge Graph catalogue")
    text(catalog, DCTERMS.description, "Linked open data about good practices of Europe's "
         "digital-skills community, published by the Digital Skills Knowledge Graph.")
    for prop, value in ((DCTERMS.publisher, publisher), (DCAT.dataset, dataset),
                        (DCAT.service, service), (DCTERMS.license, licence),
                        (DCTERMS.language, english), (FOAF.homepage, URIRef(config.base)),
                        (DCAT.themeTaxonomy, URIRef(EU + "data-theme")),
                        (DCTERMS.issued, first), (DCTERMS.modified, modified)):
        g.add((catalog, prop, value))

    g.add((dataset, RDF.type, DCAT.Dataset))
    text(dataset, DCTERMS.title, "Digital Skills Knowledge Graph")
    text(dataset, DCTERMS.description, "Good practices of national digital-skills coalitions "
         "(training programmes, school curricula, partnerships, campaigns) with their target "
         "audiences, digital technologies, funding, providing organisations, funders and "
         "countries, validated against SHACL shapes.")
    for keyword in ("digital skills", "good practice", "education", "training", "linked data"):
        text(dataset, DCAT.keyword, keyword)
    for prop, value in ((DCTERMS.publisher, publisher), (DCTERMS.license, licence),
                        (DCTERMS.accessRights, public), (DCTERMS.language, english),
                        (DCAT.theme, URIRef(EU + "data-theme/EDUC")),
                        (DCAT.theme, URIRef(EU + "data-theme/TECH")),
                        (DCTERMS.accrualPeriodicity, URIRef(EU + "frequency/IRREG")),
                        (DCTERMS.conformsTo, ns.ontology), (DCTERMS.issued, first),
                        (DCTERMS.modified, modified), (FOAF.page, URIRef(config.base)),
                        (RDFS.seeAlso, ns.iri(".well-known/void")),
                        (DCTERMS.identifier, Literal(str(dataset)))):
        g.add((dataset, prop, value))
    for country in sorted(dumps.total.countries):
        for row in store.select(EXACT_MATCHES, {"c": IRI(country)}):
            if text_of(row, "eu").startswith(EU + "country/"):
                g.add((dataset, DCTERMS.spatial, URIRef(text_of(row, "eu"))))
    bounds = _date_bounds(dumps.total.dates)
    if bounds:
        period = BNode()
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(bounds[0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(bounds[1], datatype=XSD.date)))
    contact = BNode()
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(config.publisher_name)))
    g.add((contact, VCARD.hasEmail, URIRef("mailto:" + config.contact_email)))

    for name, (label, media) in DUMPS.items():
        distribution = ns.iri(f"set/practices/distribution/{name.replace('.', '-')}")
        download = ns.iri(f"set/dumps/{name}")
        file_type, compression = FILE_TYPES[name]
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        text(distribution, DCTERMS.title, f"Whole graph as {label}")
        for prop, value in ((DCAT.accessURL, download), (DCAT.downloadURL, download),
                            (DCAT.mediaType, URIRef(IANA + media)),
                            (DCTERMS.format, URIRef(EU + "file-type/" + file_type)),
                            (DCTERMS.license, licence), (DCTERMS.issued, first),
                            (DCTERMS.modified, modified),
                            (DCAT.byteSize, Literal(dumps.sizes[name],
                                                    datatype=XSD.nonNegativeInteger))):
            g.add((distribution, prop, value))
        if compression:
            g.add((distribution, DCAT.compressFormat, URIRef(IANA + compression)))
        checksum = BNode()
        g.add((distribution, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SHA256))
        g.add((checksum, SPDX.checksumValue, Literal(dumps.checksums[name],
                                                     datatype=XSD.hexBinary)))

    g.add((service, RDF.type, DCAT.DataService))
    text(service, DCTERMS.title, "SPARQL 1.1 endpoint of the Digital Skills Knowledge Graph")
    endpoint = URIRef(config.base + "sparql")
    for prop, value in ((DCAT.endpointURL, endpoint), (DCAT.endpointDescription, endpoint),
                        (DCAT.servesDataset, dataset), (DCTERMS.license, licence),
                        (DCTERMS.accessRights, public), (DCTERMS.publisher, publisher),
                        (DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/"))):
        g.add((service, prop, value))

    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(config.publisher_name)))
    g.add((publisher, DCTERMS.type, URIRef("http://purl.org/adms/publishertype/"
                                           + config.publisher_type)))

    _type_linked_nodes(g)
    _describe_authority_values(g, store)
    g.add((ns.ontology, RDF.type, DCTERMS.Standard))
    text(ns.ontology, DCTERMS.title, "Digital Skills Knowledge Graph ontology")
    for name, title in SCHEME_TITLES.items():
        scheme = ns.scheme(name)
        g.add((dataset, DCTERMS.relation, scheme))
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        text(scheme, DCTERMS.title, title)
    g.add((dataset, DCTERMS.relation, ns.ontology))
    return g


def validate_catalog(catalog: Graph, shapes_dir: Path = DCAT_AP_SHAPES) -> list[Finding]:
    """The official DCAT-AP 3.0.1 shapes (core, ranges, vocabularies) on a catalogue.

    The catalogue carries the classes, schemes and labels of the authority-table
    values it uses, so it validates on its own, as a harvester receives it.
    """
    from dskg.validation import validate_graph

    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl"):
        shapes.parse(shapes_dir / name, format="turtle")
    return validate_graph(Graph() + catalog, shapes)
