"""The server on a larger generated graph (hub pagination) and under a public base IRI."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef

from dskg.build import build

from .conftest import VOCAB, make_project
from .server_fixture import start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import generate  # noqa: E402

#: Real builds and servers, one or more per test.
pytestmark = [pytest.mark.slow, pytest.mark.gunicorn]

PUBLIC = "https://data.example.eu/dskg/"


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    folder = tmp_path_factory.mktemp("large")
    config = make_project(folder).with_overrides(page_size=10)
    # 500 practices (about 20 in Bulgaria): hubs and lists of more than one page of 10.
    (config.data_dir / "sources" / "synthetic.txt").write_text(generate(500), encoding="utf-8")
    build(config)
    running = start_server(config)
    yield running
    stop_server(running)


def test_hub_inverse_links_are_paginated(large):
    first = requests.get(large.url + "/doc/country/BGR.ttl")
    links = first.headers["Link"]
    assert 'rel="next"' in links and "page=2" in links
    graph = Graph().parse(data=first.text, format="turtle")
    pointing = set(graph.subjects(URIRef(VOCAB + "def/dskg/country"), URIRef(VOCAB + "id/country/BGR")))
    assert len(pointing) <= 10
    total = set()
    page = 1
    while True:
        response = requests.get(large.url + f"/doc/country/BGR.ttl?page={page}")
        g = Graph().parse(data=response.text, format="turtle")
        total |= set(g.subjects(URIRef(VOCAB + "def/dskg/country"), URIRef(VOCAB + "id/country/BGR")))
        if 'rel="next"' not in response.headers["Link"]:
            break
        page += 1
    count = requests.get(large.url + "/sparql", headers={"Accept": "application/sparql-results+json"},
                         params={"query": f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p <{VOCAB}def/dskg/country> "
                                          f"<{VOCAB}id/country/BGR> }}"}).json()
    assert len(total) == int(count["results"]["bindings"][0]["n"]["value"]) > 10
    html = requests.get(large.url + "/doc/country/BGR?page=2", headers={"Accept": "text/html"})
    assert "page 2 of" in html.text


def test_browse_lists_are_paginated_from_build_indexes(large):
    first = requests.get(large.url + "/browse/practice").text
    assert '<strong class="total">503</strong> in all' in first and "page 1 of 51" in first
    last = requests.get(large.url + "/browse/practice?page=51")
    assert last.ok
    assert requests.get(large.url + "/browse/practice?page=52").status_code == 404


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public")
    config = make_project(folder).with_overrides(base=PUBLIC)
    build(config)
    running = start_server(config, env={"DSKG_PROXIES": "1"})
    yield running
    stop_server(running)


def test_public_base_served_on_localhost_maps_paths_to_iris(public):
    response = requests.get(public.url + "/doc/practice/digital-skills-partnership.ttl")
    graph = Graph().parse(data=response.text, format="turtle")
    practice = URIRef(PUBLIC + "id/practice/digital-skills-partnership")
    assert (practice, URIRef(VOCAB + "def/dskg/country"), URIRef(VOCAB + "id/country/LUX")) in graph
    assert f'<{practice}>; rel="describes"' in response.headers["Link"]
    redirect = requests.get(public.url + "/id/practice/digital-skills-partnership",
                            allow_redirects=False)
    assert redirect.headers["Location"].endswith("/doc/practice/digital-skills-partnership")


def test_behind_a_proxy_with_a_path_prefix_links_stay_right(public):
    headers = {"X-Forwarded-Host": "data.example.eu", "X-Forwarded-Proto": "https",
               "X-Forwarded-Prefix": "/dskg", "X-Forwarded-For": "203.0.113.9",
               "Accept": "text/html"}
    page = requests.get(public.url + "/doc/practice/digital-skills-partnership", headers=headers)
    assert page.ok
    assert 'href="/dskg/doc/country/LUX"' in page.text or 'href="/dskg/id/country/LUX"' in page.text
    redirect = requests.get(public.url + "/id/practice/digital-skills-partnership",
                            headers=headers, allow_redirects=False)
    assert redirect.headers["Location"] in (
        "/dskg/doc/practice/digital-skills-partnership",
        "https://data.example.eu/dskg/doc/practice/digital-skills-partnership")
    described = requests.get(public.url + "/sparql", headers={"Accept": "text/turtle",
                             "X-Forwarded-Host": "data.example.eu",
                             "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/dskg"})
    assert "https://data.example.eu/dskg/sparql" in described.text
