"""The interface in the reader's language: complete catalogues, the language chosen from
``?lang=``, a cookie or ``Accept-Language``, and pages with nothing left in English."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, RDFS, SKOS

from server.i18n import COOKIE, LANGUAGES, SOURCE_LANGUAGE, catalogue_path, load_catalogues

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"%\(\w+\)s")
TAG = re.compile(r"</?([a-z]+)")
#: Concept schemes of our own, and the languages each concept is labelled in.
OWN_SCHEMES = ["audience", "technology", "funding-type", "initiative-type"]
PAGES = ["/", "/browse/practice", "/browse/practice?country=BGR&audience=children",
         "/browse/organisation", "/doc/practice/digital-skills-partnership", "/def/audience",
         "/def/dskg", "/search?q=digital", "/map", "/queries", "/sparql",
         "/.well-known/void", "/no/such/page"]


def _source_folder(path: str) -> bool:
    """Folders babel.cfg could match: not the installed packages or build output."""
    name = Path(path).name
    return not name.startswith((".", "_")) and name not in ("node_modules", "var",
                                                             "test-artifacts")


@lru_cache(maxsize=1)
def extracted() -> dict[str, tuple]:
    """Every interface message in the code and templates now, as ``make messages`` finds it
    (the code does not change during a run: extracted once)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    messages = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, directory_filter=_source_folder,
            keywords={**DEFAULT_KEYWORDS, "said": None}):  # as `make messages` (-k said)
        key = message[0] if isinstance(message, tuple) else message
        messages[key] = message if isinstance(message, tuple) else (message,)
    return messages


def catalogue(language: str):
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_interface_is_translated(language):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue(language)
               if m.id}
    wanted = extracted()
    missing = sorted(set(wanted) - set(entries))
    assert not missing, f"{language}: not in the catalogue (run make messages): {missing}"
    stale = sorted(set(entries) - set(wanted))
    assert not stale, f"{language}: no longer in the code (run make messages): {stale}"
    for key, entry in entries.items():
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings) and not entry.fuzzy, f"{language}: untranslated {key!r}"
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(ids[-1])), \
                f"{language}: the placeholders of {key!r} differ"
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(ids[0])), \
                f"{language}: the markup of {key!r} differs"


def test_the_catalogues_load_with_their_plural_rules():
    loaded = load_catalogues()
    assert set(loaded) == set(LANGUAGES)
    assert loaded["bg"].ngettext("%(num)s result.", "%(num)s results.", 3) == \
        "%(num)s резултата."
    assert loaded["el"].gettext("Search") == "Αναζήτηση"


@pytest.mark.parametrize("scheme", OWN_SCHEMES)
def test_our_concepts_are_labelled_in_every_interface_language(scheme):
    graph = Graph().parse(ROOT / "ontology" / "schemes" / f"{scheme}.ttl",
                          publicID="https://w3id.org/dskg/")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept)) | set(
        graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert concepts
    for concept in concepts:
        languages = sorted(label.language for label in graph.objects(concept, SKOS.prefLabel))
        assert languages == sorted(LANGUAGES), (concept, languages)


def test_the_ontology_names_its_terms_in_every_interface_language():
    graph = Graph().parse(ROOT / "ontology" / "dskg.ttl", publicID="https://w3id.org/dskg/")
    dskg = Namespace("https://w3id.org/dskg/def/dskg/")
    terms = [t for t in graph.subjects(RDFS.label, None) if str(t).startswith(str(dskg))]
    assert terms
    for term in set(terms):
        languages = sorted(label.language for label in graph.objects(term, RDFS.label))
        assert languages == sorted(LANGUAGES), (term, languages)


@pytest.fixture(scope="module")
def site(mixed_site):
    return mixed_site


def get(site, path: str, cookies: dict | None = None, **headers):
    return site.http.get(site.url + path, headers={"Accept": "text/html", **headers},
                         cookies=cookies, allow_redirects=True)


def english_left(html: str, language: str) -> list[str]:
    """Interface text of the page still in English: text and accessible names that are
    exactly an English message the catalogue translates differently. Data that says it
    is in another language (``<a lang="en">``) is the data's own, and a term named by the
    last part of its IRI (``…/terms/type``), for want of a label, is an identifier."""
    entries = catalogue(language)
    english = {m.id for m in entries if isinstance(m.id, str) and m.id and m.string != m.id
               and not PLACEHOLDER.search(m.id)}
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "code", "pre"]):
        hidden.decompose()
    for other in soup.select("body [lang]"):
        if other["lang"] != language:
            other.decompose()
    for term in soup.select("a[title]"):
        if re.split(r"[/#]", term["title"].rstrip("/"))[-1] == term.get_text():
            term.decompose()
    texts = [text.strip() for text in soup.stripped_strings]
    texts += [element[name] for name in ("aria-label", "placeholder", "title")
              for element in soup.find_all(attrs={name: True})]
    return sorted({text for text in texts if text in english})


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("path", PAGES)
def test_pages_in_the_chosen_language_have_no_english_left(site, path, language):
    response = get(site, path + ("&" if "?" in path else "?") + f"lang={language}")
    assert response.status_code in (200, 404), path
    assert f'<html lang="{language}">' in response.text
    assert response.headers["Content-Language"] == language
    assert english_left(response.text, language) == []


