"""A federated graph (issue 12, item 2): two national dskg nodes, each a real server
built from its own pages, and an aggregator that follows both event streams.

The aggregator replays each node's members with their own IRIs into a named graph of
that node; its SPARQL counts are the sum of the nodes'; an edit and a deletion on one
node reach it at its next harvest as one update and one removal; a node that is down
keeps its last copy there; its catalogue lists each node's catalogue as a member.
"""
from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
import requests
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from dskg.build import build
from dskg.catalog import validate_catalog
from dskg.config import Config
from dskg.harvest.cache import load_cache

from .conftest import PAGES, ROOT, SAMPLE, make_project, run_dskg
from .inprocess import start_site
from .server_fixture import free_port, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.gunicorn]
PRACTICE = "https://w3id.org/dskg/def/dskg/GoodPractice"
#: The aggregator's base: its own server's address, so its stream's fragments resolve.
AGGREGATOR_PORT = free_port()
AGGREGATOR = f"http://127.0.0.1:{AGGREGATOR_PORT}/"
COUNT = f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{PRACTICE}> }}"


def node(tmp_path_factory, name: str, page):
    port = free_port()
    project = make_project(tmp_path_factory.mktemp(name), pages=[page])
    config = Config(**{**project.__dict__, "base": f"http://127.0.0.1:{port}/",
                       "follow_builds": 0.5})
    build(config)
    return config, start_server(config, port=port)


def count(url: str) -> int:
    answer = requests.get(url + "/sparql", params={"query": COUNT},
                          headers={"Accept": "application/sparql-results+json"})
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def federation(tmp_path_factory):
    first = node(tmp_path_factory, "node-bg", SAMPLE)
    second = node(tmp_path_factory, "node-gr", PAGES / "listing-page-2.txt")
    folder = tmp_path_factory.mktemp("aggregator")
    aggregator = Config(base=AGGREGATOR, data_dir=folder / "data",
                        var_dir=folder / "var", ontology_dir=first[0].ontology_dir,
                        shapes_dir=first[0].shapes_dir)
    aggregator.data_dir.mkdir()
    (aggregator.data_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": [
        {"name": name, "kind": "ldes", "url": server.url + "/set/ldes",
         "politeness": {"rate": 50, "retries": 0, "timeout": 5}}
        for name, (_, server) in (("node-bg", first), ("node-gr", second))]}))
    yield first, second, aggregator
    for _, server in (first, second):
        stop_server(server)


def harvest_and_build(aggregator) -> list[dict]:
    result = run_dskg("harvest", "--json", config=aggregator,
                      env={"DSKG_BASE": aggregator.base})
    summaries = json.loads(result.stdout)
    build(aggregator)
    return summaries


