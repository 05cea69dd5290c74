"""Writing a build: every artefact into a new build folder, from a :class:`Prepared`
and its :class:`~dskg.build.plan.Delta`: from scratch for a full build, or as the
previous build's artefacts changed (store, dump segments, indexes, change stream)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF

from dskg.artefact import Layout, write_gone, write_metadata, write_report, write_stream_index
from dskg.artefact.history import History
from dskg.build import history as stream_writer
from dskg.build.browse_index import write_browse_index
from dskg.build.dumps import write_dumps
from dskg.build.entities import write_entity_index
from dskg.build.history import StreamChanges
from dskg.build.indexes import write_indexes
from dskg.build.prepare import vocabulary_graphs
from dskg.build.provenance import build_graph, node_graph_name, used_sources
from dskg.build.report import Prepared
from dskg.build.statistics import Counted, linksets
from dskg.catalog import catalog_graph
from dskg.curation import load_curation
from dskg.ingest.sources import Node
from dskg.ledger import write_ledger
from dskg.links.graph import published
from dskg.mapping import Mapper
from dskg.namespaces import Namespaces
from dskg.progress import stage
from dskg.rdf import IRI, iri_of_subject, neutral_triple, ntriples_line
from dskg.reference import TABLES, scheme_graph
from dskg.sources import load_sources
from dskg.store import copy_store, create_store, open_store, text_of
from dskg.validation import load_shapes
from dskg.void import void_graph

log = logging.getLogger("dskg.build")
#: The submission a practice went live from (the subject of its activity's statements,
#: which are the practice's own and go when it does).
SUBMISSION_OF = ("SELECT ?submission ?practice ?property WHERE { GRAPH ?g { "
                 "?practice ?property ?submission } }")
#: Whether a resource has statements in a graph other than the links' own.
HELD_ELSEWHERE = ("SELECT ?s ?links WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != ?links) } "
                  "LIMIT 1")


def write(prepared: Prepared, build_dir: Path) -> tuple[History, StreamChanges]:
    """Write every artefact of the build into ``build_dir``; return the change-stream
    history with what it will record once the build is live."""
    config, timings, delta = prepared.config, prepared.timings, prepared.delta
    ns = Namespaces.of(config)
    finished = datetime.now(UTC)
    layout = Layout(build_dir)
    # Recomputes parts an incremental build did not map again (a curated organisation's
    # other names are alternative labels: the curation must be the build's).
    mapper = Mapper(prepared.vocab, prepared.registry, load_curation(config.data_dir / "curation"),
                    sources=load_sources(config.data_dir))
    with stage("load", timings):
        if delta.since is None:
            graphs = _full_store(prepared, layout,
                                 build_graph(prepared, finished, used_sources(prepared)))
            subjects: set[str] = set()
        else:
            graphs, subjects = _changed_store(prepared, delta.since, layout, mapper, finished)
        log.info("store written: %d named graphs", len(graphs))
    with stage("dumps", timings):
        store = open_store(layout.store)
        dumps = write_dumps(store, layout.dumps, ns.prefixes(),
                            Counted(str(ns.dskg.GoodPractice), str(ns.dskg.country),
                                    tuple(ls.key for ls in linksets(ns.vocab))),
                            None if delta.since is None else delta.since.dumps, subjects)
        log.info("dumps written: %s", ", ".join(f"{name} {size:,} bytes"
                                                 for name, size in dumps.sizes.items()))
    with stage("indexes", timings):
        touched = {iri_of_subject(s) for s in subjects if s.startswith("<")}
        indexes = write_indexes(store, ns, layout.indexes,
                                None if delta.since is None else delta.since.indexes, touched)
        practices = write_browse_index(
            store, ns, layout.browse, previous=None if delta.since is None else
            delta.since.browse, touched=touched)
        log.info("browse and search index written: %d practices, %d triples", practices,
                 indexes["triples"])
        entities = write_entity_index(
            store, ns, layout.entities, previous=None if delta.since is None else
            delta.since.entities, touched=touched)
        log.info("entity index written: %d entities", entities)
    with stage("history", timings):
        history = History(config.var.history)
        stream = stream_writer.prepare(history, ns, entity_descriptions(prepared, mapper),
                                       finished, prepared.mapped.merged,
                                       deleted=None if delta.since is None else
                                       _withdrawn(prepared, delta.since, mapper))
        write_stream_index(layout, stream.index)
        write_gone(layout, stream.gone)
        first_issued = (datetime.fromisoformat(stream.index[0]["time"]) if stream.index
                        else finished)
        write_metadata(layout, {
            "catalog": catalog_graph(config, store, dumps, finished, first_issued,
                                     [node.catalog for node in _all_nodes(prepared)]),
            "void": void_graph(config, dumps.total, _examples(indexes))})
        log.info("change stream: %d fragments; catalogue and VoID written", len(stream.index))
        del store
    prepared.registry.save()
    with stage("ledger", timings):
        published = write_ledger(layout.ledger, prepared)
    report = prepared.report() | {"published": published, "dumps": dumps.sizes,
                                  "counts": indexes["counts"], "triples": indexes["triples"],
                                  "graphs": graphs}
    write_report(layout, report)
    return history, stream


def _fixed_graphs(prepared: Prepared) -> list[tuple[URIRef, Graph]]:
    """The graphs that only change with the fingerprint: vocabularies, shapes and the
    reference tables."""
    config = prepared.config
    ns = Namespaces.of(config)
    reference = [(URIRef(table.scheme), scheme_graph(table, config.ontology_dir / "reference", ns))
                 for table in TABLES.values()]
    return [*vocabulary_graphs(prepared.vocab),
            (ns.iri("def/shapes"), load_shapes(config.shapes_dir, ns)), *reference]


def _full_store(prepared: Prepared, layout: Layout, about: Graph) -> list[str]:
    """A new store; page data streamed to a file first, never one large graph."""
    ns = Namespaces.of(prepared.config)
    data_file = layout.root / "data.nt"
    subjects: set[str] = set()
    with data_file.open("w", encoding="utf-8") as out:
        for triple in prepared.mapped.data():
            subjects.add(str(triple[0]))
            out.write(ntriples_line(triple))
    graphs: list[tuple[URIRef, bytes | Path]] = [(ns.dataset, data_file)]
    small = [(ns.curation_graph, prepared.mapped.curation), *_fixed_graphs(prepared)]
    small += [(node_graph_name(ns, node.name), node.graph) for node in prepared.nodes]
    for _, graph in small:
        subjects.update(str(s) for s in graph.subjects())
    small.append((ns.links_graph, published(prepared.links, subjects.__contains__)))
    small.append((ns.build_graph, about))
    graphs += [(name, graph.serialize(format="nt", encoding="utf-8")) for name, graph in small]
    create_store(layout.store, ((str(name), data) for name, data in graphs))
    data_file.unlink()
    return [str(name) for name, _ in graphs]


def _changed_store(prepared: Prepared, previous: Layout, layout: Layout, mapper: Mapper,
                   finished: datetime) -> tuple[list[str], set[str]]:
    """The previous store, copied and changed; return the named graphs and the subjects
    (N-Triples form) whose statements may have changed."""
    ns = Namespaces.of(prepared.config)
    mapped, changes = prepared.mapped, prepared.delta
    store = copy_store(previous.store, layout.store)
    try:
        clear = {f"<{iri}>" for iri in changes.removed | changes.part_subjects}
        clear |= {f"<{text_of(row, 'submission')}>" for iri in changes.removed
                  for row in store.select(SUBMISSION_OF, {
                      "practice": IRI(iri), "property": IRI(str(ns.dskg.submission))})}
        add = [triple for iri in changes.added for triple in mapped.units[URIRef(iri)].triples]
        for key in changes.part_uses:
            if key.subject in changes.part_subjects:
                add += mapped.parts.get(key) or mapper.part(key)
        store.update(str(ns.dataset), clear, (neutral_triple(t) for t in add))
        subjects = clear | {f"<{iri}>" for iri in changes.added}
        nodes = {node.name: node for node in prepared.nodes}
        for node_input in changes.node_inputs:
            name = node_input.source
            graph = str(node_graph_name(ns, name))
            subjects |= store.graph_subjects(graph)
            node = nodes.get(name)
            store.replace_graph(graph, node.graph.serialize(format="nt", encoding="utf-8")
                                if node is not None else b"")
            subjects |= store.graph_subjects(graph)
        links = str(ns.links_graph)
        subjects |= store.graph_subjects(links)

        def held(iri: str) -> bool:  # asked per link subject, not per subject of the store
            return bool(store.select(HELD_ELSEWHERE, {"s": IRI(iri), "links": IRI(links)}))
        store.replace_graph(links, published(prepared.links, held)
                            .serialize(format="nt", encoding="utf-8"))
        subjects |= store.graph_subjects(links)
        about = str(ns.build_graph)
        subjects |= store.graph_subjects(about)
        store.replace_graph(about, build_graph(prepared, finished, used_sources(prepared))
                            .serialize(format="nt", encoding="utf-8"))
        subjects |= store.graph_subjects(about)
        graphs = sorted(store.graph_names())
    finally:
        store.close()
    return graphs, subjects


def entity_descriptions(prepared: Prepared, mapper: Mapper) -> dict[str, list[tuple]]:
    """Statements of the practices, organisations and funders the change stream
    compares: every one (a full build) or those this build changed."""
    ns = Namespaces.of(prepared.config)
    mapped, curation = prepared.mapped, prepared.mapped.curation
    types = (ns.dskg.GoodPractice, ORG.Organization, ns.dskg.Funder)
    described: dict[URIRef, set[tuple]] = {}
    changes = prepared.delta
    if changes.full:
        practices = set(mapped.units)
        parts = mapped.used_parts()
        node_graphs = [node.graph for node in prepared.nodes]
        curated = {s for t in types for s in curation.subjects(RDF.type, t)
                   if isinstance(s, URIRef)}
    else:
        practices = {URIRef(iri) for iri in changes.added}
        parts = [key for key in changes.part_uses if key.subject in changes.part_subjects]
        node_graphs = [node.graph for node in prepared.nodes]
        curated = {URIRef(s) for s in changes.part_subjects}
    for iri in practices:
        described[iri] = set(mapped.units[iri].triples)
    for key in parts:
        if key.kind == "organisation":
            described.setdefault(URIRef(key.subject), set()).update(
                mapped.parts.get(key) or mapper.part(key))
    for subject in curated:
        if any((subject, RDF.type, t) in curation for t in types) or subject in described:
            described.setdefault(subject, set()).update(curation.triples((subject, None, None)))
    for iri in practices:
        described[iri].update(curation.triples((iri, None, None)))
    for graph in node_graphs:
        for t in types:
            for node_subject in graph.subjects(RDF.type, t):
                if isinstance(node_subject, URIRef):
                    described.setdefault(node_subject, set()).update(
                        graph.triples((node_subject, None, None)))
    return {str(entity): sorted(triples) for entity, triples in described.items()
            if not (isinstance(entity, URIRef) and entity in mapped.withheld)}


def _withdrawn(prepared: Prepared, previous: Layout, mapper: Mapper) -> set[str]:
    """Entities an incremental build takes out: practices of the inputs read again that
    are no longer published, organisations no practice names any more, and what a
    changed node's stream no longer has."""
    changes = prepared.delta
    gone = changes.removed - changes.added - {str(iri) for iri in prepared.mapped.units}
    gone |= {subject for subject in changes.part_subjects
             if not any(key.subject == subject for key in changes.part_uses)
             and (URIRef(subject), None, None) not in prepared.mapped.curation}
    old = open_store(previous.store)
    ns = Namespaces.of(prepared.config)
    still = {str(s) for node in prepared.nodes for s in node.graph.subjects()}
    for key in changes.node_inputs:
        graph = str(node_graph_name(ns, key.source))
        gone |= {iri_of_subject(subject) for subject in old.graph_subjects(graph)
                 if subject.startswith("<")} - still
    return gone


def _all_nodes(prepared: Prepared) -> list[Node]:
    """Every node the graph holds: those read now, and (incremental) those kept."""
    nodes = list(prepared.nodes)
    if prepared.delta.ledger is not None and not prepared.delta.full:
        kept = prepared.delta.ledger.nodes()
        read = {node.name for node in nodes}
        lost = {key.source for key in prepared.delta.lost}
        nodes += [Node(name, stream, Graph(), catalog) for name, (stream, catalog)
                  in kept.items() if name not in read and name not in lost]
    return sorted(nodes, key=lambda node: node.name)


def _examples(indexes: dict) -> list[str]:
    return [items[0][0] for kind in ("practice", "organisation", "country")
            if (items := indexes["lists"].get(kind))]
