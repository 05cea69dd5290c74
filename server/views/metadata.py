"""What harvesters and crawlers read: DCAT-AP catalogue, VoID, LDES, downloads, sitemap,
robots.txt."""
from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue

from dskg.artefact.browse import FACETS
from dskg.artefact.dumps import DUMPS
from dskg.artefact.history import LDES, TREE, fragment_triples, stream_triples
from dskg.formats import GRAPH_FORMATS
from dskg.messages import N_
from dskg.rdf import BlankNode, Term, Triple
from server.i18n import _
from server.negotiation import best_match
from server.params import PAGE, Whole, arg, takes
from server.site import site
from server.views.resources import (
    CACHE_CONTROL,
    EXTENSION_BY_MEDIA,
    FORMAT_BY_EXTENSION,
    represent,
    serialize,
)

blueprint = Blueprint("metadata", __name__)

RDF_OFFERS = [media for media, _, _ in GRAPH_FORMATS.values()]
IMMUTABLE = "public, max-age=31536000, immutable"
SITEMAP_LIMIT = 45000
LDES_PREFIXES = {"ldes": LDES, "tree": TREE,
                 "as": "https://www.w3.org/ns/activitystreams#"}


#: What each whole document is, for its HTML view.
ABOUT = {
    "/.well-known/void": (N_("VoID description of the dataset"), N_(
        "The dataset's size, vocabularies, classes and properties, endpoint and dumps, as "
        "VoID: what crawlers and portals read to know the dataset.")),
    "/set/ldes": (N_("Change stream (LDES)"), N_(
        "What each build changed, as a Linked Data Event Stream: harvesters follow its "
        "fragments to stay in sync without downloading the whole graph again.")),
}


def _whole_document(triples: list[Triple], path: str, ext: str | None,
                    cache_control: str = CACHE_CONTROL,
                    extra_prefixes: dict[str, str] | None = None) -> ResponseReturnValue:
    """A whole graph (not a resource description) in the format asked for, or as an
    HTML page for a browser."""
    if ext is None:
        media = best_match(request.headers.get("Accept"), RDF_OFFERS + ["text/html"])
        if media is None:
            abort(406, description=_("This document is available as %(formats)s.",
                                     formats=", ".join(RDF_OFFERS + ["text/html"])))
        ext = EXTENSION_BY_MEDIA.get(media, "ttl")
    if ext == "html":
        return _html_view(triples, path, cache_control)
    if ext not in FORMAT_BY_EXTENSION:
        abort(404)
    name = FORMAT_BY_EXTENSION[ext]
    body = serialize(triples, name, extra_prefixes)
    response = Response(body, mimetype=GRAPH_FORMATS[name][0])
    response.headers["Content-Location"] = f"{path}.{ext}"
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = cache_control
    response.headers["Link"] = ", ".join(
        f'<{path}.{other}>; rel="alternate"; type="{GRAPH_FORMATS[fmt][0]}"'
        for other, fmt in FORMAT_BY_EXTENSION.items() if other != ext)
    tag = hashlib.sha256(f"{site().build.id}|{path}|{ext}".encode()).hexdigest()[:32]
    response.set_etag(tag)
    response.last_modified = site().build.started
    return response.make_conditional(request)


