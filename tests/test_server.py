"""The linked-data server: SPARQL protocol, dereferencing, HTML pages; in-process where
a real server adds nothing, over real HTTP for real clients and process limits."""
from __future__ import annotations

import csv
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from .conftest import BASE, SERVER_LIMITS, VOCAB
from .inprocess import start_site
from .server_fixture import query_from

PREFIXES = f"""PREFIX dskg: <{VOCAB}def/dskg/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
SCHOOL = BASE + "id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def site(sample_build):
    """The app in-process, for everything a real server is not needed for, with the
    real server's small limits."""
    site = start_site(sample_build.with_overrides(**SERVER_LIMITS))
    yield site
    site.close()


@pytest.fixture(scope="module")
def server(sample_server):
    """A real server, for clients that open their own connections (SPARQLWrapper, the
    CLI) and for what only processes show (timeouts killing evaluators)."""
    return sample_server


def sparql(server, query: str, fmt) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(PREFIXES + query)
    client.setReturnFormat(fmt)
    return client


# ---------------------------------------------------------------- SPARQLWrapper

@pytest.mark.slow
def test_select_in_every_result_format(server):
    query = "SELECT ?p ?title WHERE { ?p a dskg:GoodPractice ; dct:title ?title } ORDER BY ?title"
    answer = sparql(server, query, JSON).queryAndConvert()
    titles = [b["title"]["value"] for b in answer["results"]["bindings"]]
    assert titles == ["Digital Skills Partnership", "Digital Skills for Bulgarian SMEs Programme",
                      "Plovdiv school prepares artificial intelligence programmers"]
    assert answer["results"]["bindings"][0]["title"]["xml:lang"] == "en"
    document = sparql(server, query, XML).queryAndConvert()
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert len(document.getElementsByTagNameNS(ns["r"], "result")) == 3
    rows = list(csv.reader(io.StringIO(sparql(server, query, CSV).queryAndConvert().decode())))
    assert rows[0] == ["p", "title"] and rows[3][1].startswith("Plovdiv")
    tsv = sparql(server, query, TSV).queryAndConvert().decode().splitlines()
    assert tsv[0] == "?p\t?title" and tsv[1].endswith('"Digital Skills Partnership"@en')


@pytest.mark.slow
def test_ask_in_json_and_xml(server):
    query = f"ASK {{ <{SCHOOL}> dskg:country <{VOCAB}id/country/BGR> }}"
    assert sparql(server, query, JSON).queryAndConvert()["boolean"] is True
    no = sparql(server, f"ASK {{ <{SCHOOL}> dskg:country <{VOCAB}id/country/FRA> }}", XML)
    assert no.queryAndConvert() is False or "false" in no.queryAndConvert().toxml()


@pytest.mark.parametrize("fmt, rdflib_format", [(TURTLE, "turtle"), (JSONLD, "json-ld"),
                                                (RDFXML, "xml"), (N3, "turtle")])
@pytest.mark.slow
def test_construct_and_describe_in_rdf_formats(server, fmt, rdflib_format):
    construct = sparql(server, "CONSTRUCT { ?p dct:title ?t } WHERE { ?p dct:title ?t ; "
                               "a dskg:GoodPractice }", fmt)
    construct.setOnlyConneg(True)
    raw = construct.query().response.read()
    graph = Graph().parse(data=raw, format=rdflib_format)
    assert len(graph) == 3
    describe = sparql(server, f"DESCRIBE <{SCHOOL}>", fmt)
    describe.setOnlyConneg(True)
    described = Graph().parse(data=describe.query().response.read(), format=rdflib_format)
    assert len(described) > 10


# ---------------------------------------------------------------- protocol rules

