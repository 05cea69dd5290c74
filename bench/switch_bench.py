"""How long a published build takes to be served, and what clients see meanwhile.

A real `dskg serve` (2 workers, `DSKG_FOLLOW_BUILDS`) on a built project; four client
threads loop over a page, a document, a browse page and a light SPARQL query, each recording
status, time and the `DSKG-Build` header; then `dskg build` runs on the same project
(the clients keep going during the whole build, which competes for the 2 cores). Reported:
the build's time, the time from the moment `var/current` moves to the first answer from
the new build and to the last answer from the old, failed requests, and whether any
client saw the old build after the new. The peer is the manual switch it replaces: the
same measurement with `kill -HUP` sent at the moment `var/current` moves.

    .venv/bin/python bench/switch_bench.py bench/out/server-10000 [--interval 2]
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
DSKG = str(ROOT / ".venv" / "bin" / "dskg")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(project: Path, interval: float, manual: bool) -> dict:
    port = free_port()
    env = {**os.environ, "DSKG_DATA_DIR": str(project / "data"),
           "DSKG_VAR_DIR": str(project / "var"), "DSKG_PORT": str(port),
           "DSKG_FOLLOW_BUILDS": "0" if manual else str(interval), "DSKG_LOG_LEVEL": "warning"}
    server = subprocess.Popen([DSKG, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if requests.get(url + "/health", timeout=5).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    old = requests.get(url + "/health").json()["build"]
    paths = ["/health", "/doc/country/BGR.ttl", "/browse/practice?country=BGR",
             "/sparql?query=" + quote("SELECT ?s WHERE { ?s a ?t } LIMIT 10")]
    stop = threading.Event()
    seen: list[list[tuple[float, int, str]]] = [[] for _ in range(4)]

    def client(number: int) -> None:
        session = requests.Session()
        while not stop.is_set():
            for path in paths:
                try:
                    answer = session.get(url + path, timeout=60, headers={"Accept": "text/html"})
                    seen[number].append((time.monotonic(), answer.status_code,
                                         answer.headers.get("DSKG-Build", "")))
                except requests.RequestException:
                    seen[number].append((time.monotonic(), 0, ""))
    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    link = project / "var" / "current"
    before = link.resolve()
    started = time.monotonic()
    builder = subprocess.Popen([DSKG, "build"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while link.resolve() == before:
        time.sleep(0.01)
    moved = time.monotonic()
    if manual:
        os.kill(server.pid, signal.SIGHUP)
    builder.wait()
    built = time.monotonic() - started
    new = link.resolve().name
    while True:
        time.sleep(0.5)
        if all(any(b == new for _, _, b in client_seen) for client_seen in seen):
            break
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join()
    os.killpg(server.pid, signal.SIGTERM)
    server.wait()
    answers = [a for client_seen in seen for a in client_seen]
    first_new = min(t for t, _, b in answers if b == new)
    last_old = max((t for t, _, b in answers if b == old), default=moved)
    back = any(b == old for client_seen in seen
               for i, (_, _, b) in enumerate(client_seen)
               if any(x == new for _, _, x in client_seen[:i]))
    failures: dict[tuple[int, str], list[float]] = {}
    for t, status, b in answers:
        if status != 200:
            failures.setdefault((status, b), []).append(t - moved)
    for (status, b), times in sorted(failures.items()):
        print(f"  {len(times)} answers {status} from build {b or '-'}: "
              f"{min(times):+.1f} s to {max(times):+.1f} s from the switch", file=sys.stderr)
    return {"build": built, "first_new": first_new - moved, "last_old": last_old - moved,
            "requests": len(answers), "failed": sum(1 for _, s, _ in answers if s != 200),
            "other": sum(1 for _, _, b in answers if b not in (old, new)), "back": back}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; Python "
          f"{platform.python_version()}", file=sys.stderr)
    for label, manual in (("follows var/current", False), ("kill -HUP (peer)", True)):
        r = run(args.project.resolve(), args.interval, manual)
        print(f"{label}: build {r['build']:.1f} s; first answer from the new build "
              f"{r['first_new']:.2f} s after var/current moved, last from the old "
              f"{r['last_old']:.2f} s after; {r['requests']} requests, {r['failed']} failed, "
              f"{r['other']} from another build, old after new: {r['back']}")


if __name__ == "__main__":
    main()
