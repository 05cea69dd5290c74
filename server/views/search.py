"""The search page: full-text search of practices (titles, descriptions, organisation
names), with highlighted snippets and paging.

How words match and how matches are ranked is the index's part:
:mod:`dskg.artefact.search`.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from dskg.artefact.browse import fold_text
from dskg.artefact.search import Listing, search_terms
from server.params import FORMAT, PAGE, Text, arg, takes, wants_json
from server.site import site

blueprint = Blueprint("search", __name__)

def snippet(texts: list[tuple[str, str]], terms: list[str], width: int = 90) -> Markup:
    """A window of the first text that holds a search word, words highlighted.

    Each text comes with its search form (:func:`dskg.artefact.browse.fold_text`, as
    the index keeps it), which has the same length as the text, so matches found in the
    folded form are cut and marked in the original, accents and case intact.
    """
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\w*")
    for text, folded in texts:
        first = pattern.search(folded)
        if first is None:
            continue
        start = max(0, first.start() - width // 3)
        end = min(len(text), start + width * 2)
        parts, cursor = [], start
        for match in pattern.finditer(folded, start, end):
            parts.append(escape(text[cursor:match.start()]))
            parts.append(Markup("<mark>") + escape(text[match.start():match.end()]) +
                         Markup("</mark>"))
            cursor = match.end()
        parts.append(escape(text[cursor:end]))
        return Markup("…" if start else "") + Markup("").join(parts) + \
            Markup("…" if end < len(text) else "")
    return Markup(escape(texts[0][0][:width * 2] if texts else ""))


QUERY = Text("q")


@blueprint.get("/search")
@takes(QUERY, PAGE, FORMAT)
def search() -> ResponseReturnValue:
    return _search(as_json=wants_json())


@blueprint.get("/search.json")
@takes(QUERY, PAGE)
def search_json() -> ResponseReturnValue:
    return _search(as_json=True)


def _search(as_json: bool) -> ResponseReturnValue:
    text = arg(QUERY.name)
    terms = search_terms(text)
    config = site().config
    size = config.page_size
    page = arg(PAGE.name)
    listing = Listing(0, [], False, 0)
    if terms:
        listing = site().search_index.search(terms, (page - 1) * size, size,
                                             config.search_ranked)
    results = [(iri, title, snippet([(description or "", folded_description or ""),
                                      (title, fold_text(title)),
                                      (organisations or "", folded_organisations or "")], terms))
               for iri, title, description, organisations, folded_description,
               folded_organisations in listing.rows]
    pages = max(1, -(-listing.total // size))
    if as_json:
        path = request.script_root + "/search"

        def page_url(number: int) -> str | None:
            return (path + ".json?" + urlencode({"q": text, "page": number})
                    if 1 <= number <= pages and listing.total else None)
        return jsonify({
            "q": text, "total": listing.total, "page": page, "pages": pages,
            "page_size": size, "ranked": not listing.capped, "title_matches":
            listing.title_matches,
            "rows": [{"iri": iri, "title": title, "snippet": found.striptags(),
                      "url": site().local_path(iri)} for iri, title, found in results],
            "next_url": page_url(page + 1), "previous_url": page_url(page - 1),
            "html_url": path + "?" + urlencode({"q": text, "page": page})})
    return render_template("search.html", q=text, results=results, total=listing.total,
                           page=page, pages=pages, capped=listing.capped,
                           ranked=config.search_ranked, title_matches=listing.title_matches,
                           page_link=lambda n: "?" + urlencode({"q": text, "page": n}))
