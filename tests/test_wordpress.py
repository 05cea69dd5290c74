"""Harvesting a real WordPress (issue 11): Debian's WordPress, started in a throwaway
folder and filled through its own PHP API with the sample page's entries as a
coalition's site holds them (tests/wordpress_content.py), a Bulgarian translation, a
draft, a private and a password-protected post.

Each practice read through the REST API, and through the pages WordPress renders,
gives the same ``dskg ingest --json`` record as the sample text page; a harvest is
incremental (a second one fetches only the edited post; a deleted post is withdrawn);
the text listing and the site are one practice per practice with both sources in its
provenance, under the slugs the text page minted.

Debian's ``wordpress``, ``mariadb-server``, ``php-cli`` and ``php-mysql`` must be
installed (``make test`` installs them when it runs as root; ``.ci/run`` does). Without
them these tests are skipped, unless ``DSKG_REQUIRE_WORDPRESS=1`` (CI sets it) turns that
into a failure.
"""
from __future__ import annotations

import json
import os
import time
from urllib.parse import unquote

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF

from dskg.build import build
from dskg.harvest import fetch_source
from dskg.harvest.cache import load_cache
from dskg.ingest.records import read_page
from dskg.ingest.sources import cached_records
from dskg.sources import parse_source

from .conftest import BASE, SAMPLE, current, make_project, one_clear_line, run_dskg
from .wordpress_content import render, sample_posts
from .wordpress_fixture import (
    delete_post,
    insert_post,
    link_translations,
    missing_programs,
    start_wordpress,
    stop_wordpress,
    update_post,
)

pytestmark = [pytest.mark.slow, pytest.mark.wordpress]

BULGARIAN_TITLE = "Пловдивско училище подготвя програмисти на изкуствен интелект"
BULGARIAN_BODY = ("През 2022 г. пловдивската гимназия „Св. Паисий Хилендарски“ откри "
                  "програма за ученици от 9 до 12 клас.")
HIDDEN = {"draft": {"status": "draft"}, "private": {"status": "private"},
          "password": {"password": "a-secret"}}
#: The fields every reader must give exactly as the text page does.
SAME_FIELDS = ("status", "reason", "duplicate_of", "title", "countries", "audiences",
               "technologies", "initiative_type", "funding", "organisations", "partners",
               "start_date", "end_date", "warnings")


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory):
    missing = missing_programs()
    if missing:
        message = f"WordPress tests need {', '.join(missing)} (apt-get install -y wordpress " \
                  "mariadb-server php-cli php-mysql)"
        if os.environ.get("DSKG_REQUIRE_WORDPRESS"):
            pytest.fail(message)
        pytest.skip(message)
    site = start_wordpress(tmp_path_factory.mktemp("wordpress"))
    yield site
    stop_wordpress(site)


@pytest.fixture(scope="module")
def site(wordpress):
    """The sample's posts, the Bulgarian version of one, and posts nobody may read."""
    ids = {post.title: insert_post(wordpress, post.title, post.html, post.categories,
                                   date=post.date) for post in sample_posts()}
    plovdiv = ids["Plovdiv school prepares artificial intelligence programmers"]
    bulgarian = insert_post(wordpress, BULGARIAN_TITLE, f"<p>{BULGARIAN_BODY}</p>",
                            ["Bulgaria"], date="2023-03-27 10:00:00")
    link_translations(wordpress, {"en": plovdiv, "bg": bulgarian})
    entry = sample_posts()[0]
    hidden = {name: insert_post(wordpress, f"A {name} practice", entry.html, entry.categories,
                                **options) for name, options in HIDDEN.items()}
    return wordpress, ids, hidden


#: Loopback can take more than the default pace of a real site (the pacing is tested in
#: tests/test_harvest_http.py).
LOOPBACK = {"rate": 50}


def ingest(kind: str, url: str) -> list[dict]:
    result = run_dskg("ingest", "--kind", kind, url, "--json", "--rate", str(LOOPBACK["rate"]))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def text_records() -> dict[str, dict]:
    result = run_dskg("ingest", "--json", str(SAMPLE))
    return {r["title"]: r for r in json.loads(result.stdout)}


