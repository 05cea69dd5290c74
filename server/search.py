"""Full-text search of practices: titles, descriptions and organisation names.

The build's browse index holds an FTS5 table of the texts in their search form (case
and accents folded in every script). Words typed by the visitor are quoted one by
one, so none of them is query syntax, and each matches as a word prefix.

FTS5 ranks with bm25 by scoring every match, which costs about 1.7 µs a match: fine
for the few hundred matches of a real query, 150 ms when a query matches nearly all
of 100,000 practices. Ranking is therefore capped (``search_ranked`` in the
config, 2,000 by default): up to that many matches are ranked by relevance. Past
that, practices with every word in their title come first (ranked too, if there are
no more of them than the cap), then the others in title order, and the page says so.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from dskg.browse_index import fold_text
from server import site
from server.params import page_number

blueprint = Blueprint("search", __name__)

#: bm25 weights of the title, description and organisations columns.
RANK = "bm25(search, 10.0, 1.0, 5.0)"


def search_terms(text: str) -> list[str]:
    return [fold_text(word) for word in re.findall(r"\w+", text)]


def fts_query(terms: list[str]) -> str | None:
    """The visitor's words as an FTS5 query: each one quoted (so none is syntax) and
    matched as a word prefix (``robot`` finds "robotics")."""
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


@dataclass
class Tier:
    """Matches of one FTS5 query, listed by relevance or in title order."""

    match: str
    size: int
    ranked: bool

    def rows(self, connection: sqlite3.Connection, offset: int, limit: int) -> list[tuple]:
        order = RANK if self.ranked else "search.rowid"
        return connection.execute(
            "SELECT p.iri, p.title, p.description, p.organisations "
            "FROM search JOIN practice p ON p.id = search.rowid "
            f"WHERE search MATCH ? ORDER BY {order} LIMIT ? OFFSET ?",
            (self.match, limit, offset)).fetchall()


def _count(connection: sqlite3.Connection, match: str) -> int:
    return connection.execute("SELECT count(*) FROM search WHERE search MATCH ?",
                              (match,)).fetchone()[0]


def tiers(connection: sqlite3.Connection, query: str,
          ranked: int) -> tuple[int, list[Tier]]:
    """How many practices match, and the tiers they are listed in (ranking at most
    ``ranked`` matches by relevance)."""
    total = _count(connection, query)
    if total <= ranked:
        return total, [Tier(query, total, ranked=True)]
    in_title = f"{{title}} : ({query})"
    title_size = _count(connection, in_title)
    return total, [Tier(in_title, title_size, ranked=title_size <= ranked),
                   Tier(f"({query}) NOT ({in_title})", total - title_size, ranked=False)]


def page_of(connection: sqlite3.Connection, parts: list[Tier], offset: int,
            limit: int) -> list[tuple]:
    """``limit`` rows from ``offset`` in the tiers one after the other."""
    rows: list[tuple] = []
    for tier in parts:
        if offset >= tier.size:
            offset -= tier.size
            continue
        rows += tier.rows(connection, offset, limit - len(rows))
        offset = 0
        if len(rows) == limit:
            break
    return rows


def snippet(texts: list[str], terms: list[str], width: int = 90) -> Markup:
    """A window of the first text that holds a search word, words highlighted.

    The search form of a text has the same length as the text, so matches found in
    the folded form are cut and marked in the original, accents and case intact.
    """
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\w*")
    for text in texts:
        folded = fold_text(text)
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
        return Markup(("…" if start else "")) + Markup("").join(parts) + \
            Markup("…" if end < len(text) else "")
    return Markup(escape(texts[0][:width * 2] if texts else ""))


@blueprint.get("/search")
def search():
    text = request.args.get("q", "").strip()
    terms = search_terms(text)
    query = fts_query(terms)
    config = site().config
    size = config.page_size
    page = page_number()
    results, total, parts = [], 0, []
    if query:
        connection = site().facet_index.connect()
        try:
            total, parts = tiers(connection, query, config.search_ranked)
            rows = page_of(connection, parts, (page - 1) * size, size)
        finally:
            connection.close()
        results = [(iri, title, snippet([description or "", title, organisations or ""], terms))
                   for iri, title, description, organisations in rows]
    pages = max(1, -(-total // size))
    return render_template("search.html", q=text, results=results, total=total, page=page,
                           pages=pages, capped=len(parts) > 1, ranked=config.search_ranked,
                           title_matches=parts[0].size if len(parts) > 1 else None,
                           page_link=lambda n: "?" + urlencode({"q": text, "page": n}))