def test_get_and_both_post_forms_agree(site):
    query = PREFIXES + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a dskg:GoodPractice }"
    accept = {"Accept": "application/sparql-results+json"}
    get = site.http.get(site.url + "/sparql", params={"query": query}, headers=accept)
    form = site.http.post(site.url + "/sparql", data={"query": query}, headers=accept)
    direct = site.http.post(site.url + "/sparql", data=query.encode(),
                           headers=accept | {"Content-Type": "application/sparql-query"})
    answers = [r.json()["results"]["bindings"][0]["n"]["value"] for r in (get, form, direct)]
    assert answers == ["3", "3", "3"]


def test_default_and_named_graph_parameters(site):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s dskg:country ?c }"
    def ask(params):
        response = site.http.get(site.url + "/sparql", params={"query": PREFIXES + count, **params},
                                headers={"Accept": "application/sparql-results+json"})
        return int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert ask({}) == 3                                     # union of all graphs
    assert ask({"default-graph-uri": BASE + "set/practices"}) == 2
    assert ask({"default-graph-uri": BASE + "set/curation"}) == 1
    named = PREFIXES + "SELECT ?g WHERE { GRAPH ?g { ?s dskg:country ?c } }"
    response = site.http.get(site.url + "/sparql", headers={"Accept": "text/csv"},
                            params={"query": named, "named-graph-uri": BASE + "set/curation"})
    assert response.text.split() == ["g", BASE + "set/curation"]


def test_format_parameter_overrides_accept(site):
    response = site.http.get(site.url + "/sparql", params={"query": "ASK {}", "format": "xml"})
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    response = site.http.get(site.url + "/sparql",
                            params={"query": "CONSTRUCT WHERE { ?s a ?t } LIMIT 1",
                                    "format": "ntriples"})
    assert response.headers["Content-Type"].startswith("application/n-triples")


def test_syntax_error_is_400_with_the_parser_message(site):
    response = site.http.get(site.url + "/sparql", params={"query": "SELEKT * WHERE {}"})
    assert response.status_code == 400
    assert "syntax error" in response.text.lower() and "1:1" in response.text or \
        "expected" in response.text.lower()


def test_updates_are_refused(site):
    update = "INSERT DATA { <http://x> <http://y> <http://z> }"
    as_update = site.http.post(site.url + "/sparql", data={"update": update})
    as_body = site.http.post(site.url + "/sparql", data=update,
                            headers={"Content-Type": "application/sparql-update"})
    as_query = site.http.get(site.url + "/sparql", params={"query": update})
    assert as_update.status_code == 403 and "read-only" in as_update.text
    assert as_body.status_code == 403
    assert as_query.status_code == 400
    still = site.http.get(site.url + "/sparql", params={"query": "ASK { <http://x> ?p ?o }"},
                         headers={"Accept": "application/sparql-results+json"})
    assert still.json()["boolean"] is False


