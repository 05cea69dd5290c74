"""The same site on an external store: ``dskg publish`` into a real Virtuoso (and an
Oxigraph server), answers identical to the embedded store's, the store's own limits,
and a publish that is killed midway.

This is the store contract: every store behind the store interface gives the answers
and the pages the embedded store gives (every example and protocol query compared, graph
answers isomorphic, every kind of page and document byte for byte), so the page tests
run on the embedded store only. A new kind of store joins the ``external`` fixture's
parameters; the rest here are smoke tests of a store of its own.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from dskg.build import build
from dskg.publish import publish
from dskg.store.remote import Endpoints, RemoteStore, StoreAdmin, published_build
from server.examples import load_examples

from .conftest import BASE, make_project, on_virtuoso, one_clear_line, run_dskg
from .inprocess import start_site
from .server_fixture import built_project, free_port, stop_group

pytestmark = [pytest.mark.slow, pytest.mark.virtuoso]
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
FRACTION_ZEROS = re.compile(r"(\.\d*?)0+(Z|[+-]\d\d:\d\d)?$")

#: Queries beyond the examples: datasets named in the query and by the protocol, graph
#: names joined with data about the graphs, every form.
QUERIES = [
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT * WHERE { GRAPH ?g { ?s a ?type } }",
    f"SELECT (COUNT(*) AS ?n) FROM <{BASE}set/curation> WHERE {{ ?s ?p ?o }}",
    f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{BASE}set/curation> "
    "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    f"PREFIX set: <{BASE}set/> SELECT ?p ?o WHERE {{ GRAPH set:curation {{ ?s ?p ?o }} }}",
    "SELECT ?g ?title WHERE { GRAPH ?g { ?s ?p ?o } ?g <http://purl.org/dc/terms/title> ?title }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER (isLiteral(?o) && datatype(?o) = "
    "<http://www.w3.org/2001/XMLSchema#boolean>) }",
    "ASK { ?s ?p ?o }",
    "SELECT DISTINCT * WHERE { ?s ?p ?o }",
]
GRAPH_QUERIES = [
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{BASE}set/curation> {{ ?s ?p ?o }} }}",
    f"DESCRIBE <{BASE}set/practices>",
]


def _difference(here, there) -> str:
    """What an assertion on two answers shows: the rows only one of them has."""
    if isinstance(here, bool) or isinstance(there, bool) or here[0] != there[0]:
        return f"{here!r:.300} != {there!r:.300}"
    only_here, only_there = Counter(here[1]) - Counter(there[1]), Counter(there[1]) - Counter(here[1])
    return (f"only embedded ({sum(only_here.values())}): {list(only_here.items())[:5]}\n"
            f"only external ({sum(only_there.values())}): {list(only_there.items())[:5]}")


def _same_value(term: dict) -> dict:
    """An ``xsd:dateTime`` in its canonical form: stores write the same instant their own
    way (Virtuoso keeps three or six digits of a fraction, ``.652230Z``; Oxigraph drops
    trailing zeros, ``.65223Z``)."""
    if term.get("datatype") != XSD_DATETIME:
        return term
    return {**term, "value": FRACTION_ZEROS.sub(r"\1\2", term["value"]).replace(".Z", "Z")}


def _rows(response: requests.Response, distinct: bool = False):
    """An answer as a comparable value: blank nodes all alike, rows as a multiset
    (``distinct``: as a set, before blank nodes are made alike)."""
    assert response.status_code == 200, response.text[:500]
    answer = response.json()
    if "boolean" in answer:
        return answer["boolean"]
    rows = []
    bindings = answer["results"]["bindings"]
    if distinct:
        bindings = list({json.dumps(b, sort_keys=True): b for b in bindings}.values())
    for binding in bindings:
        rows.append(json.dumps({name: ({"type": "bnode"} if value["type"] == "bnode"
                                       else _same_value(value))
                                for name, value in binding.items()}, sort_keys=True))
    return answer["head"]["vars"], sorted(rows)


def _graph(response: requests.Response) -> Graph:
    assert response.status_code == 200, response.text[:500]
    return Graph().parse(data=response.text, format="turtle")


# ---------------------------------------------------------------- an Oxigraph server

@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """Oxigraph's own HTTP server (PyPI ``oxigraph``), the second external store."""
    program = Path(sys.executable).with_name("oxigraph")
    port = free_port()
    process = subprocess.Popen(
        [str(program), "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
         "--bind", f"127.0.0.1:{port}", "--timeout-s", "10"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/query", params={"query": "ASK {}"}, timeout=2).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    yield {"store_endpoint": url + "/query", "store_update": url + "/update",
           "store_graph_store": url + "/store", "store_kind": "oxigraph"}
    stop_group(process, signal.SIGTERM, 20)


#: Whole-store answers compared row by row must not stop at the row cap (the sample's
#: store, reference tables included, holds more than the default 10,000 statements).
WHOLE = {"result_limit": 100_000}


@pytest.fixture(scope="module")
def embedded(sample_build):
    site = start_site(sample_build.with_overrides(**WHOLE))
    yield site
    site.close()


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def external(request, sample_build):
    if request.param == "virtuoso":
        config = on_virtuoso(request.getfixturevalue("virtuoso"), sample_build, "sample")
    else:
        config = sample_build.with_overrides(**request.getfixturevalue("oxigraph_server"),
                                             store_name="sample", publish_grace=0.0)
        publish(config)
    site = start_site(config.with_overrides(**WHOLE))
    yield site
    site.close()


def test_the_site_queries_the_store_it_was_published_to(external, sample_build):
    store = external.app.extensions["dskg"].store.store
    assert isinstance(store, RemoteStore)
    endpoints = Endpoints.from_config(external.config)
    build_id = external.app.extensions["dskg"].build.id
    assert published_build(endpoints) == build_id
    held = StoreAdmin(endpoints).graph_sizes(build_id)
    assert sorted(held) == external.app.extensions["dskg"].build.graph_names
    health = external.http.get(external.url + "/health").json()
    assert health["build"] == build_id


@pytest.mark.parametrize("query", [e.query for e in load_examples()] + QUERIES,
                         ids=[e.name for e in load_examples()] + [f"q{i}" for i in
                                                                   range(len(QUERIES))])
def test_every_query_answers_as_on_the_embedded_store(embedded, external, query):
    answers = [_rows(site.http.post(site.url + "/sparql", data={"query": query}, headers={
        "Accept": "application/sparql-results+json"})) for site in (embedded, external)]
    assert answers[0] == answers[1], _difference(answers[0], answers[1])


@pytest.mark.parametrize("query", GRAPH_QUERIES)
def test_graph_answers_are_isomorphic(embedded, external, query):
    graphs = [_graph(site.http.post(site.url + "/sparql", data={"query": query},
                                    headers={"Accept": "text/turtle"}))
              for site in (embedded, external)]
    assert len(graphs[0]) > 0
    assert isomorphic(graphs[0], graphs[1])


def test_the_default_graph_is_the_merge_of_the_named_graphs(embedded, external):
    """On an external store the default graph is one graph, the RDF merge of the named
    graphs: a statement two graphs share is there once. The embedded endpoint's union
    repeats it (Oxigraph's union default graph), the one known difference."""
    query = "SELECT * WHERE { ?s ?p ?o }"
    here, distinct, there = [_rows(site.http.post(site.url + "/sparql", data={
        "query": query}, headers={"Accept": "application/sparql-results+json"}), distinct)
        for site, distinct in ((embedded, False), (embedded, True), (external, False))]
    assert distinct == there, _difference(distinct, there)
    shared = embedded.http.post(embedded.url + "/sparql", headers={
        "Accept": "application/sparql-results+json"}, data={"query": (
            "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } GRAPH ?h { ?s ?p ?o } "
            "FILTER (STR(?g) < STR(?h)) }")}).json()["results"]["bindings"]
    assert len(here[1]) - len(there[1]) == len(shared)


def test_every_page_and_document_is_the_same(embedded, external):
    """Dereferencing, documents and the exploring pages, byte for byte (HTML) or as
    graphs (RDF), for every practice, organisation and concept the build names."""
    listing = embedded.http.get(embedded.url + "/sparql", params={
        "query": "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER (isIRI(?s)) }"},
        headers={"Accept": "application/sparql-results+json"}).json()
    subjects = [row["s"]["value"] for row in listing["results"]["bindings"]
                if row["s"]["value"].startswith(BASE + "id/")]
    assert len(subjects) > 10
    for iri in subjects:
        path = iri[len(BASE) - 1:]
        pages = [site.http.get(site.url + path, headers={"Accept": "text/html"})
                 for site in (embedded, external)]
        assert pages[0].status_code == pages[1].status_code == 200, iri
        assert pages[0].text == pages[1].text, iri
        documents = [_graph(site.http.get(site.url + path, headers={"Accept": "text/turtle"}))
                     for site in (embedded, external)]
        assert isomorphic(documents[0], documents[1]), iri
    for path in ("/", "/browse/practice", "/browse/organisation", "/search?q=digital",
                 "/queries", "/map", f"/graph?iri={subjects[0]}", "/def/dskg"):
        pages = [site.http.get(site.url + path) for site in (embedded, external)]
        assert pages[0].status_code == pages[1].status_code == 200, path
        assert pages[0].content == pages[1].content, path


def test_the_store_stops_a_long_query_at_the_time_limit(virtuoso, sample_build):
    config = on_virtuoso(virtuoso, sample_build.with_overrides(query_timeout=2.0), "sample")
    site = start_site(config)
    try:
        slow = site.http.post(site.url + "/sparql", data={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"},
            headers={"Accept": "application/sparql-results+json"})
        assert slow.status_code == 503, slow.text
        assert "timed out" in slow.text  # the message the embedded store gives
        quick = site.http.post(site.url + "/sparql", data={"query": "ASK { ?s ?p ?o }"},
                               headers={"Accept": "application/sparql-results+json"})
        assert quick.json()["boolean"] is True
        refused = site.http.post(site.url + "/sparql", data={
            "query": "DEFINE input:grab-all \"yes\" SELECT * WHERE { ?s ?p ?o }"})
        assert refused.status_code == 400  # Virtuoso's own extensions are not SPARQL 1.1
    finally:
        site.close()


# ---------------------------------------------------------------- publishing

class StallingProxy(ThreadingHTTPServer):
    """Forwards HTTP to the store, and holds every Graph Store upload after the first
    ``uploads`` forever: a publish that gets there is one stuck midway."""

    def __init__(self, target: str, uploads: int):
        self.target, self.uploads, self.seen = target, uploads, 0
        self.stalled = threading.Event()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: StallingProxy

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        proxy = self.server
        if self.path.startswith("/sparql-graph-crud") and body:
            proxy.seen += 1
            if proxy.seen > proxy.uploads:
                proxy.stalled.set()
                proxy.release.wait(120)
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
        answer = requests.request(self.command, proxy.target + self.path, data=body,
                                  headers=headers, timeout=120)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = _forward

    def log_message(self, *args) -> None:
        pass


def test_a_publish_killed_midway_leaves_the_old_build_served(virtuoso, tmp_path):
    config = virtuoso.configure(make_project(tmp_path / "p"), store_name="killed",
                                publish_grace=0.0)
    build(config)
    publish(config)
    old = published_build(Endpoints.from_config(config))
    site = start_site(config)
    before = site.http.get(site.url + "/browse/practice").text
    (config.data_dir / "sources" / "good-practices-listing.txt").write_text(
        (config.data_dir / "sources" / "good-practices-listing.txt").read_text()
        .replace("Digital Skills", "Digital Competences"), encoding="utf-8")
    build(config)
    proxy = StallingProxy(virtuoso.url, uploads=2)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    environment = {f"DSKG_{k.upper()}": str(v) for k, v in virtuoso.settings().items()} | {
        "DSKG_STORE_NAME": "killed", "DSKG_STORE_ISQL": "",
        "DSKG_STORE_GRAPH_STORE": proxy.url + "/sparql-graph-crud-auth",
        "DSKG_DATA_DIR": str(config.data_dir), "DSKG_VAR_DIR": str(config.var_dir),
        "DSKG_BASE": BASE}
    publishing = subprocess.Popen([sys.executable, "-m", "dskg.cli", "publish"],
                                  env={**os.environ, **environment},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert proxy.stalled.wait(60), "the publish never reached its third upload"
        publishing.kill()
        publishing.wait(10)
    finally:
        proxy.release.set()
        proxy.shutdown()
    endpoints = Endpoints.from_config(config)
    assert published_build(endpoints) == old
    assert len(StoreAdmin(endpoints).build_graphs()) == 2  # the old build, and a half
    assert site.http.get(site.url + "/browse/practice").text == before
    done = publish(config)  # the next publish drops the half-loaded graphs, then switches
    assert done.previous == old and done.build != old
    held = StoreAdmin(endpoints).build_graphs()
    assert list(held) == [done.build]
    site.close()
    fresh = start_site(config)
    try:
        assert "Digital Competences" in fresh.http.get(fresh.url + "/browse/practice").text
    finally:
        fresh.close()


def test_publish_and_serve_explain_what_is_missing(tmp_path, virtuoso):
    config = built_project(tmp_path / "p", make_project)
    line = one_clear_line(run_dskg("publish", config=config), code=2)
    assert "DSKG_STORE_ENDPOINT" in line
    unreachable = {"DSKG_STORE_ENDPOINT": f"http://127.0.0.1:{free_port()}/sparql",
                   "DSKG_STORE_UPDATE": f"http://127.0.0.1:{free_port()}/sparql"}
    line = one_clear_line(run_dskg("publish", config=config, env=unreachable))
    assert "cannot be reached" in line
    empty = {f"DSKG_{k.upper()}": v for k, v in virtuoso.settings().items()} | {
        "DSKG_STORE_NAME": "never-published", "DSKG_PORT": str(free_port())}
    line = one_clear_line(run_dskg("serve", config=config, env=empty, timeout=60))
    assert "no published build" in line and "dskg publish" in line
