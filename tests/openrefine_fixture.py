"""A real OpenRefine (Debian's), started headless on loopback with a throwaway
workspace, and driven through its own HTTP commands as its web page drives it: create a
project from a spreadsheet, reconcile a column against a service, read the judgments."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .server_fixture import free_port, require, starting, stop_group

INSTALL = "apt-get install -y openrefine"
BINARY = "/usr/bin/openrefine"


@dataclass
class OpenRefine:
    folder: Path
    port: int
    process: subprocess.Popen
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _token(self) -> str:
        return self.http.get(self.url + "/command/core/get-csrf-token").json()["token"]

    def reconcile(self, csv: str, column: str, service: str, type: dict,
                  properties: list[dict]) -> list[tuple[str, dict]]:
        """Each cell of ``column`` with the recon OpenRefine made of it (``j``udgment,
        ``m``atch, ``c``andidates), after reconciling it against ``service`` with
        auto-matching on, as its "Start reconciling" button does."""
        created = self.http.post(
            self.url + "/command/core/create-project-from-upload",
            params={"csrf_token": self._token()},
            files={"project-file": ("data.csv", csv, "text/csv")},
            data={"project-name": "dskg", "format": "text/line-based/*sv",
                  "options": json.dumps({"separator": ",", "headerLines": 1,
                                         "encoding": "UTF-8"})}, allow_redirects=False)
        project = created.headers["Location"].split("project=")[1]
        header = csv.splitlines()[0].split(",")
        manifest = requests.get(service, timeout=10).json()
        config = {"mode": "standard-service", "service": service,
                  "identifierSpace": manifest["identifierSpace"],
                  "schemaSpace": manifest["schemaSpace"], "type": type, "autoMatch": True,
                  "columnDetails": properties, "limit": 0}
        started = self.http.post(
            self.url + "/command/core/reconcile",
            params={"project": project, "csrf_token": self._token()},
            data={"columnName": column, "config": json.dumps(config),
                  "engine": json.dumps({"facets": [], "mode": "row-based"})})
        assert started.ok, started.text
        deadline = time.monotonic() + 60
        while self.http.get(self.url + "/command/core/get-processes",
                            params={"project": project}).json().get("processes"):
            assert time.monotonic() < deadline, "OpenRefine did not finish reconciling"
            time.sleep(0.3)
        rows = self.http.post(self.url + "/command/core/get-rows", params={
            "project": project, "start": 0, "limit": 1000, "csrf_token": self._token()}).json()
        recons = rows["pool"]["recons"]
        index = header.index(column)
        return [(row["cells"][index]["v"], recons.get(row["cells"][index].get("r"), {}))
                for row in rows["rows"]]


def require_openrefine() -> None:
    """Skip without OpenRefine, or fail when ``DSKG_REQUIRE_OPENREFINE`` (CI) says it
    must run."""
    found = Path(BINARY).exists() and shutil.which("java")
    require(None if found else f"OpenRefine is not installed; install it with: {INSTALL}",
            "DSKG_REQUIRE_OPENREFINE")


def start_openrefine(folder: Path) -> OpenRefine:
    starting("openrefine")
    workspace = folder / "workspace"
    workspace.mkdir(parents=True)
    port = free_port()
    log = (folder / "openrefine.log").open("wb")
    process = subprocess.Popen(
        [BINARY, "-i", "127.0.0.1", "-p", str(port), "-d", str(workspace),
         "-x", "refine.headless=true", "-m", "1024M"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    running = OpenRefine(folder, port, process)
    deadline = time.monotonic() + 120
    while True:
        try:
            if running.http.get(running.url + "/command/core/get-version", timeout=10).ok:
                return running
        except (requests.ConnectionError, requests.Timeout):
            pass  # Jetty is listening before the webapp answers
        if process.poll() is not None or time.monotonic() > deadline:
            stop_group(process)
            raise RuntimeError("OpenRefine did not start: "
                               + (folder / "openrefine.log").read_text(errors="replace")[-2000:])
        time.sleep(0.5)


def stop_openrefine(running: OpenRefine) -> None:
    stop_group(running.process)
