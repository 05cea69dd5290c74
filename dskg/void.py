"""The VoID description of a build: what the store holds, counted from the store.

Every number counts the union of the store's graphs (distinct triples, as the
endpoint sees them), so anyone can check it against the endpoint; the counts are
gathered while the dumps are written (:mod:`dskg.artefact.statistics`), not by
aggregate queries, which take seconds each on a large graph.
"""
from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from dskg.artefact.dumps import DUMPS
from dskg.build.statistics import Total, linksets
from dskg.config import Config
from dskg.namespaces import Namespaces

VOID = Namespace("http://rdfs.org/ns/void#")
WIKIDATA = "http://www.wikidata.org/entity/"
#: Linksets described even when empty (those of every build since the first).
ALWAYS = ("eu-countries", "wikidata")

VOCABULARIES = ("http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#",
                "https://schema.org/", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#",
                "http://xmlns.com/foaf/0.1/", "http://www.w3.org/ns/dcat#",
                "http://www.w3.org/2002/07/owl#")


def _integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def void_graph(config: Config, total: Total, example_resources: list[str]) -> Graph:
    """The VoID description, from the counts the dumps gathered (:mod:`dskg.artefact.
    statistics`)."""
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
    for name, value in (("triples", total.triples), ("entities", total.iri_subjects),
                        ("distinctSubjects", total.subjects), ("distinctObjects", total.objects),
                        ("properties", len(total.properties)), ("classes", len(total.classes))):
        g.add((dataset, VOID[name], _integer(value)))
    for cls, entities in sorted(total.classes.items()):
        partition = BNode()
        g.add((dataset, VOID.classPartition, partition))
        g.add((partition, VOID["class"], URIRef(cls)))
        g.add((partition, VOID.entities, _integer(entities)))
    for prop, triples in sorted(total.properties.items()):
        partition = BNode()
        g.add((dataset, VOID.propertyPartition, partition))
        g.add((partition, VOID.property, URIRef(prop)))
        g.add((partition, VOID.triples, _integer(triples)))
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
    for linkset in linksets(ns.vocab):
        triples = total.links[linkset.key]
        if not triples and linkset.slug not in ALWAYS:
            continue
        node = ns.iri(f"set/practices/linkset/{linkset.slug}")
        g.add((dataset, VOID.subset, node))
        g.add((node, RDF.type, VOID.Linkset))
        g.add((node, URIRef("http://purl.org/dc/terms/title"),
               Literal(f"Links to the {linkset.title}", lang="en")))
        g.add((node, VOID.subjectsTarget, dataset))
        target = ("http://www.wikidata.org/" if linkset.target.startswith(WIKIDATA)
                  else linkset.target.rstrip("/"))
        g.add((node, VOID.objectsTarget, URIRef(target)))
        g.add((node, VOID.linkPredicate, URIRef(linkset.predicate)))
        g.add((node, VOID.triples, _integer(triples)))
    return g
