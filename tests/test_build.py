"""`dskg build` end to end on copies of the project's data."""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from dskg.artefact import Layout
from dskg.build import BuildFailed, build

from .conftest import BASE, PAGES, VOCAB, current, make_project, open_current_store

PRACTICES = f"""
    PREFIX dskg: <{VOCAB}def/dskg/>
    SELECT ?p WHERE {{ ?p a dskg:GoodPractice }} ORDER BY ?p"""


def practice_iris(store) -> list[str]:
    return [row["p"].value for row in store.query(PRACTICES, use_default_graph_as_union=True)]


def graph_of(store, name: str) -> Graph:
    graph = Graph()
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(BASE + name))
    graph.parse(data=data, format="nt")
    return graph


@pytest.mark.slow
def test_sample_builds_to_three_practices_in_named_graphs(project):
    prepared, build_dir = build(project)
    assert build_dir == project.current_build.resolve()
    store = open_current_store(project)
    assert practice_iris(store) == [
        BASE + "id/practice/digital-skills-for-bulgarian-smes-programme",
        BASE + "id/practice/digital-skills-partnership",
        BASE + "id/practice/plovdiv-school-prepares-artificial-intelligence-programmers",
    ]
    graphs = {g.value for g in store.named_graphs()}
    assert {BASE + "set/practices", BASE + "set/curation", BASE + "set/build",
            VOCAB + "def/dskg", VOCAB + "def/audience", VOCAB + "def/technology",
            VOCAB + "def/initiative-type", VOCAB + "def/funding-type",
            VOCAB + "def/country", VOCAB + "def/shapes", VOCAB + "def/digcomp",
            BASE + "set/links", "http://data.europa.eu/nuts/scheme/2024",
            "http://publications.europa.eu/resource/authority/eu-programme"} == graphs
    rejected = [r for r in prepared.records if r.status == "rejected"]
    assert len(rejected) == 1 and rejected[0].entry == 3
    assert prepared.violations == [] and prepared.quarantined == []


def test_plovdiv_school_in_the_store(sample_build):
    store = open_current_store(sample_build)
    school = f"<{BASE}id/practice/plovdiv-school-prepares-artificial-intelligence-programmers>"
    rows = store.query(f"""
        PREFIX dskg: <{VOCAB}def/dskg/>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?issued ?country ?init ?fund ?org ?title WHERE {{
          {school} dct:issued ?issued ; dskg:country ?country ; dskg:initiativeType ?init ;
                   dskg:fundingType ?fund ; dskg:providedBy ?o ; dct:title ?title .
          ?o skos:prefLabel ?org .
        }}""", use_default_graph_as_union=True)
    [row] = list(rows)
    assert str(row["issued"].value) == "2023-03-27"
    assert row["issued"].datatype.value.endswith("#date")
    assert row["country"].value == VOCAB + "id/country/BGR"
    assert row["init"].value == VOCAB + "def/initiative-type/local"
    assert row["fund"].value == VOCAB + "def/funding-type/public"
    assert row["org"].value == "SU “Paisii Hilendarski”"
    assert row["title"].language == "en"
    audiences = {r["a"].value for r in store.query(
        f"SELECT ?a WHERE {{ {school} <http://purl.org/dc/terms/audience> ?a }}",
        use_default_graph_as_union=True)}
    assert audiences == {VOCAB + "def/audience/children", VOCAB + "def/audience/education"}


def test_curated_values_are_in_the_curation_graph_with_provenance(sample_build):
    store = open_current_store(sample_build)
    curation = graph_of(store, "set/curation")
    lux = URIRef(BASE + "id/practice/digital-skills-partnership")
    country = URIRef(VOCAB + "def/dskg/country")
    assert (lux, country, URIRef(VOCAB + "id/country/LUX")) in curation
    assert (lux, URIRef(VOCAB + "def/dskg/providedBy"),
            URIRef(BASE + "id/organisation/ims-luxembourg")) in curation
    derived = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    assert (lux, derived, URIRef(BASE + "id/source/curation-sample-listing-yaml")) in curation
    # ...and not in the page-derived graph.
    assert (lux, country, None) not in graph_of(store, "set/practices")
    sme = URIRef(BASE + "id/practice/digital-skills-for-bulgarian-smes-programme")
    funders = set(curation.objects(sme, URIRef("https://schema.org/funder")))
    assert URIRef(BASE + "id/funder/european-social-fund") in funders
    start = curation.value(sme, URIRef("https://schema.org/startDate"))
    assert str(start) == "2018" and str(start.datatype).endswith("#gYear")


