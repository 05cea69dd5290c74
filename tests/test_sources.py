"""Sources declared in data/sources.yaml: what a declaration may say, the message each
mistake gets, and what a source's settings do to the records read from it."""
from __future__ import annotations

import pytest
import yaml

from dskg.build import prepare
from dskg.ingest.html import body_entry
from dskg.ingest.records import interpret
from dskg.sources import DEFAULT_SOURCES, SourcesError, load_sources, parse_source

from .conftest import SAMPLE, one_clear_line, run_dskg
from .wordpress_content import render

SITE = {"name": "coalition", "kind": "wordpress", "url": "https://coalition.example.bg"}


def write(project, sources) -> None:
    (project.data_dir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}),
                                                   encoding="utf-8")


def test_without_a_sources_file_the_data_folder_is_one_listing_source(project):
    assert load_sources(project.data_dir) == DEFAULT_SOURCES
    assert DEFAULT_SOURCES[0].pages(project.data_dir) == [project.data_dir / "sources" /
                                                          SAMPLE.name]


def test_the_repository_declares_its_sample_listing():
    from .conftest import ROOT

    listing, editorial = load_sources(ROOT / "data")
    assert (listing.kind, listing.pages(ROOT / "data")) == ("listing-text", [SAMPLE])
    assert (editorial.name, editorial.kind) == ("editorial", "editorial")


def test_a_declaration_reads_every_setting():
    source = parse_source(SITE | {
        "language": "bg", "country": "BG", "categories": ["INSPIRATION: Good practices"],
        "concepts": {"Coding clubs": "technologies: Digital skills"}, "ignore": ["News"],
        "selectors": {"content": "article .body"},
        "politeness": {"rate": 0.5, "concurrency": 1, "timeout": 10, "max_bytes": 1000}})
    assert source.url == "https://coalition.example.bg/"
    assert source.concepts == {"Coding clubs": ("technologies", "Digital skills")}
    assert source.politeness.rate == 0.5 and source.politeness.concurrency == 1
    assert source.selector("content") == "article .body"
    assert source.selector("title").startswith("h1.entry-title")
    assert source.harvested and source.politeness.user_agent.startswith("dskg/")


@pytest.mark.parametrize("change, message", [
    ({"kind": "rss"}, "source 'coalition': kind 'rss' is not one of listing-text, wordpress, "
                      "html"),
    ({"url": "ftp://x"}, "source 'coalition': url 'ftp://x' must be an http or https URL"),
    ({"name": "Coalition BG"}, "source 1: name 'Coalition BG' must be lowercase letters"),
    ({"language": "Bulgarian"}, "source 'coalition': language 'Bulgarian' must be a language "
                                "tag"),
    ({"concepts": {"AI": "robots: AI"}}, "source 'coalition': concepts: 'AI': expected "
                                         "'FIELD: concept label'"),
    ({"politeness": {"rate": -1}}, "source 'coalition': politeness: rate must be a "
                                   "non-negative float, got -1"),
    ({"politeness": {"speed": 1}}, "source 'coalition': politeness: unknown setting 'speed'"),
    ({"selectors": {"body": "x"}}, "source 'coalition': selectors: unknown part 'body'"),
    ({"path": "sources"}, "source 'coalition': path is for listing-text sources; use url"),
    ({"feed": "x"}, "source 'coalition': unknown field 'feed'"),
])
def test_each_mistake_names_the_source_and_the_field(project, change, message):
    write(project, [SITE | change])
    with pytest.raises(SourcesError) as error:
        load_sources(project.data_dir)
    assert str(error.value).startswith(f"{project.data_dir / 'sources.yaml'}: {message}")


@pytest.mark.slow  # runs the command in processes of its own
def test_the_cli_says_what_is_wrong_in_one_line(project):
    write(project, [SITE, SITE])
    line = one_clear_line(run_dskg("harvest", config=project))
    assert line == (f"dskg harvest: {project.data_dir / 'sources.yaml'}: source 'coalition' "
                    "is declared twice")
    write(project, [SITE])
    line = one_clear_line(run_dskg("harvest", "elsewhere", config=project))
    assert line == ("dskg harvest: no source named 'elsewhere' in data/sources.yaml "
                    "(declared: coalition)")
    (project.data_dir / "sources.yaml").write_text("sources: [unclosed", encoding="utf-8")
    assert "cannot be parsed" in one_clear_line(run_dskg("build", config=project))


def test_listing_sources_have_nothing_to_harvest(project):
    line = one_clear_line(run_dskg("harvest", config=project))
    assert "declares no wordpress, html or ldes source" in line


@pytest.mark.slow  # a build of its own
def test_a_harvested_source_never_harvested_is_named_and_the_build_goes_on(project):
    write(project, [{"name": "sample", "kind": "listing-text"}, SITE])
    prepared = prepare(project)
    assert prepared.source_warnings == ["source 'coalition' has never been harvested; run "
                                        "`dskg harvest coalition`"]
    assert len(prepared.mapped.practices) == 3


BODY = render(["Coding clubs for teenagers in Ruse."],
              [("Target audience", ["Digital skills for children"])])


def read(vocab, categories: list[str], **settings):
    entry = body_entry(BODY, 7, title="Coding clubs", published="2024-05-02",
                       categories=categories, url="https://coalition.example.bg/?p=7",
                       item="post 7")
    return interpret(entry, "coalition", vocab, parse_source(SITE | settings))


def test_a_sources_concept_map_ignore_list_and_country_apply(vocab):
    plain = read(vocab, ["Coding clubs", "News", "Bulgaria"])
    assert plain.warnings == ["category 'Coding clubs' matches no concept; ignored",
                              "category 'News' matches no concept; ignored"]
    mapped = read(vocab, ["Coding clubs", "News"], country="BG", ignore=["News"],
                  concepts={"Coding clubs": "technologies: Digital skills"})
    assert mapped.warnings == [] and mapped.ok
    assert [str(c).rsplit("/", 1)[-1] for c in mapped.technologies] == ["digital-skills"]
    assert [str(c).rsplit("/", 1)[-1] for c in mapped.countries] == ["BGR"]
    assert mapped.language == "en" and mapped.location == \
        "coalition post 7 (https://coalition.example.bg/?p=7)"
    wrong = read(vocab, ["Coding clubs"], concepts={"Coding clubs": "technologies: Knitting"})
    assert wrong.warnings[0] == ("category 'Coding clubs': the source maps it to 'Knitting', "
                                 "which is no concept of technology; ignored")


def test_a_practice_without_a_country_names_what_its_text_mentions(vocab):
    record = read(vocab, [])
    assert record.countries == [] and record.warnings == []
    entry = body_entry(render(["Clubs in Latvia and Estonia, run from Riga."],
                              [("Target audience", ["Digital skills for children"])]), 8,
                       title="Baltic coding clubs", published=None, categories=[],
                       url=None, item="post 8")
    record = interpret(entry, "coalition", vocab, parse_source(SITE))
    assert record.warnings == ["no country category or section; the text names Latvia, "
                               "Estonia (add the category to the page, or the country in "
                               "data/curation/)"]


def test_a_page_address_that_is_no_iri_is_left_out_with_a_warning(vocab):
    entry = body_entry(BODY, 9, title="Coding clubs", published=None, categories=["Bulgaria"],
                       url="https://coalition.example.bg/a page?<x>", item="post 9")
    record = interpret(entry, "coalition", vocab, parse_source(SITE))
    assert record.url is None and record.ok
    assert record.warnings == ["its page address 'https://coalition.example.bg/a page?<x>' "
                               "is no valid IRI; not published"]