def test_the_aggregator_holds_the_union_and_follows_edits(federation):
    (first_config, first), (_, second), aggregator = federation
    summaries = harvest_and_build(aggregator)
    assert [s["error"] for s in summaries] == [None, None]
    site = start_site(aggregator)
    try:
        total = int(site.http.get(
            site.url + "/sparql", params={"query": COUNT},
            headers={"Accept": "application/sparql-results+json"}).json()
            ["results"]["bindings"][0]["n"]["value"])
        assert total == count(first.url) + count(second.url) > 0
        graphs = site.http.get(site.url + "/sparql", params={"query": (
            "SELECT ?g (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?p a "
            f"<{PRACTICE}> }} }} GROUP BY ?g")},
            headers={"Accept": "application/sparql-results+json"}).json()
        by_graph = {row["g"]["value"]: int(row["n"]["value"])
                    for row in graphs["results"]["bindings"]}
        assert by_graph == {AGGREGATOR + "set/node/node-bg": count(first.url),
                            AGGREGATOR + "set/node/node-gr": count(second.url)}
        browse = site.http.get(site.url + "/browse/practice").text
        assert f'href="{first.url}/id/practice/' in browse
        catalog = Graph().parse(data=site.http.get(
            site.url + "/set/catalog", headers={"Accept": "text/turtle"}).text,
            format="turtle")
        members = set(catalog.objects(URIRef(AGGREGATOR + "set/catalog"),
                                      DCAT.catalog))
        assert members == {URIRef(first.url + "/set/catalog"),
                           URIRef(second.url + "/set/catalog")}
        assert [f for f in validate_catalog(catalog) if f.is_violation] == []
    finally:
        site.close()

    # An edit and a deletion on the first node reach the aggregator as one update and
    # one removal.
    page = first_config.data_dir / "sources" / SAMPLE.name
    text = page.read_text(encoding="utf-8")
    edited = "Meet, exchange and collaborate between businesses and promoters of digital projects."
    assert edited in text
    text = text.replace(edited, edited.replace("promoters of ", ""))
    page.write_text(text[:text.index("By AI & ML")], encoding="utf-8")
    _, published = build(first_config)
    deadline = time.monotonic() + 60  # the node switches to its new build by itself
    while first.health()["build"] != published.name and time.monotonic() < deadline:
        time.sleep(0.2)
    [changed, unchanged] = harvest_and_build(aggregator)
    assert (changed["new"], changed["changed"], changed["withdrawn"]) == (0, 1, 1)
    assert (unchanged["new"], unchanged["changed"], unchanged["withdrawn"]) == (0, 0, 0)
    cache = load_cache(aggregator.var_dir, "node-bg")
    gone = first.url + "/id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
    assert cache.items[gone].status == "withdrawn"
    site = start_site(aggregator)
    try:
        answer = site.http.get(site.url + "/sparql", params={"query": COUNT},
                               headers={"Accept": "application/sparql-results+json"}).json()
        assert int(answer["results"]["bindings"][0]["n"]["value"]) == \
            count(first.url) + count(second.url)
    finally:
        site.close()


def test_the_ldes_client_replays_the_aggregators_own_stream(federation):
    """The aggregator republishes what it follows: the npm ``ldes-client`` harvesters
    use reads its stream to the end, every member once."""
    _, _, aggregator = federation
    if not load_cache(aggregator.var_dir, "node-gr"):
        harvest_and_build(aggregator)
    client = ROOT / "node_modules" / ".bin" / "ldes-client"
    assert client.exists(), "run `npm ci` (make install) for the ldes-client"
    server = start_server(aggregator, port=AGGREGATOR_PORT)
    try:
        versions = Graph()
        for fragment in (aggregator.var_dir / "history" / "fragments").glob("*.nt"):
            versions.parse(fragment, format="nt")
        expected = len(set(versions.subjects(DCTERMS.isVersionOf, None)))
        # The stream's tree:shape names the vocabulary's shape (https://w3id.org/dskg/…),
        # which this machine cannot reach: the client reads its document where every
        # deployment serves the vocabulary, as a harvester without that host would.
        result = subprocess.run([str(client), "--shape-file",
                                 server.url + "/def/shapes/StreamMember.ttl",
                                 server.url + "/set/ldes"], capture_output=True, text=True,
                                timeout=120)
    finally:
        stop_server(server)
    assert result.returncode == 0, result.stderr[-2000:]
    emitted = set(re.findall(r"<(" + re.escape(AGGREGATOR) + r"set/ldes/version/[^>]+)>",
                             result.stdout))
    assert len(emitted) == expected > 0


def test_a_node_that_is_down_keeps_its_last_copy(federation):
    (_, first), (_, second), aggregator = federation
    if not load_cache(aggregator.var_dir, "node-gr"):
        harvest_and_build(aggregator)
    before = count(second.url)
    stop_server(second)
    result = run_dskg("harvest", "--json", config=aggregator,
                      env={"DSKG_BASE": aggregator.base})
    assert result.returncode == 1
    summaries = {s["source"]: s for s in json.loads(result.stdout)}
    assert "cannot connect" in summaries["node-gr"]["error"]
    build(aggregator)
    site = start_site(aggregator)
    try:
        graphs = site.http.get(site.url + "/sparql", params={"query": (
            "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH "
            f"<{AGGREGATOR}set/node/node-gr> {{ ?p a <{PRACTICE}> }} }}")},
            headers={"Accept": "application/sparql-results+json"}).json()
        assert int(graphs["results"]["bindings"][0]["n"]["value"]) == before
    finally:
        site.close()
