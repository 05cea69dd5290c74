"""HTML pages for people: home, browse lists per kind, downloads and health."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, send_from_directory

from dskg import __version__
from dskg.artefact.dumps import DUMPS
from dskg.artefact.indexes import KINDS
from server import metrics, structured
from server.params import PAGE, arg, takes
from server.site import site

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():
    return render_template("home.html", counts=site().build.indexes.counts, kinds=KINDS,
                           dumps=DUMPS, report=site().build.report,
                           structured=structured.script(structured.dataset()))


@blueprint.get("/browse/<kind>")
@takes(PAGE)
def browse(kind: str):
    if kind not in KINDS:
        abort(404)
    items = site().build.indexes.lists.get(kind, [])
    size = site().config.page_size
    page = arg(PAGE.name)
    pages = max(1, -(-len(items) // size))
    if page > pages:
        abort(404)
    return render_template("browse.html", kind=kind, title=KINDS[kind][0],
                           items=items[(page - 1) * size:page * size], page=page, pages=pages,
                           total=len(items), start=(page - 1) * size + 1)


@blueprint.get("/set/dumps/<name>")
def dump(name: str):
    if name not in DUMPS:
        abort(404)
    response = send_from_directory(site().build.layout.dumps, name, mimetype=DUMPS[name][1],
                                   as_attachment=True,
                                   conditional=True, etag=True)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.get("/health")
def health():
    return jsonify(status="ok", version=__version__, build=site().build.id,
                   built=site().build.started.isoformat(), triples=site().build.indexes.triples,
                   practices=site().build.indexes.counts.get("practice", 0))


@blueprint.get("/metrics")
def prometheus():
    """Requests, query durations, timeouts, rejections, queue length and the build id."""
    body, media = metrics.exposition()
    return Response(body, content_type=media)
