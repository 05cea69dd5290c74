"""Curation files and the slug registry: bad input is named, good input is kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from dskg.build import prepare
from dskg.curation import load_curation
from dskg.registry import RegistryError, SlugRegistry, slugify

from .conftest import make_project


def test_problems_name_file_entry_and_field(tmp_path):
    folder = tmp_path / "curation"
    folder.mkdir()
    (folder / "a.yaml").write_text("""
organisations:
  nameless: {country: BG}
  good-org: {name: Good Org, country: BG, colour: blue}
funders:
  odd: {name: Odd, type: lottery}
practices:
  some-practice:
    start_date: not a date
    countries: BG
    places: [{country: BG}]
""", encoding="utf-8")
    (folder / "b.yaml").write_text("practices: [1, 2\n", encoding="utf-8")
    curation = load_curation(folder)
    problems = "\n".join(curation.problems)
    assert "curation/a.yaml: organisations.nameless.name: required" in problems
    assert "curation/a.yaml: organisations.good-org.colour: unknown field" in problems
    assert "curation/a.yaml: funders.odd.type: 'lottery' is not one of body, programme" in problems
    assert "practices.some-practice.start_date: 'not a date' is not a date" in problems
    assert "practices.some-practice.places" in problems
    assert "curation/b.yaml: file: cannot be parsed" in problems
    assert "good-org" in curation.organisations
    assert curation.practices["some-practice"][0].values["countries"] == ["BG"]


@pytest.mark.slow  # a build of its own
def test_curation_for_unknown_slugs_is_reported_and_the_rest_builds(tmp_path):
    project = make_project(tmp_path)
    (project.data_dir / "curation" / "extra.yaml").write_text("""
practices:
  no-such-practice: {countries: [FR]}
  plovdiv-school-prepares-artificial-intelligence-programmers:
    countries: [Atlantis]
    partners: [nobody]
    funders: [nothing]
""", encoding="utf-8")
    prepared = prepare(project)
    problems = "\n".join(prepared.problems)
    assert "curation/extra.yaml: practices.no-such-practice: no published practice" in problems
    assert "'Atlantis' matches no concept" in problems
    assert "partners: 'nobody' is no organisation defined in curation" in problems
    assert "funders: 'nothing' is no funder defined in curation" in problems
    assert len(prepared.mapped.practices) == 3


def test_slugify_transliterates_and_trims():
    assert slugify("SU “Paisii Hilendarski”") == "su-paisii-hilendarski"
    assert slugify("Ученици програмират роботи") == "uchenitsi-programirat-roboti"
    assert slugify("   ") == "untitled"
    assert len(slugify("word " * 50)) <= 80


def test_registry_appends_and_never_rewrites(tmp_path):
    path = tmp_path / "slugs.csv"
    registry = SlugRegistry.load(path)
    first = registry.mint("practice", "Same Title", "title:same title")
    second = registry.mint("practice", "Same Title", "title:other", exclude=frozenset({first}))
    assert (first, second) == ("same-title", "same-title-2")
    registry.save()
    text = path.read_text()
    again = SlugRegistry.load(path)
    assert again.mint("practice", "Renamed", "title:renamed", "title:same title") == "same-title"
    again.save()
    assert path.read_text().startswith(text)
    assert "title:renamed" in path.read_text()


def test_ambiguous_origin_key_is_not_used(tmp_path):
    registry = SlugRegistry(path=None)
    registry.mint("practice", "One", "title:one", "origin:p.txt|2024-01-01")
    registry.mint("practice", "Two", "title:two", "origin:p.txt|2024-01-01",
                  exclude=frozenset({"one"}))
    assert registry.find("practice", "origin:p.txt|2024-01-01") is None


@pytest.mark.parametrize("rows, problem", [
    ("practice,,title:x\n", "row 2: a row needs kind, slug and key"),
    ("practice,ok-slug,title:x\npractice,Not A Slug!,title:y\n",
     "row 3: 'Not A Slug!' is not a slug"),
])
def test_malformed_registry_row_is_named(tmp_path, rows, problem):
    path = tmp_path / "slugs.csv"
    path.write_text("kind,slug,key\n" + rows, encoding="utf-8")
    with pytest.raises(RegistryError) as error:
        SlugRegistry.load(path)
    assert f"{path}, {problem}" in str(error.value)


def test_undecodable_registry_is_named(tmp_path):
    path = tmp_path / "slugs.csv"
    path.write_bytes(b"kind,slug,key\npractice,x,title:\xff\n")
    with pytest.raises(RegistryError, match="slugs.csv, row .*cannot be read"):
        SlugRegistry.load(path)


def test_committed_registry_holds_the_sample_slugs():
    text = (Path(__file__).resolve().parent.parent / "data" / "slugs.csv").read_text()
    for slug in ("digital-skills-for-bulgarian-smes-programme", "digital-skills-partnership",
                 "plovdiv-school-prepares-artificial-intelligence-programmers"):
        assert f"practice,{slug},title:" in text
