"""The clients researchers use, as they use them: SPARQLWrapper with every return
format it offers, rdflib dereferencing an IRI in every format it asks for, and the
``dskg`` command's own answers to a missing file and an endpoint's error."""
from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TURTLE, XML, SPARQLWrapper

from .conftest import BASE, one_clear_line, run_dskg

pytestmark = pytest.mark.slow
PRACTICE = URIRef(BASE + "id/practice/digital-skills-partnership")
PARSERS = {JSON: "json-ld", JSONLD: "json-ld", TURTLE: "turtle", N3: "n3", XML: "xml",
           RDFXML: "xml"}
CONSTRUCT = f"CONSTRUCT {{ <{PRACTICE}> ?p ?o }} WHERE {{ <{PRACTICE}> ?p ?o }}"


@pytest.mark.parametrize("wanted", [RDFXML, N3, TURTLE, JSONLD, XML, JSON])
def test_sparqlwrapper_gets_a_graph_in_every_return_format(sample_server, wanted):
    """SPARQLWrapper sends ``format=rdf+xml`` or ``format=n3`` besides its Accept
    header; both are formats the endpoint knows (N3 is answered in Turtle, which is N3)."""
    client = SPARQLWrapper(sample_server.url + "/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(wanted)
    graph = client.query().convert()
    if not isinstance(graph, Graph):  # some formats come back as text to parse
        graph = Graph().parse(data=graph if isinstance(graph, str) else graph.decode(),
                              format=PARSERS[wanted])
    assert (PRACTICE, None, None) in graph and len(graph) > 5


@pytest.mark.parametrize("wanted", [JSON, XML, CSV])
def test_sparqlwrapper_gets_results_in_every_format(sample_server, wanted):
    client = SPARQLWrapper(sample_server.url + "/sparql")
    client.setQuery(f"SELECT ?p WHERE {{ <{PRACTICE}> ?p ?o }}")
    client.setReturnFormat(wanted)
    assert client.query().convert()


def test_an_unknown_format_name_leaves_the_choice_to_accept(sample_server):
    import requests

    answer = requests.get(sample_server.url + "/sparql", params={
        "query": CONSTRUCT, "format": "something-else"}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(
        "text/turtle")


@pytest.mark.parametrize("fmt", ["nt", "n3", "turtle", "xml", "json-ld"])
def test_rdflib_reads_an_iri_in_every_format_it_asks_for(sample_server, fmt):
    """rdflib asks ``text/plain`` for N-Triples and ``text/n3`` for N3: both are RDF
    answers, never the HTML page."""
    graph = Graph().parse(sample_server.url + "/id/practice/digital-skills-partnership",
                          format=fmt)
    assert (PRACTICE, None, None) in graph


def test_the_cli_names_a_missing_query_file_and_an_endpoint_error(sample_server, tmp_path):
    line = one_clear_line(run_dskg("query", "--file", str(tmp_path / "missing.rq")))
    assert line.startswith(f"dskg query: {tmp_path / 'missing.rq'}: No such file")
    update = run_dskg("query", "INSERT DATA { <http://x> <http://y> <http://z> }",
                      "--endpoint", sample_server.url + "/sparql")
    line = one_clear_line(update)
    assert line.startswith(f"dskg query: {sample_server.url}/sparql answered HTTP 4")
    assert "cannot reach" not in line
    assert run_dskg("--version").stdout.startswith("dskg ")
