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
    assert "title" not in headings and "description" not in headings  # shown as prose
    assert '<section class="description" id="description">' in main


def test_a_description_reads_as_headings_paragraphs_and_lists(server):
    page = html(server, "/doc/practice/digital-skills-for-bulgarian-smes-programme")
    prose = page.split('<section class="description"')[1].split("</section>")[0]
    assert re.findall(r"<h3>([^<]+)</h3>", prose) == [
        "Aims and objectives", "Why is this a good practice?", "Results and impact"]
    items = re.findall(r"<li>([^<]+)</li>", prose)
    assert len(items) == 2 and items[0].startswith("Adaptation of an interactive training")
    assert "•" not in prose and prose.count("<p>") >= 8
    table = page.split('id="statements"')[1].split("</table>")[0]
    assert "aims and objectives" not in table  # the parts are in the prose above


def test_the_parts_of_a_description_are_statements_of_their_own(server):
    query = """PREFIX dskg: <https://w3id.org/dskg/def/dskg/>
        SELECT ?p ?text WHERE { ?practice dskg:aims|dskg:addedValue|dskg:results|
        dskg:participants|dskg:summary ?text ; ?p ?text
        FILTER(STRENDS(STR(?practice), "/digital-skills-for-bulgarian-smes-programme")
               || STRENDS(STR(?practice), "/digital-skills-partnership")) }"""
    rows = server.http.get(server.url + "/sparql", params={"query": query},
                           headers={"Accept": "application/sparql-results+json"}
                           ).json()["results"]["bindings"]
    parts = {row["p"]["value"].rsplit("/", 1)[-1]: row["text"] for row in rows}
    assert set(parts) >= {"summary", "aims", "addedValue", "results", "participants"}
    assert parts["aims"]["xml:lang"] == "en"
    assert parts["aims"]["value"].startswith("The project aimed to build sustainable")
    assert "\n• Establishing public libraries" in parts["aims"]["value"]


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


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_in_a_description_and_its_parts_is_text_everywhere(tmp_path):
    """A source's markup in a part of the description is shown as the text it is, in
    the prose, the statements and the machine formats alike."""
    from dskg.build import build

    from .conftest import ROOT, make_project
    from .inprocess import start_site

    page = (ROOT / "tests" / "pages" / "listing-page-2.txt").read_text(encoding="utf-8")
    page = page.replace("  • Състезания.\n", "  • Състезания.\n\nAims and objectives\n\n"
                        f"{HOSTILE}\n", 1)
    (tmp_path / "hostile.txt").write_text(page, encoding="utf-8")
    config = make_project(tmp_path / "project", pages=[tmp_path / "hostile.txt"])
    build(config)
    site = start_site(config)
    try:
        pages = {p: site.http.get(site.url + "/doc/practice/" + p).text for p in re.findall(
            r'href="/id/practice/([^"]+)"', site.http.get(site.url + "/browse/practice").text)}
        path, shown = next(("/doc/practice/" + p, text) for p, text in pages.items()
                           if "роботи" in text)
        prose = shown.split('<section class="description"')[1].split("</section>")[0]
        assert "<h3>Aims and objectives</h3>" in prose
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img" in prose
        assert "<script>alert" not in shown and "<img src=x" not in shown
        turtle = site.http.get(site.url + path.replace("/doc/", "/id/"),
                               headers={"Accept": "text/turtle"}).text
        assert "dskg:aims" in turtle or "/def/dskg/aims" in turtle
        json_ld = site.http.get(site.url + path.replace("/doc/", "/id/"),
                                headers={"Accept": "application/ld+json"})
        assert json_ld.ok and HOSTILE.replace('"', '\\"') in json_ld.text
    finally:
        site.close()
