"""The dskg web application: SPARQL endpoint, dereferenceable IRIs and HTML pages.

``create_app`` builds one Flask app per process from the current build (the target
of ``var/current`` when the process starts). Each gunicorn worker opens the store
read-only; a new build is picked up by restarting the workers (``kill -HUP``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from dskg import __version__
from dskg.config import Config
from dskg.graphstore import EmbeddedStore, GraphStore, MemoryStore
from dskg.indexes import Indexes
from dskg.ldes import History
from dskg.namespaces import Namespaces
from server.describe import Describer
from server.endpoint import SparqlEndpoint

if TYPE_CHECKING:
    from server.browse import FacetIndex
    from server.search import SearchIndex

#: Documents each build writes beside its store, and the IRI of each.
METADATA = {"catalog": "set/catalog", "void": ".well-known/void"}


@dataclass
class Site:
    """Everything the views share: settings, the store and what the build computed."""

    config: Config
    ns: Namespaces
    store: GraphStore
    describer: Describer
    meta: MemoryStore
    meta_describer: Describer
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


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    from server.browse import FacetIndex
    from server.search import SearchIndex

    build_dir = config.current_build.resolve()
    if not (build_dir / "store").exists():
        raise SystemExit(f"no build at {config.current_build}: run `dskg build` first")
    report = json.loads((build_dir / "report.json").read_text(encoding="utf-8"))
    store = EmbeddedStore(build_dir / "store", config.query_timeout)
    meta = MemoryStore({config.base + path: build_dir / "meta" / f"{name}.nt"
                        for name, path in METADATA.items()})
    app = Flask(__name__)
    app.extensions["dskg"] = Site(
        config=config, ns=Namespaces(config.base), store=store, describer=Describer(store),
        meta=meta, meta_describer=Describer(meta),
        indexes=Indexes.load(build_dir / "indexes.json"),
        history=History(config.var_dir / "history"),
        stream_index=json.loads((build_dir / "ldes.json").read_text(encoding="utf-8")),
        facet_index=FacetIndex(build_dir / "browse.sqlite"),
        search_index=SearchIndex(build_dir / "browse.sqlite"),
        build_dir=build_dir, build_id=build_dir.name,
        built=datetime.fromisoformat(report["started"]),
        report=report)
    app.wsgi_app = SparqlEndpoint(app.wsgi_app, app.extensions["dskg"],
                                  lambda: app.config.get("DSKG_EXIT_ON_TIMEOUT", False))
    if config.proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxies, x_proto=config.proxies,
                                x_host=config.proxies, x_port=config.proxies,
                                x_prefix=config.proxies)
    from server import browse, graph, metadata, pages, resources, search, sparql
    from server.rendering import register_filters

    register_filters(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(resources.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(metadata.blueprint)
    app.register_blueprint(browse.blueprint)
    app.register_blueprint(graph.blueprint)
    app.register_blueprint(search.blueprint)
    app.jinja_env.globals.update(version=__version__)
    return app


def site() -> Site:
    from flask import current_app

    return current_app.extensions["dskg"]


__all__ = ["create_app", "site"]
