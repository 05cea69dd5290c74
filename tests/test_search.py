"""The search engine against FTS5 itself, on a real build's browse index.

The server matches words through the index's vocabulary and bitsets of frequent
words; FTS5's own MATCH over the same table is the independent answer. Each check
runs on the build's index (where no word of 305 practices is frequent enough for a
bitset) and on one written from the same store with a low threshold, so that both
ways of matching a word are compared with FTS5.
"""
from __future__ import annotations

import sqlite3

import pytest

from dskg.artefact.browse import fold_text, open_read_only
from dskg.artefact.search import SearchIndex, search_terms
from dskg.build.browse_index import write_browse_index
from dskg.namespaces import Namespaces
from dskg.store import open_store

from .conftest import BASE, current

QUERIES = ["robotics", "robotics academy", "rob acad", "security women programme hackathon",
           "a", "digital skills", "пловдив", "РОБОТИ", "δεξιοτητες", "hilendar",
           "IMS Luxembourg", "zzzz", "robotics zzzz", "l'école", "x_y"]


@pytest.fixture(scope="module", params=[
    "as built", pytest.param("frequent words as bitsets", marks=pytest.mark.slow)])
def index(request, mixed_build, tmp_path_factory) -> SearchIndex:
    path = current(mixed_build).browse
    if request.param != "as built":
        store = open_store(current(mixed_build).store)
        path = tmp_path_factory.mktemp("index") / "browse.sqlite"
        write_browse_index(store, Namespaces(BASE), path, frequent=20)
    index = SearchIndex(lambda: open_read_only(path))
    assert bool(index.frequent) == (request.param != "as built")
    return index


def fts(index: SearchIndex, terms: list[str], title_only: bool = False) -> set[int]:
    query = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
    if title_only:
        query = f"{{title}} : ({query})"
    connection = index.connect()
    try:
        return {r for (r,) in connection.execute(
            "SELECT rowid FROM search WHERE search MATCH ?", (query,))}
    finally:
        connection.close()


def everything(index: SearchIndex, terms: list[str], cap: int, step: int = 23) -> list[int]:
    listed, offset = [], 0
    while True:
        page = index.search(terms, offset, step, cap)
        if not page.ids:
            return listed
        listed += page.ids
        offset += step


@pytest.mark.parametrize("text", QUERIES)
def test_matches_are_exactly_what_fts5_matches(index, text):
    terms = search_terms(text)
    expected = fts(index, terms)
    listing = index.search(terms, 0, 10, 10_000)
    assert listing.total == len(expected)
    assert set(everything(index, terms, 10_000)) == expected


@pytest.mark.parametrize("cap", [5, 40, 10_000])
@pytest.mark.parametrize("text", ["robotics academy", "digital", "a"])
def test_capped_listing_has_every_match_once_title_matches_first(index, text, cap):
    terms = search_terms(text)
    expected, in_title = fts(index, terms), fts(index, terms, title_only=True)
    listed = everything(index, terms, cap)
    assert len(listed) == len(expected) and set(listed) == expected
    first = index.search(terms, 0, 1, cap)
    assert first.capped == (len(expected) > cap)
    if first.capped:
        assert first.title_matches == len(in_title)
        assert set(listed[:len(in_title)]) == in_title
        if len(in_title) > cap:
            assert listed[:len(in_title)] == sorted(in_title), "title order past the cap"


def test_ranking_puts_title_matches_above_description_matches(index):
    terms = search_terms("plovdiv")
    listed = everything(index, terms, 10_000)
    connection = index.connect()
    try:
        titles = dict(connection.execute("SELECT id, title FROM practice"))
    finally:
        connection.close()
    in_title = [i for i in listed if "plovdiv" in fold_text(titles[i])]
    assert in_title and listed[:len(in_title)] == in_title


def test_index_records_vocabulary_and_lengths(mixed_build):
    path = current(mixed_build).browse
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        words = dict(connection.execute("SELECT term, docs FROM term"))
        settings = dict(connection.execute("SELECT name, value FROM setting"))
        robotics = connection.execute(
            "SELECT count(*) FROM search WHERE search MATCH '\"robotics\"'").fetchone()[0]
    finally:
        connection.close()
    assert words["robotics"] == robotics > 0
    assert settings["practices"] == 125 and settings["average_length"] > 10


def test_rows_carry_their_texts_in_the_search_form_snippets_are_cut_from(index):
    """The search page marks words found in the folded texts in the texts themselves:
    it relies on the index's folded texts being exactly fold_text of the texts."""
    listing = index.search(search_terms("digital"), 0, 50, 10_000)
    assert listing.rows
    for _iri, _title, description, organisations, folded, folded_names in listing.rows:
        assert (folded or "") == fold_text(description or "")
        assert (folded_names or "") == fold_text(organisations or "")
