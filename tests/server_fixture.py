"""A real dskg server (gunicorn, free port) on a freshly built store, for HTTP tests."""
from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from dskg.build import build
from dskg.config import Config

#: The components tests start, each a marker (``pytest -m virtuoso`` runs its tests,
#: ``-m "not slow"`` none of them). A test that starts one without its marker fails.
COMPONENTS = ("gunicorn", "browser", "wordpress", "virtuoso", "nginx", "openrefine")
#: The test being set up or run (set by tests/conftest.py before its fixtures start).
running_test: pytest.Item | None = None


def starting(component: str) -> None:
    """Called by each fixture as it starts ``component``: the test it starts it for must
    be marked, so that marker selections say the truth."""
    if running_test is not None and running_test.get_closest_marker(component) is None:
        pytest.fail(f"{running_test.nodeid} starts {component} but is not marked "
                    f"@pytest.mark.{component} (tests/conftest.py: FIXTURE_COMPONENTS, or "
                    "a mark on the test or its module)", pytrace=False)


def require(missing: str | None, variable: str) -> None:
    """Skip a test whose component is ``missing`` (the reason, or ``None`` when it is
    there), or fail it when the environment ``variable`` (CI sets it) says it must run."""
    if missing:
        if os.environ.get(variable):
            pytest.fail(missing)
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    config: Config
    process: subprocess.Popen
    #: The server's own output (each server of a session has its own file).
    log: Path
    #: How tests send requests: over real HTTP, a connection each.
    http: Any = requests

    def worker_pids(self) -> set[int]:
        """The gunicorn workers (children of the master this fixture started)."""
        return children(self.process.pid)

    def evaluator_pids(self) -> set[int]:
        """The SPARQL evaluator processes (children of the workers)."""
        return {pid for worker in self.worker_pids() for pid in children(worker)}

    def health(self) -> dict:
        return requests.get(self.url + "/health", timeout=10).json()


def query_from(server: RunningServer, address: str, query: str,
               timeout: float = 60) -> tuple[int, dict, str]:
    """POST ``query`` from the loopback address ``address`` (a client of its own, for
    the server's limits per client); status, headers and body."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(address, 0))
    try:
        connection.request("POST", "/sparql", urlencode({"query": query}), {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def children(pid: int) -> set[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return {int(child) for child in result.stdout.split()}


def start_server(config: Config, env: dict | None = None,
                 port: int | None = None) -> RunningServer:
    starting("gunicorn")
    port = port or free_port()
    environment = {**os.environ, "DSKG_BASE": config.base, "DSKG_DATA_DIR": str(config.data_dir),
                   "DSKG_VAR_DIR": str(config.var_dir), "DSKG_PORT": str(port),
                   "DSKG_HOST": "127.0.0.1", "DSKG_WORKERS": "2",
                   "DSKG_QUERY_TIMEOUT": str(config.query_timeout),
                   "DSKG_RESULT_LIMIT": str(config.result_limit),
                   "DSKG_PAGE_SIZE": str(config.page_size),
                   "DSKG_FOLLOW_BUILDS": str(config.follow_builds), **(env or {})}
    log = config.var_dir / f"server-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "dskg.cli", "serve"],
                                   env=environment, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if requests.get(url + "/health", timeout=5).ok:
                return RunningServer(url, config, process, log)
        except requests.RequestException:  # not listening yet, or a worker still loading
            time.sleep(0.2)
    raise RuntimeError("server did not start in time")


def stop_server(server: RunningServer) -> None:
    stop_group(server.process, signal.SIGTERM, 20)


def stop_group(process: subprocess.Popen, first: int = signal.SIGTERM,
               seconds: float = 30) -> None:
    """End a component started in a process group of its own: ``first`` (the signal it
    shuts down cleanly on), then SIGKILL if it has not ended within ``seconds``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, first)
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:  # the group ended between the poll and the signal
        process.wait()


#: make_project → (a folder holding its project, built once per session; its Config).
_BUILT: dict[object, tuple[Path, Config]] = {}


def built_project(folder: Path, make_project, **overrides) -> Config:
    """``make_project``'s project in ``folder``, built, with ``overrides`` (settings for
    serving it). Built once per session and copied: a build does not depend on where its
    folder lies (its ``current`` link is relative), and a copy takes 0.1 s, a build 1.5."""
    if make_project not in _BUILT:
        template = Path(tempfile.mkdtemp(prefix="dskg-built-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        config = make_project(template)
        build(config)
        _BUILT[make_project] = template, config
    template, config = _BUILT[make_project]
    shutil.copytree(template, folder, symlinks=True, dirs_exist_ok=True)
    return config.with_overrides(data_dir=folder / "data", var_dir=folder / "var", **overrides)
