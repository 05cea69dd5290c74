"""The accepted link decisions as the build publishes them, in the named graph
``set/links``.

Each link is one statement (``<funder/european-social-fund> owl:sameAs
<…/eu-programme/ESF>``) and, beside it, the decision that made it: an
``rdf:Statement`` naming the three terms, with the rule, who proposed it, its score,
its date and the decision file it comes from. The decision's IRI is derived from the
link itself, so it stays the same from build to build.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD

from dskg.links import KINDS, RELATIONS, Link, link_digest, links_dir, read_links
from dskg.namespaces import Namespaces


def decision_iri(ns: Namespaces, link: Link) -> URIRef:
    return ns.iri(f"id/link/{link_digest(link)[:16]}")


def source_slug(kind_file: str) -> str:
    """The slug of a decision file as a source of the graph (``links-funders-csv``)."""
    return "links-" + kind_file.replace(".", "-")


def links_graph(data_dir: Path, ns: Namespaces, tables: dict[str, set[str]]
                ) -> tuple[Graph, list[str]]:
    """The accepted links with their decisions, and the problems of the decision files.

    ``tables``: outside IRI prefix → the codes there are (the reference tables and our
    DigComp scheme). A link to a code not among them (one that left a refreshed table)
    is a problem, and an accepted one is not published."""
    g = Graph()
    problems: list[str] = []
    for kind in KINDS.values():
        links, bad = read_links(data_dir, kind, ns.vocab)
        problems += bad
        source = ns.source(source_slug(kind.file))
        if links:
            g.add((source, RDF.type, PROV.Entity))
            g.add((source, RDF.type, FOAF.Document))
            g.add((source, DCTERMS.title, Literal(f"links/{kind.file}")))
            g.add((source, RDFS.comment, Literal(
                "link decisions in data/ of the dskg repository", lang="en")))
        for link in links:
            if link.status == "rejected":
                continue
            prefix = next((p for p in tables if link.target.startswith(p)), None)
            if prefix is not None and link.target[len(prefix):] not in tables[prefix]:
                problems.append(f"{links_dir(data_dir) / kind.file}: {link.subject} → "
                                f"{link.target}: no such code in {prefix.rstrip('/')}")
                continue
            if link.status != "accepted":
                continue
            subject, target = ns.iri(link.subject), URIRef(link.target)
            prop = ns.expand(RELATIONS[link.relation].property)
            g.add((subject, prop, target))
            decision = decision_iri(ns, link)
            g.add((decision, RDF.type, RDF.Statement))
            g.add((decision, RDFS.label, Literal(
                f"link: {link.subject.rsplit('/', 1)[-1]} → "
                f"{RELATIONS[link.relation].title} {link.target.rsplit('/', 1)[-1]}", lang="en")))
            g.add((decision, RDF.subject, subject))
            g.add((decision, RDF.predicate, prop))
            g.add((decision, RDF.object, target))
            g.add((decision, PROV.wasDerivedFrom, source))
            if link.rule:
                g.add((decision, ns.dskg.rule, Literal(link.rule, lang="en")))
            if link.proposed_by:
                g.add((decision, ns.dskg.proposedBy, Literal(link.proposed_by)))
            if link.score:
                g.add((decision, ns.dskg.score, Literal(link.score, datatype=XSD.decimal)))
            if link.date:
                g.add((decision, DCTERMS.date, Literal(link.date, datatype=XSD.date)))
    return g, problems


def published(links: Graph, exists: Callable[[str], bool]) -> Graph:
    """The links whose subject the graph holds, with their decisions: a link from a
    practice since withdrawn (or quarantined) is not published, so the practice's IRI
    answers 410 Gone rather than being kept alive by its links alone."""
    kept = Graph()
    dropped = {decision for decision, subject in links.subject_objects(RDF.subject)
               if not exists(str(subject))}
    gone = {(links.value(d, RDF.subject), links.value(d, RDF.predicate),
             links.value(d, RDF.object)) for d in dropped}
    for triple in links:
        if triple[0] not in dropped and triple not in gone:
            kept.add(triple)
    return kept
