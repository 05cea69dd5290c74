"""Corrections submitted on the site (issue 24, item 3), through the build: an approved
correction is published at the IRI of the practice it corrects, in place of what its
source says, keeps that source in the provenance, stays when the source changes, gives
an incremental build what a full build gives, and a later correction replaces it."""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from dskg.accounts import Accounts
from dskg.build import build
from dskg.config import Config
from dskg.ingest.editorial import Checker
from dskg.submissions import Submissions

from .conftest import BASE, current, make_project, run_dskg
from .test_incremental import quads, report

pytestmark = pytest.mark.slow

TITLE = "Plovdiv school prepares artificial intelligence programmers"
PRACTICE = BASE + "id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
LISTING = BASE + "id/source/good-practices-listing-txt"
EDITORIAL = BASE + "id/source/editorial"
DSKG = "https://w3id.org/dskg/def/dskg/"


def graph_of(config: Config) -> Graph:
    """The practice's statements in the served build, in every graph."""
    store = ox.Store.read_only(str(current(config).store))
    graph = Graph()
    for quad in store.quads_for_pattern(ox.NamedNode(PRACTICE), None, None, None):
        value = quad.object
        term = (Literal(value.value, lang=value.language,
                        datatype=None if value.language else URIRef(value.datatype.value))
                if isinstance(value, ox.Literal) else URIRef(value.value))
        graph.add((URIRef(PRACTICE), URIRef(quad.predicate.value), term))
    return graph


def correct(config: Config, fields: dict) -> str:
    """A correction of :data:`PRACTICE` by a contributor, approved by a curator, then
    ``dskg submission publish``; the submission's id."""
    accounts, store = Accounts(config.var.accounts), Submissions(config.var.submissions)
    for handle, role in (("maria", "contributor"), ("ivan", "curator")):
        if accounts.find(handle) is None:
            accounts.add(handle, role, ["BG"])
    made = store.create(accounts.get("maria"), "BGR", fields, submit=True, practice=PRACTICE)
    store.act(made.id, accounts.get("ivan"), "approve")
    done = run_dskg("submission", "publish", config=config)
    assert done.returncode == 0, done.stderr
    return made.id


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """The sample built; the correction form's starting point read from the practice's
    published Turtle; the title and country corrected and published."""
    config = make_project(tmp_path_factory.mktemp("corrections") / "a")
    build(config)
    checker = Checker(config)
    turtle = graph_of(config).serialize(format="turtle")
    fields = checker.answer({"rdf": "text/turtle", "body": turtle, "read": True})["fields"]
    assert fields["title"] == TITLE and fields["countries"] == ["Bulgaria"], fields
    fields |= {"title": TITLE + " (corrected)", "countries": ["Greece"]}
    problems, statements = checker.check(fields, PRACTICE)
    assert problems == []
    number = correct(config, fields)
    return config, fields, statements, number


def test_the_form_starts_from_what_the_practice_says(corrected):
    _, fields, _, _ = corrected
    assert fields["summary"] and fields["organisations"]
    assert fields.get("audiences") or fields.get("initiative_types"), fields


def test_the_check_gives_the_statements_the_correction_would_publish(corrected):
    _, _, statements, _ = corrected
    titles = [s["o"]["literal"] for s in statements if s["p"] == str(DCTERMS.title)]
    assert titles == [TITLE + " (corrected)"]
    countries = [s["o"]["iri"] for s in statements if s["p"] == DSKG + "country"]
    assert len(countries) == 1 and countries[0].endswith("/GRC"), countries


def test_the_correction_is_published_at_the_practice_iri(corrected):
    config, _, _, number = corrected
    graph = graph_of(config)
    titles = {str(t) for t in graph.objects(None, DCTERMS.title)}
    assert titles == {TITLE + " (corrected)"}
    countries = {str(c) for p, c in graph.predicate_objects() if "country" in str(p)}
    assert any(c.endswith("GRC") for c in countries) and not any(
        c.endswith("BGR") for c in countries), countries
    sources = {str(s) for s in graph.objects(None, PROV.wasDerivedFrom)}
    assert {LISTING, EDITORIAL} <= sources, sources
    assert [str(s).rsplit("/", 1)[-1] for s in graph.objects(None, URIRef(DSKG + "submission"))] == [number]
    assert "incremental" in report(config)["mode"]