def test_unsupported_accept_is_406(site):
    response = site.http.get(site.url + "/sparql", params={"query": "SELECT * WHERE {}"},
                            headers={"Accept": "image/png"})
    assert response.status_code == 406
    response = site.http.get(site.url + "/sparql",
                            params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_rdfxml_refuses_a_property_it_cannot_name(site):
    """RDF/XML names a property by an XML element: an IRI ending in a digit has none."""
    query = 'CONSTRUCT { <http://example.org/s> <http://example.org/a/0> "v" } WHERE {}'
    refused = site.http.get(site.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/rdf+xml"})
    assert refused.status_code == 406
    assert "<http://example.org/a/0>" in refused.text and "Turtle" in refused.text
    turtle = site.http.get(site.url + "/sparql", params={"query": query},
                           headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert len(Graph().parse(data=turtle.text, format="turtle")) == 1


def test_results_beyond_the_cap_are_cut_and_say_so(site):
    query = "SELECT * WHERE { ?s ?p ?o }"
    response = site.http.get(site.url + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"})
    assert len(response.json()["results"]["bindings"]) == 1000
    assert response.headers["DSKG-Results-Truncated"] == "limit=1000"
    html = site.http.get(site.url + "/sparql", params={"query": query},
                        headers={"Accept": "text/html"})
    assert "Only the first 1,000 results are shown" in html.text
    small = site.http.get(site.url + "/sparql", params={"query": query + " LIMIT 5"},
                         headers={"Accept": "application/sparql-results+json"})
    assert "DSKG-Results-Truncated" not in small.headers


@pytest.mark.slow
def test_timeout_stops_the_query_and_others_are_still_answered(server):
    workers, evaluators = server.worker_pids(), server.evaluator_pids()
    # Two evaluators per worker, and each worker's warm spare.
    assert len(workers) == 2 and len(evaluators) == 6
    with ThreadPoolExecutor(2) as pool:
        # From a client address of its own: a client whose query timed out waits.
        slow = pool.submit(query_from, server, "127.0.0.40", SLOW)
        time.sleep(0.5)
        quick = requests.get(server.url + "/sparql", params={"query": "ASK {}"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=10)
        assert quick.json()["boolean"] is True
        status, headers, text = slow.result()
    assert status == 503 and int(headers["Retry-After"]) >= 1
    assert "timed out" in text and "3 s" in text  # stopped at its 3 s limit
    # The evaluator process that ran the query was killed (taking the evaluation and
    # its memory with it) and replaced; the web workers went on as they were.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        after = server.evaluator_pids()
        if len(after) == 6 and after != evaluators:
            break
        time.sleep(0.2)
    assert len(after) == 6 and len(evaluators - after) == 1
    [ended] = evaluators - after
    with pytest.raises(FileNotFoundError):
        open(f"/proc/{ended}/status").read()
    assert server.worker_pids() == workers
    assert requests.get(server.url + "/health").ok


def test_cors_headers_and_preflight(site):
    response = site.http.get(site.url + "/sparql", params={"query": "ASK {}"},
                            headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    post = site.http.post(site.url + "/sparql", data={"query": "ASK {}"},
                         headers={"Origin": "https://example.org"})
    assert post.headers["Access-Control-Allow-Origin"] == "*"
    preflight = site.http.options(site.url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"),
                                         ("application/ld+json", "json-ld")])
def test_service_description(site, accept, fmt):
    response = site.http.get(site.url + "/sparql", headers={"Accept": accept})
    assert response.ok and response.headers["Content-Type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=fmt)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    query = f"""ASK {{ ?s a <{sd}Service> ; <{sd}endpoint> <{site.url}/sparql> ;
                 <{sd}supportedLanguage> <{sd}SPARQL11Query> ;
                 <{sd}feature> <{sd}UnionDefaultGraph> }}"""
    assert graph.query(query).askAnswer


def test_browser_without_query_gets_a_form(site):
    response = site.http.get(site.url + "/sparql",
                            headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.ok and "<form" in response.text and "<textarea" in response.text


# ---------------------------------------------------------------- dereferencing

@pytest.mark.parametrize("accept, target", [
    ("text/html", "/doc/practice/digital-skills-partnership"),
    (None, "/doc/practice/digital-skills-partnership"),
    ("text/turtle", "/doc/practice/digital-skills-partnership.ttl"),
    ("application/ld+json", "/doc/practice/digital-skills-partnership.jsonld"),
    ("application/rdf+xml", "/doc/practice/digital-skills-partnership.rdf"),
    ("application/n-triples", "/doc/practice/digital-skills-partnership.nt"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "/doc/practice/digital-skills-partnership.jsonld"),
    ("text/html;q=0.1, application/*;q=0.8", "/doc/practice/digital-skills-partnership.jsonld"),
])
def test_id_answers_303_to_the_document_per_accept(site, accept, target):
    headers = {"Accept": accept} if accept else {}
    response = site.http.get(site.url + "/id/practice/digital-skills-partnership",
                            headers=headers, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(target)
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("ext, fmt, media", [("ttl", "turtle", "text/turtle"),
                                             ("jsonld", "json-ld", "application/ld+json"),
                                             ("rdf", "xml", "application/rdf+xml"),
                                             ("nt", "nt", "application/n-triples")])
def test_documents_by_extension_parse_and_describe_the_thing(site, ext, fmt, media):
    response = site.http.get(f"{site.url}/doc/practice/plovdiv-school-prepares-artificial-"
                            f"intelligence-programmers.{ext}")
    assert response.ok and response.headers["Content-Type"].startswith(media)
    graph = Graph().parse(data=response.content, format=fmt)
    from rdflib import URIRef
    school = URIRef(SCHOOL)
    assert (school, URIRef("http://purl.org/dc/terms/issued"), None) in graph
    org = URIRef(BASE + "id/organisation/su-paisii-hilendarski")
    assert (school, URIRef(VOCAB + "def/dskg/providedBy"), org) in graph
    labels = list(graph.objects(org, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert "SU “Paisii Hilendarski”" in [str(l) for l in labels]


def test_document_negotiates_and_advertises_alternates(site):
    path = "/doc/practice/digital-skills-partnership"
    response = site.http.get(site.url + path, headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert response.headers["Content-Location"] == path + ".ttl"
    assert "Accept" in response.headers["Vary"]
    links = response.headers["Link"]
    for ext in ("jsonld", "rdf", "nt", "html"):
        assert f'<{path}.{ext}>; rel="alternate"' in links
    assert f'<{BASE}id/practice/digital-skills-partnership>; rel="describes"' in links
    html = site.http.get(site.url + path)
    assert html.headers["Content-Type"].startswith("text/html")
    assert site.http.get(site.url + path, headers={"Accept": "image/png"}).status_code == 406


def test_etag_last_modified_and_304(site):
    url = site.url + "/doc/practice/digital-skills-partnership.ttl"
    first = site.http.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "max-age" in first.headers["Cache-Control"]
    again = site.http.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = site.http.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = site.http.get(site.url + "/doc/practice/digital-skills-partnership.nt")
    assert other.headers["ETag"] != first.headers["ETag"]


def test_inverse_links_on_country_organisation_and_concept_pages(site):
    country = site.http.get(site.url + "/doc/country/BGR.ttl")
    graph = Graph().parse(data=country.text, format="turtle")
    from rdflib import URIRef
    practices = set(graph.subjects(URIRef(VOCAB + "def/dskg/country"), URIRef(VOCAB + "id/country/BGR")))
    assert URIRef(SCHOOL) in practices and len(practices) == 2
    org = site.http.get(site.url + "/doc/organisation/latvian-information-and-communication-"
                                    "technology-association", headers={"Accept": "text/html"})
    assert "Digital Skills for Bulgarian SMEs Programme" in org.text
    concept = site.http.get(site.url + "/def/audience/children", headers={"Accept": "text/html"})
    assert "Plovdiv school prepares artificial intelligence programmers" in concept.text


def test_unknown_and_malformed_iris_are_404_pages(site):
    for path in ("/id/practice/no-such-practice", "/id/practice/bad..slug",
                 "/id/spaceship/x", "/doc/practice/%22%3E%3Cscript%3E", "/def/nothing/here",
                 "/id/practice/a%20b"):
        response = site.http.get(site.url + path, headers={"Accept": "text/html"})
        assert response.status_code == 404, path
        assert "<script>" not in response.text


def test_ontology_page_documents_terms(site):
    response = site.http.get(site.url + "/def/dskg", headers={"Accept": "text/html"})
    assert response.ok
    for text in ("good practice", "providedBy", "funding programme", "dskg:GoodPractice",
                 "Terms of this ontology"):
        assert text in response.text or text.replace("dskg:", "") in response.text
    term = site.http.get(site.url + "/def/dskg/providedBy.ttl")
    graph = Graph().parse(data=term.text, format="turtle")
    assert len(graph) >= 5


def test_scheme_concept_and_dataset_iris_resolve(site):
    for path in ("/def/audience", "/def/technology/artificial-intelligence", "/def/country",
                 "/set/practices", "/set/curation"):
        response = site.http.get(site.url + path, headers={"Accept": "text/turtle"})
        assert response.ok, path
        Graph().parse(data=response.text, format="turtle")


# ---------------------------------------------------------------- HTML

def test_home_page_counts_and_links(site):
    page = site.http.get(site.url + "/").text
    assert "<strong>3</strong> good practices" in page
    assert "/sparql" in page and "dskg.ttl" in page and "/browse/practice" in page


def test_practice_page_shows_labels_not_iris_and_escapes(site):
    page = site.http.get(site.url + "/doc/practice/plovdiv-school-prepares-artificial-"
                                     "intelligence-programmers").text
    for label in ("Bulgaria", "Local initiative", "Digital skills for children",
                  "SU “Paisii Hilendarski”", "Public", "Artificial intelligence"):
        assert label in page
    assert ">https://w3id.org/dskg/def/audience/children<" not in page
    assert 'type="text/turtle"' in page


def test_browse_lists_paginate(site):
    page = site.http.get(site.url + "/browse/country").text
    assert "40 in all" in page and "Bulgaria" in page
    assert site.http.get(site.url + "/browse/country?page=0").status_code == 400
    assert site.http.get(site.url + "/browse/nothing").status_code == 404


def test_health_reports_build_and_triples(site):
    health = site.http.get(site.url + "/health").json()
    assert health["status"] == "ok" and health["triples"] > 2000 and health["practices"] == 3
    assert health["built"].startswith("20")


def test_dump_download_supports_ranges(site):
    url = site.url + "/set/dumps/dskg.nt.gz"
    full = site.http.get(url)
    assert full.ok and full.headers["Content-Disposition"].startswith("attachment")
    part = site.http.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == full.content[:10]


@pytest.mark.slow
def test_dskg_query_cli_against_the_endpoint(server, tmp_path):
    import subprocess
    import sys
    query = tmp_path / "practices.rq"
    query.write_text(PREFIXES + "SELECT ?title WHERE { ?p a dskg:GoodPractice ; dct:title ?title } "
                                "ORDER BY ?title", encoding="utf-8")
    table = subprocess.run([sys.executable, "-m", "dskg.cli", "query", "--file", str(query),
                            "--endpoint", server.url + "/sparql"],
                           capture_output=True, text=True, check=True).stdout
    assert "Plovdiv school prepares artificial intelligence programmers" in table
    assert table.rstrip().endswith("(3 rows)")
    csv_out = subprocess.run([sys.executable, "-m", "dskg.cli", "query", "ASK {}", "--format",
                              "json", "--endpoint", server.url + "/sparql"],
                             capture_output=True, text=True, check=True).stdout
    assert json.loads(csv_out)["boolean"] is True
    bad = subprocess.run([sys.executable, "-m", "dskg.cli", "query", "SELEKT", "--endpoint",
                          server.url + "/sparql"], capture_output=True, text=True)
    assert bad.returncode == 1 and "dskg query:" in bad.stderr


def _answer_cache(site, outcome: str) -> float:
    for line in site.http.get(site.url + "/metrics").text.splitlines():
        if line.startswith(f'dskg_answer_cache_total{{outcome="{outcome}"}}'):
            return float(line.split()[-1])
    return 0.0


def test_a_repeated_query_is_answered_from_the_cache(site):
    query = PREFIXES + "SELECT ?p ?t WHERE { ?p dct:title ?t } ORDER BY ?t # cache test"
    hits, misses = _answer_cache(site, "hit"), _answer_cache(site, "miss")
    first, again = [site.http.get(site.url + "/sparql", params={"query": query},
                                  headers={"Accept": "text/csv"}) for _ in range(2)]
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    other = site.http.get(site.url + "/sparql", params={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert other.json()["results"]["bindings"]
    assert _answer_cache(site, "hit") == hits + 1
    assert _answer_cache(site, "miss") == misses + 2  # the first, and another format
    broken = [site.http.get(site.url + "/sparql", params={"query": "SELECT * {"})
              for _ in range(2)]
    assert [b.status_code for b in broken] == [400, 400]
    assert _answer_cache(site, "hit") == hits + 1  # errors are never kept
