"""What EU portals and harvesters read: DCAT-AP catalogue, VoID, dumps, sitemap, LDES."""
from __future__ import annotations

import gzip
import json
import re
import urllib.robotparser
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, SH

from dskg.build import build
from dskg.catalog import validate_catalog

from .conftest import BASE, VOCAB, make_project, open_current_store
from .server_fixture import built_project, start_server, stop_server

VOID = Namespace("http://rdfs.org/ns/void#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")


@pytest.fixture(scope="module")
def server(sample_site):
    return sample_site


def turtle(server, path: str) -> Graph:
    response = server.http.get(server.url + path, headers={"Accept": "text/turtle"})
    assert response.ok, (path, response.status_code)
    return Graph().parse(data=response.text, format="turtle")


def count(server, query: str) -> int:
    response = server.http.get(server.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- DCAT-AP

@pytest.mark.parametrize("ext, fmt", [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")])
def test_catalogue_in_every_format_has_zero_dcat_ap_violations(server, ext, fmt):
    response = server.http.get(f"{server.url}/set/catalog.{ext}")
    catalog = Graph().parse(data=response.content, format=fmt)
    violations = [f for f in validate_catalog(catalog) if f.is_violation]
    assert violations == []


def test_a_broken_catalogue_shows_violations(server):
    catalog = turtle(server, "/set/catalog")
    dataset = URIRef(BASE + "set/practices")
    catalog.remove((dataset, DCTERMS.description, None))
    distribution = next(catalog.objects(dataset, DCAT.distribution))
    catalog.remove((distribution, DCAT.accessURL, None))
    catalog.set((distribution, DCAT.byteSize, Literal("big")))
    messages = [(f.focus, f.path) for f in validate_catalog(catalog) if f.is_violation]
    assert (str(dataset), str(DCTERMS.description)) in messages
    assert (str(distribution), str(DCAT.accessURL)) in messages
    assert (str(distribution), str(DCAT.byteSize)) in messages


def test_catalogue_content(server):
    catalog = turtle(server, "/set/catalog")
    dataset = URIRef(BASE + "set/practices")
    assert (URIRef(BASE + "set/catalog"), DCAT.dataset, dataset) in catalog
    distributions = list(catalog.objects(dataset, DCAT.distribution))
    assert len(distributions) == 4
    health = server.http.get(server.url + "/health").json()
    for distribution in distributions:
        download = str(catalog.value(distribution, DCAT.downloadURL))
        local = server.url + download[len(BASE) - 1:]
        body = server.http.get(local).content
        assert int(catalog.value(distribution, DCAT.byteSize)) == len(body)
        checksum = catalog.value(catalog.value(distribution, URIRef(
            "http://spdx.org/rdf/terms#checksum")), URIRef("http://spdx.org/rdf/terms#checksumValue"))
        import hashlib
        assert str(checksum) == hashlib.sha256(body).hexdigest()
    spatial = {str(s) for s in catalog.objects(dataset, DCTERMS.spatial)}
    assert spatial == {"http://publications.europa.eu/resource/authority/country/BGR",
                       "http://publications.europa.eu/resource/authority/country/LUX"}
    period = catalog.value(dataset, DCTERMS.temporal)
    assert str(catalog.value(period, DCAT.startDate)) == "2018-01-01"
    service = catalog.value(predicate=DCAT.servesDataset, object=dataset)
    assert str(catalog.value(service, DCAT.endpointURL)) == BASE + "sparql"
    assert (dataset, DCTERMS.conformsTo, URIRef(VOCAB + "def/dskg")) in catalog
    void = URIRef(BASE + ".well-known/void")
    assert (dataset, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), void) in catalog
    assert health["status"] == "ok"


def test_catalogue_resources_dereference(server):
    for path in ("/id/service/sparql", "/set/practices/distribution/dskg-ttl"):
        response = server.http.get(server.url + path, headers={"Accept": "text/turtle"})
        assert response.ok, path
    html = server.http.get(server.url + "/set/catalog", headers={"Accept": "text/html"})
    assert html.ok and "Digital Skills Knowledge Graph catalogue" in html.text


# ---------------------------------------------------------------- VoID

def test_void_counts_equal_sparql_counts(server):
    void = turtle(server, "/.well-known/void")
    dataset = URIRef(BASE + "set/practices")
    # VoID counts distinct triples; the union of named graphs repeats a statement two
    # graphs share (an organisation's type, stated by a page and by curation).
    assert int(void.value(dataset, VOID.triples)) == count(
        server, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    assert int(void.value(dataset, VOID.classes)) == count(
        server, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    assert int(void.value(dataset, VOID.properties)) == count(
        server, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    assert int(void.value(dataset, VOID.entities)) == count(
        server, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER isIRI(?s) }")
    for partition in void.objects(dataset, VOID.classPartition):
        cls = void.value(partition, VOID["class"])
        assert int(void.value(partition, VOID.entities)) == count(
            server, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}")
    for partition in void.objects(dataset, VOID.propertyPartition):
        prop = void.value(partition, VOID.property)
        assert int(void.value(partition, VOID.triples)) == count(
            server, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o {{ ?s <{prop}> ?o }} }}")
    linksets = {str(void.value(l, VOID.objectsTarget)): int(void.value(l, VOID.triples))
                for l in void.objects(dataset, VOID.subset)}
    assert linksets["http://publications.europa.eu/resource/authority/country"] == 40
    assert linksets["http://www.wikidata.org/"] == 40
    assert str(void.value(dataset, VOID.sparqlEndpoint)) == BASE + "sparql"
    assert len(list(void.objects(dataset, VOID.dataDump))) == 4
    assert str(void.value(dataset, VOID.uriSpace)) == BASE + "id/"


# ---------------------------------------------------------------- dumps

@pytest.mark.parametrize("name, media", [("dskg.ttl", "text/turtle"),
                                         ("dskg.nt.gz", "application/n-triples"),
                                         ("dskg.nq.gz", "application/n-quads"),
                                         ("dskg.jsonld", "application/ld+json")])
def test_dump_headers_and_ranges(server, name, media):
    url = f"{server.url}/set/dumps/{name}"
    full = server.http.get(url)
    assert full.headers["Content-Type"].startswith(media)
    assert int(full.headers["Content-Length"]) == len(full.content)
    assert full.headers["ETag"] and f'filename={name}' in full.headers["Content-Disposition"]
    tail = server.http.get(url, headers={"Range": "bytes=-20"})
    assert tail.status_code == 206 and tail.content == full.content[-20:]
    assert server.http.get(url, headers={"If-None-Match": full.headers["ETag"]}).status_code == 304


@pytest.mark.slow
def test_dumps_over_http_are_isomorphic_to_the_store(server, sample_build):
    # The store read by pyoxigraph itself: a CONSTRUCT over HTTP stops at the row cap,
    # and the sample's store (reference tables included) holds more statements.
    import pyoxigraph as ox

    everything = Dataset().parse(data=open_current_store(sample_build).dump(
        format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
    store = Graph()
    for s, p, o, _ in everything.quads((None, None, None, None)):
        store.add((s, p, o))
    ttl = Graph().parse(data=server.http.get(server.url + "/set/dumps/dskg.ttl").text, format="turtle")
    nt = Graph().parse(data=gzip.decompress(server.http.get(server.url + "/set/dumps/dskg.nt.gz")
                                            .content).decode(), format="nt")
    jsonld = Graph().parse(data=server.http.get(server.url + "/set/dumps/dskg.jsonld").text,
                           format="json-ld")
    quads = Dataset().parse(data=gzip.decompress(server.http.get(
        server.url + "/set/dumps/dskg.nq.gz").content).decode(), format="nquads")
    as_triples = Graph()
    for s, p, o, _ in quads.quads((None, None, None, None)):
        as_triples.add((s, p, o))
    for graph in (ttl, nt, jsonld, as_triples):
        assert isomorphic(graph, store)


# ---------------------------------------------------------------- crawlers

def test_sitemap_and_robots(server):
    robots = server.http.get(server.url + "/robots.txt").text
    assert f"Sitemap: {server.url}/sitemap.xml" in robots
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.splitlines())
    for endless in ("/search?q=skills", "/browse/practice?country=BGR", "/graph?iri=x",
                    "/browse/practice.csv", "/sparql?query=ASK{}"):
        assert not parser.can_fetch("*", server.url + endless), endless
    for page in ("/", "/browse/practice", "/browse/organisation?page=2",
                 "/doc/practice/digital-skills-partnership", "/set/catalog"):
        assert parser.can_fetch("*", server.url + page), page
    root = ET.fromstring(server.http.get(server.url + "/sitemap.xml").content)
    sitemaps = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    # The sitemaps.org schema allows only <url> elements (each a <loc>, a <lastmod>) here.
    assert root.tag == sitemaps + "urlset"
    assert {child.tag for child in root} == {sitemaps + "url"}
    assert {part.tag for url in root for part in url} == {sitemaps + "loc", sitemaps + "lastmod"}
    locations = [url.find(sitemaps + "loc").text for url in root]
    assert f"{server.url}/doc/practice/digital-skills-partnership" in locations
    for url in locations[:20]:
        assert server.http.get(url).ok, url


def structured_data(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_pages_carry_schema_org_json_ld(server):
    home = structured_data(server.http.get(server.url + "/").text)
    assert home["@type"] == "Dataset" and len(home["distribution"]) == 4
    practice = structured_data(server.http.get(
        server.url + "/doc/practice/digital-skills-partnership").text)
    assert practice["@type"] == "Project" and practice["name"] == "Digital Skills Partnership"
    assert practice["areaServed"] == [{"@type": "Country", "name": "Luxembourg"}]
    org = structured_data(server.http.get(server.url + "/doc/organisation/ims-luxembourg").text)
    assert org["@type"] == "Organization" and org["name"] == "IMS Luxembourg"
    for graph in (home, practice, org):
        Graph().parse(data=json.dumps(graph | {"@context": {"@vocab": "https://schema.org/"}}),
                      format="json-ld")


# ---------------------------------------------------------------- LDES

def harvest(server) -> tuple[Graph, list[Graph], list[requests.Response]]:
    """Walk the stream from its root with plain HTTP, as a harvester would."""
    root = turtle(server, "/set/ldes")
    stream = URIRef(BASE + "set/ldes")
    shape = root.value(stream, URIRef("https://w3id.org/tree#shape"))
    assert shape == URIRef(VOCAB + "def/shapes/StreamMember")
    shapes = Graph().parse(data=server.http.get(server.url + "/def/shapes.ttl").text,
                           format="turtle")
    assert (shape, RDF.type, SH.NodeShape) in shapes
    assert len(set(shapes.subjects(RDF.type, SH.NodeShape))) > 5
    node = root.value(stream, TREE.view)
    fragments, responses = [], []
    while node is not None:
        response = server.http.get(server.url + str(node)[len(BASE) - 1:],
                                headers={"Accept": "text/turtle"})
        responses.append(response)
        fragment = Graph().parse(data=response.text, format="turtle")
        fragments.append(fragment)
        relation = fragment.value(node, TREE.relation)
        node = fragment.value(relation, TREE.node) if relation is not None else None
        if relation is not None:
            assert (relation, RDF.type, TREE.GreaterThanOrEqualToRelation) in fragment
    return root, fragments, responses


def reconstruct(fragments: list[Graph]) -> Graph:
    """The current state: for each entity its newest version, unless that is a deletion."""
    latest: dict = {}
    for fragment in fragments:
        for version in fragment.subjects(DCTERMS.isVersionOf, None):
            entity = fragment.value(version, DCTERMS.isVersionOf)
            when = fragment.value(version, PROV.generatedAtTime).toPython()
            if entity not in latest or when >= latest[entity][0]:
                latest[entity] = (when, version, fragment)
    state = Graph()
    for entity, (_, version, fragment) in latest.items():
        if (version, RDF.type, AS.Delete) in fragment:
            continue
        for _, p, o in fragment.triples((version, None, None)):
            if p in (DCTERMS.isVersionOf, PROV.generatedAtTime) or \
                    (p == RDF.type and str(o).startswith(str(AS))):
                continue
            state.add((entity, p, o))
    return state


def current_entities(server) -> Graph:
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      GRAPH ?g {{ ?s ?p ?o }}
      FILTER (?g IN (<{BASE}set/practices>, <{BASE}set/curation>))
      {{ ?s a <{VOCAB}def/dskg/GoodPractice> }} UNION {{ ?s a <http://www.w3.org/ns/org#Organization> }}
      UNION {{ ?s a <{VOCAB}def/dskg/Funder> }} }}"""
    response = server.http.get(server.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/n-triples"})
    return Graph().parse(data=response.text, format="nt")


@pytest.mark.gunicorn
def test_event_stream_records_an_edit_and_a_deletion(tmp_path):
    config = built_project(tmp_path, make_project)
    page = config.data_dir / "sources" / "good-practices-listing.txt"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("improve the skills of the labour force",
                                 "improve the digital skills of the labour force"),
                    encoding="utf-8")
    build(config)
    # Delete the last entry, so no other entry changes its position on the page (a
    # practice whose entry number changes gets a new version: its provenance changed).
    edited = page.read_text(encoding="utf-8")
    start = edited.index("By AI & ML, AR & VR")
    page.write_text(edited[:start], encoding="utf-8")
    prepared, _ = build(config)
    assert len(prepared.mapped.practices) == 2
    server = start_server(config)
    try:
        root, fragments, responses = harvest(server)
        members = [(v, f) for f in fragments for v in f.subjects(DCTERMS.isVersionOf, None)]
        kinds = {}
        for version, fragment in members:
            for kind in (AS.Create, AS.Update, AS.Delete):
                if (version, RDF.type, kind) in fragment:
                    kinds.setdefault(kind, []).append(str(fragment.value(version, DCTERMS.isVersionOf)))
        school = BASE + "id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
        sme = BASE + "id/practice/digital-skills-for-bulgarian-smes-programme"
        assert len(fragments) == 3
        assert kinds[AS.Update] == [sme]
        assert kinds[AS.Delete] == [school]
        assert len(kinds[AS.Create]) == 13
        assert isomorphic(reconstruct(fragments), current_entities(server))
        for response in responses[:-1]:
            assert "immutable" in response.headers["Cache-Control"]
            assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" not in responses[-1].headers["Cache-Control"]
    finally:
        stop_server(server)


@pytest.mark.slow
def test_failed_build_leaves_history_untouched(tmp_path):
    config = built_project(tmp_path, make_project)
    history = (config.var_dir / "history" / "fragments.json").read_text()
    page = config.data_dir / "sources" / "good-practices-listing.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("27.03.2023", "31.02.2023"),
                    encoding="utf-8")
    from dskg.build import BuildFailed
    with pytest.raises(BuildFailed):
        build(config, strict=True)
    assert (config.var_dir / "history" / "fragments.json").read_text() == history
