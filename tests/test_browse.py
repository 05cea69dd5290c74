"""Faceted browse and search over HTTP, checked against independent SPARQL counts."""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from .conftest import BASE, VOCAB
from .inprocess import start_site

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

PATHS = {"country": f"<{VOCAB}def/dskg/country>", "audience": "<http://purl.org/dc/terms/audience>",
         "technology": f"<{VOCAB}def/dskg/technology>",
         "initiative": f"<{VOCAB}def/dskg/initiativeType>",
         "funding": f"<{VOCAB}def/dskg/fundingType>", "funder": "<https://schema.org/funder>",
         # The link facets, as SPARQL property paths (the level is the code's length).
         "programme": f"<https://schema.org/funder>/(<http://www.w3.org/2002/07/owl#sameAs>|"
                      f"<{VOCAB}def/dskg/euProgramme>)",
         **{f"nuts{level}": "(<http://purl.org/dc/terms/spatial>|<https://schema.org/location>"
            "/<http://purl.org/dc/terms/spatial>)/<http://www.w3.org/2004/02/skos/core#broader>*"
            for level in (1, 2, 3)},
         "digcomp": f"<{VOCAB}def/dskg/competence>/<http://www.w3.org/2004/02/skos/core#broader>"}
NAMESPACES = {"country": VOCAB + "id/country/", "audience": VOCAB + "def/audience/",
              "technology": VOCAB + "def/technology/",
              "initiative": VOCAB + "def/initiative-type/",
              "funding": VOCAB + "def/funding-type/", "funder": BASE + "id/funder/",
              "programme": "http://publications.europa.eu/resource/authority/eu-programme/",
              **{f"nuts{level}": "http://data.europa.eu/nuts/code/" for level in (1, 2, 3)},
              "digcomp": VOCAB + "def/digcomp/"}


#: A NUTS facet holds the regions of one level: the level is the code's length less two.
LEVELS = {f"nuts{level}": f" FILTER(STRLEN(?v) = {level + 2})" for level in (1, 2, 3)}


@pytest.fixture(scope="module")
def server(mixed_site):
    return mixed_site


