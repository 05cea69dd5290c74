"""410 Gone (issue 12, item 5): a practice that leaves the graph keeps answering, as a
page and in RDF — when it left, its last version in the change stream, and the
practice it was merged into when its entry became part of another one."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS

from dskg.build import build

from .conftest import BASE, make_project
from .inprocess import start_site

pytestmark = pytest.mark.slow

SECOND_PAGE = """By Luxembourg, Country providing the good practice, National good practice initiative, Type of initiative of the good practiceNo Comments
{title}

05.05.2024 |

Speed meetings between companies and digital initiatives in Luxembourg.

Target audience

Digital skills for the workforce

Country providing the good practice

Luxembourg
"""
PLOVDIV = BASE + "id/practice/plovdiv-school-prepares-artificial-intelligence-programmers"
LUXEMBOURG = BASE + "id/practice/digital-skills-partnership-luxembourg"
PARTNERSHIP = BASE + "id/practice/digital-skills-partnership"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build 1: the sample and a second page; build 2: the Plovdiv entry deleted, and the
    second page's practice retitled so that it is the sample's Digital Skills Partnership."""
    config = make_project(tmp_path_factory.mktemp("gone"))
    sources = config.data_dir / "sources"
    second = sources / "luxembourg.txt"
    second.write_text(SECOND_PAGE.format(title="Digital Skills Partnership Luxembourg"))
    build(config)
    page = sources / "good-practices-listing.txt"
    text = page.read_text(encoding="utf-8")
    page.write_text(text[:text.index("By AI & ML")], encoding="utf-8")
    second.write_text(SECOND_PAGE.format(title="Digital Skills Partnership"))
    build(config)
    served = start_site(config)
    yield served
    served.close()


def path(iri: str) -> str:
    return "/" + iri[len(BASE):]


def test_a_withdrawn_practice_answers_410_with_its_last_version(site):
    page = site.http.get(site.url + path(PLOVDIV), headers={"Accept": "text/html"},
                         allow_redirects=False)
    assert page.status_code == 410 and page.headers["Content-Type"].startswith("text/html")
    assert "Plovdiv school prepares artificial intelligence programmers was withdrawn" in page.text
    assert "SU “Paisii Hilendarski”" not in page.text or "providedBy" in page.text
    assert '<a href="/set/ldes/fragment/1">change stream</a>' in page.text
    for url in (site.url + path(PLOVDIV), site.url + "/doc/practice/plovdiv-school-prepares-"
                "artificial-intelligence-programmers.ttl"):
        answer = site.http.get(url, headers={"Accept": "text/turtle"}, allow_redirects=False)
        assert answer.status_code == 410 and answer.headers["Content-Type"].startswith(
            "text/turtle")
        graph = Graph().parse(data=answer.text, format="turtle")
        [left] = graph.objects(URIRef(PLOVDIV), PROV.invalidatedAtTime)
        [version] = graph.subjects(DCTERMS.isVersionOf, URIRef(PLOVDIV))
        assert (version, DCTERMS.title, Literal(
            "Plovdiv school prepares artificial intelligence programmers", lang="en")) in graph
        assert (version, RDFS.seeAlso, URIRef(BASE + "set/ldes/fragment/1")) in graph
        assert not list(graph.objects(URIRef(PLOVDIV), DCTERMS.isReplacedBy))


def test_a_merged_practice_names_the_one_it_is_part_of(site):
    answer = site.http.get(site.url + path(LUXEMBOURG), headers={"Accept": "text/turtle"})
    assert answer.status_code == 410
    graph = Graph().parse(data=answer.text, format="turtle")
    assert list(graph.objects(URIRef(LUXEMBOURG), DCTERMS.isReplacedBy)) == [
        URIRef(PARTNERSHIP)]
    page = site.http.get(site.url + path(LUXEMBOURG), headers={"Accept": "text/html"})
    assert page.status_code == 410
    assert '<a href="/id/practice/digital-skills-partnership">Digital Skills Partnership</a>' \
        in page.text
    assert site.http.get(site.url + path(PARTNERSHIP), allow_redirects=False).status_code == 303


def test_what_never_existed_is_still_404(site):
    answer = site.http.get(site.url + "/id/practice/never-published", allow_redirects=False)
    assert answer.status_code == 404