def test_english_pages_say_so_and_the_check_sees_english_text(site):
    page = get(site, "/browse/practice")
    assert '<html lang="en">' in page.text and page.headers["Content-Language"] == "en"
    assert "Filters" in english_left(page.text, "bg")


def test_accept_language_chooses_among_the_interface_languages(site):
    assert get(site, "/", **{"Accept-Language": "el-GR,el;q=0.9,en;q=0.5"}).headers[
        "Content-Language"] == "el"
    assert get(site, "/", **{"Accept-Language": "bg-BG"}).headers["Content-Language"] == "bg"
    assert get(site, "/", **{"Accept-Language": "de, fr;q=0.8"}).headers[
        "Content-Language"] == "en"


def test_a_language_in_the_url_is_kept_in_a_cookie_that_later_pages_follow(site):
    chosen = get(site, "/map?lang=bg", **{"Accept-Language": "el"})
    assert chosen.headers["Content-Language"] == "bg"
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=bg;") and "SameSite=Lax" in cookie
    later = get(site, "/browse/practice", cookies={COOKIE: "bg"}, **{"Accept-Language": "el"})
    assert later.headers["Content-Language"] == "bg" and "Set-Cookie" not in later.headers
    assert "Добри практики" in later.text
    back = get(site, "/browse/practice?lang=en", cookies={COOKIE: "bg"})
    assert back.headers["Content-Language"] == "en" and f"{COOKIE}=en;" in back.headers[
        "Set-Cookie"]
    odd = get(site, "/", cookies={COOKIE: "xx"}, **{"Accept-Language": "el"})
    assert odd.headers["Content-Language"] == "el"


def test_an_unknown_language_is_a_400_naming_the_parameter(site):
    page = get(site, "/browse/practice?lang=xx")
    assert page.status_code == 400
    assert "lang=&#39;xx&#39;" in page.text and "en, bg, el" in page.text
    problem = site.http.get(site.url + "/graph?iri=x&lang=de",
                            headers={"Accept": "application/json"})
    assert problem.status_code == 400 and "lang='de'" in problem.json()["detail"]


def test_the_switcher_links_the_same_page_in_each_language(site):
    page = get(site, "/browse/practice?country=BGR&sort=-title&lang=el")
    soup = BeautifulSoup(page.text, "html.parser")
    links = {a["hreflang"]: a for a in soup.select("nav.languages a")}
    assert set(links) == set(LANGUAGES)
    assert links["el"].get("aria-current") == "true" and links["el"]["lang"] == "el"
    assert links["bg"]["href"] == "/browse/practice?country=BGR&sort=-title&lang=bg"
    alternates = {link["hreflang"]: link["href"]
                  for link in soup.select('link[rel="alternate"][hreflang]')}
    assert set(alternates) == {"en", "bg"}


def test_caches_keep_the_languages_apart(site):
    path = "/doc/practice/digital-skills-partnership"
    english, greek = get(site, path), get(site, path + "?lang=el")
    assert english.headers["ETag"] != greek.headers["ETag"]
    for response in (english, greek):
        vary = {v.strip() for v in response.headers["Vary"].split(",")}
        assert {"Accept", "Accept-Language", "Cookie"} <= vary
    again = get(site, path + "?lang=el", **{"If-None-Match": greek.headers["ETag"]})
    assert again.status_code == 304


def test_data_and_numbers_follow_the_language(site):
    practice = get(site, "/doc/practice/digital-skills-partnership?lang=bg").text
    assert "Кой" in practice and "За кого" in practice  # the summary's headings
    browse = get(site, "/browse/practice?lang=el").text
    assert "Ψηφιακές δεξιότητες για παιδιά" in browse  # a concept's own label
    assert "Κοινό-στόχος" in browse  # a facet's title
    graph = site.http.get(site.url + "/graph", params={
        "iri": site.config.vocab_base + "def/audience", "lang": "bg"}).json()
    labels = {e["data"]["label"] for e in graph["elements"]}
    assert "Цифрови умения за деца" in labels


def test_numbers_are_written_the_readers_way(site):
    from server.i18n import number

    with site.app.test_request_context("/?lang=bg"):
        assert number(12345) == "12\u00a0345"
    with site.app.test_request_context("/?lang=el"):
        assert number(12345) == "12.345"
    with site.app.test_request_context("/"):
        assert number(12345) == "12,345"


def test_the_csv_columns_stay_english_whatever_the_language(site):
    english = site.http.get(site.url + "/browse/practice.csv").text
    greek = site.http.get(site.url + "/browse/practice.csv?lang=el",
                          headers={"Accept-Language": "el"}).text
    assert english == greek


def test_every_example_query_is_described_in_every_interface_language():
    from server.examples import load_examples

    for example in load_examples():
        for language in TRANSLATED:
            assert example.title_in(language) != example.title, (example.name, language)
            assert example.description_in(language) != example.description, \
                (example.name, language)
