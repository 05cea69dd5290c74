"""``dskg serve``: the Flask app under gunicorn, one build for the whole server.

The master picks the build once (the target of ``var/current`` when it starts, or
reloads; with an external store, the build the store serves) and every worker it
starts opens that build, also a worker that replaces one that died: a server never
answers from two builds at once. The master looks at ``var/current`` (or the store)
every ``follow_builds`` seconds; when another build is published there, it switches
the whole server to it as ``kill -HUP`` does: the old workers stop taking connections
and finish what they answer, then workers on the new build start
(connections arriving in between wait in the listen queue). A build that cannot be
served is logged once, and the server keeps its build. While the server runs, its
build is marked in use, so ``dskg build`` never prunes it.

Everything of one server's own (admission locks, metrics of its workers, gunicorn's
control socket) lives in its run folder, so several servers on one host share
nothing. The metrics library reads that folder's name when it is first imported, so
this module imports the app (and the metrics) only once the folder is set.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from dskg.artefact import Build, BuildUnusable
from dskg.artefact.lifecycle import hold_build, served_build
from dskg.config import Config

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("dskg.serve")


def check_build(config: Config) -> Path:
    """The build to serve, after checking that its store and files open.

    The store is opened in a process of its own: the master forks the workers, and a
    process that has opened the embedded store has RocksDB's background threads, which a
    forked child inherits the bookkeeping of but not the threads; at exit it then waits
    for them forever (or frees them twice), so every worker would hang until gunicorn's
    graceful timeout killed it."""
    build = Build.open(served_build(config))
    child = subprocess.run([sys.executable, "-c", CHECK_STORE, str(build.path)],
                           capture_output=True, text=True)
    if child.returncode != 0:
        raise BuildUnusable((child.stderr.strip().splitlines() or ["the store check failed"])[-1])
    return build.path


#: The store check's child: exit code 1 and the reason, if the build cannot be served.
CHECK_STORE = """import sys
from dskg.artefact import Build, BuildUnusable
try:
    Build.open(sys.argv[1]).check()
except BuildUnusable as error:
    sys.exit(str(error))
"""


class DskgServer(BaseApplication):
    """gunicorn configured from our Config; each worker builds its app on ``build_dir``."""

    def __init__(self, config: Config, build_dir: Path):
        """``build_dir``: the build to start with, already checked by :func:`check_build`."""
        self.dskg_config = config
        self.build_dir, self._held = build_dir, hold_build(build_dir)
        self._started = False
        super().__init__()

    def load_config(self) -> None:
        config = self.dskg_config
        if self._started:  # a reload (kill -HUP): the server moves to the current build
            self._pin_build()
        self._started = True
        self.cfg.set("bind", f"{config.host}:{config.port}")
        self.cfg.set("workers", config.workers)
        self.cfg.set("worker_class", "server.worker.DskgWorker")
        self.cfg.set("threads", config.threads)
        # Queries run in evaluator processes, so a worker itself never computes for long.
        self.cfg.set("timeout", 30)
        self.cfg.set("graceful_timeout", int(config.query_timeout) + 5)
        self.cfg.set("limit_request_line", 8190)
        # Requests are logged by the app (server/logs.py), with their id and build.
        self.cfg.set("accesslog", None)
        self.cfg.set("loglevel", config.log_level)
        self.cfg.set("proc_name", f"dskg:{config.port}")
        self.cfg.set("control_socket", str(Path(config.run_dir) / "gunicorn.ctl"))
        self.cfg.set("on_reload", _stop_old_workers)
        self.cfg.set("child_exit", _worker_exited)
        self.cfg.set("when_ready", self._follow_builds)

    def _follow_builds(self, arbiter: Arbiter) -> None:
        """In the master, once it is ready: a thread that asks for a reload (the path
        ``kill -HUP`` takes) when ``var/current`` names a build the server does not serve."""
        config = self.dskg_config
        interval = config.follow_builds
        if interval <= 0 or getattr(self, "_follower", None) is not None:
            return
        master = os.getpid()

        def follow() -> None:
            asked_for = self.build_dir
            while True:
                time.sleep(interval)
                try:
                    target = served_build(config).resolve(strict=True)
                except (OSError, BuildUnusable):
                    continue
                if target not in (self.build_dir, asked_for) and target.is_dir():
                    asked_for = target
                    log.info("build %s was published; switching to it", target.name)
                    os.kill(master, signal.SIGHUP)
        self._follower = threading.Thread(target=follow, name="dskg-follow-builds",
                                          daemon=True)
        self._follower.start()

    def _pin_build(self) -> None:
        """Pick the build every worker will serve from now on, and mark it in use.

        A build that cannot be served is logged, and the server keeps its build."""
        try:
            build_dir = check_build(self.dskg_config)
        except BuildUnusable as error:
            log.error("kept build %s: %s", self.build_dir.name, error)
            return
        held = hold_build(build_dir)
        os.close(self._held)
        self.build_dir, self._held = build_dir, held
        log.info("serving build %s", build_dir.name)

    def load(self) -> Flask:
        from server.app import create_app
        from server.worker import DskgWorker

        DskgWorker.read_timeout = self.dskg_config.request_read_timeout
        return create_app(self.dskg_config, build_dir=self.build_dir)


def _stop_old_workers(arbiter: Arbiter) -> None:
    """Before workers on the new build start, the old ones stop taking connections."""
    for pid in list(arbiter.WORKERS):
        arbiter.kill_worker(pid, signal.SIGTERM)


def _worker_exited(arbiter: Arbiter, worker: Worker) -> None:
    from server.metrics import worker_exited

    worker_exited(worker.pid)


def serve(config: Config) -> int:
    """Run the server until it is stopped; :class:`BuildUnusable` if it cannot start."""
    own_run_dir = not config.run_dir
    run_dir = Path(tempfile.mkdtemp(prefix=f"dskg-{config.port}-")) if own_run_dir \
        else Path(config.run_dir)
    (run_dir / "metrics").mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(run_dir / "metrics")
    config = config.with_overrides(run_dir=str(run_dir))
    master = os.getpid()
    try:
        # Checked here, not in gunicorn's configuration step, so the error is ours to report.
        server = DskgServer(config, check_build(config))
        log.info("serving %s on http://%s:%d/ (base IRI %s, %d workers × %d threads, "
                 "%d query processes each)", server.build_dir.name, config.host, config.port,
                 config.base, config.workers, config.threads, config.query_processes)
        server.run()
    finally:
        # Workers are forked inside ``run()`` and leave through this frame too.
        if own_run_dir and os.getpid() == master:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0


def command(config: Config) -> int:
    """``dskg serve`` (registered as the ``dskg.server`` entry point ``serve``): run the
    server. A build that cannot be served raises :class:`BuildUnusable`, which the CLI
    prints as one line with exit code 1."""
    return serve(config)
