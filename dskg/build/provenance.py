"""What a build records about itself in its own named graph: when, with which
software, from which sources and other nodes (PROV-O)."""
from __future__ import annotations

from datetime import datetime

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF

from dskg import __version__
from dskg.build.report import Prepared
from dskg.namespaces import SCHEMA, Namespaces
from dskg.rdf import xsd_datetime


def build_graph(prepared: Prepared, finished: datetime, sources: set[URIRef]) -> Graph:
    """What the build records about itself: when, with which software, from what."""
    ns = Namespaces.of(prepared.config)
    g = Graph()
    activity = ns.iri(f"set/build/{prepared.started.strftime('%Y%m%dT%H%M%SZ')}")
    software = BNode()
    g.add((ns.dataset, RDF.type, DCAT.Dataset))
    g.add((ns.dataset, DCTERMS.title, Literal("Digital Skills Knowledge Graph", lang="en")))
    g.add((ns.dataset, DCTERMS.modified, xsd_datetime(finished)))
    g.add((ns.dataset, PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.startedAtTime,
           xsd_datetime(prepared.started)))
    g.add((activity, PROV.endedAtTime, xsd_datetime(finished)))
    g.add((activity, PROV.wasAssociatedWith, software))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDF.type, SCHEMA.SoftwareApplication))
    g.add((software, SCHEMA.name, Literal("dskg")))
    g.add((software, SCHEMA.softwareVersion, Literal(__version__)))
    for source in sources:
        g.add((activity, PROV.used, source))
    for name, title in ((ns.curation_graph, "Curated statements"),
                        (ns.links_graph, "Links to the EU's tables, NUTS and DigComp"),
                        (ns.build_graph, "How this graph was built")):
        g.add((name, RDF.type, DCAT.Dataset))
        g.add((name, DCTERMS.title, Literal(title, lang="en")))
        g.add((name, DCTERMS.isPartOf, ns.dataset))
    g.add((ns.curation_graph, RDF.type, ns.dskg.CurationGraph))
    for node in prepared.nodes:
        name = node_graph_name(ns, node.name)
        g.add((name, RDF.type, DCAT.Dataset))
        g.add((name, DCTERMS.title, Literal(f"The graph of the node {node.name}", lang="en")))
        g.add((name, DCTERMS.isPartOf, ns.dataset))
        g.add((name, DCTERMS.source, URIRef(node.stream)))
        g.add((name, PROV.wasDerivedFrom, URIRef(node.stream)))
        g.add((activity, PROV.used, URIRef(node.stream)))
    g.add((ns.curation_graph, DCTERMS.description, Literal(
        "Statements a data steward added by hand in data/curation/ to complete or correct "
        "what the source pages say.", lang="en")))
    g.add((ns.links_graph, DCTERMS.description, Literal(
        "The accepted link decisions of data/links/: each link, and beside it (an "
        "rdf:Statement) the rule that proposed it, its score and who proposed it.",
        lang="en")))
    return g


def node_graph_name(ns: Namespaces, name: str) -> URIRef:
    """The named graph of another node's statements."""
    return ns.iri(f"set/node/{name}")


def used_sources(prepared: Prepared) -> set[URIRef]:
    """The sources the graph's statements come from (``prov:used`` of the build)."""
    keys = prepared.mapped.used_parts() if prepared.delta.full else prepared.delta.part_uses
    used = {URIRef(key.subject) for key in keys if key.kind == "source"}
    return used | {o for graph in (prepared.mapped.curation, prepared.links)
                   for o in graph.objects(None, PROV.wasDerivedFrom) if isinstance(o, URIRef)}