def test_every_practice_names_its_source_entry(sample_build):
    store = open_current_store(sample_build)
    rows = list(store.query(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?p ?file ?entry WHERE {{
          GRAPH <{BASE}set/practices> {{
            ?p a <{VOCAB}def/dskg/GoodPractice> ; prov:wasDerivedFrom ?src ;
               <{VOCAB}def/dskg/sourceEntry> ?entry . ?src dct:title ?file }} }}"""))
    assert sorted((r["file"].value, int(r["entry"].value)) for r in rows) == [
        ("good-practices-listing.txt", 1), ("good-practices-listing.txt", 2),
        ("good-practices-listing.txt", 4)]
    software = store.query(f"""
        PREFIX schema: <https://schema.org/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{BASE}set/build> {{ <{BASE}set/practices> prov:wasGeneratedBy ?a .
              ?a prov:startedAtTime ?t ; prov:wasAssociatedWith ?s .
              ?s schema:softwareVersion ?v }} }}""")
    assert bool(software)


def store_union(store, skip_graph: str | None = None) -> Graph:
    """All triples of the store as one rdflib graph (blank nodes kept as such)."""
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, None)
               if skip_graph is None or q.graph_name.value != skip_graph]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def content(store) -> Graph:
    """Everything but the build's own description (its times differ by design)."""
    return store_union(store, skip_graph=BASE + "set/build")


@pytest.mark.slow
def test_rebuild_gives_identical_iris_and_an_isomorphic_graph(tmp_path):
    fresh = make_project(tmp_path, registry=False)
    build(fresh)
    first = content(open_current_store(fresh))
    registry = (fresh.data_dir / "slugs.csv").read_text()
    build(fresh)
    second = content(open_current_store(fresh))
    assert isomorphic(first, second)
    assert (fresh.data_dir / "slugs.csv").read_text() == registry


@pytest.mark.slow
def test_edited_title_and_text_keep_the_iri(tmp_path):
    project = make_project(tmp_path)
    build(project)
    page = project.data_dir / "sources" / "good-practices-listing.txt"
    text = page.read_text(encoding="utf-8")
    text = text.replace("Plovdiv school prepares artificial intelligence programmers",
                        "Plovdiv high school trains AI programmers")
    text = text.replace("The goal of the school", "The declared goal of the school")
    page.write_text(text, encoding="utf-8")
    build(project)
    store = open_current_store(project)
    iri = BASE + "id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
    assert iri in practice_iris(store)
    title = store.query(f"SELECT ?t WHERE {{ <{iri}> <http://purl.org/dc/terms/title> ?t }}",
                        use_default_graph_as_union=True)
    assert [r["t"].value for r in title] == ["Plovdiv high school trains AI programmers"]
    assert len(practice_iris(store)) == 3


@pytest.mark.slow
def test_registry_iri_survives_a_fresh_checkout(tmp_path):
    """The committed registry, not luck, keeps the IRIs: a renamed practice built from a
    clean copy still gets its old slug."""
    project = make_project(tmp_path)
    page = project.data_dir / "sources" / "good-practices-listing.txt"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "Digital Skills for Bulgarian SMEs Programme", "Digital Skills for SMEs (Bulgaria)"),
        encoding="utf-8")
    build(project)
    assert BASE + "id/practice/digital-skills-for-bulgarian-smes-programme" in \
        practice_iris(open_current_store(project))


@pytest.mark.slow
def test_own_pages_build_with_problems_reported(tmp_path):
    project = make_project(tmp_path, pages=[PAGES / "listing-page-2.txt"], curation=False,
                           registry=False)
    prepared, _ = build(project)
    iris = practice_iris(open_current_store(project))
    assert iris == [BASE + "id/practice/psifiakes-dexiotites-gia-oloys",
                    BASE + "id/practice/uchenitsi-programirat-roboti-v-plovdiv"]
    statuses = [r.status for r in prepared.records]
    assert statuses == ["ok", "ok", "rejected", "invalid", "invalid", "duplicate"]
    store = open_current_store(project)
    langs = {r["t"].language for r in store.query(
        f"SELECT ?t WHERE {{ ?p a <{VOCAB}def/dskg/GoodPractice> ; "
        "<http://purl.org/dc/terms/title> ?t }",
        use_default_graph_as_union=True)}
    assert langs == {"bg", "el"}


