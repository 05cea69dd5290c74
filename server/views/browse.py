"""Faceted browse of practices, from the build's browse index.

Each facet value is held as a bitset over practices (numbered in title order), so a
selection is a few integer ANDs and ORs, and the live count of every value is a
popcount — fast at any size, for any combination, with no query on the store.
The page state lives in the URL: facets as repeated parameters, ``sort`` and ``page``.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from dskg.artefact.browse import FACETS, FacetIndex, bit_positions
from dskg.artefact.indexes import KINDS
from dskg.formats import serialize
from dskg.messages import N_
from dskg.rdf import IRI, Triple
from dskg.store import iri_of, term_of
from server.i18n import _
from server.params import FORMAT, PAGE, OneOf, Repeated, arg, link_with, takes, wants_json
from server.queries import query
from server.rendering import english_label, label_of
from server.site import site

blueprint = Blueprint("browse", __name__)

#: Values listed per facet unless the visitor asks for all of them (``?show=facet``).
FACET_VALUES_SHOWN = 25
SORTS = {"title": N_("title A–Z"), "-title": N_("title Z–A"),
         "-published": N_("newest first"), "published": N_("oldest first")}


#: The parameters of the browse list and its other forms: each facet (repeated), the order.
FACET_PARAMS = tuple(Repeated(facet) for facet in FACETS)
SORT = OneOf("sort", tuple(SORTS), "title")
SHOW = Repeated("show")
SELECTION = (*FACET_PARAMS, SORT)


def chosen_facets() -> dict[str, list[str]]:
    """The facet values the URL selects; 400 naming the parameter for a value no
    practice of the build has (it would silently select nothing)."""
    chosen = {facet: arg(facet) for facet in FACETS if arg(facet)}
    known = _index().bits
    for facet, values in chosen.items():
        for value in values:
            if value not in known[facet]:
                abort(400, description=_(
                    "%(facet)s=%(value)s is not a value of the %(facet)s facet in this build "
                    "(%(count)s values; /browse/practice.json lists them)",
                    facet=facet, value=repr(value), count=len(known[facet])))
    return chosen



def _index() -> FacetIndex:
    return site().facet_index


def value_label(facet: str, value: str) -> str:
    iri = _index().iris.get((facet, value))
    return label_of(iri) if iri else value


def toggle(facet: str, value: str) -> str:
    current = arg(facet)
    values = [v for v in current if v != value] if value in current else current + [value]
    return link_with(**{facet: values, "page": None})


#: Characters of a description a list shows under a title.
SNIPPET = 180


def _details(items: list) -> dict[int, dict]:
    """What a list shows under each title: countries, organisations, a snippet."""
    numbers = [item.number for item in items]
    texts, countries = site().search_index.texts(numbers), _index().values_of("country", numbers)
    details = {}
    for item in items:
        description, organisations = texts.get(item.number, ("", ""))
        cut = description[:SNIPPET].rsplit(" ", 1)[0] + "…" \
            if len(description) > SNIPPET else description
        details[item.number] = {"countries": countries[item.number],
                                "organisations": organisations, "snippet": cut}
    return details


@dataclass
class Selection:
    """One page of the browse list, as the URL asks for it (400 or 404 if it cannot)."""

    chosen: dict[str, list[str]]
    sort: str
    page: int
    size: int
    total: int
    items: list
    pages: int

    @classmethod
    def asked(cls) -> Selection:
        chosen, sort = chosen_facets(), arg(SORT.name)
        size, page = site().config.page_size, arg(PAGE.name)
        total, items = _index().page(chosen, sort, (page - 1) * size, size)
        pages = max(1, -(-total // size))
        if page > pages:
            abort(404)
        return cls(chosen, sort, page, size, total, items, pages)


@blueprint.get("/browse/practice")
@takes(*SELECTION, PAGE, SHOW, FORMAT)
def practices() -> ResponseReturnValue:
    if wants_json():
        return practices_json()
    index = _index()
    selection = Selection.asked()
    chosen, sort, size, page = selection.chosen, selection.sort, selection.size, selection.page
    total, items, pages = selection.total, selection.items, selection.pages
    expanded = [facet for facet in arg(SHOW.name) if facet in FACETS]
    return render_template(
        "practices.html", facets=FACETS, counts=index.counts(chosen), chosen=chosen,
        details=_details(items),
        expanded=expanded, shown=FACET_VALUES_SHOWN, items=items, total=total, page=page,
        pages=pages, start=(page - 1) * size + 1, sort=sort, sorts=SORTS,
        value_label=value_label, toggle=toggle, link_with=link_with,
        page_link=lambda n: link_with(page=n))


@blueprint.get("/browse/practice.json")
@takes(*SELECTION, PAGE, FORMAT)
def practices_json() -> ResponseReturnValue:
    """The browse list as JSON (Datasette's shape): the page's rows, the total, every
    facet's values with their counts in the selection, and links to the other pages."""
    index = _index()
    selection = Selection.asked()
    chosen, sort, size, page = selection.chosen, selection.sort, selection.size, selection.page
    total, items, pages = selection.total, selection.items, selection.pages
    path = request.script_root + "/browse/practice"

    def page_url(number: int | None) -> str | None:
        if number is None or not 1 <= number <= pages:
            return None
        return path + ".json" + link_with(page=number, _format=None)

    facets = {facet: [{"value": value, "iri": index.iris.get((facet, value)),
                       "label": value_label(facet, value), "count": count,
                       "selected": value in chosen.get(facet, []),
                       "toggle_url": path + ".json" + toggle(facet, value)}
                      for value, count in values]
              for facet, values in index.counts(chosen).items()}
    details = _details(items)
    rows = [{"iri": item.iri, "title": item.title, "published": item.issued,
             "url": site().local_path(item.iri), **details[item.number]} for item in items]
    return jsonify({"total": total, "page": page, "pages": pages, "page_size": size,
                    "sort": sort, "filters": chosen, "rows": rows, "facets": facets,
                    "next_url": page_url(page + 1), "previous_url": page_url(page - 1),
                    "html_url": path + link_with(_format=None),
                    "csv_url": path + ".csv" + link_with(page=None, _format=None)})


@blueprint.get("/browse/practice.csv")
@takes(*SELECTION)
def practices_csv() -> Response:
    """Every selected practice, one row each: the same columns whatever the reader's
    language (each facet's codes, then their English labels)."""
    index = _index()
    chosen = chosen_facets()
    _total, ordered = index.page(chosen, arg(SORT.name), 0, None)
    selected = index.selection(chosen)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["iri", "title", "published",
                     *(column for facet in FACETS for column in (facet, f"{facet}_label"))])
    values_of: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for facet, values in index.bits.items():
        for value, bits in values.items():
            if bits & selected:
                iri = index.iris.get((facet, value))
                label = english_label(iri) if iri else value
                for number in bit_positions(bits & selected):
                    values_of.setdefault((facet, number), []).append((value, label))
    for practice in ordered:
        cells = []
        for facet in FACETS:
            pairs = values_of.get((facet, practice.number), [])
            cells += ["; ".join(code for code, _ in pairs), "; ".join(label for _, label in pairs)]
        writer.writerow([practice.iri, practice.title, practice.issued or "", *cells])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=practices.csv"})


