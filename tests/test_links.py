"""Links to the world: the reference tables, the link decisions of data/links/, what
the build publishes of them, how pages and VoID show them, and the commands that
propose, review and refresh them."""
from __future__ import annotations

import csv
import functools
import json
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, XSD

from dskg.build import build
from dskg.errors import DskgError
from dskg.reference import TABLES, codes, genericode

from .conftest import (
    BASE,
    ROOT,
    VOCAB,
    make_project,
    one_clear_line,
    open_current_store,
    run_dskg,
)

DSKG = Namespace(VOCAB + "def/dskg/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCT = Namespace("http://purl.org/dc/terms/")
EU_PROGRAMME = "http://publications.europa.eu/resource/authority/eu-programme/"
NUTS = "http://data.europa.eu/nuts/code/"
DIGCOMP = VOCAB + "def/digcomp/"
PRACTICES = ("digital-skills-for-bulgarian-smes-programme", "digital-skills-partnership",
             "plovdiv-school-prepares-artificial-intelligence-programmers")


def select(site, query: str) -> list[dict]:
    answer = site.http.get(site.url + "/sparql", params={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert answer.ok, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


# ---------------------------------------------------------------- the reference tables

def test_the_shipped_tables_hold_what_the_sample_links_to():
    reference = ROOT / "ontology" / "reference"
    programmes = codes(TABLES["eu-programme"], reference)
    assert {"ESF", "ESF_PLUS", "ERDF_2021", "CF", "DIGITALEU", "ERASMUS_PLUS", "HORIZONEU",
            "RRF", "CEF_2021"} <= programmes and len(programmes) > 100
    regions = codes(TABLES["nuts"], reference)
    assert {"BG421", "BG424", "BG344", "BG42", "BG4", "EL30", "LU000", "LV00A"} <= regions
    assert not any(code[2] == "Z" for code in regions)  # no "Extra-Regio"


def test_the_tables_are_published_as_skos_with_their_languages(sample_site):
    rows = select(sample_site, f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?label ?iso ?broader WHERE {{
          GRAPH <http://data.europa.eu/nuts/scheme/2024> {{
            <{NUTS}BG421> skos:prefLabel ?label ; skos:broader ?broader ;
                          skos:notation ?iso FILTER(DATATYPE(?iso) != <{XSD.string}>) }} }}""")
    assert {(r["label"], r["iso"], r["broader"]) for r in rows} == {
        ("Plovdiv", "BG-16", NUTS + "BG42"), ("Пловдив", "BG-16", NUTS + "BG42")}
    rows = select(sample_site, f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?label WHERE {{ <{EU_PROGRAMME}ESF_PLUS> skos:prefLabel ?label
                               FILTER(LANG(?label) IN ("en", "bg", "el")) }}""")
    assert {r["label"] for r in rows} >= {"European Social Fund Plus (ESF+) (2021/2027)"}
    assert len(rows) == 3


def test_a_code_list_that_is_not_one_is_a_clear_error():
    with pytest.raises(DskgError, match="^x.gc: not XML"):
        genericode.parse(b"<gc:CodeList", "x.gc")
    with pytest.raises(DskgError, match="^x.gc: not a genericode code list"):
        genericode.parse(b"<html/>", "x.gc")
    with pytest.raises(DskgError, match="names no listId"):
        genericode.parse(b'<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/'
                         b'genericode/1.0/"><Identification/></gc:CodeList>', "x.gc")


# ---------------------------------------------------------------- what the build publishes

def test_the_sample_is_linked_to_the_eu_programme_table_nuts_and_digcomp(sample_site):
    rows = select(sample_site, f"""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?s ?p ?o WHERE {{ GRAPH <{BASE}set/links> {{ ?s ?p ?o
          FILTER(?p IN (owl:sameAs, <{DSKG.euProgramme}>, <{DCT.spatial}>)) }} }}""")
    assert {(r["s"], r["p"], r["o"]) for r in rows} == {
        (BASE + "id/funder/european-social-fund", str(OWL.sameAs), EU_PROGRAMME + "ESF"),
        (BASE + "id/funder/human-resources-development-operational-programme-2014-2020",
         str(DSKG.euProgramme), EU_PROGRAMME + "ESF"),
        (BASE + "id/funder/transnational-and-danube-partnerships-for-employment-and-growth",
         str(DSKG.euProgramme), EU_PROGRAMME + "ESF"),
        (BASE + "id/place/plovdiv", str(DCT.spatial), NUTS + "BG421"),
        (BASE + "id/place/smolyan", str(DCT.spatial), NUTS + "BG424"),
        (BASE + "id/place/stara-zagora", str(DCT.spatial), NUTS + "BG344")}


def test_every_practice_is_aligned_to_digcomp_with_the_rule_shown(sample_site):
    rows = select(sample_site, f"""
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?practice ?competence ?rule WHERE {{
          ?practice <{DSKG.competence}> ?competence .
          ?decision rdf:subject ?practice ; rdf:object ?competence ; <{DSKG.rule}> ?rule }}""")
    aligned = {r["practice"].rsplit("/", 1)[-1] for r in rows}
    assert aligned == set(PRACTICES)
    assert all(r["competence"].startswith(DIGCOMP) and r["rule"] for r in rows)
    # The one decision the maintainers rejected is not published.
    assert (BASE + "id/practice/digital-skills-partnership", DIGCOMP + "2.4") not in {
        (r["practice"], r["competence"]) for r in rows}
    page = sample_site.http.get(
        sample_site.url + "/doc/practice/plovdiv-school-prepares-artificial-intelligence-"
        "programmers", headers={"Accept": "text/html"}).text
    assert "DigComp 3.4 Programming" in page
    assert "the text says &#39;programmer&#39;" in page


def test_pages_name_the_links_for_what_they_are(sample_site):
    def page(path: str) -> str:
        answer = sample_site.http.get(sample_site.url + path, headers={"Accept": "text/html"})
        assert answer.ok
        return answer.text

    funder = page("/doc/funder/human-resources-development-operational-programme-2014-2020")
    assert "EU programme: ESF European Social Fund (ESF) (2014/2020)" in funder
    assert f'href="{EU_PROGRAMME}ESF"' in funder
    assert "NUTS: BG421 Plovdiv" in page("/doc/place/plovdiv")
    decision = [line for line in page("/doc/place/plovdiv").splitlines() if "/id/link/" in line]
    assert decision, "the place's page links its link decision"
    bulgarian = sample_site.http.get(sample_site.url + "/doc/place/plovdiv?lang=bg").text
    assert "NUTS: BG421 Пловдив" in bulgarian


def test_link_decisions_dereference_with_their_provenance(sample_site):
    rows = select(sample_site, """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?d WHERE { ?d rdf:subject ?s } LIMIT 1""")
    decision = rows[0]["d"]
    assert decision.startswith(BASE + "id/link/")
    turtle = sample_site.http.get(decision.replace(BASE, sample_site.url + "/"),
                                  headers={"Accept": "text/turtle"})
    assert turtle.ok
    graph = Graph().parse(data=turtle.text, format="turtle")
    subject = URIRef(decision)
    assert (subject, RDF.type, RDF.Statement) in graph
    assert graph.value(subject, DSKG.proposedBy) == Literal("dskg link propose")
    source = graph.value(subject, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
    assert str(source).startswith(BASE + "id/source/links-")


def test_void_lists_the_linksets_with_their_counts(sample_site):
    void = Graph().parse(data=sample_site.http.get(sample_site.url + "/.well-known/void",
                                                   headers={"Accept": "text/turtle"}).text,
                         format="turtle")
    counts = {str(s).rsplit("/", 1)[-1]: (int(void.value(s, VOID.triples)),
                                          str(void.value(s, VOID.objectsTarget)))
              for s in void.subjects(RDF.type, VOID.Linkset)}
    assert counts["eu-programmes"] == (1, EU_PROGRAMME.rstrip("/"))
    assert counts["eu-programmes-funding"] == (2, EU_PROGRAMME.rstrip("/"))
    assert counts["nuts"] == (3, NUTS.rstrip("/"))
    assert counts["digcomp"][1] == DIGCOMP.rstrip("/") and counts["digcomp"][0] >= 3
    assert counts["eu-countries"][0] > 0  # the countries' own links, as before


# ---------------------------------------------------------------- propose and review

def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_the_outside_identifiers_example_names_each_register(tmp_path):
    """An organisation accepted as a Wikidata entity and a funder that is an EU programme
    are both listed by the example query, each with its register."""
    from server.examples import load_examples

    config = make_project(tmp_path)
    wikidata = "http://www.wikidata.org/entity/Q999999999"  # made up for the test
    with (config.data_dir / "links" / "organisations.csv").open("w", encoding="utf-8") as f:
        f.write("subject,relation,target,status,proposed_by,rule,score,date,reviewed_by\n"
                f"id/organisation/ims-luxembourg,same-as,{wikidata},accepted,a curator,"
                "the same name and country,1.00,2026-12-03,a curator\n")
    build(config)
    example = next(e for e in load_examples()
                   if e.name == "organisations-with-an-outside-identifier")
    rows = {(r["register"].value, r["identifier"].value, int(r["practices"].value))
            for r in open_current_store(config).query(
                example.query, use_default_graph_as_union=True)}
    assert (("Wikidata", wikidata, 1) in rows
            and ("EU programme", EU_PROGRAMME + "ESF", 2) in rows), rows


def test_links_are_proposed_reviewed_and_published_by_the_commands(tmp_path):
    config = make_project(tmp_path)
    shutil.rmtree(config.data_dir / "links")
    build(config)
    proposed = run_dskg("link", "propose", config=config)
    assert proposed.returncode == 0, proposed.stderr
    assert "funder: 3 new candidates" in proposed.stdout
    assert "place: 3 new candidates" in proposed.stdout
    places = rows_of(config.data_dir / "links" / "places.csv")
    assert {(r["subject"], r["target"].rsplit("/", 1)[-1], r["status"]) for r in places} == {
        ("id/place/plovdiv", "BG421", "candidate"), ("id/place/smolyan", "BG424", "candidate"),
        ("id/place/stara-zagora", "BG344", "candidate")}
    assert all(r["rule"] and float(r["score"]) == 1.0 for r in places)
    competences = rows_of(config.data_dir / "links" / "competences.csv")
    assert {r["subject"] for r in competences} == {f"id/practice/{p}" for p in PRACTICES}

    listed = run_dskg("link", "review", "--kind", "place", config=config)
    assert listed.returncode == 0 and "3 candidates" in listed.stdout
    plovdiv = next(line.split()[0] for line in listed.stdout.splitlines() if "plovdiv" in line)
    accepted = run_dskg("link", "review", "--accept", plovdiv, "--by", "maria", config=config)
    assert accepted.returncode == 0 and "accepted 1 links" in accepted.stdout
    rejected = run_dskg("link", "review", "--kind", "competence", "--reject", "all",
                        config=config)
    assert rejected.returncode == 0, rejected.stderr
    unknown = run_dskg("link", "review", "--accept", "00000000", config=config)
    assert "no candidate 00000000" in one_clear_line(unknown)

    built = run_dskg("build", config=config)
    assert built.returncode == 0, built.stderr
    store = open_current_store(config)
    rows = store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{BASE}set/links> {{ ?s "
                       f"<{DCT.spatial}> ?o }} }}")
    assert [(r["s"].value, r["o"].value) for r in rows] == [
        (BASE + "id/place/plovdiv", NUTS + "BG421")]
    assert not list(store.query(f"SELECT * WHERE {{ GRAPH ?g {{ ?s <{DSKG.competence}> ?o }} }}"))
    place_rows = {r["subject"]: r for r in rows_of(config.data_dir / "links" / "places.csv")}
    assert place_rows["id/place/plovdiv"]["reviewed_by"] == "maria"

    again = run_dskg("link", "propose", config=config)
    assert "competence: 0 new candidates" in again.stdout  # rejected ones stay rejected
    assert "place: 0 new candidates" in again.stdout


def test_a_bad_decision_row_is_named_and_the_others_are_kept(tmp_path):
    config = make_project(tmp_path)
    path = config.data_dir / "links" / "places.csv"
    with path.open("a", encoding="utf-8") as f:
        f.write("id/place/plovdiv,sameish,http://data.europa.eu/nuts/code/BG421,accepted,,,,,\n")
        f.write("id/place/smolyan,location,http://data.europa.eu/nuts/code/BG999,accepted,,,,,\n")
    result = run_dskg("validate", config=config)
    assert f"{path}:5: relation 'sameish': a place link is location" in result.stdout
    assert "http://data.europa.eu/nuts/code/BG999: no such code" in result.stdout
    build(config)
    rows = open_current_store(config).query(
        f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s <{DCT.spatial}> ?o }} FILTER(STRSTARTS(STR(?o), "
        f"'{NUTS}')) }}")
    assert len(list(rows)) == 3  # the three good rows of the file


# ---------------------------------------------------------------- refresh

@pytest.fixture
def publisher(tmp_path):
    """A real HTTP server on loopback, serving the files of a folder."""
    folder = tmp_path / "published"
    folder.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def with_own_ontology(tmp_path: Path):
    """A project whose ontology folder is its own copy, which a refresh may replace."""
    config = make_project(tmp_path / "p")
    ontology = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", ontology)
    return config, ontology, {"DSKG_ONTOLOGY_DIR": str(ontology)}


def changed_table(source: Path, drop: str, add: str) -> str:
    """The EU programme table without one code and with a new one."""
    text = source.read_text(encoding="utf-8")
    start = text.index(f"<SimpleValue>{drop}</SimpleValue>")
    row_start = text.rindex("<Row>", 0, start)
    row_end = text.index("</Row>", start) + len("</Row>")
    row = text[row_start:row_end]
    return text[:row_start] + row.replace(f">{drop}<", f">{add}<") + text[row_end:]


def test_refresh_replaces_a_table_only_when_it_keeps_every_code_we_use(tmp_path, publisher):
    folder, url = publisher
    config, ontology, env = with_own_ontology(tmp_path)
    shipped = ontology / "reference" / "eu-programme.gc"
    before = shipped.read_bytes()

    (folder / "without-esf.gc").write_text(changed_table(shipped, "ESF", "ESF_GONE"),
                                           encoding="utf-8")
    refused = run_dskg("reference", "refresh", "eu-programme", "--from",
                       f"{url}/without-esf.gc", config=config, env=env)
    line = one_clear_line(refused)
    assert line == (f"dskg reference: reference refresh eu-programme: {url}/without-esf.gc no "
                    "longer has ESF, which data/links leads to; nothing replaced")
    assert shipped.read_bytes() == before

    (folder / "with-a-new-code.gc").write_text(changed_table(shipped, "AFIS2020", "NEW2028"),
                                               encoding="utf-8")
    refreshed = run_dskg("reference", "refresh", "eu-programme", "--from",
                         f"{url}/with-a-new-code.gc", config=config, env=env)
    assert refreshed.returncode == 0, refreshed.stderr
    assert "1 added, 1 removed" in refreshed.stdout
    assert {"NEW2028", "ESF"} <= codes(TABLES["eu-programme"], ontology / "reference")

    missing = run_dskg("reference", "refresh", "eu-programme", "--from", f"{url}/nothing.gc",
                       config=config, env=env)
    assert "404" in one_clear_line(missing)
    (folder / "page.html").write_text("<html><body>moved</body></html>", encoding="utf-8")
    not_a_table = run_dskg("reference", "refresh", "eu-programme", "--from", f"{url}/page.html",
                           config=config, env=env)
    assert "not a genericode code list" in one_clear_line(not_a_table)


NUTS_LIST = """<?xml version="1.0" encoding="UTF-8"?>
<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">
 <Identification><ShortName>Nuts</ShortName>
  <LongName Identifier="listId">http://publications.europa.eu/resource/authority/nuts</LongName>
  <Version>test</Version></Identification>
 <ColumnSet><Column Id="code" Use="required"><Data Lang="eng" Type="normalizedString"/></Column>
  <Column Id="bul_label" Use="optional"><Data Lang="bul" Type="string"/></Column></ColumnSet>
 <SimpleCodeList>{rows}</SimpleCodeList></gc:CodeList>"""


def nuts_list(names: dict[str, str]) -> str:
    return NUTS_LIST.format(rows="".join(
        f'<Row><Value ColumnRef="code"><SimpleValue>{code}</SimpleValue></Value>'
        f'<Value ColumnRef="bul_label"><SimpleValue>{name}</SimpleValue></Value></Row>'
        for code, name in names.items()))


def test_refresh_of_nuts_derives_the_upper_levels_and_checks_our_regions(tmp_path, publisher):
    folder, url = publisher
    config, ontology, env = with_own_ontology(tmp_path)
    (folder / "two.gc").write_text(nuts_list({"BG421": "Пловдив", "BG424": "Смолян"}),
                                   encoding="utf-8")
    refused = run_dskg("reference", "refresh", "nuts", "--from", f"{url}/two.gc",
                       config=config, env=env)
    assert "no longer has BG344" in one_clear_line(refused)
    (folder / "three.gc").write_text(nuts_list({"BG421": "Пловдив", "BG424": "Смолян",
                                                "BG344": "Стара Загора", "BGZZZ": "Extra-Regio"}),
                                     encoding="utf-8")
    refreshed = run_dskg("reference", "refresh", "nuts", "--from", f"{url}/three.gc",
                         config=config, env=env)
    assert refreshed.returncode == 0, refreshed.stderr
    rows = {r["code"]: r for r in rows_of(ontology / "reference" / "nuts-2024.csv")}
    assert set(rows) == {"BG3", "BG34", "BG344", "BG4", "BG42", "BG421", "BG424"}
    assert rows["BG421"]["name"] == "Пловдив" and rows["BG421"]["name_latin"] == "Plovdiv"
    assert rows["BG42"]["name_latin"] == "Yuzhen tsentralen"  # from nuts-names.csv


# ---------------------------------------------------------------- organisations

@pytest.fixture
def datasette(tmp_path):
    """datasette-reconcile (PyPI), an independent reconciliation service, serving a
    SQLite table of organisations on loopback."""
    import sqlite3
    import subprocess
    import sys
    import time

    import requests

    from .server_fixture import free_port, stop_group

    db = tmp_path / "registry.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE organisations (id TEXT PRIMARY KEY, name TEXT)")
        connection.executemany("INSERT INTO organisations VALUES (?, ?)", [
            ("org-1", "IMS Luxembourg"), ("org-2", "Global Libraries – Bulgaria Foundation"),
            ("org-3", "Latvian Information and Communication Technology Association LIKTA")])
    (tmp_path / "metadata.json").write_text(json.dumps({"databases": {"registry": {"tables": {
        "organisations": {"plugins": {"datasette-reconcile": {
            "id_field": "id", "name_field": "name",
            "type_default": [{"id": "organisation", "name": "Organisation"}],
            "identifierSpace": REGISTRY, "schemaSpace": REGISTRY}}}}}}}), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(db), "--metadata",
         str(tmp_path / "metadata.json"), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/registry/organisations/-/reconcile"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(url, timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, "datasette did not start"
        time.sleep(0.2)
    yield url
    stop_group(process)


REGISTRY = "https://registry.example.org/organisation/"
OTHER = "https://skills.example.lu/kg/"


def test_no_reconciliation_service_means_no_organisation_candidates(tmp_path):
    config = make_project(tmp_path)
    build(config)
    result = run_dskg("link", "propose", "--kind", "organisation", config=config)
    assert result.returncode == 0, result.stderr
    assert "no reconciliation service configured" in result.stdout
    assert not (config.data_dir / "links" / "organisations.csv").exists()


@pytest.mark.gunicorn
def test_organisations_are_proposed_by_independent_reconciliation_services(
        tmp_path, datasette, sample_server):
    """One project asks datasette-reconcile and a second dskg deployment (the sample,
    served under another base) for its organisations' names."""
    config = make_project(tmp_path)
    config = config.with_overrides(base=OTHER)
    build(config)
    services = f"{datasette} {sample_server.url}/reconcile"
    env = {"DSKG_BASE": OTHER, "DSKG_RECONCILE_SERVICES": services,
           "DSKG_RECONCILE_RATE": "20"}
    result = run_dskg("link", "propose", "--kind", "organisation", config=config, env=env)
    assert result.returncode == 0, result.stderr
    rows = rows_of(config.data_dir / "links" / "organisations.csv")
    found = {(r["subject"], r["target"]) for r in rows}
    assert ("id/organisation/ims-luxembourg", REGISTRY + "org-1") in found
    assert ("id/organisation/global-libraries-bulgaria-foundation", REGISTRY + "org-2") in found
    assert ("id/organisation/ims-luxembourg",
            BASE + "id/organisation/ims-luxembourg") in found  # the other deployment's IRI
    assert all(r["status"] == "candidate" and r["rule"] and r["score"] for r in rows)
    near = next(r for r in rows if r["target"] == REGISTRY + "org-3")  # a longer name
    assert "scores it" in near["rule"] and 0.9 <= float(near["score"]) < 1.0
    exact = next(r for r in rows if r["target"] == REGISTRY + "org-1")
    assert "calls it a match" in exact["rule"] and float(exact["score"]) == 0.9
    cache = config.var_dir / "harvest" / "reconcile.json"
    assert cache.is_file()
    again = run_dskg("link", "propose", "--kind", "organisation", config=config,
                     env={**env, "DSKG_RECONCILE_SERVICES": f"{datasette} "
                          f"{sample_server.url}/reconcile"})
    assert "organisation: 0 new candidates" in again.stdout


def test_browse_has_facets_for_eu_programme_nuts_and_digcomp(sample_site):
    def browse(**facets) -> dict:
        answer = sample_site.http.get(sample_site.url + "/browse/practice.json", params=facets)
        assert answer.ok, answer.text
        return answer.json()

    by_programme = browse(programme="ESF")
    assert {r["iri"].rsplit("/", 1)[-1] for r in by_programme["rows"]} == {
        "digital-skills-for-bulgarian-smes-programme", "digital-skills-partnership"}
    levels = browse(nuts2="BG42")["facets"]
    assert browse(nuts2="BG42")["total"] == 2
    assert {v["value"]: v["count"] for v in levels["nuts3"]} == {
        "BG421": 2, "BG344": 1, "BG424": 1}
    assert {v["value"] for v in levels["nuts1"]} == {"BG3", "BG4"}
    areas = {v["value"]: v for v in browse()["facets"]["digcomp"]}
    assert areas["3"]["label"] == "DigComp 3 Digital content creation"
    assert areas["3"]["count"] == 1 and areas["5"]["count"] == 3
    assert "2" not in areas  # the one area whose only decision was rejected
    page = sample_site.http.get(sample_site.url + "/browse/practice?nuts3=BG424").text
    assert "NUTS: BG424 Smolyan" in page and "DigComp area" in page


def test_the_map_lists_practices_per_nuts_2_region(sample_site):
    page = sample_site.http.get(sample_site.url + "/map").text
    rows = re.findall(r'<a href="/browse/practice\?nuts2=(\w+)">([^<]+)</a></td><td>(\d+)</td>',
                      page)
    counts = {code: int(n) for code, _, n in rows}
    query = f"""SELECT ?r (COUNT(DISTINCT ?p) AS ?n) WHERE {{
        ?p a <{DSKG.GoodPractice}> .
        {{ ?p <{DCT.spatial}> ?r3 }} UNION {{ ?p <https://schema.org/location>/<{DCT.spatial}> ?r3 }}
        ?r3 <http://www.w3.org/2004/02/skos/core#broader>* ?r . ?r <{DSKG.nutsLevel}> 2 }}
        GROUP BY ?r"""
    expected = {row["r"].rsplit("/", 1)[-1]: int(row["n"]) for row in select(sample_site, query)}
    assert counts == expected and counts["BG42"] == 2
    assert any("Yuzhen tsentralen" in name for code, name, _ in rows if code == "BG42")


def test_an_incremental_build_drops_the_links_of_a_withdrawn_practice(tmp_path):
    """The practice leaves its page: its accepted links leave set/links with it, so its
    IRI answers 410 Gone rather than living on through its links alone."""
    from .inprocess import start_site

    second = ROOT / "tests" / "pages" / "listing-page-2.txt"
    config = make_project(tmp_path, pages=[ROOT / "data" / "sources" /
                                           "good-practices-listing.txt", second])
    build(config)
    robots = next(r["p"].value for r in open_current_store(config).query(
        "SELECT ?p WHERE { ?p <http://purl.org/dc/terms/title> ?t "
        "FILTER(STR(?t) = 'Ученици програмират роботи в Пловдив') }",
        use_default_graph_as_union=True))
    path = robots[len(BASE):]
    with (config.data_dir / "links" / "competences.csv").open("a", encoding="utf-8") as f:
        f.write(f"{path},competence,{DIGCOMP}3.4,accepted,a curator,the text says "
                "'програмиране',0.80,2026-12-03,a curator\n")
    build(config)
    page = config.data_dir / "sources" / second.name
    text = page.read_text(encoding="utf-8")
    following = [m.start() for m in re.finditer(r"^By ", text, re.M)][1]
    title_above = text.rindex("\n", 0, text.rindex("\n", 0, following - 1) - 1)
    page.write_text(text[:text.index("\n", text.index("Skip to main content"))]
                    + text[title_above:], encoding="utf-8")

    def linked(iri: str) -> bool:
        return bool(list(open_current_store(config).query(
            f"SELECT * WHERE {{ GRAPH <{BASE}set/links> {{ <{iri}> ?p ?o }} }}")))
    assert linked(robots)
    prepared, _ = build(config)
    assert prepared.delta.since is not None, prepared.delta.full_because  # incremental
    assert not linked(robots)
    assert linked(BASE + "id/practice/digital-skills-for-bulgarian-smes-programme")
    site = start_site(config)
    try:
        assert site.http.get(site.url + "/" + path, allow_redirects=False).status_code == 410
    finally:
        site.close()
