"""Pages that read like resource pages, not like a triple dump."""
from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def server(mixed_site):
    return mixed_site


def html(server, path: str) -> str:
    response = server.http.get(server.url + path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return response.text


def test_practice_page_folds_machine_details_and_does_not_repeat_its_title(server):
    page = html(server, "/doc/practice/digital-skills-partnership")
    main, _, machine = page.partition('<details class="machine">')
    assert machine, "no machine details"
    assert "source entry" in machine and "source entry" not in main.split("<h1>")[1]
    table = main.split('id="statements"')[1].split("</table>")[0]
    headings = [re.sub(r"<[^>]+>", "", th) for th in re.findall(r"<th>(.*?)</th>", table)]
    assert "title" not in headings and "description" in headings


def test_scheme_page_lists_each_concept_once_and_names_inverse_links(server):
    page = html(server, "/def/audience")
    assert " of of" not in page and "top concept of</a> of" not in page
    concept = "/def/audience/children"
    assert page.count(f'href="{concept}"') == 1


def test_outside_codes_are_named_for_their_source(server):
    page = html(server, "/doc/country/BGR")
    assert "EU country table: BGR" in page
    assert "Wikidata: Q219" in page


def test_chosen_filters_are_chips_that_remove_them(server):
    page = html(server, "/browse/practice?country=BGR&audience=children")
    chips = re.findall(r'<a class="chip" href="([^"]+)"', page)
    assert len(chips) == 2
    removed = [chip.replace("&amp;", "&") for chip in chips]
    assert any("country=BGR" not in chip and "audience=children" in chip for chip in removed)
    assert any("audience=children" not in chip and "country=BGR" in chip for chip in removed)


def glance(server, path: str) -> str:
    return html(server, path).split('<dl class="summary">')[1].split("</dl>")[0]


def test_practice_page_opens_with_who_where_when_for_whom(server):
    school = glance(server, "/doc/practice/"
                            "plovdiv-school-prepares-artificial-intelligence-programmers")
    headings = re.findall(r"<dt>([^<]+)</dt>", school)
    assert headings[:2] == ["Who", "Where"] and "For whom" in headings
    assert "Bulgaria" in school and "Paisii Hilendarski" in school
    dated = [path for path in re.findall(r'href="(/id/practice/[^"]+)"',
                                         html(server, "/browse/practice"))
             if "<dt>When</dt>" in glance(server, path)]
    assert dated, "no practice with a start or end date"
    assert re.search(r"<dt>When</dt><dd>(\d{4}[-\d]*|\?) – (\d{4}[-\d]*|ongoing)</dd>",
                     glance(server, dated[0]))
    assert "summary" not in html(server, "/doc/country/BGR").split("<h1>")[1].split("<table")[0]
