"""The application factory: one Flask app per process, on one build.

``create_app`` serves the build it is given (under ``dskg serve``, the build the whole
server serves) or else the target of ``var/current`` (with an external store, the build
published there). Each gunicorn worker opens the store read-only and starts its own
SPARQL evaluators (:mod:`server.sparql.pool`); with an external store configured, every
query goes there instead (:mod:`server.sparql.external`).
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from dskg import __version__
from dskg.artefact import Build
from dskg.artefact.browse import FacetIndex
from dskg.artefact.entities import EntityIndex
from dskg.artefact.history import History
from dskg.artefact.lifecycle import served_build
from dskg.artefact.search import SearchIndex
from dskg.config import Config
from dskg.namespaces import Namespaces
from dskg.store.remote import Endpoints, RemoteStore
from server import errors, i18n, metrics
from server.describe import Describer
from server.graphstore import QueryRunner, SiteStore
from server.headers import ROUTE_KEY, EveryResponse
from server.logs import RequestLog
from server.rendering import register_filters
from server.site import Site
from server.sparql.admission import Admission
from server.sparql.answers import AnswerCache
from server.sparql.external import StoreQueries
from server.sparql.pool import QueryPool
from server.sparql.protocol import SparqlEndpoint
from server.views import VIEWS, account, reconcile, sparql, submit


def create_app(config: Config | None = None, build_dir: Path | None = None,
               runner: Callable[[Build], QueryRunner] | None = None) -> Flask:
    """The app on ``build_dir`` (or the served build). ``runner`` makes what evaluates
    visitors' queries on the embedded store instead of the isolating evaluator pool:
    tests that do not test isolation pass ``in_process`` and start no process."""
    config = config or Config.from_env()
    build = Build.open(build_dir or served_build(config))
    ns = Namespaces.of(config)
    store = _graph(config, build, ns, runner)
    meta = build.metadata(config.base)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    app.extensions["dskg"] = Site(
        config=config, ns=ns, build=build, store=store,
        describer=Describer(store, ordered=not store.stable_order,
                            links_graph=str(ns.links_graph), rule=str(ns.dskg.rule)),
        meta=meta, meta_describer=Describer(meta),
        history=History(config.var.history),
        facet_index=FacetIndex(build.open_browse),
        search_index=SearchIndex(build.open_browse),
        entity_index=EntityIndex(build.open_entities))
    app.wsgi_app = EveryResponse(RequestLog(SparqlEndpoint(  # type: ignore[method-assign]
        app.wsgi_app, app.extensions["dskg"], errors.Writer(app)), build.id))
    if config.proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxies,  # type: ignore
                                x_proto=config.proxies, x_host=config.proxies,
                                x_port=config.proxies, x_prefix=config.proxies)
    register_filters(app)
    errors.register(app)
    i18n.init_app(app)
    metrics.BUILD.labels(build.id).set(1)

    @app.before_request
    def _route() -> None:
        if request.url_rule is not None:
            request.environ[ROUTE_KEY] = request.url_rule.rule

    for blueprint in VIEWS:
        app.register_blueprint(blueprint)
    account.init_app(app, config)
    submit.init_app(app, config)
    for program in (reconcile.blueprint, sparql.blueprint):  # no session: no CSRF to fear
        account.csrf.exempt(program)
    account.csrf.exempt(submit.api_submit)  # a token, never the session, authenticates it
    app.jinja_env.globals.update(version=__version__)
    return app


def in_process(config: Config) -> Callable[[Build], QueryRunner]:
    """Visitors' queries evaluated in the calling thread on the build's embedded store,
    with the same checks and writers but no process to stop them (tests only)."""
    return lambda build: StoreQueries(build.open_store(), config)


def _graph(config: Config, build: Build, ns: Namespaces,
           runner: Callable[[Build], QueryRunner] | None) -> SiteStore:
    """The build's graph: in its own embedded store, with a pool of evaluator processes
    for visitors' queries, or in the external store it was published to."""
    if config.external_store:
        remote = RemoteStore(Endpoints.from_config(config), build.id, build.graph_names)
        return SiteStore(remote, StoreQueries(remote, config), AnswerCache(config.answer_cache))
    if runner is not None:
        return SiteStore(build.open_store(), runner(build), AnswerCache(config.answer_cache))
    admission = Admission(_run_dir(config), config.heavy_queries, config.client_heavy,
                          retry_after=config.query_timeout)
    store = build.open_store()
    pool = QueryPool(build.layout.store, config, admission, ns.prefixes(), here=store)
    return SiteStore(store, pool, AnswerCache(config.answer_cache))


def _run_dir(config: Config) -> Path:
    """The server's run folder: the configured one, or a fresh one for this process."""
    if config.run_dir:
        return Path(config.run_dir)
    folder = Path(tempfile.mkdtemp(prefix="dskg-run-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
