"""Shared fixtures: the vocabularies, and throw-away copies of the project's inputs.

Build tests never touch the repository's own data/ or var/: each works on a copy in
a temporary folder, so the slug registry and the store under test are its own.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from dskg.artefact import Layout
from dskg.config import Config
from dskg.namespaces import Namespaces
from dskg.vocab import Vocabularies, load_vocabularies

from . import server_fixture
from .server_fixture import COMPONENTS

ROOT = Path(__file__).resolve().parent.parent

#: Generated examples per property: "full" in ``make test``, "quick" in the fast subset.
settings.register_profile("full", max_examples=150, deadline=None)
settings.register_profile("quick", max_examples=20, deadline=None)


def pytest_configure(config) -> None:
    quick = "not slow" in (config.getoption("markexpr") or "")
    settings.load_profile("quick" if quick else "full")


#: Fixtures that start a component: a test using one (directly or through another
#: fixture) carries its marker. Tests that start one in their body are marked by hand.
FIXTURE_COMPONENTS = {"virtuoso": "virtuoso", "sample_server": "gunicorn",
                      "mixed_server": "gunicorn", "openrefine": "openrefine"}


def pytest_collection_modifyitems(items) -> None:
    """Component markers from the fixtures a test uses; every component test is slow."""
    for item in items:
        for fixture, component in FIXTURE_COMPONENTS.items():
            if fixture in item.fixturenames:
                item.add_marker(component)
        if any(item.get_closest_marker(component) for component in COMPONENTS):
            item.add_marker("slow")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item) -> None:
    """Tell the component fixtures which test they start for (see ``starting``)."""
    server_fixture.running_test = item
SAMPLE = ROOT / "data" / "sources" / "good-practices-listing.txt"
PAGES = Path(__file__).resolve().parent / "pages"
BASE = "http://localhost:8080/"
#: The ontology's and concept schemes' namespace (every deployment's, whatever its base).
VOCAB = "https://w3id.org/dskg/"


def current(config: Config) -> Layout:
    """The files of the build ``config`` serves now."""
    return Layout(config.current_build.resolve())


def open_current_store(config: Config):
    """The served store, opened with pyoxigraph itself (an independent reader)."""
    import pyoxigraph as ox

    return ox.Store.read_only(str(current(config).store))


@pytest.fixture(scope="session")
def ns() -> Namespaces:
    return Namespaces(BASE, VOCAB)


@pytest.fixture(scope="session")
def vocab(ns: Namespaces) -> Vocabularies:
    return load_vocabularies(ROOT / "ontology", ns)


def make_project(folder: Path, pages: list[Path] | None = None, curation: bool = True,
                 registry: bool = True) -> Config:
    """A copy of data/ (or of the given pages) in ``folder``, and a Config for it; with
    ``curation``, the curation files and the link decisions too."""
    data = folder / "data"
    (data / "sources").mkdir(parents=True)
    (data / "curation").mkdir()
    for page in pages or [SAMPLE]:
        shutil.copy(page, data / "sources" / page.name)
    if curation:
        for path in (ROOT / "data" / "curation").glob("*.yaml"):
            shutil.copy(path, data / "curation" / path.name)
        shutil.copytree(ROOT / "data" / "links", data / "links")
    if registry and (ROOT / "data" / "slugs.csv").exists():
        shutil.copy(ROOT / "data" / "slugs.csv", data / "slugs.csv")
    return Config(base=BASE, data_dir=data, var_dir=folder / "var",
                  ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes")


def run_dskg(*args: str, config: Config | None = None, env: dict | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess:
    """The ``dskg`` command in a process of its own, on ``config``'s folders. Progress
    lines are off unless ``env`` asks for them, so a failure is the one line there is."""
    environment = {**os.environ, "DSKG_BASE": BASE, "DSKG_LOG_LEVEL": "warning"}
    if config is not None:
        environment |= {"DSKG_DATA_DIR": str(config.data_dir),
                        "DSKG_VAR_DIR": str(config.var_dir)}
    return subprocess.run([sys.executable, "-m", "dskg.cli", *args], env=environment | (env or {}),
                          timeout=timeout, capture_output=True, text=True)


def one_clear_line(result: subprocess.CompletedProcess, code: int = 1) -> str:
    """The one line an expected failure prints, after checking it is the only one."""
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def project(tmp_path: Path) -> Config:
    return make_project(tmp_path)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Config:
    """The sample page and its curation, built once for the whole session (read only)."""
    from dskg.build import build

    config = make_project(tmp_path_factory.mktemp("sample"))
    build(config)
    return config


@pytest.fixture(scope="session")
def mixed_build(tmp_path_factory) -> Config:
    """The sample page, a page in Cyrillic and Greek, and 120 synthetic practices:
    enough values in every facet, and hubs, to browse. Built once (read only)."""
    import sys

    from dskg.build import build

    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    config = make_project(tmp_path_factory.mktemp("mixed"),
                          pages=[SAMPLE, PAGES / "listing-page-2.txt"])
    (config.data_dir / "sources" / "synthetic.txt").write_text(generate(120), encoding="utf-8")
    build(config)
    return config


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A real Virtuoso on loopback ports for the whole session."""
    from .virtuoso_fixture import require_virtuoso, start_virtuoso, stop_virtuoso

    require_virtuoso()
    running = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield running
    stop_virtuoso(running)


@pytest.fixture(scope="session")
def openrefine(tmp_path_factory):
    """A real OpenRefine on a loopback port for the whole session."""
    from .openrefine_fixture import require_openrefine, start_openrefine, stop_openrefine

    require_openrefine()
    running = start_openrefine(tmp_path_factory.mktemp("openrefine"))
    yield running
    stop_openrefine(running)


def on_virtuoso(virtuoso, config: Config, name: str) -> Config:
    """``config`` served from ``virtuoso``, its current build published there as the
    deployment ``name`` (a no-op when it already is)."""
    from dskg.publish import publish

    external = virtuoso.configure(config, store_name=name, publish_grace=0.0)
    publish(external)
    return external


# The in-process sites run on each build's embedded store. That every other store gives
# the same answers and the same pages is the store contract of tests/test_external_store.py
# (every query compared, every kind of page byte for byte, on Virtuoso and Oxigraph's
# server), so the page tests need not run again on each store.
@pytest.fixture(scope="session")
def sample_site(sample_build):
    """The app on the sample build, in-process (see tests/inprocess.py)."""
    from .inprocess import start_site

    site = start_site(sample_build)
    yield site
    site.close()


@pytest.fixture(scope="session")
def mixed_site(mixed_build):
    from .inprocess import start_site

    site = start_site(mixed_build)
    yield site
    site.close()


#: The real sample server's limits: small, so that reaching them is quick.
SERVER_LIMITS = {"query_timeout": 3.0, "result_limit": 1000}


@pytest.fixture(scope="session")
def sample_server(sample_build):
    """A real server (gunicorn) on the sample build, one for the whole session: for real
    clients (SPARQLWrapper, rdflib, the CLI) and what only processes show. Tests leave
    it as they found it."""
    from .server_fixture import start_server, stop_server

    running = start_server(sample_build.with_overrides(**SERVER_LIMITS))
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def mixed_server(mixed_build):
    from .server_fixture import start_server, stop_server

    running = start_server(mixed_build)
    yield running
    stop_server(running)
