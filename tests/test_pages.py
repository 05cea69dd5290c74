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
