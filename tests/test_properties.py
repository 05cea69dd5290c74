"""Properties that hold for every input, checked on generated ones (hypothesis).

How many examples each property gets is the profile's (tests/conftest.py): fewer in
the fast subset, more in ``make test``."""
from __future__ import annotations

import calendar
import csv
import io
import json
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdflibLiteral
from rdflib.compare import isomorphic
from rdflib.query import Result

from dskg.artefact.browse import bit_positions, bitset, fold_text, read_bitset
from dskg.artefact.search import occurrences
from dskg.fields import PAGE_FIELDS, heading_key
from dskg.formats import GRAPH_FORMATS, Unwritable, serialize
from dskg.ingest.dates import parse_date
from dskg.ingest.page import PAGE_CHROME, section_of, split_page
from dskg.rdf import IRI, BlankNode, Literal, Triple, from_rdflib, to_rdflib
from dskg.registry import MAX_SLUG_LENGTH, SLUG, slugify
from dskg.store.sparql_text import names_dataset, tokens
from server.sparql.results import SELECT_WRITERS

# ---------------------------------------------------------------- dates

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@given(days)
def test_every_day_spelling_reads_as_that_day(day):
    for text in (f"{day.day:02d}.{day.month:02d}.{day.year}", f"{day.day}.{day.month}.{day.year}",
                 day.isoformat(), f"{day.day} {calendar.month_name[day.month]} {day.year}",
                 f"{calendar.month_name[day.month]} {day.day}, {day.year}"):
        parsed = parse_date(text)
        assert parsed is not None and parsed.iso == day.isoformat(), text


@given(days)
def test_month_and_year_keep_their_precision(day):
    assert parse_date(f"{day.month:02d}.{day.year}").iso == f"{day.year}-{day.month:02d}"
    assert parse_date(f"{calendar.month_name[day.month]} {day.year}").iso == \
        f"{day.year}-{day.month:02d}"
    assert parse_date(str(day.year)).iso == str(day.year)


@given(st.text(max_size=30))
def test_any_text_is_a_date_or_none_never_an_error(text):
    parsed = parse_date(text)
    assert parsed is None or parsed.iso[:4].isdigit()


# ---------------------------------------------------------------- slugs and folding

@given(st.text(max_size=200))
def test_slugs_are_slugs_short_and_stable(text):
    slug = slugify(text)
    assert slug == "untitled" or SLUG.fullmatch(slug)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert slugify(slug) == slug


@given(st.text())
def test_folding_keeps_the_length_so_positions_map_back(text):
    folded = fold_text(text)
    assert len(folded) == len(text)
    assert fold_text(folded) == folded


# ---------------------------------------------------------------- bitset codec

positions = st.integers(min_value=1, max_value=2000).flatmap(
    lambda size: st.tuples(st.just(size), st.sets(st.integers(0, size - 1))))


@given(positions, st.integers(0, 50), st.one_of(st.none(), st.integers(0, 50)), st.booleans())
def test_bitsets_list_what_a_sorted_set_lists(case, skip, take, descending):
    size, members = case
    bits = read_bitset(bitset(members, size))
    assert bits.bit_count() == len(members)
    naive = sorted(members, reverse=descending)[skip:]
    assert bit_positions(bits, skip, take, descending) == (naive if take is None
                                                           else naive[:take])


# ---------------------------------------------------------------- the page splitter
# (Lines it skips as page chrome, such as "Skip to main content", are no titles.)

line = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
               max_size=60).map(str.strip).filter(
    lambda text: len(text) > 2 and not text.lower().startswith("by ")
    and section_of(text) is None and heading_key(text) not in PAGE_CHROME)
entry = st.fixed_dictionaries({
    "title": line.map(lambda text: "Practice " + text),
    "body": st.lists(line.map(lambda text: "Text: " + text), min_size=1, max_size=4),
    # A last section value that is the next entry's title is the title written above
    # its tag line (as pages do): ambiguous by the format, so never generated.
    "sections": st.lists(st.tuples(st.sampled_from(
        [f for f in PAGE_FIELDS if f.kind != "date"]),
        st.lists(line.filter(lambda text: not text.startswith("Practice ")), max_size=3)),
        max_size=4, unique_by=lambda pair: pair[0].name),
})


def page_of(entries: list[dict]) -> str:
    lines = ["Skip to main content", ""]
    for number, item in enumerate(entries):
        lines += [f"By Category {number}No Comments", item["title"], "01.02.2024 |", "",
                  *item["body"], ""]
        for declared, values in item["sections"]:
            lines += [declared.headings[0], *values, ""]
    return "\n".join(lines)


@given(st.lists(entry, min_size=1, max_size=5))
def test_the_splitter_loses_no_line(entries):
    split = split_page(page_of(entries))
    assert len(split) == len(entries)
    for item, raw in zip(entries, split):
        kept = [text.strip() for text in raw.head if text.strip()]
        assert kept[0] == item["title"]
        assert kept[2:] == item["body"]
        for declared, values in item["sections"]:
            assert raw.sections[declared.name] == values


# ---------------------------------------------------------------- result writers

