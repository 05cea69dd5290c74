"""Dereferencing: every IRI minted under the base answers, for browsers and RDF tools,
and so does every IRI of the vocabulary (its paths name ``https://w3id.org/dskg/…``).

``id/{kind}/{slug}`` names a thing, so it answers ``303 See Other`` with the document
about it. ``doc/…`` documents, and the ``def/`` (ontology, vocabularies) and ``set/``
(datasets) resources, negotiate their representation from ``Accept`` or take it
from an extension (``.ttl``, ``.jsonld``, ``.rdf``, ``.nt``, ``.html``).
"""
from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue

from dskg import formats
from dskg.artefact.history import fragment_iri, last_version
from dskg.formats import GRAPH_FORMATS, GRAPH_MEDIA
from dskg.rdf import IRI, BlankNode, Literal, Triple
from dskg.store import iri_of, term_of, text_of
from server import structured
from server.describe import Describer, Description
from server.i18n import _, language
from server.negotiation import best_match
from server.params import PAGE, arg, takes
from server.queries import query
from server.rendering import pick_label
from server.site import site

blueprint = Blueprint("resources", __name__)

KINDS = ("practice", "organisation", "funder", "place", "source", "country", "service",
         "link", "submission", "editor")
SLUG = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
#: A ``def/`` or ``set/`` path: segments of letters and digits joined by ``-``, ``_`` or
#: ``.`` (a version: ``def/dskg/0.1.0``).
PATH = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*)*")
#: Extension → (media type, format name); "html" is ours, the rest are RDF formats.
EXTENSIONS = {"html": "text/html"} | {ext: media for media, _, ext in GRAPH_FORMATS.values()}
FORMAT_BY_EXTENSION = {ext: name for name, (_, _, ext) in GRAPH_FORMATS.items()}
#: What a document is offered as: HTML, our graph formats, then the other media types
#: RDF clients ask for (rdflib asks ``text/plain`` for N-Triples, ``text/n3`` for N3).
OFFERS = ["text/html"] + [media for media, _, _ in GRAPH_FORMATS.values()] + [
    media for media in GRAPH_MEDIA if media not in EXTENSIONS.values()]
EXTENSION_BY_MEDIA = {media: ext for ext, media in EXTENSIONS.items()} | {
    media: GRAPH_FORMATS[name].extension for media, name in GRAPH_MEDIA.items()
    if media not in EXTENSIONS.values()}
CACHE_CONTROL = "public, max-age=300"
INVALIDATED = IRI("http://www.w3.org/ns/prov#invalidatedAtTime")
REPLACED_BY = IRI("http://purl.org/dc/terms/isReplacedBy")
SEE_ALSO = IRI("http://www.w3.org/2000/01/rdf-schema#seeAlso")
TITLE = IRI("http://purl.org/dc/terms/title")
DATE_TIME = IRI("http://www.w3.org/2001/XMLSchema#dateTime")


def not_found(iri: str, ext: str | None = None) -> ResponseReturnValue:
    """404, unless ``iri`` was published once and withdrawn: then 410 (:func:`gone`)."""
    if iri in site().build.gone:
        return gone(iri, ext)
    response = Response(render_template("not_found.html", iri=iri), status=404,
                        mimetype="text/html")
    return response


