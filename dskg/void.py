"""The VoID description of a build: what the store holds, counted from the store.

Every number comes from a SPARQL query over the built store (the union of its
graphs, as the endpoint sees it), so the description can be checked against the
endpoint by anyone. It is computed once per build, where aggregates are affordable.
"""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from dskg.artefact.dumps import DUMPS
from dskg.config import Config
from dskg.namespaces import Namespaces
from dskg.store import Store, text_of

VOID = Namespace("http://rdfs.org/ns/void#")
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country"
WIKIDATA = "http://www.wikidata.org/entity/"
EXACT_MATCH = "http://www.w3.org/2004/02/skos/core#exactMatch"

COUNTS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER isIRI(?s) }",
    "distinctSubjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    "distinctObjects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
}
CLASS_PARTITIONS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
PROPERTY_PARTITIONS = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
LINKS = ("SELECT (COUNT(*) AS ?n) WHERE {{ ?s <" + EXACT_MATCH + "> ?o "
         'FILTER STRSTARTS(STR(?o), "{target}") }}')
VOCABULARIES = ("http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#",
                "https://schema.org/", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#",
                "http://xmlns.com/foaf/0.1/", "http://www.w3.org/ns/dcat#",
                "http://www.w3.org/2002/07/owl#")


def count(store: Store, query: str) -> int:
    [row] = list(store.select(query))
    return int(text_of(row, "n"))


def _integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def void_graph(config: Config, store: Store, example_resources: list[str]) -> Graph:
    ns = Namespaces.of(config)
    g = Graph()
    g.bind("void", VOID)
    dataset = ns.dataset
    document = ns.iri(".well-known/void")
    g.add((document, RDF.type, VOID.DatasetDescription))
    g.add((document, URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, URIRef("http://purl.org/dc/terms/title"),
           Literal("Digital Skills Knowledge Graph", lang="en")))
    for name, query in COUNTS.items():
        g.add((dataset, VOID[name], _integer(count(store, query))))
    for row in store.select(CLASS_PARTITIONS):
        partition = BNode()
        g.add((dataset, VOID.classPartition, partition))
        g.add((partition, VOID["class"], URIRef(text_of(row, "c"))))
        g.add((partition, VOID.entities, _integer(int(text_of(row, "n")))))
    for row in store.select(PROPERTY_PARTITIONS):
        partition = BNode()
        g.add((dataset, VOID.propertyPartition, partition))
        g.add((partition, VOID.property, URIRef(text_of(row, "p"))))
        g.add((partition, VOID.triples, _integer(int(text_of(row, "n")))))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(config.base + "sparql")))
    for name in DUMPS:
        g.add((dataset, VOID.dataDump, ns.iri(f"set/dumps/{name}")))
    g.add((dataset, VOID.uriSpace, Literal(config.base + "id/")))
    g.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((dataset, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    for resource in example_resources:
        g.add((dataset, VOID.exampleResource, URIRef(resource)))
    g.add((dataset, VOID.vocabulary, URIRef(str(ns.dskg))))
    for vocabulary in VOCABULARIES:
        g.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for slug, target, title in (("eu-countries", EU_COUNTRY + "/", "EU country authority table"),
                                ("wikidata", WIKIDATA, "Wikidata")):
        linkset = ns.iri(f"set/practices/linkset/{slug}")
        g.add((dataset, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, URIRef("http://purl.org/dc/terms/title"),
               Literal(f"Links to the {title}", lang="en")))
        g.add((linkset, VOID.subjectsTarget, dataset))
        g.add((linkset, VOID.objectsTarget, URIRef(target.rstrip("/") if slug != "wikidata"
                                                   else "http://www.wikidata.org/")))
        g.add((linkset, VOID.linkPredicate, URIRef(EXACT_MATCH)))
        g.add((linkset, VOID.triples, _integer(count(store, LINKS.format(target=target)))))
    return g