@blueprint.get("/browse/practice.ttl")
@takes(*SELECTION)
def practices_turtle() -> Response:
    """The selected practices' own statements, as Turtle (capped at the row limit)."""
    index = _index()
    limit = site().config.result_limit
    total, ordered = index.page(chosen_facets(), arg(SORT.name), 0, limit + 1)
    triples = []
    for practice in ordered[:limit]:
        this = IRI(practice.iri)
        triples += [Triple(this, iri_of(row, "p"), term_of(row, "o"))
                    for row in site().store.select(query("outgoing"), {"this": this})]
    body = serialize(triples, "turtle", site().ns.prefixes())
    response = Response(body, mimetype="text/turtle", headers={
        "Content-Disposition": "attachment; filename=practices.ttl"})
    if total > limit:
        response.headers["DSKG-Results-Truncated"] = f"limit={limit}"
    return response


@blueprint.get("/browse/<kind>")
@takes(PAGE)
def lists(kind: str) -> str:
    """Every resource of one kind (organisations, funders, …), by label, a page at a time."""
    if kind not in KINDS:
        abort(404)
    items = site().build.indexes.lists.get(kind, [])
    size = site().config.page_size
    page = arg(PAGE.name)
    pages = max(1, -(-len(items) // size))
    if page > pages:
        abort(404)
    return render_template("browse.html", kind=kind, title=KINDS[kind][0],
                           items=items[(page - 1) * size:page * size], page=page, pages=pages,
                           total=len(items), start=(page - 1) * size + 1)
