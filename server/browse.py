"""Faceted browse of practices, from the build's browse index.

Each facet value is held as a bitset over practices (numbered in title order), so a
selection is a few integer ANDs and ORs, and the live count of every value is a
popcount — fast at any size, for any combination, with no query on the store.
The page state lives in the URL: facets as repeated parameters, ``sort`` and ``page``.
"""
from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request

from dskg.browse_index import FACETS, open_read_only
from dskg.examples import load_examples
from server import site
from server.params import page_number
from server.queries import query
from server.rendering import label_of

blueprint = Blueprint("browse", __name__)

#: Values listed per facet unless the visitor asks for all of them (``?show=facet``).
FACET_VALUES_SHOWN = 25
SORTS = {"title": "title A–Z", "-title": "title Z–A", "-published": "newest first",
         "published": "oldest first"}


@dataclass
class Practice:
    number: int
    iri: str
    title: str
    issued: str | None


#: For each byte value, the positions of its set bits.
BYTE_BITS = [tuple(i for i in range(8) if value >> i & 1) for value in range(256)]
BYTE_COUNTS = [len(bits) for bits in BYTE_BITS]


def bit_positions(bits: int, skip: int = 0, take: int | None = None,
                  descending: bool = False) -> list[int]:
    """Positions of set bits in order (or reverse order), skipping the first ``skip``.

    Whole bytes are counted and passed over, so reaching page 2,000 of 100k results
    costs one pass over 12.5 kB, not a shift of a 100k-bit number per practice.
    """
    data = bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little")
    indexes = range(len(data) - 1, -1, -1) if descending else range(len(data))
    found: list[int] = []
    for index in indexes:
        byte = data[index]
        if not byte:
            continue
        if skip >= BYTE_COUNTS[byte]:
            skip -= BYTE_COUNTS[byte]
            continue
        positions = BYTE_BITS[byte][::-1] if descending else BYTE_BITS[byte]
        for position in positions[skip:]:
            found.append(index * 8 + position)
            if take is not None and len(found) == take:
                return found
        skip = 0
    return found


class FacetIndex:
    """Practices and facet bitsets of one build.

    Bitsets exist twice: over practices numbered in title order, and over the same
    practices ranked by publication date, so both sort orders page without sorting.
    """

    def __init__(self, path: Path):
        self.path = path
        connection = self.connect()
        try:
            self.practices = [Practice(*row) for row in connection.execute(
                "SELECT id, iri, title, issued FROM practice ORDER BY id")]
            self.by_published = [self.practices[number] for (number,) in connection.execute(
                "SELECT id FROM practice ORDER BY published")]
            facet_rows = connection.execute(
                "SELECT facet, value, iri, by_title, by_published FROM facet").fetchall()
        finally:
            connection.close()
        self.bits: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        self.published_bits: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        self.iris: dict[tuple[str, str], str] = {}
        for facet, value, iri, by_title, by_published in facet_rows:
            self.bits[facet][value] = int.from_bytes(by_title, "little")
            self.published_bits[facet][value] = int.from_bytes(by_published, "little")
            if iri:
                self.iris[facet, value] = iri
        self.all = (1 << len(self.practices)) - 1

    def connect(self) -> sqlite3.Connection:
        return open_read_only(self.path)

    def selection(self, chosen: dict[str, list[str]], skip: str | None = None,
                  space: dict[str, dict[str, int]] | None = None) -> int:
        """Practices matching every facet (values of one facet are alternatives)."""
        space = self.bits if space is None else space
        selected = self.all
        for facet, values in chosen.items():
            if facet == skip or not values:
                continue
            union = 0
            for value in values:
                union |= space[facet].get(value, 0)
            selected &= union
        return selected

    def counts(self, chosen: dict[str, list[str]]) -> dict[str, list[tuple[str, int]]]:
        """Per facet, each value with how many practices it would leave selected."""
        result = {}
        for facet, values in self.bits.items():
            base = self.selection(chosen, skip=facet)
            pairs = [(value, (base & bits).bit_count()) for value, bits in values.items()]
            result[facet] = sorted(((v, n) for v, n in pairs if n or v in chosen.get(facet, [])),
                                   key=lambda pair: (-pair[1], pair[0]))
        return result

    def page(self, chosen: dict[str, list[str]], sort: str, offset: int,
             size: int | None) -> tuple[int, list[Practice]]:
        """How many practices match, and the ones at ``offset`` in the asked order."""
        by_title = sort in ("title", "-title")
        space = self.bits if by_title else self.published_bits
        ordered = self.practices if by_title else self.by_published
        selected = self.selection(chosen, space=space)
        positions = bit_positions(selected, offset, size, descending=sort.startswith("-"))
        return selected.bit_count(), [ordered[position] for position in positions]


def chosen_facets() -> dict[str, list[str]]:
    return {facet: request.args.getlist(facet) for facet in FACETS if request.args.getlist(facet)}


def _index() -> FacetIndex:
    return site().facet_index


def _sort() -> str:
    sort = request.args.get("sort", "title")
    if sort not in SORTS:
        abort(400, description=f"sort must be one of {', '.join(SORTS)}")
    return sort