def _html_view(triples: list[Triple], path: str, cache_control: str) -> ResponseReturnValue:
    """The statements of a whole document, grouped by subject, with labels and links."""
    grouped: dict[Term, dict[Term, list[Term]]] = {}
    for triple in triples:
        grouped.setdefault(triple.subject, {}).setdefault(triple.predicate, []).append(
            triple.object)
    subjects = sorted(((subject, sorted(((p, sorted(v, key=str)) for p, v in props.items()),
                                        key=lambda pair: str(pair[0])))
                       for subject, props in grouped.items()),
                      key=lambda pair: (isinstance(pair[0], BlankNode), str(pair[0])))
    stem = path.split("/")[-1] if "/fragment/" in path else None
    title, about = ABOUT.get(path.removeprefix(request.script_root), (
        N_("Change stream fragment %(name)s"),
        N_("One page of the change stream: the versions it holds, and the link to the next "
           "page.")))
    body = render_template("document.html", title=_(title, name=stem), about=_(about),
                           subjects=subjects,
                           labels={}, alternates=[
                               (f"{path}.{other}", GRAPH_FORMATS[fmt][0], other)
                               for other, fmt in FORMAT_BY_EXTENSION.items()])
    response = Response(body, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = cache_control
    response.set_etag(hashlib.sha256(f"{site().build.id}|{path}|html".encode()).hexdigest()[:32])
    response.last_modified = site().build.started
    return response.make_conditional(request)


def _document(name: str) -> list[Triple]:
    """The statements of one build document (catalogue or VoID)."""
    return site().meta.graph_triples(site().config.base + name)


@blueprint.get("/set/catalog")
@blueprint.get("/set/catalog.<ext>")
@takes(PAGE)
def catalog(ext: str | None = None) -> ResponseReturnValue:
    """The DCAT-AP catalogue: the whole document, as harvesters expect it."""
    if ext == "html" or (ext is None and best_match(request.headers.get("Accept"), [
            "text/html", *RDF_OFFERS]) == "text/html"):
        return represent(site().config.base + "set/catalog",
                         f"{request.script_root}/set/catalog", "html", arg(PAGE.name))
    return _whole_document(_document("set/catalog"), f"{request.script_root}/set/catalog", ext)


@blueprint.get("/.well-known/void")
@blueprint.get("/.well-known/void.<ext>")
def void(ext: str | None = None) -> ResponseReturnValue:
    return _whole_document(_document(".well-known/void"),
                           f"{request.script_root}/.well-known/void", ext,
                           extra_prefixes={"void": "http://rdfs.org/ns/void#"})


@blueprint.get("/set/ldes")
@blueprint.get("/set/ldes.<ext>")
def event_stream(ext: str | None = None) -> ResponseReturnValue:
    triples = stream_triples(site().ns, site().build.stream_index)
    return _whole_document(triples, f"{request.script_root}/set/ldes", ext,
                           extra_prefixes=LDES_PREFIXES)


@blueprint.get("/set/ldes/fragment/<int:number>")
@blueprint.get("/set/ldes/fragment/<int:number>.<ext>")
def fragment(number: int, ext: str | None = None) -> ResponseReturnValue:
    index = site().build.stream_index
    if not any(entry["number"] == number for entry in index):
        abort(404)
    newest = max(entry["number"] for entry in index)
    triples = fragment_triples(site().ns, site().history, index, number)
    return _whole_document(triples, f"{request.script_root}/set/ldes/fragment/{number}",
                           ext, IMMUTABLE if number < newest else "public, max-age=60",
                           extra_prefixes=LDES_PREFIXES)


# ---------------------------------------------------------------- crawlers

def _sitemap_urls() -> list[str]:
    root = request.host_url.rstrip("/") + request.script_root
    urls = [root + "/", root + url_for("sparql.endpoint"), root + "/set/catalog",
            root + "/def/dskg"]
    lists = site().build.indexes.lists
    for kind in lists:
        urls.append(root + url_for("browse.lists", kind=kind))
    for kind in ("practice", "organisation", "funder", "country", "place"):
        for iri, _label in lists.get(kind, []):
            path = site().ns.path(iri)
            if path is not None and path.startswith("id/"):
                urls.append(root + "/doc/" + path[3:])
    return urls


#: A numbered sitemap of the index; without it, the index itself (past the limit).
SITEMAP_PAGE = Whole("page", default=None)


@blueprint.get("/sitemap.xml")
@takes(SITEMAP_PAGE)
def sitemap() -> Response:
    """A sitemap (an index of numbered sitemaps past 45,000 URLs) of the pages worth
    indexing, valid against the sitemaps.org schema. The dataset itself (endpoint,
    dumps) is described where portals look for it: the catalogue and VoID."""
    urls = _sitemap_urls()
    root = request.host_url.rstrip("/") + request.script_root
    page = arg(SITEMAP_PAGE.name)
    if len(urls) > SITEMAP_LIMIT and page is None:
        pages = -(-len(urls) // SITEMAP_LIMIT)
        body = render_template("sitemap_index.xml", root=root, pages=range(1, pages + 1),
                               lastmod=site().build.started.date().isoformat())
        return Response(body, mimetype="application/xml")
    if page is not None:
        urls = urls[(page - 1) * SITEMAP_LIMIT:page * SITEMAP_LIMIT]
        if not urls:
            abort(404)
    body = render_template("sitemap.xml", urls=urls,
                           lastmod=site().build.started.date().isoformat())
    return Response(body, mimetype="application/xml")


#: What crawlers should leave alone: the endpoint, and the URL spaces that never end
#: (every search, every graph view, every export, every combination of facets: one rule
#: per parameter the browse page starts a query string with, so that parsers which read
#: "?" as the end of the path still allow the page itself).
ROBOTS_DISALLOW = ("/sparql", "/search", "/graph", "/browse/practice.", *(
    f"/browse/practice?{parameter}=" for parameter in
    (*FACETS, "sort", "page", "show", "_format")))


@blueprint.get("/robots.txt")
def robots() -> Response:
    root = request.host_url.rstrip("/") + request.script_root
    rules = "".join(f"Disallow: {request.script_root}{path}\n" for path in ROBOTS_DISALLOW)
    body = f"User-agent: *\n{rules}Allow: /\n\nSitemap: {root}/sitemap.xml\n"
    return Response(body, mimetype="text/plain")


@blueprint.get("/set/dumps/<name>")
def dump(name: str) -> Response:
    """One of the build's downloads (whole graph, per graph, …), with ETag and ranges."""
    if name not in DUMPS:
        abort(404)
    response = send_from_directory(site().build.layout.dumps, name, mimetype=DUMPS[name][1],
                                   as_attachment=True, conditional=True, etag=True)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
