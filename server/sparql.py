"""The SPARQL endpoint for browsers: a query form, and answers as HTML tables.

Every other request to ``/sparql`` (the SPARQL 1.1 Protocol proper) is answered by
``server/endpoint.py`` before it reaches Flask; this view only renders HTML.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request

from dskg.query_runner import NotAcceptable, QueryError, QueryRequest, QueryTimeout
from server import site
from server.endpoint import CORS, EndWorkerAfter

blueprint = Blueprint("sparql", __name__)


def _error(status: int, message: str) -> Response:
    return Response(render_template("sparql_form.html", query=request.values.get("query", ""),
                                    error=message), status=status, headers=CORS,
                    mimetype="text/html")


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint():
    text = request.values.get("query")
    if text is None:
        return Response(render_template("sparql_form.html", query=""), headers=CORS,
                        mimetype="text/html")
    config = site().config
    query_request = QueryRequest(
        query=text, result_format="json", graph_format="turtle",
        default_graphs=request.values.getlist("default-graph-uri"),
        named_graphs=request.values.getlist("named-graph-uri"),
        limit=config.result_limit, base=config.base, prefixes=site().ns.prefixes())
    try:
        answer = site().store.sparql(query_request)
    except QueryError as error:
        return _error(400, f"Query syntax error: {error}")
    except NotAcceptable as error:  # cannot happen with JSON and Turtle, kept for safety
        return _error(406, f"No format for a {error.kind.upper()} result.")
    except QueryTimeout:
        response = _error(503, f"Query timed out: it ran longer than "
                          f"{config.query_timeout:g} s and was stopped.")
        if current_app.config.get("DSKG_EXIT_ON_TIMEOUT"):
            response.call_on_close(EndWorkerAfter([]).close)
        return response
    table = json.loads(answer.body) if answer.kind in ("select", "ask") else None
    graph_text = answer.body.decode("utf-8") if answer.kind == "graph" else None
    response = Response(render_template("sparql_form.html", query=text, table=table,
                                        graph_text=graph_text, answer=answer,
                                        limit=config.result_limit),
                        mimetype="text/html", headers=CORS)
    if answer.truncated:
        response.headers["DSKG-Results-Truncated"] = f"limit={config.result_limit}"
    return response
