"""The exploring pages over plain HTTP: editor settings, local assets, the graph view's data."""
from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from .conftest import BASE, VOCAB

DSKG = f"{VOCAB}def/dskg/"


def assets(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+\.(?:js|css|svg))"', html)


@pytest.mark.parametrize("path", ["/sparql", "/id/country/BGR", "/browse/practice", "/map"])
def test_pages_load_scripts_and_styles_from_our_own_server(mixed_site, path):
    html = mixed_site.http.get(mixed_site.url + path, headers={"Accept": "text/html"}).text
    found = assets(html)
    assert found
    for src in found:
        assert src.startswith("/static/"), f"{src} is not served by us"
        response = mixed_site.http.get(mixed_site.url + src)
        assert response.status_code == 200 and len(response.content) > 100, src


def test_editor_gets_endpoint_prefixes_and_starter_query(mixed_site):
    html = mixed_site.http.get(mixed_site.url + "/sparql", headers={"Accept": "text/html"}).text
    block = re.search(r'<script type="application/json" id="editor-settings">(.*?)</script>',
                      html, re.S).group(1)
    settings = json.loads(block)
    assert settings["endpoint"] == mixed_site.url + "/sparql"
    assert settings["prefixes"]["dskg"] == DSKG
    assert f"PREFIX dskg: <{DSKG}>" in settings["starter"]
    answer = mixed_site.http.get(mixed_site.url + "/sparql", params={"query": settings["starter"]},
                          headers={"Accept": "application/sparql-results+json"}).json()
    assert answer["results"]["bindings"], "the starter query answers"


def test_share_link_keeps_every_character_of_the_query(mixed_site):
    query = 'SELECT ?p WHERE { ?p a ?c ; ?x "a&b;c#d" } LIMIT 1'
    html = mixed_site.http.get(mixed_site.url + "/sparql", params={"query": query},
                        headers={"Accept": "text/html"}).text
    link = re.search(r'<p class="share">.*?<a href="([^"]+)"', html).group(1)
    raw_query = urllib.parse.urlsplit(link.replace("&amp;", "&")).query
    assert ";" not in raw_query and "#" not in raw_query
    assert urllib.parse.parse_qs(raw_query)["query"] == [query]


def test_graph_of_a_practice_links_its_neighbours(mixed_site):
    practice = f"{BASE}id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
    answer = mixed_site.http.get(mixed_site.url + "/graph", params={"iri": practice}).json()
    nodes = {e["data"]["id"]: e["data"] for e in answer["elements"] if "source" not in e["data"]}
    edges = [e["data"] for e in answer["elements"] if "source" in e["data"]]
    assert nodes[practice]["kind"] == "practice"
    assert nodes[f"{VOCAB}id/country/BGR"] == {
        "id": f"{VOCAB}id/country/BGR", "label": "Bulgaria", "kind": "country",
        "href": "/id/country/BGR"}
    assert {"source": practice, "target": f"{VOCAB}id/country/BGR"}.items() <= \
        next(e for e in edges if e["target"] == f"{VOCAB}id/country/BGR").items()
    assert all(e["source"] in nodes and e["target"] in nodes for e in edges)
    assert not any(e["label"] == "type" for e in edges), "rdf:type links are left out"


def test_graph_of_a_hub_is_bounded_and_counts_what_it_leaves_out(mixed_site):
    audience = f"{VOCAB}def/audience/all"
    answer = mixed_site.http.get(mixed_site.url + "/graph", params={"iri": audience}).json()
    incoming = [e["data"] for e in answer["elements"]
                if e["data"].get("target") == audience and "more" not in e["data"]["id"]]
    more = next(e["data"] for e in answer["elements"] if e["data"]["id"] == audience + " more-in")
    query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{audience}> "
             "} }")
    total = int(mixed_site.http.get(mixed_site.url + "/sparql", params={"query": query},
                             headers={"Accept": "application/sparql-results+json"}
                             ).json()["results"]["bindings"][0]["n"]["value"])
    assert len(incoming) == 20
    assert more["label"] == f"+{total - 20} more"
    assert more["href"] == "/def/audience/all#linked-from"


def test_graph_labels_follow_accept_language(mixed_site):
    answer = mixed_site.http.get(mixed_site.url + "/graph", params={"iri": f"{VOCAB}id/country/BGR"},
                          headers={"Accept-Language": "bg"}).json()
    centre = next(e["data"] for e in answer["elements"] if e["data"]["id"].endswith("/BGR"))
    assert centre["label"] == "България"


@pytest.mark.parametrize("iri, status", [("", 400), (f"{BASE}id/practice/nothing-here", 404),
                                         ("<script>alert(1)</script>", 400),
                                         ("} ; DROP ALL ; {", 400),
                                         ("http://example.org/x> } ; DROP ALL ; {", 400)])
def test_graph_refuses_what_it_cannot_describe(mixed_site, iri, status):
    response = mixed_site.http.get(mixed_site.url + "/graph", params={"iri": iri})
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["detail"] and problem["title"]


def test_graph_answers_are_cacheable_per_build(mixed_site):
    url = mixed_site.url + "/graph"
    first = mixed_site.http.get(url, params={"iri": f"{VOCAB}id/country/BGR"})
    again = mixed_site.http.get(url, params={"iri": f"{VOCAB}id/country/BGR"},
                         headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