def value_label(facet: str, value: str) -> str:
    iri = _index().iris.get((facet, value))
    return label_of(iri) if iri else value


def link_with(**changes) -> str:
    """The current URL with some parameters changed (``None`` removes one)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        params += [(key, v) for v in values]
    return "?" + urlencode(params)


def toggle(facet: str, value: str) -> str:
    current = request.args.getlist(facet)
    values = [v for v in current if v != value] if value in current else current + [value]
    return link_with(**{facet: values, "page": None})


@blueprint.get("/browse/practice")
def practices():
    index = _index()
    chosen = chosen_facets()
    sort = _sort()
    size = site().config.page_size
    page = page_number()
    total, items = index.page(chosen, sort, (page - 1) * size, size)
    pages = max(1, -(-total // size))
    if page > pages:
        abort(404)
    expanded = [facet for facet in request.args.getlist("show") if facet in FACETS]
    return render_template(
        "practices.html", facets=FACETS, counts=index.counts(chosen), chosen=chosen,
        expanded=expanded, shown=FACET_VALUES_SHOWN, items=items, total=total, page=page,
        pages=pages, start=(page - 1) * size + 1, sort=sort, sorts=SORTS,
        value_label=value_label, toggle=toggle, link_with=link_with,
        page_link=lambda n: link_with(page=n))


@blueprint.get("/browse/practice.csv")
def practices_csv():
    index = _index()
    chosen = chosen_facets()
    _, ordered = index.page(chosen, _sort(), 0, None)
    selected = index.selection(chosen)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["iri", "title", "published", *FACETS])
    values_of: dict[tuple[str, int], list[str]] = {}
    for facet, values in index.bits.items():
        for value, bits in values.items():
            if bits & selected:
                label = value_label(facet, value)
                for number in bit_positions(bits & selected):
                    values_of.setdefault((facet, number), []).append(label)
    for practice in ordered:
        writer.writerow([practice.iri, practice.title, practice.issued or "",
                         *("; ".join(values_of.get((facet, practice.number), []))
                           for facet in FACETS)])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=practices.csv"})


@blueprint.get("/browse/practice.ttl")
def practices_turtle():
    """The selected practices' own statements, as Turtle (capped at the row limit)."""
    index = _index()
    limit = site().config.result_limit
    total, ordered = index.page(chosen_facets(), _sort(), 0, limit + 1)
    triples = []
    for practice in ordered[:limit]:
        this = ox.NamedNode(practice.iri)
        triples += [ox.Triple(this, row["p"], row["o"])
                    for row in site().store.select(query("outgoing"), {"this": this})]
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=site().ns.prefixes())
    response = Response(body, mimetype="text/turtle", headers={
        "Content-Disposition": "attachment; filename=practices.ttl"})
    if total > limit:
        response.headers["DSKG-Results-Truncated"] = f"limit={limit}"
    return response


@blueprint.get("/queries")
def examples():
    return render_template("examples.html", examples=load_examples(site().config.base))


@blueprint.get("/queries/<name>.rq")
def example_file(name: str):
    for example in load_examples(site().config.base):
        if example.name == name:
            return Response(example.query, mimetype="application/sparql-query")
    abort(404)


NUMERIC_CODES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?scheme ?numeric ?country ?code WHERE {
  ?country skos:inScheme ?scheme ; skos:notation ?code .
  FILTER (DATATYPE(?code) = ?numeric)
}"""


@lru_cache(maxsize=1)
def _countries_by_numeric(build_id: str) -> dict[str, str]:
    """Country IRIs by ISO numeric code (the map's shapes are keyed by it), once per build."""
    base = site().config.base
    rows = site().store.select(NUMERIC_CODES, {
        "scheme": ox.NamedNode(base + "def/country"),
        "numeric": ox.NamedNode(base + "def/country/ISO3166-1-numeric")})
    return {row["code"].value: row["country"].value for row in rows}


@blueprint.get("/map")
def country_map():
    """Practices per country as a choropleth; each country links to its browse page."""
    from server import map as europe

    if not europe.ATLAS.exists():
        abort(503, description="The country shapes are not installed: run `make install` "
                               "(npm ci) in the dskg folder.")
    base = site().config.base
    by_numeric = _countries_by_numeric(site().build_id)
    by_name = {"Kosovo": base + "id/country/XKX"}
    counts = {value: bits.bit_count() for value, bits in _index().bits["country"].items()}
    highest = max(counts.values(), default=0)
    countries = []
    for shape in europe.shapes():
        iri = by_numeric.get(shape.numeric or "") or by_name.get(shape.name)
        code = iri.rsplit("/", 1)[-1] if iri else None
        count = counts.get(code, 0) if code else 0
        countries.append({"path": shape.path, "iri": iri, "code": code, "count": count,
                          "name": label_of(iri) if iri else shape.name,
                          "fill": europe.colour(count, highest) if iri else "#e6e6e6"})
    return render_template("map.html", countries=countries, width=europe.WIDTH,
                           height=europe.height(), palette=europe.PALETTE, highest=highest)
