"""The dskg web application: SPARQL endpoint, dereferenceable IRIs and HTML pages.

``create_app`` builds one Flask app per process from one build: the one it is given
(under ``dskg serve``, the build the whole server serves) or else the target of
``var/current``. Each gunicorn worker opens the store read-only and starts its own
SPARQL evaluators (``server/querypool.py``).
"""
from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from dskg import __version__
from dskg.config import Config
from dskg.graphstore import EmbeddedStore, GraphStore, MemoryStore
from dskg.indexes import Indexes
from dskg.ldes import History
from dskg.namespaces import Namespaces

if TYPE_CHECKING:
    from server.browse import FacetIndex
    from server.describe import Describer
    from server.search import SearchIndex

#: Documents each build writes beside its store, and the IRI of each.
METADATA = {"catalog": "set/catalog", "void": ".well-known/void"}


@dataclass
class Site:
    """Everything the views share: settings, the store and what the build computed."""

    config: Config
    ns: Namespaces
    store: GraphStore
    describer: "Describer"
    meta: MemoryStore
    meta_describer: "Describer"
    indexes: Indexes
    history: History
    stream_index: list[dict]
    facet_index: "FacetIndex"
    search_index: "SearchIndex"
    build_dir: Path
    build_id: str
    built: datetime
    report: dict

    def iri_for_path(self, path: str) -> str:
        """The IRI a request path names (paths are relative to the app's mount point)."""
        return self.config.base + path.lstrip("/")

    def local_path(self, iri: str) -> str | None:
        """Where this server answers for ``iri``, if it is one of ours."""
        if iri.startswith(self.config.base):
            return request.script_root + "/" + iri[len(self.config.base):]
        return None


def create_app(config: Config | None = None, build_dir: Path | None = None) -> Flask:
    config = config or Config.from_env()
    # Imported here, not above: ``dskg serve`` imports this package in the master,
    # which must set up the metrics' folder before the metrics are created.
    from server import errors, metrics
    from server.admission import Admission
    from server.browse import FacetIndex
    from server.describe import Describer
    from server.endpoint import SparqlEndpoint
    from server.headers import EVERY_RESPONSE, PREFLIGHT
    from server.querypool import QueryPool
    from server.search import SearchIndex

    build_dir = Path(build_dir or config.current_build.resolve())
    if not (build_dir / "store").exists():
        raise SystemExit(f"no build at {config.current_build}: run `dskg build` first")
    report = json.loads((build_dir / "report.json").read_text(encoding="utf-8"))
    ns = Namespaces(config.base)
    admission = Admission(_run_dir(config), config.heavy_queries, config.client_heavy,
                          retry_after=config.query_timeout)
    pool = QueryPool(build_dir / "store", config, admission, ns.prefixes())
    store = EmbeddedStore(build_dir / "store", pool)
    meta = MemoryStore({config.base + path: build_dir / "meta" / f"{name}.nt"
                        for name, path in METADATA.items()})
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    app.extensions["dskg"] = Site(
        config=config, ns=ns, store=store, describer=Describer(store),
        meta=meta, meta_describer=Describer(meta),
        indexes=Indexes.load(build_dir / "indexes.json"),
        history=History(config.var_dir / "history"),
        stream_index=json.loads((build_dir / "ldes.json").read_text(encoding="utf-8")),
        facet_index=FacetIndex(build_dir / "browse.sqlite"),
        search_index=SearchIndex(build_dir / "browse.sqlite"),
        build_dir=build_dir, build_id=build_dir.name,
        built=datetime.fromisoformat(report["started"]),
        report=report)
    app.wsgi_app = errors.RejectUndecodable(SparqlEndpoint(app.wsgi_app,
                                                           app.extensions["dskg"]))
    if config.proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxies, x_proto=config.proxies,
                                x_host=config.proxies, x_port=config.proxies,
                                x_prefix=config.proxies)
    from server import browse, graph, metadata, pages, resources, search, sparql
    from server.rendering import register_filters

    register_filters(app)
    errors.register(app)
    metrics.BUILD.labels(build_dir.name).set(1)

    @app.before_request
    def _preflight():
        if request.method == "OPTIONS":
            return Response(status=204, headers=PREFLIGHT)
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in EVERY_RESPONSE:
            response.headers.setdefault(name, value)
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        metrics.REQUESTS.labels(rule, str(response.status_code)).inc()
        return response

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(metadata.blueprint)
    app.register_blueprint(browse.blueprint)
    app.register_blueprint(graph.blueprint)
    app.register_blueprint(search.blueprint)
    app.jinja_env.globals.update(version=__version__)
    return app


def _run_dir(config: Config) -> Path:
    """The server's run folder: the configured one, or a fresh one for this process."""
    if config.run_dir:
        return Path(config.run_dir)
    folder = Path(tempfile.mkdtemp(prefix="dskg-run-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def site() -> Site:
    from flask import current_app

    return current_app.extensions["dskg"]


__all__ = ["create_app", "site"]
