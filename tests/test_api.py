"""Machine-readable views for portals and scripts: JSON for every list, stable CSV, HTML
views of the dataset's documents for browsers, the real shapes and ontology."""
from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH, VANN, XSD

from .conftest import VOCAB


@pytest.fixture(scope="module")
def server(mixed_site):
    return mixed_site


def get(server, path: str, **headers):
    return server.http.get(server.url + path, headers=headers)


def test_browse_as_json_with_rows_facets_and_pages(server):
    answer = get(server, "/browse/practice.json").json()
    assert answer["total"] > answer["page_size"] and answer["pages"] > 1
    assert len(answer["rows"]) == answer["page_size"]
    assert set(answer["rows"][0]) == {"iri", "title", "published", "url", "countries",
                                      "organisations", "snippet"}
    assert any(row["countries"] and row["snippet"] for row in answer["rows"])
    assert answer["previous_url"] is None
    countries = answer["facets"]["country"]
    assert sum(value["count"] for value in countries) >= answer["total"]
    bulgaria = next(value for value in countries if value["value"] == "BGR")
    assert bulgaria["iri"] == VOCAB + "id/country/BGR" and not bulgaria["selected"]
    chosen = get(server, bulgaria["toggle_url"]).json()
    assert chosen["filters"] == {"country": ["BGR"]} and chosen["total"] == bulgaria["count"]
    second = get(server, answer["next_url"]).json()
    assert second["page"] == 2 and second["rows"][0] != answer["rows"][0]
    same = get(server, "/browse/practice?_format=json").json()
    assert same["rows"] == answer["rows"]
    assert get(server, answer["html_url"], Accept="text/html").headers[
        "Content-Type"].startswith("text/html")


def test_json_keys_and_csv_columns_do_not_follow_the_reader_language(server):
    english = get(server, "/browse/practice.csv?country=BGR", **{"Accept-Language": "en"})
    bulgarian = get(server, "/browse/practice.csv?country=BGR", **{"Accept-Language": "bg"})
    assert english.text == bulgarian.text
    rows = list(csv.DictReader(io.StringIO(english.text)))
    assert rows and all(row["country"].split("; ").count("BGR") == 1 for row in rows)
    assert all("Bulgaria" in row["country_label"] for row in rows)
    for language in ("en", "bg"):
        answer = get(server, "/browse/practice.json?country=BGR",
                     **{"Accept-Language": language}).json()
        assert answer["filters"] == {"country": ["BGR"]}
        assert set(answer["facets"]) == {"country", "audience", "technology", "initiative",
                                          "funding", "funder", "year", "programme", "nuts1",
                                          "nuts2", "nuts3", "digcomp"}


@pytest.mark.parametrize("path", ["/browse/practice?country=ATLANTIS",
                                  "/browse/practice.json?audience=nobody",
                                  "/browse/practice.csv?country=ATLANTIS",
                                  "/browse/practice?_format=yaml"])
def test_unknown_facet_values_and_formats_are_400_naming_the_parameter(server, path):
    response = get(server, path, Accept="text/html")
    assert response.status_code == 400
    parameter = path.split("?")[1].split("=")[0]
    assert parameter in response.text


def test_search_as_json(server):
    answer = get(server, "/search.json?q=digital+skills").json()
    assert answer["q"] == "digital skills" and answer["total"] > 0
    row = answer["rows"][0]
    assert set(row) == {"iri", "title", "snippet", "url"} and "<mark>" not in row["snippet"]
    assert get(server, "/search?q=digital+skills&_format=json").json()["rows"] == answer["rows"]
    empty = get(server, "/search.json?q=").json()
    assert empty["total"] == 0 and empty["rows"] == [] and empty["next_url"] is None


@pytest.mark.parametrize("path, title", [("/.well-known/void", "VoID description"),
                                         ("/set/ldes", "Change stream")])
def test_dataset_documents_have_an_html_view_for_browsers(server, path, title):
    page = get(server, path, Accept="text/html,application/xhtml+xml")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert title in page.text and f'href="{path}.ttl"' in page.text
    turtle = get(server, path, Accept="text/turtle")
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=turtle.text, format="turtle")) > 5
    html = get(server, path + ".html").text
    assert main_of(html) == main_of(page.text)


def main_of(html: str) -> str:
    """A page's content (its language links name the address it was asked at)."""
    return html[html.index("<main>"):html.index("</main>")]


def test_shapes_document_holds_the_shapes(server):
    shapes = Graph().parse(data=get(server, "/def/shapes.ttl").text, format="turtle")
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) > 5
    assert len(set(shapes.subjects(RDF.type, SH.PropertyShape))) > 10


def test_ontology_document_metadata_and_version(server):
    ontology = Graph().parse(data=get(server, "/def/dskg.ttl").text, format="turtle")
    this = URIRef(VOCAB + "def/dskg")
    assert ontology.value(this, VANN.preferredNamespaceUri) == Literal(
        VOCAB + "def/dskg/", datatype=XSD.anyURI)
    assert len(set(ontology.subjects(RDF.type, OWL.Class))) > 3  # the whole ontology
    version = ontology.value(this, OWL.versionIRI)
    assert version is not None and str(version).startswith(VOCAB + "def/dskg/")
    path = "/" + str(version)[len(VOCAB):]
    again = Graph().parse(data=get(server, path + ".ttl").text, format="turtle")
    assert (this, OWL.versionIRI, version) in again
    assert get(server, path, Accept="text/html").status_code == 200


def test_start_years_are_listed_newest_first(server):
    years = [value["value"] for value in
             get(server, "/browse/practice.json").json()["facets"]["year"]]
    assert len(years) > 3 and years == sorted(years, reverse=True)


def test_map_classes_are_quantiles_with_a_labelled_legend():
    from server.europe import PALETTE, Classes

    counts = list(range(48, 84, 2)) + [0, 0, 5]
    classes = Classes.of(counts)
    fills = {classes.colour(count) for count in counts if count}
    assert len(fills) == len(PALETTE)  # close counts still get every colour
    legend = classes.legend()
    assert legend[0][1] == "0" and len(legend) == len(PALETTE) + 1
    for fill, label in legend[1:]:
        low, _, high = label.partition("–")
        assert classes.colour(int(low)) == fill and classes.colour(int(high or low)) == fill
    assert Classes.of([]).legend() == [(legend[0][0], "0")]
    assert Classes.of([7, 7, 7]).colour(7) == PALETTE[-1]


def test_map_page_has_a_legend_of_count_ranges(server):
    html = get(server, "/map").text
    assert 'class="legend map-legend"' in html
    assert html.count('class="swatch"') >= 3


@pytest.mark.parametrize("path", ["/.well-known/void.html", "/.well-known/void.ttl",
                                  "/set/catalog.ttl", "/set/catalog.rdf"])
def test_a_document_is_the_same_bytes_from_every_worker(mixed_build, path):
    """Two apps on one build (two workers, or two replicas) send a document with blank
    nodes byte for byte alike: it goes out under one ETag."""
    from server.app import create_app, in_process

    answers = []
    for _ in range(2):
        app = create_app(mixed_build, runner=in_process(mixed_build))
        response = app.test_client().get(path)
        assert response.status_code == 200
        answers.append((response.headers["ETag"], response.data))
    assert answers[0] == answers[1]
