"""Follow a remote Linked Data Event Stream (another dskg node, or any LDES of the same
shape: version objects with ``dct:isVersionOf``, ``prov:generatedAtTime`` and an
``as:Create``/``as:Update``/``as:Delete`` type).

The stream document names its first fragment (``tree:view``); each fragment names
the next (``tree:relation`` / ``tree:node``). A first harvest reads them all; later
ones start again at the last fragment read (the newest may have been the last one
then) and go on from there. Each member updates one item of the cache, keyed by the
entity's IRI: its statements (subjects rewritten from the version to the entity, so
members replay with their original IRIs) or, for a deletion, ``withdrawn``. Members
are applied in time order, so an entity ends as its newest version says.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF

from dskg.harvest.cache import CURRENT, Item, SourceCache
from dskg.harvest.fetch import Fetcher, FetchError
from dskg.harvest.summary import Summary
from dskg.progress import Progress
from dskg.sources import Source

log = logging.getLogger("dskg.harvest")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
TREE = Namespace("https://w3id.org/tree#")
#: The statements of a version that say what it is, not what the entity is.
HEADER = {RDF.type, DCTERMS.isVersionOf, PROV.generatedAtTime}
#: Fragments followed at most in one harvest (a relation that never ends is a loop).
MAX_FRAGMENTS = 100_000


def read_rdf(fetcher: Fetcher, url: str) -> Graph:
    response = fetcher.get(url, accept="text/turtle")
    try:
        return Graph().parse(data=response.text(), format="turtle", publicID=url)
    except Exception as error:  # rdflib raises several kinds for bad Turtle
        raise FetchError(url, f"not readable Turtle ({type(error).__name__}: "
                         f"{str(error).splitlines()[0][:200] if str(error) else ''})") from None


def harvest_ldes(source: Source, fetcher: Fetcher, previous: SourceCache | None, now: str,
                 summary: Summary) -> SourceCache:
    """The source's new cache; raises :class:`FetchError` when the stream cannot be
    read up to its newest fragment."""
    assert source.url is not None
    cache = SourceCache(source=source.name, kind=source.kind, url=source.url,
                        items=dict(previous.items) if previous else {},
                        cursor=dict(previous.cursor) if previous else {})
    start = cache.cursor.get("fragment")
    #: Versions of the fragment ``start`` that an earlier harvest applied already.
    already = set(cache.cursor.get("applied", "").split())
    url: str | None = start or _first_fragment(fetcher, source.url)
    seen: set[str] = set()
    progress = Progress(f"{source.name}: fragments", 0, log)
    members: list[tuple[str, str, str, str, Graph, str]] = []
    last = url
    while url is not None:
        if url in seen or len(seen) >= MAX_FRAGMENTS:
            raise FetchError(url, "the stream's fragments link in a loop")
        seen.add(url)
        fragment = read_rdf(fetcher, url)
        for version in set(fragment.subjects(DCTERMS.isVersionOf, None)):
            if str(version) in already:
                continue
            entity = fragment.value(version, DCTERMS.isVersionOf)
            when = fragment.value(version, PROV.generatedAtTime)
            kinds = set(fragment.objects(version, RDF.type)) & {AS.Create, AS.Update,
                                                                  AS.Delete}
            if not isinstance(entity, URIRef) or when is None or len(kinds) != 1:
                raise FetchError(url, f"member {version} is no version object (it needs one "
                                 "dct:isVersionOf, prov:generatedAtTime and as:Create, "
                                 "as:Update or as:Delete)")
            members.append((str(when), str(version), str(entity), str(kinds.pop()),
                            fragment, url))
        last, url = url, _next(fragment, url)
        progress.advance()
    for _, version_iri, entity_iri, kind_iri, source_fragment, _ in sorted(
            members, key=lambda m: m[:2]):
        _apply(cache, version_iri, entity_iri, kind_iri, source_fragment, now, summary)
    applied = {version for _, version, _, _, _, where in members if where == last}
    cache.terms = {"catalog": _member_catalog(fetcher, source.url)}
    cache.cursor = {"fragment": last or "",
                    "applied": " ".join(sorted(applied | (already if last == start
                                                          else set())))}
    summary.unchanged = sum(1 for item in cache.items.values() if item.status == CURRENT) \
        - summary.new - summary.changed
    return cache


#: What the aggregator's catalogue repeats of a member node's catalogue.
CATALOG_PARTS = {RDF.type, DCTERMS.title, DCTERMS.description, DCTERMS.publisher,
                 FOAF.homepage, FOAF.name, DCTERMS.type}


def _member_catalog(fetcher: Fetcher, stream_url: str) -> dict[str, str]:
    """The node's DCAT catalogue (a dskg node publishes it beside its stream, at
    ``set/catalog``): its IRI and, as N-Triples, its title, description and publisher;
    empty for a stream that has none (it is then not listed as a member catalogue)."""
    if not stream_url.rstrip("/").endswith("set/ldes"):
        return {}
    url = stream_url.rstrip("/")[:-len("set/ldes")] + "set/catalog"
    try:
        graph = read_rdf(fetcher, url)
    except FetchError as error:
        log.warning("%s; the node is not listed as a member catalogue", error)
        return {}
    catalog = URIRef(url)
    publisher = graph.value(catalog, DCTERMS.publisher)
    if (catalog, RDF.type, DCAT.Catalog) not in graph or publisher is None:
        return {}
    kept = Graph()
    for subject in (catalog, publisher):
        for _, predicate, value in graph.triples((subject, None, None)):
            if predicate in CATALOG_PARTS:
                kept.add((subject, predicate, value))
    return {"iri": url, "ntriples": kept.serialize(format="nt", encoding="utf-8").decode()}


def _first_fragment(fetcher: Fetcher, stream_url: str) -> str | None:
    stream = read_rdf(fetcher, stream_url)
    views = set(stream.objects(None, TREE.view))
    if not views:
        if (None, RDF.type, URIRef("https://w3id.org/ldes#EventStream")) in stream:
            return None  # an empty stream
        raise FetchError(stream_url, "no ldes:EventStream with a tree:view here")
    return sorted(str(view) for view in views)[0]


def _next(fragment: Graph, url: str) -> str | None:
    nodes = [str(node) for relation in fragment.objects(URIRef(url), TREE.relation)
             for node in fragment.objects(relation, TREE.node)]
    return sorted(nodes)[0] if nodes else None


def _apply(cache: SourceCache, version: str, entity: str, kind: str, fragment: Graph,
           now: str, summary: Summary) -> None:
    before = cache.items.get(entity)
    if kind == str(AS.Delete):
        if before is not None and before.status == CURRENT:
            summary.withdraw(before, now, f"{entity}: deleted upstream")
        return
    statements = Graph()
    for _, predicate, value in fragment.triples((URIRef(version), None, None)):
        if predicate not in HEADER or (predicate == RDF.type and
                                       value not in (AS.Create, AS.Update)):
            statements.add((URIRef(entity), predicate, value))
    text = statements.serialize(format="nt", encoding="utf-8").decode("utf-8")
    content: dict[str, Any] = {"version": version, "ntriples": text}
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if before is None or before.status != CURRENT:
        summary.new += 1
    elif before.sha256 != digest:
        summary.changed += 1
    else:
        return
    cache.items[entity] = Item(url=entity, fetched=now, sha256=digest, content=content,
                               api=version)
