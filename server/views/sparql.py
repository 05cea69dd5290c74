"""The SPARQL endpoint for browsers: a query editor, and answers as HTML tables.

The page is a plain form whose answers the server renders, so it works without
JavaScript; where scripts run, YASGUI (served from our static folder) replaces the
form with an editor that has our prefixes, tabs, result tables, charts and share links.
Every other request to ``/sparql`` (the SPARQL 1.1 Protocol proper) is answered by
``server/sparql/protocol.py`` before it reaches Flask; this view only renders HTML.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, render_template, request, url_for

from server.site import site
from server.sparql.protocol import query_failure
from server.sparql.runner import NotAcceptable, QueryRequest

blueprint = Blueprint("sparql", __name__)


@blueprint.app_context_processor
def _helpers() -> dict:
    return {"query_link": query_link}


def starter_query() -> str:
    """The query the form (and each new editor tab) opens with: all our prefixes
    (the editor folds them away), then a first question to change."""
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in site().ns.prefixes().items()]
    return "\n".join(lines + [
        "",
        "SELECT ?practice ?title ?countryName WHERE {",
        "  ?practice a dskg:GoodPractice ; dct:title ?title ; dskg:country ?country .",
        '  ?country skos:prefLabel ?countryName FILTER(lang(?countryName) = "en")',
        "}",
        "LIMIT 20"])


def query_link(text: str, title: str | None = None) -> str:
    """A link that opens ``text`` on the query page (and in the editor, with scripts).

    Every reserved character is percent-encoded: YASGUI splits a URL's parameters
    on ``;`` as well as ``&``, and SPARQL is full of semicolons.
    """
    values = {"query": text} | ({"tabTitle": title} if title else {})
    return url_for("sparql.endpoint") + "?" + urlencode(values, quote_via=quote)


def editor_settings() -> dict:
    """What the YASGUI editor needs from the server, handed over as JSON in the page."""
    return {"endpoint": url_for("sparql.endpoint", _external=True),
            "prefixes": site().ns.prefixes(), "starter": starter_query(),
            "resultLimit": site().config.result_limit}


def _render(status: int = 200, **context: Any) -> Response:
    context.setdefault("query", request.values.get("query", ""))
    return Response(render_template("sparql_form.html", editor=editor_settings(), **context),
                    status=status, mimetype="text/html")


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    text = request.values.get("query")
    if text is None:
        return _render(query="")
    config = site().config
    query_request = QueryRequest(
        query=text, result_format="json", graph_format="turtle",
        default_graphs=request.values.getlist("default-graph-uri"),
        named_graphs=request.values.getlist("named-graph-uri"),
        limit=config.result_limit, base=config.base, prefixes=site().ns.prefixes(),
        client=request.remote_addr or "")
    try:
        answer = site().store.sparql(query_request)
    except NotAcceptable as error:  # cannot happen with JSON and Turtle, kept for safety
        return _render(406, error=f"No format for a {error.kind.upper()} result.")
    except Exception as error:
        status, message, headers = query_failure(error, config)
        response = _render(status, error=message)
        response.headers.extend(headers)
        return response
    table = json.loads(answer.body) if answer.kind in ("select", "ask") else None
    graph_text = answer.body.decode("utf-8") if answer.kind == "graph" else None
    response = _render(query=text, table=table, graph_text=graph_text, answer=answer,
                     limit=config.result_limit)
    if answer.truncated:
        response.headers["DSKG-Results-Truncated"] = f"limit={config.result_limit}"
    return response