@pytest.mark.parametrize("kind", ["wordpress", "html"])
def test_every_sample_entry_gives_the_text_pages_record(site, kind):
    wordpress, ids, _ = site
    harvested = {r["title"]: r for r in ingest(kind, wordpress.url)}
    for title, expected in text_records().items():
        title = title or "ADD TITLE"
        got = harvested[title]
        if expected["status"] == "rejected":  # the template: no title on the text page
            assert got["status"] == "rejected" and got["reason"] == expected["reason"]
            continue
        assert {k: got[k] for k in SAME_FIELDS} == {k: expected[k] for k in SAME_FIELDS}
        assert got["url"] == f"{wordpress.url}/?p={ids[title]}"
        assert got["source"] == "127.0.0.1" and got["entry"] > 0
        # The text page shows no date for one entry; WordPress always has the post's.
        assert got["published"] == (expected["published"] or time.strftime("%Y-%m-%d"))


@pytest.mark.parametrize("kind", ["wordpress", "html"])
def test_descriptions_and_their_parts_match_the_text_pages_word_for_word(site, vocab, kind):
    wordpress, _, _ = site
    source = parse_source({"name": "site", "kind": kind, "url": wordpress.url,
                           "politeness": LOOPBACK})
    harvested = {r.title: r for r in cached_records(source, fetch_source(source), vocab)}

    def words(sections: dict[str, str]) -> dict[str, str]:
        return {name: " ".join(text.split()) for name, text in sections.items()}
    parts = set()
    for record in read_page(SAMPLE, vocab):
        if record.ok:
            assert " ".join(harvested[record.title].body.split()) == \
                " ".join(record.body.split())
            assert words(harvested[record.title].sections) == words(record.sections)
            parts |= set(record.sections)
    assert parts == {"summary", "aims", "added_value", "results", "participants"}


def test_drafts_private_and_protected_posts_are_never_read(site, vocab, tmp_path):
    wordpress, _, hidden = site
    for kind in ("wordpress", "html"):
        titles = {r["title"] for r in ingest(kind, wordpress.url)}
        assert not titles & {f"A {name} practice" for name in hidden}
    source = parse_source({"name": "site", "kind": "wordpress", "url": wordpress.url,
                           "politeness": LOOPBACK})
    cache = fetch_source(source)
    protected = cache.items[f"post/{hidden['password']}"].content
    assert protected["content"]["protected"] and "trains" not in json.dumps(protected)
    assert f"post/{hidden['draft']}" not in cache.items
    assert f"post/{hidden['private']}" not in cache.items


def test_a_translation_is_the_same_practice_in_two_languages(site, vocab):
    wordpress, _, _ = site
    records = {r["title"]: r for r in ingest("wordpress", wordpress.url)}
    assert BULGARIAN_TITLE not in records
    source = parse_source({"name": "site", "kind": "wordpress", "url": wordpress.url,
                           "politeness": LOOPBACK})
    plovdiv = next(r for r in cached_records(source, fetch_source(source), vocab)
                   if r.title == "Plovdiv school prepares artificial intelligence programmers")
    assert plovdiv.translations == {"bg": (BULGARIAN_TITLE, BULGARIAN_BODY)}
    assert plovdiv.language == "en"


def declare(config, **site) -> None:
    """The sample listing and the site, as the source ``coalition`` (``site`` holds its
    settings beside the real WordPress's URL and a rate fit for loopback)."""
    coalition = {"name": "coalition", "kind": "wordpress", "politeness": LOOPBACK} | site
    sources = [{"name": "sample-listing", "kind": "listing-text", "path": "sources"},
               coalition]
    (config.data_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}),
                                                  encoding="utf-8")


def published(config) -> Graph:
    graph = Graph()
    graph.parse(current(config).dumps / "dskg.ttl", format="turtle")
    return graph