def gone(iri: str, ext: str | None) -> ResponseReturnValue:
    """``410 Gone``: when ``iri`` left the graph, its last version in the change stream
    and what it was merged into, as a page or in the RDF format asked for."""
    record = site().build.gone[iri]
    if ext is None:
        media = best_match(request.headers.get("Accept"), OFFERS) or "text/html"
        ext = EXTENSION_BY_MEDIA[media]
    last = record.get("last")
    version = last_version(record) if last else None
    fragment = str(fragment_iri(site().ns, last[1])) if last else None
    triples = [Triple(IRI(iri), INVALIDATED, Literal(record["time"], DATE_TIME))]
    triples += [Triple(IRI(iri), REPLACED_BY, IRI(target))
                for target in record.get("merged_into", [])]
    if version and last and fragment:
        triples += [*version, Triple(IRI(last[0]), SEE_ALSO, IRI(fragment))]
    if ext != "html":
        response = Response(serialize(triples, FORMAT_BY_EXTENSION[ext]), status=410,
                            mimetype=EXTENSIONS[ext])
    else:
        statements = [(t.predicate.value, t.object.value) for t in version or []]
        title = next((value for name, value in statements if name == TITLE.value), None)
        body = render_template(
            "gone.html", iri=iri, gone=record, title=title,
            merged_into=[({"iri": t, "href": site().local_path(t) or t}, _label(t))
                         for t in record.get("merged_into", [])],
            version={"iri": last[0], "statements": statements} if last else None,
            fragment_href=site().local_path(fragment) if fragment else None)
        response = Response(body, status=410, mimetype="text/html")
        response.content_type = "text/html; charset=utf-8"
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def _label(iri: str) -> str | None:
    return pick_label(site().describer.labels(iri))


def _split_extension(name: str) -> tuple[str, str | None]:
    stem, dot, ext = name.rpartition(".")
    if dot and ext in EXTENSIONS:
        return stem, ext
    return name, None


@blueprint.get("/id/<kind>/<slug>")
def thing(kind: str, slug: str) -> ResponseReturnValue:
    iri = site().iri_for_path(request.path)
    if kind not in KINDS or not SLUG.fullmatch(slug):
        return not_found(iri)
    if describer_for(iri) is None:
        return not_found(iri)
    media = best_match(request.headers.get("Accept"), OFFERS) or "text/html"
    target = f"{request.script_root}/doc/{kind}/{slug}"
    if media != "text/html":
        target += "." + EXTENSION_BY_MEDIA[media]
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@blueprint.get("/doc/<kind>/<name>")
@takes(PAGE)
def document(kind: str, name: str) -> ResponseReturnValue:
    slug, ext = _split_extension(name)
    if kind not in KINDS or not SLUG.fullmatch(slug):
        return not_found(site().iri_for_path(request.path))
    iri = str(site().ns.iri(f"id/{kind}/{slug}"))
    return represent(iri, f"{request.script_root}/doc/{kind}/{slug}", ext, arg(PAGE.name))


@blueprint.get("/def/<path:name>")
@takes(PAGE)
def definition(name: str) -> ResponseReturnValue:
    return _self_described("def", name)


@blueprint.get("/set/<path:name>")
@takes(PAGE)
def dataset(name: str) -> ResponseReturnValue:
    return _self_described("set", name)


def _self_described(prefix: str, name: str) -> ResponseReturnValue:
    """``def/`` and ``set/`` IRIs are documents themselves: no 303, just negotiation.
    An ontology's version IRI is the document of that ontology."""
    stem, ext = _split_extension(name)
    if not PATH.fullmatch(stem):
        return not_found(site().iri_for_path(request.path))
    iri = str(site().ns.iri(f"{prefix}/{stem}"))
    if prefix == "def" and describer_for(iri) is None:
        versions = site().store.select(query("version_of"), {"this": IRI(iri)})
        if versions:
            iri = text_of(versions[0], "ontology")
    return represent(iri, f"{request.script_root}/{prefix}/{stem}", ext, arg(PAGE.name))


def represent(iri: str, document_path: str, ext: str | None, page: int = 1
              ) -> ResponseReturnValue:
    """The document about ``iri`` in the format the extension or ``Accept`` asks for
    (``page``: which page of its incoming links)."""
    describer = describer_for(iri)
    if describer is None:
        return not_found(iri, ext)
    if ext is None:
        media = best_match(request.headers.get("Accept"), OFFERS)
        if media is None:
            abort(406, description=_("This document is available as %(formats)s.",
                                     formats=", ".join(OFFERS)))
        ext = EXTENSION_BY_MEDIA[media]
    description = describer.describe(iri, page, site().config.page_size)
    body: str | bytes
    if ext == "html":
        body = render_template("resource.html", d=description, iri=iri,
                               alternates=_alternates(document_path),
                               terms=_ontology_terms(iri, description),
                               document_path=document_path,
                               correctable=_correctable(iri, description),
                               structured=structured.script(structured.for_resource(
                                   description, request.host_url.rstrip("/") + document_path)))
    else:
        body = serialize(description.triples() + _whole_vocabulary(iri),
                         FORMAT_BY_EXTENSION[ext])
    response = Response(body, mimetype=EXTENSIONS[ext])
    if ext == "html":
        response.content_type = "text/html; charset=utf-8"
    _headers(response, iri, document_path, ext, description)
    return response.make_conditional(request)


