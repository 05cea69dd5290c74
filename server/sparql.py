"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (query only: the store is read-only).

Queries come as ``GET ?query=``, form-encoded ``POST`` or ``POST`` with an
``application/sparql-query`` body, with optional ``default-graph-uri`` and
``named-graph-uri``; without them the default graph is the union of all graphs.
The answer format follows ``Accept`` or a ``format`` parameter.
"""
from __future__ import annotations

import json
import logging
import os

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from dskg.query_runner import NotAcceptable, QueryError, QueryRequest, QueryTimeout
from dskg.results import (FORMAT_ALIASES, GRAPH_FORMATS, GRAPH_MEDIA, RESULT_FORMATS,
                          RESULT_MEDIA)
from server import site
from server.negotiation import best_match, prefers_html

blueprint = Blueprint("sparql", __name__)

CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Accept, Content-Type, Accept-Language",
        "Access-Control-Expose-Headers": "DSKG-Results-Truncated, Content-Type"}
RESULT_OFFERS = list(dict.fromkeys(RESULT_MEDIA))
GRAPH_OFFERS = list(dict.fromkeys(GRAPH_MEDIA))
SD_OFFERS = ["text/turtle", "application/ld+json", "application/rdf+xml",
             "application/n-triples"]
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def _error(status: int, message: str) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain",
                    headers=CORS)


@blueprint.route("/sparql", methods=["OPTIONS"])
def preflight():
    return Response(status=204, headers=CORS | {"Access-Control-Max-Age": "86400"})


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint():
    if request.method == "POST" and request.mimetype == "application/sparql-update" \
            or "update" in request.values:
        return _error(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    text, problem = _query_text()
    if problem:
        return problem
    accept = request.headers.get("Accept")
    if text is None:
        if prefers_html(accept) or best_match(accept, SD_OFFERS + ["text/html"]) == "text/html":
            return Response(render_template("sparql_form.html", query=""), headers=CORS,
                            mimetype="text/html")
        return _service_description(accept)
    html = prefers_html(accept) and not request.values.get("format")
    result_format, graph_format = ("json", "turtle") if html else _formats(accept)
    query_request = QueryRequest(
        query=text, result_format=result_format, graph_format=graph_format,
        default_graphs=request.values.getlist("default-graph-uri"),
        named_graphs=request.values.getlist("named-graph-uri"),
        limit=site().config.result_limit, base=site().config.base,
        prefixes=site().ns.prefixes())
    try:
        answer = site().store.sparql(query_request)
    except QueryError as error:
        return _error(400, f"Query syntax error: {error}")
    except NotAcceptable as error:
        return _error(406, f"Not Acceptable: none of the formats in the Accept header "
                      f"can express a {error.kind.upper()} result.")
    except QueryTimeout:
        response = _error(503, f"Query timed out: it ran longer than "
                          f"{site().config.query_timeout:g} s and was stopped.")
        if current_app.config.get("DSKG_EXIT_ON_TIMEOUT"):
            response.call_on_close(_end_worker)
        return response
    if html:
        return _html_answer(text, answer)
    media = RESULT_FORMATS.get(answer.format) or GRAPH_FORMATS[answer.format][0]
    response = Response(answer.body, mimetype=media, headers=CORS)
    response.headers["Vary"] = "Accept"
    if answer.truncated:
        response.headers["DSKG-Results-Truncated"] = f"limit={site().config.result_limit}"
    return response


def _end_worker() -> None:
    """Stop a runaway query the only way there is: end this worker process.

    Called once the timeout answer has been handed to the client. gunicorn replaces
    the worker; the query's evaluation and its memory end with the process.
    """
    logging.getLogger("dskg").warning("ending worker %d to stop a timed-out query",
                                      os.getpid())
    os._exit(1)  # not 3 or 4: gunicorn reads those as "cannot boot" and stops


def _query_text() -> tuple[str | None, Response | None]:
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        if "query" in request.args:
            return None, _error(400, "Send the query either in the body or as ?query=, "
                                "not both.")
        return request.get_data(as_text=True), None
    queries = request.values.getlist("query")
    if len(queries) > 1:
        return None, _error(400, "Exactly one query parameter is allowed.")
    if request.method == "POST" and not queries and request.mimetype not in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        return None, _error(415, "POST a form (application/x-www-form-urlencoded) or an "
                            "application/sparql-query body.")
    return (queries[0] if queries else None), None


def _formats(accept: str | None) -> tuple[str | None, str | None]:
    """Result-set and graph formats the client would take (``None``: none acceptable)."""
    forced = request.values.get("format", "").lower()
    if forced:
        for media, name in (*RESULT_MEDIA.items(), *GRAPH_MEDIA.items()):
            if forced == media:
                return RESULT_MEDIA.get(media), GRAPH_MEDIA.get(media)
        return FORMAT_ALIASES.get(forced, (None, None))
    result = best_match(accept, RESULT_OFFERS)
    graph = best_match(accept, GRAPH_OFFERS)
    return (RESULT_MEDIA[result] if result else None), (GRAPH_MEDIA[graph] if graph else None)


def _html_answer(text: str, answer) -> Response:
    table, graph_text = None, None
    if answer.kind in ("select", "ask"):
        table = json.loads(answer.body)
    else:
        graph_text = answer.body.decode("utf-8")
    response = Response(render_template("sparql_form.html", query=text, table=table,
                                         graph_text=graph_text, answer=answer,
                                         limit=site().config.result_limit),
                        mimetype="text/html", headers=CORS)
    if answer.truncated:
        response.headers["DSKG-Results-Truncated"] = f"limit={site().config.result_limit}"
    return response


def endpoint_url() -> str:
    config = site().config
    return config.public_url.rstrip("/") + "/sparql" if config.public_url else \
        request.host_url.rstrip("/") + request.script_root + "/sparql"


def _service_description(accept: str | None) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint."""
    media = best_match(accept, SD_OFFERS)
    if media is None:
        return _error(406, "Not Acceptable: the service description is available as "
                      + ", ".join(SD_OFFERS))
    name = next(n for n, (m, _, _) in GRAPH_FORMATS.items() if m == media)
    service, dataset, default = ox.NamedNode(endpoint_url()), ox.BlankNode(), ox.BlankNode()
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(term: str) -> ox.NamedNode:
        return ox.NamedNode(SD + term)

    triples = [ox.Triple(service, a, sd("Service")),
               ox.Triple(service, sd("endpoint"), service),
               ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
               ox.Triple(service, sd("defaultDataset"), dataset),
               ox.Triple(dataset, a, sd("Dataset")),
               ox.Triple(dataset, sd("defaultGraph"), default),
               ox.Triple(default, a, sd("Graph")),
               ox.Triple(default, ox.NamedNode("http://rdfs.org/ns/void#triples"),
                         ox.Literal(str(site().indexes.triples),
                                    datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))]
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + fmt)))
    for graph in site().report.get("graphs", []):
        named = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), named),
                    ox.Triple(named, sd("name"), ox.NamedNode(graph))]
    _, rdf_format, _ = GRAPH_FORMATS[name]
    body = ox.serialize(triples, format=rdf_format,
                        prefixes={"sd": SD, "void": "http://rdfs.org/ns/void#"}
                        if name == "turtle" else None)
    return Response(body, mimetype=media, headers=CORS | {"Vary": "Accept"})
