"""``/reconcile``: the reconciliation service (W3C Entity Reconciliation API 0.2), for
OpenRefine and any other client that matches names in a spreadsheet to our IRIs.

============================================  =====================================
``/reconcile``                                the manifest; with ``queries``, a batch of
                                              reconciliation queries; with ``extend``, a
                                              data extension (GET or POSTed form)
``/reconcile/suggest/{entity,type,property}``  auto-complete (``prefix``, ``type``)
``/reconcile/properties``                     properties to extend a type with
``/reconcile/preview``                        an entity's preview (``id``), as HTML
============================================  =====================================

Entity ids are our IRIs; names come in the reader's language (``lang`` or
``Accept-Language``). JSONP (``callback``) answers clients that cannot use CORS.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from dskg import __version__
from dskg.artefact.entities import TYPES
from server.i18n import _, language
from server.params import Json, OneOf, Text, Whole, arg, takes
from server.reconcile.extend import values
from server.reconcile.matching import Matcher, Query
from server.reconcile.protocol import (
    MAX_IDS,
    MAX_QUERIES,
    PROPERTIES,
    TYPE_NAMES,
    check,
    type_object,
)
from server.rendering import label_of, preferred_languages
from server.site import site

blueprint = Blueprint("reconcile", __name__)

QUERIES = Json("queries")
EXTEND = Json("extend")
CALLBACK = Text("callback")
PREFIX = Text("prefix")
TYPE = OneOf("type", TYPES)
ID = Text("id")
LIMIT = Whole("limit", default=None, least=1, most=100)
#: A JSONP callback: a dotted JavaScript name, nothing that could be script.
CALLBACK_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _root() -> str:
    return request.host_url.rstrip("/") + request.script_root


def _answer(document: Any) -> Response:
    callback = arg(CALLBACK.name)
    if not callback:
        return jsonify(document)
    if not CALLBACK_NAME.fullmatch(callback) or len(callback) > 100:
        abort(400, description=_("callback must be a JavaScript name"))
    body = f"/**/{callback}({json.dumps(document, ensure_ascii=False)});"
    return Response(body, mimetype="application/javascript")


def manifest() -> dict:
    root, config = _root(), site().config
    return {
        "versions": ["0.2"],
        "name": _("Digital Skills Knowledge Graph"),
        "identifierSpace": config.base,
        "schemaSpace": str(site().ns.dskg),
        "documentation": f"{root}/reconcile/preview",  # what the service is, in words
        "serviceVersion": __version__,
        "view": {"url": "{{id}}"},
        "defaultTypes": [type_object(kind) for kind in TYPES],
        "preview": {"url": f"{root}/reconcile/preview?id={{{{id}}}}", "width": 400,
                    "height": 160},
        "suggest": {kind: {"service_url": root, "service_path": f"/reconcile/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": root,
                                          "service_path": "/reconcile/properties"},
                   "property_settings": [{
                       "name": "limit", "label": _("Values"), "type": "number", "default": 0,
                       "help_text": _("the most values to return for each entity (0: all)")}]},
    }


@blueprint.route("/reconcile", methods=["GET", "POST"])
@takes(QUERIES, EXTEND, CALLBACK)
def reconcile() -> ResponseReturnValue:
    batch, extension = arg(QUERIES.name), arg(EXTEND.name)
    if batch is not None:
        return _answer(_reconcile(batch))
    if extension is not None:
        return _answer(_extend(extension))
    return _answer(manifest())


def _reconcile(batch: Any) -> dict:
    check(batch, "reconciliation-query-batch", QUERIES.name)
    if not batch or len(batch) > MAX_QUERIES:
        abort(400, description=_("queries holds %(count)s queries; from 1 to %(most)s are "
                                 "answered at once", count=len(batch), most=MAX_QUERIES))
    matcher = Matcher(site().entity_index, preferred_languages())
    return {key: {"result": matcher.reconcile(Query.of(query))} for key, query in batch.items()}


def _extend(extension: Any) -> dict:
    check(extension, "data-extension-query", EXTEND.name)
    ids, wanted = extension["ids"], extension["properties"]
    if len(ids) > MAX_IDS:
        abort(400, description=_("extend asks about %(count)s entities; at most %(most)s are "
                                 "answered at once", count=len(ids), most=MAX_IDS))
    unknown = [p["id"] for p in wanted if p["id"] not in PROPERTIES]
    if unknown:
        abort(400, description=_("extend: no property %(ids)s (properties: %(known)s)",
                                 ids=", ".join(unknown), known=", ".join(PROPERTIES)))
    store, ns = site().store, site().ns
    known = site().entity_index.get(list(dict.fromkeys(ids)))
    rows: dict[str, dict] = {}
    for iri in ids:
        rows[iri] = {}
        for given in wanted:
            found = values(store, ns, iri, given["id"], label_of) if iri in known else []
            limit = _setting_limit(given)
            rows[iri][given["id"]] = found[:limit] if limit else found
    return {"meta": [{"id": p["id"], "name": _(PROPERTIES[p["id"]].name)} for p in wanted],
            "rows": rows}


def _setting_limit(given: dict) -> int:
    raw = (given.get("settings") or {}).get("limit", 0)
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        abort(400, description=_("extend: the limit of %(id)s must be a whole number",
                                 id=given["id"]))


@blueprint.get("/reconcile/suggest/entity")
@takes(PREFIX, TYPE, LIMIT, CALLBACK)
def suggest_entity() -> ResponseReturnValue:
    prefix, kind = arg(PREFIX.name), arg(TYPE.name)
    matcher = Matcher(site().entity_index, preferred_languages())
    found = site().entity_index.candidates(prefix, (kind,) if kind else (),
                                           arg(LIMIT.name) or 10, prefix=True)
    return _answer({"result": [{"id": e.iri, "name": e.label(matcher.languages),
                                "description": matcher.describe(e),
                                "notable": [type_object(t) for t in e.types]} for e in found]})


@blueprint.get("/reconcile/suggest/type")
@takes(PREFIX, CALLBACK)
def suggest_type() -> ResponseReturnValue:
    prefix = arg(PREFIX.name).casefold()
    return _answer({"result": [type_object(kind) for kind in TYPES
                               if kind.startswith(prefix)
                               or _(TYPE_NAMES[kind]).casefold().startswith(prefix)]})


@blueprint.get("/reconcile/suggest/property")
@takes(PREFIX, TYPE, CALLBACK)
def suggest_property() -> ResponseReturnValue:
    prefix, kind = arg(PREFIX.name).casefold(), arg(TYPE.name)
    return _answer({"result": [
        {"id": p.id, "name": _(p.name)} for p in PROPERTIES.values()
        if (kind is None or kind in p.types)
        and (p.id.startswith(prefix) or _(p.name).casefold().startswith(prefix))]})


@blueprint.get("/reconcile/properties")
@takes(TYPE, LIMIT, CALLBACK)
def properties() -> ResponseReturnValue:
    kind = arg(TYPE.name)
    if kind is None:
        abort(400, description=_("type is needed: the properties of which type"))
    found = [{"id": p.id, "name": _(p.name)} for p in PROPERTIES.values() if kind in p.types]
    limit = arg(LIMIT.name)
    return _answer({"type": kind, "properties": found[:limit] if limit else found,
                    **({"limit": limit} if limit else {})})


@blueprint.get("/reconcile/preview")
@takes(ID)
def preview() -> ResponseReturnValue:
    iri = arg(ID.name)
    if not iri:
        return render_template("reconcile_preview.html", entity=None, manifest=manifest(),
                               service=f"{_root()}/reconcile", language=language())
    found = site().entity_index.get([iri]).get(iri)
    if found is None:
        abort(404, description=_("%(iri)s is not an entity of this graph", iri=iri))
    matcher = Matcher(site().entity_index, preferred_languages())
    return render_template("reconcile_preview.html", entity=found,
                           name=found.label(matcher.languages),
                           description=matcher.describe(found),
                           types=[_(TYPE_NAMES[t]) for t in found.types],
                           path=site().local_path(found.iri) or found.iri,
                           language=language())
