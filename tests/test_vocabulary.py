"""One vocabulary for every deployment (issue 12, item 1).

The ontology and the concept schemes (countries included) live under one persistent
namespace, ``https://w3id.org/dskg/``, whatever a deployment's base; what a deployment
publishes keeps its base. So the example queries name only that namespace and run
unchanged anywhere: here on a real server whose base is not ``http://localhost:8080/``,
through ``dskg query --file`` and through SPARQLWrapper, with the same answers as on the
sample served under the default base. Every deployment still documents the vocabulary
at its own ``/def/…`` paths.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from dskg.build import build
from dskg.config import Config
from dskg.namespaces import Namespaces

from .conftest import BASE, ROOT, VOCAB, make_project, run_dskg
from .server_fixture import start_server, stop_server

OTHER = "https://skills.example.lu/kg/"
QUERIES = sorted((ROOT / "queries").glob("*.rq"))


def test_paths_choose_their_base():
    ns = Namespaces(OTHER, VOCAB)
    assert ns.iri("def/dskg") == URIRef(VOCAB + "def/dskg")
    assert ns.iri("def/audience/all") == URIRef(VOCAB + "def/audience/all")
    assert ns.country("bgr") == URIRef(VOCAB + "id/country/BGR")
    assert ns.iri("def/shapes") == URIRef(VOCAB + "def/shapes")  # the vocabulary's shapes
    assert ns.path(OTHER + "def/shapes") is None
    assert ns.practice("x") == URIRef(OTHER + "id/practice/x")
    assert ns.iri("def/countryside") == URIRef(OTHER + "def/countryside")
    assert ns.path(VOCAB + "def/technology/cloud-computing") == "def/technology/cloud-computing"
    assert ns.path(OTHER + "id/practice/x") == "id/practice/x"
    assert ns.path(VOCAB + "id/practice/x") is None  # not a vocabulary path
    assert ns.path(OTHER + "def/dskg") is None  # the ontology is not under the base
    assert ns.path("https://example.org/elsewhere") is None


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """The sample built and served under another base."""
    project = make_project(tmp_path_factory.mktemp("elsewhere"))
    config = Config(**{**project.__dict__, "base": OTHER})
    build(config)
    server = start_server(config)
    yield server
    stop_server(server)


def rows_of(answer: dict) -> int:
    return len(answer["results"]["bindings"])


@pytest.mark.gunicorn
@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_each_example_runs_unchanged_on_another_deployment(elsewhere, sample_site, path):
    text = path.read_text(encoding="utf-8")
    result = run_dskg("query", "--file", str(path), "--endpoint", elsewhere.url + "/sparql",
                      "--format", "json")
    assert result.returncode == 0, result.stderr
    by_cli = rows_of(json.loads(result.stdout))
    client = SPARQLWrapper(elsewhere.url + "/sparql")
    client.setQuery(text)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    by_client = rows_of(client.query().convert())
    at_home = rows_of(sample_site.http.get(
        sample_site.url + "/sparql", params={"query": text},
        headers={"Accept": "application/sparql-results+json"}).json())
    assert by_cli == by_client == at_home > 0


@pytest.mark.gunicorn
def test_every_deployment_documents_the_vocabulary(elsewhere):
    ontology = Graph().parse(data=requests.get(elsewhere.url + "/def/dskg",
                                               headers={"Accept": "text/turtle"}).text,
                             format="turtle")
    assert (URIRef(VOCAB + "def/dskg"), RDF.type, OWL.Ontology) in ontology
    concept = requests.get(elsewhere.url + "/def/audience/children",
                           headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=concept.text, format="turtle")
    assert (URIRef(VOCAB + "def/audience/children"), SKOS.inScheme,
            URIRef(VOCAB + "def/audience")) in graph
    page = requests.get(elsewhere.url + "/id/country/BGR", headers={"Accept": "text/html"})
    assert page.ok and "Bulgaria" in page.text and VOCAB + "id/country/BGR" in page.text
    practice = requests.get(elsewhere.url + "/doc/practice/digital-skills-partnership.ttl")
    graph = Graph().parse(data=practice.text, format="turtle")
    subject = URIRef(OTHER + "id/practice/digital-skills-partnership")
    assert (subject, URIRef(VOCAB + "def/dskg/country"), URIRef(VOCAB + "id/country/LUX")) \
        in graph
    assert BASE not in practice.text


def test_the_vocabulary_base_is_a_setting(tmp_path: Path):
    assert Config.from_env({"DSKG_VOCAB_BASE": "https://vocab.example.eu/x"}).vocab_base == \
        "https://vocab.example.eu/x/"
    assert Config().vocab_base == VOCAB