@pytest.mark.slow
def test_practice_with_violation_is_quarantined_and_others_published(tmp_path):
    project = make_project(tmp_path, curation=False)
    prepared, build_dir = build(project)
    # Without curation the Luxembourg practice names no country: a violation.
    [item] = prepared.quarantined
    assert item.resource == BASE + "id/practice/digital-skills-partnership"
    assert "country" in " ".join(item.reasons)
    assert "good-practices-listing.txt entry 2" in item.source
    iris = practice_iris(open_current_store(project))
    assert len(iris) == 2 and item.resource not in iris
    report = json.loads(Layout(build_dir).report.read_text())
    assert report["quarantined"][0]["resource"] == item.resource
    assert any(f["severity"] == "Warning" for f in report["findings"])


@pytest.mark.slow
def test_strict_build_fails_and_keeps_the_previous_store(tmp_path):
    project = make_project(tmp_path)
    build(project)
    before = project.current_build.resolve()
    for path in (project.data_dir / "curation").glob("*.yaml"):
        path.unlink()
    with pytest.raises(BuildFailed, match="digital-skills-partnership"):
        build(project, strict=True)
    assert project.current_build.resolve() == before
    assert len(practice_iris(open_current_store(project))) == 3


@pytest.mark.slow
def test_strict_build_ignores_warnings_and_rejected_templates(project):
    prepared, _ = build(project, strict=True)
    assert prepared.warnings == [] or all(not f.is_violation for f in prepared.warnings)
    assert any(r.status == "rejected" for r in prepared.records)


@pytest.mark.slow
def test_dumps_reparse_to_the_store_content(sample_build):
    dumps = current(sample_build).dumps
    store = open_current_store(sample_build)
    union = store_union(store)
    turtle = Graph().parse(dumps / "dskg.ttl", format="turtle")
    with gzip.open(dumps / "dskg.nt.gz", "rt", encoding="utf-8") as handle:
        ntriples = Graph().parse(data=handle.read(), format="nt")
    jsonld = Graph().parse(dumps / "dskg.jsonld", format="json-ld")
    for graph in (turtle, ntriples, jsonld):
        assert isomorphic(graph, union)
    with gzip.open(dumps / "dskg.nq.gz", "rt", encoding="utf-8") as handle:
        quads = Dataset().parse(data=handle.read(), format="nquads")
    assert len(list(quads.quads((None, None, None, None)))) == len(store)
    context = json.loads((dumps / "dskg.jsonld").read_text())["@context"]
    assert context["dct"] == "http://purl.org/dc/terms/"
    assert "practice:plovdiv-school-prepares-artificial-intelligence-programmers" in \
        (dumps / "dskg.jsonld").read_text()


@pytest.mark.slow
def test_killed_build_leaves_the_old_store_readable(tmp_path):
    project = make_project(tmp_path)
    build(project)
    before = project.current_build.resolve()
    generate = Path(__file__).resolve().parent.parent / "bench" / "generate.py"
    subprocess.run([sys.executable, str(generate), "3000",
                    str(project.data_dir / "sources" / "synthetic.txt")], check=True)
    env = {**os.environ, "DSKG_BASE": BASE, "DSKG_DATA_DIR": str(project.data_dir),
           "DSKG_VAR_DIR": str(project.var_dir)}
    process = subprocess.Popen([sys.executable, "-m", "dskg.cli", "build"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    builds = project.var_dir / "builds"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(builds.iterdir())) > 1:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the build ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert project.current_build.resolve() == before
    assert len(practice_iris(open_current_store(project))) == 3
    half_built = [p for p in builds.iterdir() if p != before]
    assert half_built and all((p / ".in-progress").exists() for p in half_built)
    # The next build clears the abandoned directory (without the 3,000 practices that
    # only made the killed one last long enough to be killed mid-way).
    (project.data_dir / "sources" / "synthetic.txt").unlink()
    build(project)
    assert not any(p.exists() for p in half_built)
