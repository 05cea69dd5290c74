"""For operators and their monitors: ``/health`` (JSON) and ``/metrics`` (Prometheus)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from dskg import __version__
from server import metrics
from server.site import site

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health() -> Response:
    return jsonify(status="ok", version=__version__, build=site().build.id,
                   built=site().build.started.isoformat(), triples=site().build.indexes.triples,
                   practices=site().build.indexes.counts.get("practice", 0))


@blueprint.get("/metrics")
def prometheus() -> Response:
    """Requests, query durations, timeouts, rejections, queue length and the build id."""
    body, media = metrics.exposition()
    return Response(body, content_type=media)