iris = st.from_regex(r"http://example\.org/[a-z]{1,8}(/[a-z0-9]{1,5})?", fullmatch=True).map(IRI)
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
literals = st.one_of(
    texts.map(Literal),
    st.tuples(texts, st.sampled_from(["en", "bg", "el", "fr-be"])).map(
        lambda pair: Literal.tagged(*pair)),
    st.integers(-10**6, 10**6).map(lambda n: Literal.typed(str(n), "http://www.w3.org/2001/"
                                                                   "XMLSchema#integer")),
)
terms = st.one_of(iris, literals, st.from_regex(r"b[a-z0-9]{1,6}", fullmatch=True).map(BlankNode))
#: Rows with at least one bound value: rdflib's parsers drop an empty solution (``{}``),
#: which our writers do write, as the formats allow.
rows = st.lists(st.lists(st.one_of(st.none(), terms), min_size=2, max_size=2).filter(
    lambda row: any(term is not None for term in row)), max_size=6)


def parsed_rows(fmt: str, body: bytes) -> list[list]:
    result = Result.parse(io.BytesIO(body), format=fmt)
    return [[row[v] for v in result.vars] for row in result]


def same(term, parsed) -> bool:
    if term is None:
        return parsed is None
    if isinstance(term, BlankNode):
        return isinstance(parsed, BNode)
    return from_rdflib(parsed) == term


@given(rows)
def test_json_and_xml_results_round_trip_through_rdflib(table):
    for fmt in ("json", "xml"):
        parsed = parsed_rows(fmt, SELECT_WRITERS[fmt](["a", "b"], table))
        assert len(parsed) == len(table)
        for row, back in zip(table, parsed):
            assert all(same(t, p) for t, p in zip(row, back)), (fmt, row, back)


@given(rows)
def test_csv_and_tsv_results_round_trip(table):
    body = SELECT_WRITERS["csv"](["a", "b"], table).decode("utf-8")
    read = list(csv.reader(io.StringIO(body)))
    assert read[0] == ["a", "b"] and len(read) == len(table) + 1
    for row, back in zip(table, read[1:]):
        for term, text in zip(row, back):
            expected = "" if term is None else (
                "_:" + term.value if isinstance(term, BlankNode) else term.value)
            assert text == expected
    parsed = parsed_rows("tsv", SELECT_WRITERS["tsv"](["a", "b"], table))
    for row, back in zip(table, parsed):
        assert all(same(t, p) for t, p in zip(row, back)), (row, back)


graphs = st.lists(st.tuples(iris, iris, st.one_of(iris, literals)), min_size=1, max_size=8)


@given(graphs)
def test_every_graph_format_round_trips_through_rdflib(triples):
    neutral = [Triple(*t) for t in triples]
    expected = Graph()
    for triple in neutral:
        expected.add(tuple(to_rdflib(t) for t in (triple.subject, triple.predicate,
                                                  triple.object)))
    for name in GRAPH_FORMATS:
        try:
            body = serialize(neutral, name, {"ex": "http://example.org/"})
        except Unwritable:  # RDF/XML, and a property IRI that does not end in an XML name
            assert name == "rdfxml"
            assert any(t.predicate.value[-1].isdigit() for t in neutral)
            continue
        parsed = Graph().parse(data=body, format={"turtle": "turtle", "jsonld": "json-ld",
                                                  "rdfxml": "xml", "ntriples": "nt"}[name])
        assert isomorphic(parsed, expected), (name, body[:300])


def test_terms_cross_to_rdflib_and_back():
    for term in (IRI("http://example.org/x"), Literal("a"), Literal.tagged("b", "en"),
                 Literal.typed("1", "http://www.w3.org/2001/XMLSchema#integer")):
        assert from_rdflib(to_rdflib(term)) == term
    assert from_rdflib(RdflibLiteral("x", lang="bg")) == Literal.tagged("x", "bg")
    assert json.loads(json.dumps(str(URIRef("http://example.org/")))) == "http://example.org/"


#: Letters of several scripts, digits, the underscore, spaces and punctuation, and the
#: search form's folded letters: where word starts and overlaps can go wrong.
search_texts = st.text(alphabet="aAbé_1٣ δεξ-. ·'Ж", max_size=40)


@given(search_texts, st.text(alphabet="aAbé_1٣δεξЖ-.", min_size=1, max_size=3))
def test_ranking_counts_word_starts_as_the_regular_expression_did(text, word):
    """BM25 counts a search word's occurrences at word starts with str.find; ranking
    stays exactly what the regular expression it replaced gave."""
    expected = len(re.findall(r"(?<![^\W_])" + re.escape(word), text))
    assert occurrences(text, word) == expected


# ---------------------------------------------------------------- query text

query_pieces = st.sampled_from(["SELECT", "*", "FROM", "from", "From", "NAMED", "<http://g/>",
                                "<from>", '"from"', "'FROM'", "# from\n", "{", "}", "?from",
                                "ex:from", "fromage", "WHERE", " ", "\n", "?s", "."])


@given(st.lists(query_pieces, max_size=12).map("".join))
def test_a_dataset_is_named_only_by_a_from_keyword(query):
    """The shortcut (no "from" in the text at all) answers as the tokens do."""
    assert names_dataset(query) == any(token.kind == "word" and token.text.upper() == "FROM"
                                       for token in tokens(query))