def test_the_scraped_entry_is_reported_as_corrected(corrected):
    config, _, _, number = corrected
    done = run_dskg("validate", "--json", config=config)
    entries = json.loads(done.stdout)["entries"]
    replaced = [e for e in entries if e.get("title") == TITLE]
    assert replaced and replaced[0]["status"] == "duplicate"
    assert f"corrected on this site by submission {number}" in replaced[0]["reason"]


def assert_full_build_agrees(config: Config) -> None:
    """A full build of the same inputs, elsewhere, holds what ``config``'s holds."""
    folder = Path(tempfile.mkdtemp(dir=config.var_dir.parent))
    copy = Config(base=BASE, data_dir=folder / "data", var_dir=folder / "var",
                  ontology_dir=config.ontology_dir, shapes_dir=config.shapes_dir)
    shutil.copytree(config.data_dir, copy.data_dir)
    shutil.copytree(config.var.editorial, copy.var.editorial)
    build(copy, full=True)
    assert quads(copy) == quads(config)


def test_a_full_build_gives_what_the_incremental_one_gave(corrected):
    assert_full_build_agrees(corrected[0])


def test_the_correction_stays_when_its_source_changes_and_a_later_one_replaces_it(
        corrected):
    config, fields, _, _ = corrected
    listing = config.data_dir / "sources" / "good-practices-listing.txt"
    text = listing.read_text(encoding="utf-8")
    listing.write_text(text.replace("Digital Skills Partnership", "Digital Skills "
                                    "Partnership of Bulgaria", 2), encoding="utf-8")
    build(config)
    assert "incremental" in report(config)["mode"]
    assert {str(t) for t in graph_of(config).objects(None, DCTERMS.title)} == {
        TITLE + " (corrected)"}
    correct(config, fields | {"title": TITLE + " (corrected again)"})
    graph = graph_of(config)
    assert {str(t) for t in graph.objects(None, DCTERMS.title)} == {
        TITLE + " (corrected again)"}
    assert len(set(graph.objects(None, URIRef(DSKG + "submission")))) == 1
    exported = json.loads((config.var.editorial / "editorial.json").read_text())
    assert len(exported["submissions"]) == 2  # both approved: the later one counts
    assert_full_build_agrees(config)  # the earlier correction's activity is gone too


def test_an_editor_who_agreed_is_named_by_a_pseudonym_only(corrected):
    config = corrected[0]
    accounts = Accounts(config.var.accounts)
    unnamed = [q for q in quads(config) if str(PROV.wasAssociatedWith) in q]
    assert unnamed == []  # maria did not agree
    accounts.add("elena", "contributor", ["BG"], named=True)
    elena = accounts.get("elena")
    assert len(elena.pseudonym) == 16 and "elena" not in elena.pseudonym
    store, ivan = Submissions(config.var.submissions), accounts.get("ivan")
    made = store.create(elena, "BGR", {"title": "Robots for the girls of Ruse",
                                       "summary": "Robotics clubs for girls in Ruse.",
                                       "countries": ["Bulgaria"]}, submit=True)
    store.act(made.id, ivan, "approve")
    assert run_dskg("submission", "publish", config=config).returncode == 0
    named = [q for q in quads(config) if str(PROV.wasAssociatedWith) in q]
    assert len(named) == 1 and f"/id/editor/{elena.pseudonym}>" in named[0]
    handles = re.compile(r"\b(elena|maria|ivan)\b", re.IGNORECASE)
    assert not any(handles.search(q) for q in quads(config))
    assert_full_build_agrees(config)
    accounts.set_named("elena", False)  # she changes her mind: the next publish follows
    store.act(store.create(elena, "BGR", {"title": "Robots for the boys of Ruse",
                                          "summary": "Robotics clubs for boys in Ruse.",
                                          "countries": ["Bulgaria"]}, submit=True).id,
              ivan, "approve")
    assert run_dskg("submission", "publish", config=config).returncode == 0
    assert [q for q in quads(config) if str(PROV.wasAssociatedWith) in q] == []
    assert_full_build_agrees(config)
