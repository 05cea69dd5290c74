"""The neighbourhood of one resource as graph elements, for the graph view on its page.

The browser (Cytoscape.js, ``static/graph.js``) asks for one resource's neighbours
at a time and grows the drawing as the reader clicks. Every answer is bounded so
that hubs stay readable: at most ``MAX_OUTGOING`` resources it links to and
``MAX_INCOMING`` that link to it, and a "more" node that leads to the complete,
paginated list on the resource's page. Literals stay in the page's table.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue

from dskg.rdf import IRI
from server.describe import RDF_TYPE, Description
from server.i18n import _, language
from server.params import Text, arg, takes
from server.rendering import label_of
from server.site import site
from server.views.resources import CACHE_CONTROL, describer_for

blueprint = Blueprint("graph", __name__)

MAX_OUTGOING = 30
MAX_INCOMING = 20
#: The kind of a node, from the start of its path (for its colour).
KIND_PREFIXES = (("id/practice/", "practice"), ("id/organisation/", "organisation"),
                 ("id/funder/", "organisation"), ("id/country/", "country"),
                 ("id/place/", "place"), ("def/", "concept"), ("set/", "dataset"))


def node_kind(iri: str) -> str:
    path = site().ns.path(iri)
    if path is None:
        return "external"
    return next((kind for prefix, kind in KIND_PREFIXES if path.startswith(prefix)), "other")


def _node(iri: str, labels: dict) -> dict:
    return {"data": {"id": iri, "label": label_of(iri, labels),
                     "href": site().local_path(iri) or iri, "kind": node_kind(iri)}}


def _edge(source: str, predicate: str, target: str, labels: dict) -> dict:
    return {"data": {"id": f"{source} {predicate} {target}", "source": source,
                     "target": target, "label": label_of(predicate, labels)}}


def _more(iri: str, hidden: int, direction: str) -> list[dict]:
    """A node standing for ``hidden`` neighbours left out, linked to the full list."""
    more_id = f"{iri} more-{direction}"
    anchor = "#linked-from" if direction == "in" else "#statements"
    href = (site().local_path(iri) or iri) + anchor
    edge = (more_id, iri) if direction == "in" else (iri, more_id)
    return [{"data": {"id": more_id, "label": _("+%(num)s more", num=hidden), "href": href,
                      "kind": "more"}},
            {"data": {"id": f"{more_id} edge", "source": edge[0], "target": edge[1],
                      "label": ""}}]


def neighbourhood(description: Description) -> list[dict]:
    """Cytoscape elements: the resource, the IRIs around it, and "more" nodes for the rest."""
    iri, labels = description.iri, description.labels
    elements, nodes = [_node(iri, labels)], {iri}
    targets = []
    for predicate, value, _graph in description.outgoing:
        if isinstance(value, IRI) and predicate.value != RDF_TYPE:
            targets.append((predicate.value, value.value))
    for link, target in targets[:MAX_OUTGOING]:
        if target not in nodes:
            nodes.add(target)
            elements.append(_node(target, labels))
        elements.append(_edge(iri, link, target, labels))
    if len(targets) > MAX_OUTGOING:
        elements += _more(iri, len(targets) - MAX_OUTGOING, "out")
    for subject, predicate in description.incoming:
        if isinstance(subject, IRI):
            if subject.value not in nodes:
                nodes.add(subject.value)
                elements.append(_node(subject.value, labels))
            elements.append(_edge(subject.value, predicate.value, iri, labels))
    hidden = description.incoming_total - len(description.incoming)
    if hidden > 0:
        elements += _more(iri, hidden, "in")
    return elements


#: The resource whose neighbourhood is asked for.
RESOURCE = Text("iri")


@blueprint.get("/graph")
@takes(RESOURCE)
def graph() -> ResponseReturnValue:
    iri = arg(RESOURCE.name)
    if not iri:
        abort(400, description=_("Give the resource as ?iri=…"))
    try:
        IRI.checked(iri)
    except ValueError:
        abort(400, description=_("Not an IRI: %(iri)s", iri=iri))
    describer = describer_for(iri)
    if describer is None:
        abort(404, description=_("The graph says nothing about %(iri)s.", iri=iri))
    description = describer.describe(iri, page=1, page_size=MAX_INCOMING)
    response = jsonify({"iri": iri, "elements": neighbourhood(description)})
    response.headers["Cache-Control"] = CACHE_CONTROL
    tag = f"{site().build.id}|{iri}|{language()}|{request.headers.get('Accept-Language', '')}"
    response.set_etag(hashlib.sha256(tag.encode()).hexdigest()[:32])
    return response.make_conditional(request)
