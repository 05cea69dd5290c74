"""All of dskg's settings in one place.

Every setting has a default, can be set by a ``DSKG_*`` environment variable, and
can be overridden by a command-line flag (flags win over the environment).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("debug", "info", "warning", "error")
#: The symlink in the var folder that names the build being served.
CURRENT = "current"


@dataclass(frozen=True)
class VarLayout:
    """The var folder, named in one place: every build (``builds/``, one folder each),
    the ``current`` link to the served one, the change stream's ``history/``, the
    harvest caches (``harvest/``) and the files a publish hands an external store
    (``publish/``), and the editors' accounts. Nothing in it is input: it can be rebuilt
    from ``data/`` and the sites, except the history and the harvest caches, which hold
    what was seen, and the accounts (``dskg backup`` copies them)."""

    root: Path

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    @property
    def builds(self) -> Path:
        return self.root / "builds"

    @property
    def history(self) -> Path:
        return self.root / "history"

    @property
    def harvest(self) -> Path:
        return self.root / "harvest"

    @property
    def publish(self) -> Path:
        return self.root / "publish"

    @property
    def editorial(self) -> Path:
        """The approved submissions, one file per ``editorial`` source: an input of the
        build (:mod:`dskg.submissions`)."""
        return self.root / "editorial"

    @property
    def submissions(self) -> Path:
        """What editors submitted and its review (:mod:`dskg.submissions`)."""
        return self.root / "submissions.sqlite"

    @property
    def accounts(self) -> Path:
        """The editors' accounts (:mod:`dskg.accounts`): never in a build, kept by
        ``dskg backup``."""
        return self.root / "accounts.sqlite"

    @property
    def secret_key(self) -> Path:
        """The key the site signs its session cookies with, made on first use."""
        return self.root / "secret-key"
#: The persistent namespace of the ontology and concept schemes, the same for every
#: deployment (README, "One vocabulary for every deployment", has its redirect rules).
VOCAB_BASE = "https://w3id.org/dskg/"


def _default_path(name: str) -> Path:
    return PROJECT_ROOT / name


@dataclass(frozen=True)
class Config:
    """Settings shared by the build, the CLI and the server."""

    base: str = "http://localhost:8080/"
    #: Base of the ontology and concept schemes (not of what the deployment publishes).
    vocab_base: str = VOCAB_BASE
    data_dir: Path = field(default_factory=lambda: _default_path("data"))
    ontology_dir: Path = field(default_factory=lambda: _default_path("ontology"))
    shapes_dir: Path = field(default_factory=lambda: _default_path("shapes"))
    var_dir: Path = field(default_factory=lambda: _default_path("var"))
    host: str = "127.0.0.1"
    port: int = 8080
    #: gunicorn worker processes, and threads in each (pages never wait for a query slot).
    workers: int = 2
    threads: int = 8
    query_timeout: float = 30.0
    result_limit: int = 10000
    #: SPARQL evaluator processes per worker; a query is evaluated in one of them.
    query_processes: int = 2
    #: Address-space limit of each evaluator process (MiB), enforced by the OS.
    query_memory: int = 1024
    #: A query still running after this many seconds is heavy: it needs a heavy slot.
    heavy_after: float = 1.0
    #: Heavy queries evaluated at once in the whole server, and per client address.
    heavy_queries: int = 2
    client_heavy: int = 1
    #: How long a query may wait for a free evaluator before the answer is 503.
    queue_wait: float = 10.0
    #: MiB of answers to visitors' queries each worker keeps while its build is
    #: served (0: none).
    answer_cache: int = 64
    #: Checked before a query reaches the engine (400 beyond them).
    query_max_length: int = 100_000
    query_max_depth: int = 64
    #: SERVICE endpoints a query may call, space-separated full IRIs (none by default).
    service_allow: str = ""
    #: Reconciliation services (W3C Reconciliation API) ``dskg link propose --kind
    #: organisation`` asks, space-separated URLs (none by default: no candidates), and
    #: how many requests a second it sends each.
    reconcile_services: str = ""
    reconcile_rate: float = 1.0
    #: Largest request body accepted (bytes; 413 beyond), and how long reading a
    #: request (headers and body) may take (s; 408 beyond).
    max_body: int = 1_048_576
    request_read_timeout: float = 15.0
    #: Where a running server keeps its lock files, metrics and control socket
    #: (a fresh folder per server when empty).
    run_dir: str = ""
    #: Seconds between two looks of a running server at ``var/current``: a newly
    #: published build is served by all workers together, without a restart (0: only
    #: on ``kill -HUP``).
    follow_builds: float = 2.0
    #: How much the CLI and the server log: debug, info, warning or error.
    log_level: str = "info"
    #: Most of one core the checks of submissions take over time (0 < share ≤ 1): after
    #: each, the next waits so that the readers' pages keep the rest.
    check_share: float = 0.25
    page_size: int = 50
    #: The most matches one search ranks by relevance (each one is scored by BM25).
    search_ranked: int = 1000
    #: An external SPARQL 1.1 store to serve from instead of each build's embedded
    #: one (README, "On an external store"): its query endpoint (empty: embedded), its
    #: SPARQL Update and Graph Store Protocol endpoints (for ``dskg publish``), the
    #: account that may change it, and its kind (virtuoso, oxigraph or generic).
    store_endpoint: str = ""
    store_update: str = ""
    store_graph_store: str = ""
    store_user: str = ""
    store_password: str = field(default="", repr=False)
    store_kind: str = "generic"
    #: This deployment's name in the store (several may share one store).
    store_name: str = "dskg"
    #: Virtuoso on this machine: its SQL port (``host:port``) for the bulk loader, and
    #: a folder it may read (its ``DirsAllowed``) where publish writes the load file.
    store_isql: str = ""
    store_load_dir: str = ""
    #: Seconds ``dskg publish`` waits after the switch before dropping the previous
    #: build's graphs, so servers still on it finish (negative: twice the time servers
    #: take to follow, plus the query time limit).
    publish_grace: float = -1.0
    public_url: str = ""
    sparql_endpoint: str = ""
    proxies: int = 0
    publisher_name: str = "Digital Skills Knowledge Graph project"
    publisher_iri: str = ""
    publisher_type: str = "NonProfitOrganisation"
    contact_email: str = "dskg@example.org"
    licence: str = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"

    def __post_init__(self) -> None:
        for name in ("base", "vocab_base"):
            if not getattr(self, name).endswith(("/", "#")):
                object.__setattr__(self, name, getattr(self, name) + "/")
        if self.log_level.lower() not in LOG_LEVELS:
            raise ValueError(f"log level {self.log_level!r} is not one of "
                             f"{', '.join(LOG_LEVELS)} (DSKG_LOG_LEVEL)")
        if not 0 < self.check_share <= 1:
            raise ValueError(f"check share {self.check_share!r} is not above 0 and at most 1 "
                             "(DSKG_CHECK_SHARE)")
        for f in fields(self):
            if f.type in ("Path", Path) and not isinstance(getattr(self, f.name), Path):
                object.__setattr__(self, f.name, Path(getattr(self, f.name)))

    @property
    def publisher(self) -> str:
        """IRI of the publisher: configured, or one minted under the base."""
        return self.publisher_iri or self.base + "id/organisation/dskg-publisher"

    @property
    def external_store(self) -> bool:
        return bool(self.store_endpoint)

    @property
    def grace(self) -> float:
        """How long the previous build's graphs stay in an external store after a publish."""
        if self.publish_grace >= 0:
            return self.publish_grace
        return 2 * self.follow_builds + self.query_timeout

    @property
    def var(self) -> VarLayout:
        return VarLayout(self.var_dir)

    @property
    def current_build(self) -> Path:
        """The symlink that always names the last successful build."""
        return self.var.current

    def with_overrides(self, **values: Any) -> Config:
        """A copy with the given settings replaced; ``None`` values are ignored."""
        given = {k: v for k, v in values.items() if v is not None}
        return replace(self, **given)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Read ``DSKG_<NAME>`` variables, then apply explicit overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get("DSKG_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.type, raw, f.name)
        return cls(**values).with_overrides(**overrides)


def _convert(type_name: Any, raw: str, name: str) -> Any:
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", "")
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ValueError(f"DSKG_{name.upper()}={raw!r} is not a valid {kind}") from None
    if kind == "Path":
        return Path(raw)
    return raw