def _correctable(iri: str, description: Description) -> str | None:
    """The slug of a practice, whose page offers to suggest a correction of it."""
    if str(site().ns.dskg.GoodPractice) in description.types:
        return iri.rsplit("/", 1)[-1]
    return None


def _whole_vocabulary(iri: str) -> list[Triple]:
    """The statements of the named graph a ``def/`` document names (the ontology, a
    concept scheme, the shapes): what a client fetching a vocabulary expects, not only
    the statements about its IRI. Other documents (``set/practices``) stay descriptions."""
    if iri not in site().build.graph_names or "/def/" not in iri:
        return []
    return [Triple(subject, iri_of(row, "p"), term_of(row, "o"))
            for row in site().store.select(query("graph"), {"this": IRI(iri)})
            if isinstance(subject := term_of(row, "s"), (IRI, BlankNode))]


def serialize(triples: list[Triple], name: str, extra_prefixes: dict | None = None) -> bytes:
    """Triples in one of our RDF formats, with our prefixes."""
    return formats.serialize(triples, name, site().ns.prefixes() | (extra_prefixes or {}))


def describer_for(iri: str) -> Describer | None:
    """The describer that knows ``iri``: the store's, else the build documents' one."""
    for describer in (site().describer, site().meta_describer):
        if describer.exists(iri):
            return describer
    return None


def _alternates(document_path: str) -> list[tuple[str, str, str]]:
    return [(f"{document_path}.{ext}", media, ext) for ext, media in EXTENSIONS.items()]


def _headers(response: Response, iri: str, document_path: str, ext: str,
             description: Description) -> None:
    links = [f'<{href}>; rel="alternate"; type="{media}"'
             for href, media, other in _alternates(document_path) if other != ext]
    links.append(f'<{iri}>; rel="describes"')
    if description.page < description.pages:
        links.append(f'<{document_path}.{ext}?page={description.page + 1}>; rel="next"')
    if description.page > 1:
        links.append(f'<{document_path}.{ext}?page={description.page - 1}>; rel="prev"')
    response.headers["Link"] = ", ".join(links)
    response.headers["Content-Location"] = f"{document_path}.{ext}"
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = CACHE_CONTROL
    tag = f"{site().build.id}|{document_path}.{ext}|{description.page}|{language()}|" \
          f"{request.headers.get('Accept-Language', '')}"
    response.set_etag(hashlib.sha256(tag.encode()).hexdigest()[:32])
    response.last_modified = site().build.started


def _ontology_terms(iri: str, description: Description) -> list[dict]:
    if "http://www.w3.org/2002/07/owl#Ontology" not in description.types:
        return []
    terms: dict[str, dict] = {}
    for row in site().store.select(query("ontology_terms"), {"this": IRI(iri)}):
        entry = terms.setdefault(text_of(row, "term"), {
            "iri": text_of(row, "term"), "kind": text_of(row, "kind"), "supers": [],
            "labels": [], "comments": []})
        for key in ("domain", "range"):
            # One value each: the first in term order, whichever order the store answers in.
            if row[key] is not None and (key not in entry or str(row[key]) < str(entry[key])):
                entry[key] = row[key]
        for key, values in (("label", entry["labels"]), ("comment", entry["comments"]),
                            ("super", entry["supers"])):
            if row[key] is not None and row[key] not in values:
                values.append(row[key])
    for entry in terms.values():
        entry["supers"].sort(key=str)  # stores answer in orders of their own
        entry["label"] = pick_label(sorted(entry.pop("labels"), key=str))
        entry["comment"] = pick_label(sorted(entry.pop("comments"), key=str))
    return sorted(terms.values(), key=lambda t: (t["kind"], t["iri"]))
