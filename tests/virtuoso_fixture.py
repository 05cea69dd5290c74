"""A real Virtuoso for the external-store tests: Debian's ``virtuoso-opensource``,
started in a throwaway folder with an ini of its own on free loopback ports, never as
a system service.

Its limits are the ones the README asks a deployment to set: the time limit comes
with each query (``timeout``), ``ResultSetMaxRows`` is above our row cap so that our
cap decides, and ``DirsAllowed`` names the folder ``dskg publish`` writes its bulk-load
file to.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from dskg.config import Config

from .server_fixture import free_port, require, starting, stop_group

PACKAGES = ("virtuoso-opensource",)
INSTALL = "apt-get install -y " + " ".join(PACKAGES)
PROGRAMS = ("virtuoso-t", "isql-vt")

INI = """[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {load_dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 1G
CheckpointInterval = 0
MaxClientConnections = 64
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 64
MaxClientConnections = 64
MaxKeepAlives = 64
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


@dataclass
class Virtuoso:
    folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def load_dir(self) -> Path:
        return self.folder / "load"

    def settings(self) -> dict[str, str]:
        """The ``DSKG_STORE_*`` settings of a deployment on this store."""
        return {"store_endpoint": self.url + "/sparql",
                "store_update": self.url + "/sparql-auth",
                "store_graph_store": self.url + "/sparql-graph-crud-auth",
                "store_user": "dba", "store_password": "dba", "store_kind": "virtuoso",
                "store_isql": f"127.0.0.1:{self.sql_port}",
                "store_load_dir": str(self.load_dir)}

    def environment(self) -> dict[str, str]:
        return {f"DSKG_{name.upper()}": value for name, value in self.settings().items()}

    def configure(self, config: Config, **more) -> Config:
        return config.with_overrides(**self.settings(), **more)


def require_virtuoso() -> None:
    """Skip without Virtuoso, or fail when ``DSKG_REQUIRE_VIRTUOSO`` (CI) says it must run."""
    absent = [program for program in PROGRAMS if shutil.which(program) is None]
    require(f"Virtuoso is not installed ({', '.join(absent)} missing); install it with: "
            f"{INSTALL}" if absent else None, "DSKG_REQUIRE_VIRTUOSO")


def start_virtuoso(folder: Path, max_rows: int = 100_001, buffers: int = 20_000) -> Virtuoso:
    starting("virtuoso")
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    (folder / "load").mkdir(exist_ok=True)
    (folder / "virtuoso.ini").write_text(INI.format(
        folder=folder, sql_port=sql_port, http_port=http_port, load_dir=folder / "load",
        max_rows=max_rows, buffers=buffers, dirty=buffers * 3 // 4), encoding="utf-8")
    process = subprocess.Popen(["virtuoso-t", "+configfile", str(folder / "virtuoso.ini"),
                                "+foreground"], cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    running = Virtuoso(folder, http_port, sql_port, process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Virtuoso ended at start: {_log_tail(folder)}")
        try:
            if requests.get(running.url + "/sparql", params={"query": "ASK {}"},
                            timeout=2).ok:
                return running
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_virtuoso(running)
    raise RuntimeError(f"Virtuoso did not answer within 120 s: {_log_tail(folder)}")


def stop_virtuoso(running: Virtuoso) -> None:
    stop_group(running.process, signal.SIGTERM, 30)


def _log_tail(folder: Path) -> str:
    log = folder / "virtuoso.log"
    return log.read_text(errors="replace")[-600:] if log.exists() else "(no log)"
