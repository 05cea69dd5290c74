"""Load and isolation: mixed traffic from 50 clients, and light traffic beside
0, 2 and 8 pathological queries in flight, against `dskg serve` with its defaults.

    .venv/bin/python bench/load_bench.py 10000

Light traffic is wrk with 2 connections cycling through an ASK query, an HTML practice
page and a browse page. Pathological queries come from Python threads, each from its
own loopback address (127.0.0.10 …) as separate clients would, each sending the
next one as soon as it has an answer: half a three-way cartesian COUNT (CPU), half a
two-way cartesian ORDER BY (memory). Peak memory is the proportional set size (PSS)
of every process of the server (master, workers, evaluators), sampled every 0.2 s.
"""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from server_bench import (  # noqa: E402
    BASE,
    BIN,
    PREFIXES,
    built,
    env_for,
    free_port,
    settle,
    start,
    stop,
    wait_for,
)

DURATION = os.environ.get("BENCH_LOAD_DURATION", "60s")
LIGHT_DURATION = os.environ.get("BENCH_LIGHT_DURATION", "30s")
PATHOLOGICAL = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
]


def sparql_path(query: str) -> str:
    return "/sparql?query=" + urllib.parse.quote(PREFIXES + query)


def pss(group: int) -> int:
    """Proportional set size (bytes) of every process in the process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            rollup = (stat.parent / "smaps_rollup").read_text()
        except (OSError, IndexError, ValueError):
            continue
        total += next(int(line.split()[1]) for line in rollup.splitlines()
                      if line.startswith("Pss:")) * 1024
    return total


class PeakMemory:
    def __init__(self, group: int):
        self.group, self.peak, self._stop = group, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, pss(self.group))
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def wrk(url: str, paths: list[str], connections: int, duration: str) -> dict:
    result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--timeout",
                             "60s", "-s", str(HERE / "rotate.lua"), url, "--", *paths],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


class Pathological:
    """``count`` clients, each on its own loopback address, each keeping one
    pathological query in flight until stopped. Refused (429/503), a client waits as
    ``Retry-After`` says, as HTTP asks; a flooding one (``obey=False``) sends again at once."""

    def __init__(self, port: int, count: int, obey: bool = True):
        self.port, self.count, self.obey = port, count, obey
        self.statuses: Counter = Counter()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,), daemon=True)
                         for n in range(count)]

    def _client(self, n: int) -> None:
        body = urllib.parse.urlencode({"query": PATHOLOGICAL[n % 2]})
        while not self._stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120,
                                                    source_address=(f"127.0.0.{10 + n}", 0))
            try:
                connection.request("POST", "/sparql", body, {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json"})
                response = connection.getresponse()
                response.read()
                self.statuses[response.status] += 1
                wait = response.getheader("Retry-After")
                if self.obey and wait:
                    self._stop.wait(float(wait))
            except OSError as error:
                self.statuses[type(error).__name__] += 1
            finally:
                connection.close()

    def __enter__(self) -> Pathological:
        for thread in self._threads:
            thread.start()
        time.sleep(2 if self.count else 0)  # every query admitted, refused or queued
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def row(name: str, figures: dict, peak: int, extra: str = "") -> str:
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(figures["statuses"].items()))
    return (f"| {name} | {figures['requests']:,} | {figures['rps']:,.1f} | {statuses} | "
            f"{figures['errors']} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
            f"{figures['p99']:.1f} | {peak / 2**20:,.0f} | {extra} |")


def run(size: int) -> None:
    folder = built(size)
    port = free_port()
    server = start([str(BIN / "dskg"), "serve"], env_for(folder) | {"DSKG_PORT": str(port)})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/health", server)
        practice = json.loads(subprocess.run(
            ["curl", "-s", "-H", "Accept: application/sparql-results+json", url + sparql_path(
                "SELECT ?p WHERE { ?p a dskg:GoodPractice } OFFSET 777 LIMIT 1")],
            capture_output=True, text=True, check=True).stdout)["results"]["bindings"][0]
        slug = practice["p"]["value"].rsplit("/", 1)[-1]
        light = [sparql_path("ASK { ?p a dskg:GoodPractice }"), f"/doc/practice/{slug}",
                 "/browse/practice?audience=children"]
        mixed = light + [
            sparql_path("SELECT ?c (COUNT(?p) AS ?n) WHERE { ?p dskg:country ?c } GROUP BY ?c"),
            sparql_path(f"DESCRIBE <{BASE}id/practice/{slug}>"), f"/doc/practice/{slug}.ttl",
            "/search?q=robotics+academy", "/map", "/browse/practice?country=BGR&sort=-published",
            "/"]
        settle(server)
        idle = pss(server.pid)
        print(f"\n### {size:,} practices: `dskg serve` defaults, server idle at "
              f"{idle / 2**20:,.0f} MiB PSS\n")
        print("| traffic | requests | req/s | answers by status | socket errors | p50 ms | "
              "p95 ms | p99 ms | peak PSS MiB | pathological answers |")
        print("|---|---:|---:|---|---:|---:|---:|---:|---:|---|")
        with PeakMemory(server.pid) as memory:
            figures = wrk(url, mixed, 50, DURATION)
        print(row(f"mixed, 50 clients, {DURATION}", figures, memory.peak), flush=True)
        for count, obey in ((0, True), (2, True), (8, True), (8, False)):
            settle(server)
            with PeakMemory(server.pid) as memory, Pathological(port, count, obey) as hostile:
                figures = wrk(url, light, 2, LIGHT_DURATION)
            answers = ", ".join(f"{k}: {v}" for k, v in sorted(hostile.statuses.items(),
                                                                 key=str))
            clients = f"{count} pathological in flight" + ("" if obey else
                                                           ", ignoring Retry-After")
            print(row(f"light, 2 clients, {clients}", figures, memory.peak, answers or "—"),
                  flush=True)
            time.sleep(35)  # the last admitted pathological queries end (30 s limit)
    finally:
        stop(server)


if __name__ == "__main__":
    for size in [int(n) for n in sys.argv[1:]] or [10000]:
        run(size)