def test_site_and_text_page_build_one_graph_with_both_sources(site, tmp_path):
    """The sample page and the site it was scraped from: three practices, not six,
    under the text page's slugs, each derived from both sources, with its permalink
    and its Bulgarian title and description."""
    wordpress, ids, _ = site
    text_only = make_project(tmp_path / "text")
    build(text_only)
    config = make_project(tmp_path / "both")
    declare(config, url=wordpress.url)
    result = run_dskg("harvest", "--json", config=config)
    assert result.returncode == 0, result.stderr
    [summary] = json.loads(result.stdout)
    assert summary["source"] == "coalition" and summary["error"] is None
    # The sample, its translation, "Hello world!" and the protected post (its content
    # withheld by WordPress; it is never read into a practice).
    assert summary["new"] == len(ids) + 3
    result = run_dskg("build", config=config)
    assert result.returncode == 0, result.stderr

    graph, before = published(config), published(text_only)
    practice = URIRef(f"{BASE}id/practice/plovdiv-school-prepares-artificial-intelligence-"
                      "programmers")
    query = """SELECT ?p WHERE { ?p a ?type FILTER(STRENDS(STR(?type), "GoodPractice")) }"""
    assert {r.p for r in graph.query(query)} == {r.p for r in before.query(query)}
    sources = {str(s) for s in graph.objects(practice, PROV.wasDerivedFrom)}
    assert sources == {f"{BASE}id/source/good-practices-listing-txt",
                       f"{BASE}id/source/coalition",
                       f"{BASE}id/source/curation-sample-listing-yaml"}
    plovdiv = ids["Plovdiv school prepares artificial intelligence programmers"]
    assert set(graph.objects(practice, FOAF.page)) == {URIRef(f"{wordpress.url}/?p={plovdiv}")}
    titles = set(graph.objects(practice, DCTERMS.title))
    assert Literal(BULGARIAN_TITLE, lang="bg") in titles and len(titles) == 2
    assert Literal(BULGARIAN_BODY, lang="bg") in set(graph.objects(practice,
                                                                    DCTERMS.description))
    report = json.loads(current(config).report.read_text())
    assert report["source_warnings"] == [] and report["sources"]["coalition"].startswith(
        "harvest of ")


def test_harvests_are_incremental_and_record_withdrawals(site, tmp_path):
    wordpress, _, _ = site
    entry = sample_posts()[3]
    kept = insert_post(wordpress, "Coding clubs in Stara Zagora libraries", entry.html,
                       ["Incremental", *entry.categories], date="2024-01-10 09:00:00")
    gone = insert_post(wordpress, "Robotics week in Smolyan", entry.html,
                       ["Incremental", *entry.categories], date="2024-02-10 09:00:00")
    config = make_project(tmp_path)
    declare(config, url=wordpress.url, categories=["Incremental"])

    def harvest() -> dict:
        result = run_dskg("harvest", "--json", "coalition", config=config)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)[0]

    first = harvest()
    assert (first["new"], first["changed"], first["withdrawn"]) == (2, 0, 0)
    build(config)
    again = harvest()
    assert (again["new"], again["changed"], again["unchanged"], again["withdrawn"]) == \
        (0, 0, 2, 0)
    time.sleep(1.1)  # WordPress keeps modification times to the second
    body = render(entry.body + ["Since 2025 the clubs also meet on Saturdays."], entry.sections)
    update_post(wordpress, kept, post_content=body)
    delete_post(wordpress, gone)
    seen = len(wordpress.requests_since(0))
    after = harvest()
    assert (after["new"], after["changed"], after["unchanged"], after["withdrawn"]) == \
        (0, 1, 0, 1)
    # Listing pages name ids and times only; the one edited post comes with content.
    posts = [unquote(line) for line in wordpress.requests_since(seen) if "posts" in line]
    with_content = [line for line in posts if "content" in line]
    assert [("modified_after" in line) for line in with_content] == [True]
    assert all("_fields=id,modified_gmt" in line for line in posts if line not in with_content)
    assert after["requests"] == len(wordpress.requests_since(seen))
    cache = load_cache(config.var_dir, "coalition")
    assert cache.items[f"post/{gone}"].status == "withdrawn"
    assert "Saturdays" in cache.items[f"post/{kept}"].content["content"]["rendered"]
    build(config)
    graph = published(config)
    titles = {str(o) for o in graph.objects(None, DCTERMS.title)}
    assert "Coding clubs in Stara Zagora libraries" in titles
    assert "Robotics week in Smolyan" not in titles
    # The change stream tells harvesters of the graph: one update, one deletion.
    stream = Graph()
    for fragment in (config.var_dir / "history").rglob("*.nt"):
        stream.parse(fragment, format="nt")
    activity = "https://www.w3.org/ns/activitystreams#"
    kinds = {(str(stream.value(member, DCTERMS.isVersionOf)).rsplit("/", 1)[-1],
              str(kind).removeprefix(activity))
             for member, kind in stream.subject_objects(RDF.type)
             if str(kind).startswith(activity)}
    assert ("robotics-week-in-smolyan", "Delete") in kinds
    assert ("coding-clubs-in-stara-zagora-libraries", "Update") in kinds


