"""The map at ``/map``: practices per country, drawn on the server (:mod:`server.europe`),
and per NUTS 2 region as a table (no package of npm or PyPI ships NUTS shapes to draw them
with: docs/links.md says what was looked for)."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, render_template

from dskg.rdf import IRI
from dskg.store import text_of
from server import europe
from server.i18n import _
from server.queries import query
from server.rendering import label_of
from server.site import site

blueprint = Blueprint("map", __name__)


@lru_cache(maxsize=1)
def _countries_by_numeric(build_id: str) -> dict[str, str]:
    """Country IRIs by ISO numeric code (the map's shapes are keyed by it), once per build."""
    ns = site().ns
    rows = site().store.select(query("country_numeric_codes"), {
        "scheme": IRI(str(ns.country_scheme)),
        "numeric": IRI(str(ns.iri("def/country/ISO3166-1-numeric")))})
    return {text_of(row, "code"): text_of(row, "country") for row in rows}


@blueprint.get("/map")
def country_map() -> str:
    """Practices per country as a choropleth; each country links to its browse page."""
    if not europe.ATLAS.exists():
        abort(503, description=_("The country shapes are not installed: run `make install` "
                                 "(npm ci) in the dskg folder."))
    by_numeric = _countries_by_numeric(site().build.id)
    by_name = {"Kosovo": str(site().ns.country("XKX"))}
    counts = {value: bits.bit_count() for value, bits in site().facet_index.bits["country"].items()}
    classes = europe.Classes.of(list(counts.values()))
    countries = []
    for shape in europe.shapes():
        iri = by_numeric.get(shape.numeric or "") or by_name.get(shape.name)
        code = iri.rsplit("/", 1)[-1] if iri else None
        count = counts.get(code, 0) if code else 0
        countries.append({"path": shape.path, "iri": iri, "code": code, "count": count,
                          "name": label_of(iri) if iri else shape.name,
                          "fill": classes.colour(count) if iri else "#e6e6e6"})
    return render_template("map.html", countries=countries, width=europe.WIDTH,
                           height=europe.height(), legend=classes.legend(),
                           regions=_regions())


def _regions() -> list[dict]:
    """NUTS 2 regions with practices (through their own links or their places'), most
    first, from the build's browse index as the browse page's facet counts are."""
    index = site().facet_index
    regions = [{"code": code, "count": bits.bit_count(),
                "name": label_of(iri) if (iri := index.iris.get(("nuts2", code))) else code}
               for code, bits in index.bits.get("nuts2", {}).items() if bits]
    return sorted(regions, key=lambda r: (-r["count"], r["code"]))
