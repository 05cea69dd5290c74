"""A real nginx (Debian's) in front of dskg replicas, started on loopback in a
throwaway folder with the deployment's own configuration (``deploy/nginx.conf``)."""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .server_fixture import free_port, require, starting, stop_group

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"
INSTALL = "apt-get install -y nginx"


@dataclass
class Nginx:
    folder: Path
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def require_nginx() -> None:
    """Skip without nginx, or fail when ``DSKG_REQUIRE_NGINX`` (CI) says it must run."""
    found = shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
    require(None if found else f"nginx is not installed; install it with: {INSTALL}",
            "DSKG_REQUIRE_NGINX")


def configuration(replicas: list[int], port: int) -> str:
    """``deploy/nginx.conf`` with these replicas' ports and this listening port."""
    text = TEMPLATE.read_text(encoding="utf-8")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.rstrip().endswith("# replica"))
    indent = re.match(r"\s*", lines[first]).group()
    servers = [f"{indent}server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in replicas]
    lines = [line for line in lines if not line.rstrip().endswith("# replica")]
    lines[first:first] = servers
    text = "\n".join(lines) + "\n"
    return re.sub(r"listen [^;]+;\s*# listen", f"listen 127.0.0.1:{port};", text)


def start_nginx(folder: Path, replicas: list[int]) -> Nginx:
    starting("nginx")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (folder / "nginx.conf").write_text(configuration(replicas, port), encoding="utf-8")
    program = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [program, "-p", str(folder), "-c", str(folder / "nginx.conf"),
         "-e", str(folder / "error.log"), "-g", f"daemon off; pid {folder / 'nginx.pid'};"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    running = Nginx(folder, port, process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((folder / "error.log").read_text(errors="replace"))
        try:
            requests.get(running.url + "/health", timeout=2)
            return running
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start")


def stop_nginx(running: Nginx) -> None:
    stop_group(running.process, signal.SIGQUIT, 10)