def test_a_failed_source_keeps_its_last_good_harvest(site, tmp_path):
    wordpress, _, _ = site
    config = make_project(tmp_path)
    declare(config, url=wordpress.url)
    assert run_dskg("harvest", "coalition", config=config).returncode == 0
    kept = (config.var_dir / "harvest" / "coalition.json").read_text()
    declare(config, url="http://127.0.0.1:9/",
            politeness={"retries": 0, "timeout": 2, "robots": False})
    result = run_dskg("harvest", "coalition", config=config)
    assert result.returncode == 1
    assert result.stdout.startswith("coalition: FAILED, last good harvest kept: "
                                    "http://127.0.0.1:9/")
    assert "cannot connect" in result.stdout
    cache = load_cache(config.var_dir, "coalition")
    assert cache.error and json.loads(kept)["items"].keys() == cache.items.keys()
    result = run_dskg("build", config=config)
    assert result.returncode == 0
    assert "source 'coalition': the last harvest" in result.stderr and "failed" in result.stderr
    titles = {str(o) for o in published(config).objects(None, DCTERMS.title)}
    assert BULGARIAN_TITLE in titles


def test_malformed_json_fails_the_source_with_its_url(site, tmp_path):
    """A plugin printing a PHP warning into the API's answers (the commonest broken
    WordPress): one clear line naming the URL; the last good harvest stays."""
    wordpress, _, _ = site
    config = make_project(tmp_path)
    declare(config, url=wordpress.url)
    assert run_dskg("harvest", "coalition", config=config).returncode == 0
    kept = load_cache(config.var_dir, "coalition").items
    wordpress.php("update_option('dskg_noisy', 1);")
    try:
        result = run_dskg("ingest", "--kind", "wordpress", wordpress.url, "--rate", "50")
        line = one_clear_line(result)
        assert line.startswith(f"dskg ingest: {wordpress.url}/?rest_route=%2F&_fields=namespaces: malformed JSON ")
        result = run_dskg("harvest", "coalition", config=config)
    finally:
        wordpress.php("delete_option('dskg_noisy');")
    assert result.returncode == 1
    assert result.stdout.startswith("coalition: FAILED, last good harvest kept: "
                                    f"{wordpress.url}/?rest_route=%2F&_fields=namespaces: malformed JSON")
    assert load_cache(config.var_dir, "coalition").items == kept


def test_slugs_survive_a_retitled_post(site, tmp_path):
    """The registry learns each post's id: a new title keeps the practice's IRI."""
    wordpress, _, _ = site
    entry = sample_posts()[3]
    post = insert_post(wordpress, "Girls who code in Ruse", entry.html,
                       ["Retitled", *entry.categories], date="2024-05-02 09:00:00")
    config = make_project(tmp_path)
    declare(config, url=wordpress.url, categories=["Retitled"])
    practice = URIRef(f"{BASE}id/practice/girls-who-code-in-ruse")
    assert run_dskg("harvest", config=config).returncode == 0
    build(config)
    assert (practice, DCTERMS.title, Literal("Girls who code in Ruse", lang="en")) in \
        published(config)
    time.sleep(1.1)
    update_post(wordpress, post, post_title="Girls who code in Ruse and Rousse")
    assert run_dskg("harvest", config=config).returncode == 0
    build(config)
    assert (practice, DCTERMS.title, Literal("Girls who code in Ruse and Rousse", lang="en")) \
        in published(config)
    keys = (config.data_dir / "slugs.csv").read_text()
    assert f"practice,girls-who-code-in-ruse,item:coalition|post {post}" in keys