def sparql_count(server, chosen: dict[str, str]) -> int:
    patterns = " ".join(f"?p {PATHS[f]} <{NAMESPACES[f]}{v}> ." for f, v in chosen.items())
    query = (f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{VOCAB}def/dskg/GoodPractice> . "
             f"{patterns} }}")
    response = server.http.get(server.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def page_counts(html: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for section in re.findall(r'<section class="facet" data-facet="(\w+)">(.*?)</section>', html, re.S):
        facet, body = section
        for href, n in re.findall(r'<a href="([^"]+)"[^>]*>.*?</a> <span class="count">(\d+)</span>',
                                  body, re.S):
            values = re.findall(rf"{facet}=([^&]+)", href.replace("&amp;", "&"))
            counts.setdefault(facet, {})
            for value in values:
                counts[facet].setdefault(requests.utils.unquote(value), int(n))
    return counts


def total(html: str) -> int:
    return int(re.search(r'<strong class="total">([\d,]+)</strong>', html).group(1)
               .replace(",", ""))


def test_single_facet_counts_equal_sparql_counts(server):
    html = server.http.get(server.url + "/browse/practice").text
    assert total(html) == sparql_count(server, {})
    counts = page_counts(html)
    checked = 0
    for facet, values in counts.items():
        if facet == "year":
            continue
        for value, n in values.items():
            assert n == sparql_count(server, {facet: value}), (facet, value)
            checked += 1
    assert checked > 30


def test_each_practice_lists_the_countries_sparql_gives_it(server):
    """The countries under each title in a list (FacetIndex.values_of) are the
    practice's dskg:country values, for every practice of the build."""
    index = server.app.extensions["dskg"].facet_index
    query = f"SELECT ?p ?c WHERE {{ ?p <{VOCAB}def/dskg/country> ?c }}"
    rows = server.http.get(server.url + "/sparql", params={"query": query},
                           headers={"Accept": "application/sparql-results+json"}).json()
    expected: dict[str, set[str]] = {}
    for row in rows["results"]["bindings"]:
        expected.setdefault(row["p"]["value"], set()).add(
            row["c"]["value"].removeprefix(NAMESPACES["country"]))
    listed = index.values_of("country", [p.number for p in index.practices])
    assert {p.iri: set(listed[p.number]) for p in index.practices if listed[p.number]} == expected
    assert len(expected) > 5


def sparql_counts_by(server, chosen: tuple[str, str], facet: str) -> dict[str, int]:
    """Practices per value of ``facet`` among those with the chosen facet value, by SPARQL."""
    chosen_facet, chosen_value = chosen
    if chosen_facet == "year":
        condition = (f"?p <https://schema.org/startDate> ?start "
                     f"FILTER(SUBSTR(STR(?start), 1, 4) = \"{chosen_value}\")")
    else:
        condition = f"?p {PATHS[chosen_facet]} <{NAMESPACES[chosen_facet]}{chosen_value}> ."
    if facet == "year":
        value = "?p <https://schema.org/startDate> ?d BIND(SUBSTR(STR(?d), 1, 4) AS ?v)"
    else:
        value = (f"?p {PATHS[facet]} ?value BIND(REPLACE(STR(?value), \"^.*/\", \"\") AS ?v)"
                 f"{LEVELS.get(facet, '')}")
    query = (f"SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{VOCAB}def/dskg/GoodPractice> . "
             f"{condition} {value} }} GROUP BY ?v")
    response = server.http.get(server.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    return {row["v"]["value"]: int(row["n"]["value"])
            for row in response.json()["results"]["bindings"]}


@pytest.mark.slow
def test_every_pair_of_facet_values_counts_like_sparql(server):
    """For every value shown on the first page, every count shown beside it once it is
    chosen equals a SPARQL count (start years included)."""
    first = page_counts(server.http.get(server.url + "/browse/practice").text)
    assert set(first) == set(PATHS) | {"year"}
    compared = 0
    for facet, values in first.items():
        for value, n in values.items():
            html = server.http.get(server.url + "/browse/practice", params={facet: value}).text
            assert total(html) == n, (facet, value)
            shown = page_counts(html)
            for other in first:
                if other == facet:
                    continue
                expected = sparql_counts_by(server, (facet, value), other)
                assert shown.get(other, {}) == dict(
                    sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:25]), \
                    (facet, value, other)
                compared += len(shown.get(other, {}))
    assert compared > 1000


def test_three_facets_together_count_like_sparql(server):
    first = page_counts(server.http.get(server.url + "/browse/practice").text)
    chosen = {facet: max(first[facet], key=first[facet].get)
              for facet in ("country", "audience", "technology")}
    html = server.http.get(server.url + "/browse/practice", params=chosen).text
    assert total(html) == sparql_count(server, chosen)


def test_values_of_one_facet_are_alternatives(server):
    both = server.http.get(server.url + "/browse/practice", params=[("country", "BGR"),
                                                                 ("country", "LUX")]).text
    assert total(both) == sparql_count(server, {"country": "BGR"}) + \
        sparql_count(server, {"country": "LUX"})


def test_state_in_url_pagination_sort_and_downloads(server):
    params = {"country": "BGR", "sort": "-title"}
    html = server.http.get(server.url + "/browse/practice", params=params).text
    titles = re.findall(r'<li><a href="/id/practice/[^"]+">([^<]+)</a>', html)
    assert titles == sorted(titles, key=str.casefold, reverse=True)
    rows = list(csv.DictReader(io.StringIO(server.http.get(
        server.url + "/browse/practice.csv", params=params).text)))
    assert len(rows) == total(html) == sparql_count(server, {"country": "BGR"})
    assert all("BGR" in row["country"].split("; ") for row in rows)
    assert all("Bulgaria" in row["country_label"] for row in rows)
    turtle = server.http.get(server.url + "/browse/practice.ttl", params=params)
    graph = Graph().parse(data=turtle.text, format="turtle")
    practices = set(graph.subjects(predicate=None, object=None))
    assert len(practices) == len(rows)
    assert server.http.get(server.url + "/browse/practice", params={"sort": "sideways"}).status_code == 400
    first = server.http.get(server.url + "/browse/practice", params={"sort": "-published"}).text
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "sort=-published" in next_link and "page=2" in next_link
    second = server.http.get(server.url + "/browse/practice" + next_link).text
    dates = re.findall(r"</a> <small>(\d{4}-\d{2}-\d{2})</small>", first + second)
    assert dates == sorted(dates, reverse=True) and len(dates) > 50
    hits = server.http.get(server.url + "/search", params={"q": "digital"}).text
    if 'rel="next"' in hits:
        assert "q=digital" in re.search(r'<a rel="next" href="([^"]+)"', hits).group(1)


@pytest.mark.parametrize("query, expected", [
    ("Пловдив", "Ученици програмират роботи в Пловдив"),
    ("пловдив", "Ученици програмират роботи в Пловдив"),
    ("δεξιότητες", "Ψηφιακές δεξιότητες για όλους"),
    ("δεξιοτητες", "Ψηφιακές δεξιότητες για όλους"),
    ("Régions", "Digital Skills for Bulgarian SMEs Programme"),  # "3 regions in Bulgaria"
    ("hilendarski", "Plovdiv school prepares artificial intelligence programmers"),
    ("IMS Luxembourg", "Digital Skills Partnership"),
    ("hilendar", "Plovdiv school prepares artificial intelligence programmers"),
    ("РОБОТИ", "Ученици програмират роботи в Пловдив"),
])
def test_search_folds_case_and_diacritics_in_every_script(server, query, expected):
    html = server.http.get(server.url + "/search", params={"q": query}).text
    assert expected in html
    assert "<mark>" in html


def test_search_ranks_titles_first(server):
    html = server.http.get(server.url + "/search", params={"q": "plovdiv"}).text
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', html)
    assert titles[0] == "Plovdiv school prepares artificial intelligence programmers"


@pytest.mark.parametrize("attack", ['" OR 1=1 --', "title:*", "NEAR(a b)", "a AND",
                                    "'; DROP TABLE practice; --", "<script>alert(1)</script>",
                                    '""""', "*", "^x"])
def test_injection_in_search_is_just_text(server, attack):
    response = server.http.get(server.url + "/search", params={"q": attack})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert server.http.get(server.url + "/browse/practice").status_code == 200


@pytest.mark.parametrize("attack", ["BGR' OR '1'='1", "<script>x</script>", "../../etc/passwd",
                                    "BGR> } ; DROP", "%00"])
def test_injection_in_facets_is_a_400_naming_the_parameter(server, attack):
    response = server.http.get(server.url + "/browse/practice", params={"country": attack})
    assert response.status_code == 400
    assert "country=" in response.text and "is not a value of the country facet" in response.text
    assert "<script>x" not in response.text


def test_facet_labels_follow_accept_language(server):
    html = server.http.get(server.url + "/browse/practice",
                        headers={"Accept-Language": "bg,en;q=0.5"}).text
    assert "България" in html
    assert "Bulgaria" in server.http.get(server.url + "/browse/practice").text


from server.examples import load_examples  # noqa: E402


@pytest.mark.parametrize("example", load_examples(), ids=lambda e: e.name)
def test_every_example_query_answers_on_the_sample(sample_site, example):
    response = sample_site.http.get(sample_site.url + "/sparql", params={"query": example.query},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.ok, response.text
    rows = response.json()["results"]["bindings"]
    assert rows, f"{example.name} returned nothing"
    assert all(row for row in rows)


def test_gallery_lists_at_least_twelve_runnable_examples(sample_site):
    page = sample_site.http.get(sample_site.url + "/queries").text
    runs = re.findall(r'<a class="run" href="([^"]+)"', page)
    assert len(runs) >= 12
    first = sample_site.http.get(sample_site.url + runs[0].replace("&amp;", "&"),
                         headers={"Accept": "text/html"})
    assert first.ok and "<table class=\"results\">" in first.text


def test_examples_name_only_the_vocabulary(tmp_path):
    """No example names a deployment's IRIs, so each runs unchanged anywhere; a
    deployment with a vocabulary base of its own gets them rewritten for it."""
    for example in load_examples():
        iris = set(re.findall(r"<(https?://[^>]+)>", example.query))
        assert all(not iri.startswith(BASE) for iri in iris), example.name
    moved = load_examples("https://vocab.example.eu/")
    assert all(VOCAB not in e.query for e in moved)
    assert any("https://vocab.example.eu/def/dskg/" in e.query for e in moved)


def test_map_links_every_country_to_its_filtered_browse_page(server):
    page = server.http.get(server.url + "/map").text
    links = dict(re.findall(r'<a href="/browse/practice\?country=(\w+)" class="country" '
                            r'data-country="\w+" aria-label="[^"]+">\s*<path d="[^"]+" '
                            r'fill="[^"]+"><title>[^:]+: (\d+) practice', page))
    assert len(links) == 40
    for code in ("BGR", "GRC", "LUX", "EST"):
        expected = sparql_count(server, {"country": code})
        assert int(links[code]) == expected
        browse = server.http.get(server.url + f"/browse/practice?country={code}").text
        assert total(browse) == expected


def test_search_page_says_when_ranking_is_capped(tmp_path, server):
    site = start_site(server.config.with_overrides(search_ranked=5))
    try:
        capped = site.http.get(site.url + "/search", params={"q": "robotics academy"}).text
        narrow = site.http.get(site.url + "/search", params={"q": "plovdiv"}).text
    finally:
        site.close()
    assert 'class="notice ranking"' in capped and "More than 5 practices match" in capped
    assert 'class="notice ranking"' not in narrow


def test_a_facet_can_list_all_its_values(server):
    first = server.http.get(server.url + "/browse/practice").text
    assert len(page_counts(first)["country"]) == 25
    more = re.search(r'data-facet="country">.*?<p class="more"><a href="([^"]+)"',
                     first, re.S).group(1).replace("&amp;", "&")
    everything = server.http.get(server.url + "/browse/practice" + more).text
    query = (f"SELECT DISTINCT ?c WHERE {{ ?p a <{VOCAB}def/dskg/GoodPractice> ; "
             f"{PATHS['country']} ?c }}")
    rows = server.http.get(server.url + "/sparql", params={"query": query},
                        headers={"Accept": "application/sparql-results+json"}
                        ).json()["results"]["bindings"]
    countries = {row["c"]["value"].rsplit("/", 1)[-1] for row in rows}
    all_shown = page_counts(everything)["country"]
    assert len(all_shown) > 25
    assert set(all_shown) == countries
    assert ">Fewer</a>" in everything


def test_sparql_clients_take_every_example_for_the_query_it_is():
    """SPARQLWrapper guesses a query's kind from its first keyword-like word, comments
    included ("added" once made an example an ADD update, sent as one and refused)."""
    from SPARQLWrapper import SPARQLWrapper

    for example in load_examples():
        client = SPARQLWrapper("http://localhost/sparql")
        client.setQuery(example.query)
        assert client.queryType == "SELECT", example.name
