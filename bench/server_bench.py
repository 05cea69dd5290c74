"""Throughput and latency of our /sparql and HTML pages beside Oxigraph server and a hello route.

For each size it generates N synthetic practices, builds them, then serves the same store
three ways on this machine: dskg (gunicorn, 2 workers), `oxigraph serve-read-only` on a
copy of the store (with the union default graph, like ours), and a Flask "hello" route
under the same gunicorn settings (the Python HTTP ceiling). wrk drives each with 8
kept-alive connections (BENCH_CONNECTIONS) for a fixed duration per query.

Before anything is timed, each query is asked once of dskg and of the peer: both must
answer 200 with a non-empty answer, and the same one (result rows as multisets, graphs
isomorphic); each page must answer 200. Throughput counts served answers (2xx) only;
refusals (admission's 429 and 503) are their own column.

Every query row is the same request again and again, which dskg's answer cache answers
after the first; so each query is also timed on a second dskg server with the cache
off (``DSKG_ANSWER_CACHE=0``), its requests spread over 64 client addresses
(``X-Forwarded-For`` behind ``DSKG_PROXIES=1``, ``bench/clients.lua``): evaluation, under
admission as a public endpoint's many clients meet it.

    apt-get install wrk   # the load generator; the peer (PyPI `oxigraph`) is a test extra
    .venv/bin/python bench/server_bench.py 10000 100000
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from dskg.artefact import Layout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
OUT = HERE / "out"
DURATION = os.environ.get("BENCH_DURATION", "10s")
#: BENCH_PAGES=0 measures only the SPARQL queries (the before/after check of isolation).
PAGES_TOO = os.environ.get("BENCH_PAGES", "1") != "0"
#: gunicorn settings of the hello route: the same as `dskg serve` (its threaded worker).
#: To measure an older dskg that ran sync workers, give BENCH_HELLO_WORKER=sync.
HELLO_WORKER = os.environ.get("BENCH_HELLO_WORKER", "server.worker.DskgWorker")
#: wrk's connections (kept alive). With 2, a threaded server gets both on one of its two
#: workers half of the time (connections stay with the worker that accepted them), a coin
#: toss that halves its throughput from one run to the next; 8 spread over both.
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "8")
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

BASE = "http://localhost:8080/"
#: The vocabulary (ontology, schemes, countries) is named under its own base, whatever
#: the deployment's (DSKG_VOCAB_BASE).
VOCAB = "https://w3id.org/dskg/"
PREFIXES = (f"PREFIX dskg: <{VOCAB}def/dskg/> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
QUERIES = {
    "ask": "ASK { ?p a dskg:GoodPractice }",
    "describe one practice": "DESCRIBE <{practice}>",
    "1-row select": "SELECT ?c WHERE { <{practice}> dskg:country ?c } LIMIT 1",
    "facet counts per country":
        "SELECT ?c (COUNT(?p) AS ?n) WHERE { ?p dskg:country ?c } GROUP BY ?c",
    "paged list ordered by title":
        "SELECT ?p ?t WHERE { ?p a dskg:GoodPractice ; dct:title ?t } ORDER BY ?t "
        "LIMIT 50 OFFSET 100",
    "text filter": "SELECT ?p ?t WHERE { ?p dct:title ?t FILTER(CONTAINS(LCASE(?t), "
                   "\"robotics academy\")) } LIMIT 50",
    "two-hop join": "SELECT ?o (COUNT(?p) AS ?n) WHERE { ?p dskg:providedBy ?o ; "
                    "dskg:technology ?t . ?t skos:prefLabel \"Robotics\"@en } GROUP BY ?o "
                    "ORDER BY DESC(?n) LIMIT 10",
}

#: Every facet's value counts in one query, as the browse page shows them.
FACET_COUNTS = """SELECT ?facet ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{
  ?p a dskg:GoodPractice . {selection}
  {{ ?p dskg:country ?v BIND("country" AS ?facet) }}
  UNION {{ ?p dct:audience ?v BIND("audience" AS ?facet) }}
  UNION {{ ?p dskg:technology ?v BIND("technology" AS ?facet) }}
  UNION {{ ?p dskg:initiativeType ?v BIND("initiative" AS ?facet) }}
  UNION {{ ?p dskg:fundingType ?v BIND("funding" AS ?facet) }}
  UNION {{ ?p <https://schema.org/funder> ?v BIND("funder" AS ?facet) }}
  UNION {{ ?p <https://schema.org/startDate> ?d BIND(SUBSTR(STR(?d), 1, 4) AS ?v)
          BIND("year" AS ?facet) }}
}} GROUP BY ?facet ?v"""
FOUR_WORDS = ("security", "women", "programme", "hackathon")
TWO_FACETS = (f"?p dskg:country <{VOCAB}id/country/BGR> ; "
              f"dct:audience <{VOCAB}def/audience/children> .")


def text_filter(*words: str, count: bool = False) -> str:
    """Practices whose title or description holds every word: the first 50, or how many."""
    tests = " && ".join(f'CONTAINS(?text, "{word}")' for word in words)
    pattern = ("{ ?p dct:title ?t ; dct:description ?d "
               f'BIND(LCASE(CONCAT(?t, " ", ?d)) AS ?text) FILTER({tests}) }}')
    return f"SELECT (COUNT(?p) AS ?n) WHERE {pattern}" if count else \
        f"SELECT ?p ?t WHERE {pattern} LIMIT 50"


#: Each page with the raw SPARQL a site without a build-time index would send instead.
PAGES = {
    "browse: all practices, page 3": ("/browse/practice?page=3", {
        "page of 50 by title": "SELECT ?p ?t WHERE { ?p a dskg:GoodPractice ; dct:title ?t } "
                               "ORDER BY ?t LIMIT 50 OFFSET 100",
        "counts of every facet": FACET_COUNTS.format(selection="")}),
    "browse: 2 facets, newest first": (
        "/browse/practice?country=BGR&audience=children&sort=-published", {
            "page of 50, newest first": "SELECT ?p ?t ?issued WHERE { " + TWO_FACETS +
                                        " ?p dct:title ?t ; dct:issued ?issued } "
                                        "ORDER BY DESC(?issued) LIMIT 50",
            "counts of every facet in the selection": FACET_COUNTS.format(selection=TWO_FACETS)}),
    "search: 2 words": ("/search?q=robotics+academy", {
        "first 50 matches, 2 words (unranked)": text_filter("robotics", "academy"),
        "count of matches, 2 words": text_filter("robotics", "academy", count=True)}),
    "search: 4 words": ("/search?q=security+women+programme+hackathon", {
        "first 50 matches, 4 words (unranked)": text_filter(*FOUR_WORDS),
        "count of matches, 4 words": text_filter(*FOUR_WORDS, count=True)}),
    "search: 1 rarer word, 811 matches ranked": ("/search?q=" + urllib.parse.quote("цифрови"), {
        "first 50 matches (unranked)": text_filter("цифрови"),
        "count of matches": text_filter("цифрови", count=True)}),
    "map": ("/map", {"practices per country": "SELECT ?c (COUNT(DISTINCT ?p) AS ?n) "
                                              "WHERE { ?p dskg:country ?c } GROUP BY ?c"}),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def start(command: list[str], env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(command, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)  # dskg lets a running query finish (its time limit + 5 s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wrk(url: str, accept: str = "application/sparql-results+json",
        script: str = "percentiles.lua") -> dict:
    result = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--timeout",
                             "60s", "-s", script, "-H", f"Accept: {accept}", url],
                            capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(result.stdout.strip().splitlines()[-1])


def cpu_seconds(groups: set[int]) -> float:
    """CPU time used so far by every process in the given process groups."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def settle(*servers: subprocess.Popen, limit: float = 180) -> None:
    """Wait until the servers are idle again.

    wrk stops on time and drops its connections, but a server may still be evaluating
    the last heavy queries (Oxigraph finishes a 10-second query nobody waits for);
    measuring the next target then would share the cores with those leftovers.
    """
    groups = {server.pid for server in servers}
    deadline = time.monotonic() + limit
    before = cpu_seconds(groups)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(groups)
        if now - before < 0.02:
            return
        before = now


def row(name: str, target: str, figures: dict) -> str:
    """Served answers a second (2xx only), latency, and the rest apart: refusals (any
    other status) and connection errors, each as a count over the run."""
    seconds = figures["requests"] / figures["rps"] if figures["rps"] else 1.0
    served = (figures["requests"] - figures["non2xx"]) / seconds
    return (f"| {name} | {target} | {served:,.1f} | {figures['p50']:.1f} | "
            f"{figures['p95']:.1f} | {figures['non2xx']:,} | {figures['errors']:,} |")


def answer_of(url: str, query: str, accept: str) -> object:
    """One answer, in a form two servers' answers compare in: the rows as a multiset,
    the boolean, or the graph; SystemExit if it is not a 200 or is empty."""
    response = requests.get(url, params={"query": query}, headers={"Accept": accept},
                            timeout=600)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} to {query[:200]!r}: "
                         f"{response.text[:300]}")
    if accept == "text/turtle":
        # As bytes: Turtle is UTF-8, whatever charset a server's Content-Type leaves out.
        graph = Graph().parse(data=response.content, format="turtle")
        if not len(graph):
            raise SystemExit(f"{url}: an empty graph for {query[:200]!r}")
        return graph
    data = response.json()
    if "boolean" in data:
        if not data["boolean"]:
            raise SystemExit(f"{url}: false for {query[:200]!r}; the bench asks what holds")
        return data["boolean"]
    rows = data["results"]["bindings"]
    if not rows:
        raise SystemExit(f"{url}: no rows for {query[:200]!r}")
    return Counter(json.dumps(row, sort_keys=True) for row in rows)


def check_same(name: str, ours: str, peer: str, query: str, accept: str) -> None:
    """Both servers give the same non-empty answer to ``query``, before it is timed."""
    mine, theirs = answer_of(ours, query, accept), answer_of(peer, query, accept)
    same = isomorphic(mine, theirs) if isinstance(mine, Graph) and isinstance(theirs, Graph) \
        else mine == theirs
    if not same:
        raise SystemExit(f"{name}: dskg and the peer answer differently")


def built(size: int) -> Path:
    """A build of ``size`` synthetic practices under bench/out/, made once and reused.

    The data is seeded, so a kept build is the build this run would make; delete the
    folder (or set BENCH_REBUILD=1) after changing what a build writes.
    """
    folder = OUT / f"server-{size}"
    if os.environ.get("BENCH_REBUILD"):
        shutil.rmtree(folder, ignore_errors=True)
    if not (folder / "var" / "current").exists():
        (folder / "data" / "sources").mkdir(parents=True, exist_ok=True)
        (folder / "data" / "curation").mkdir(exist_ok=True)
        (folder / "data" / "sources" / "synthetic.txt").write_text(generate(size), "utf-8")
        subprocess.run([str(BIN / "dskg"), "build"], env={**os.environ, **env_for(folder)},
                       check=True, stdout=subprocess.DEVNULL)
    return folder


def env_for(folder: Path) -> dict:
    return {"DSKG_DATA_DIR": str(folder / "data"), "DSKG_VAR_DIR": str(folder / "var")}


def run_size(size: int) -> None:
    folder = built(size)
    env = env_for(folder)
    with tempfile.TemporaryDirectory(prefix=f"dskg-serverbench-{size}-") as tmp:
        store = Layout((folder / "var" / "current").resolve()).store
        peer_store = Path(tmp) / "peer-store"
        shutil.copytree(store, peer_store)
        ours_port, peer_port, hello_port = free_port(), free_port(), free_port()
        uncached_port = free_port()
        ours = start([str(BIN / "dskg"), "serve"], env | {"DSKG_PORT": str(ours_port),
                                                         "DSKG_WORKERS": "2"})
        uncached = start([str(BIN / "dskg"), "serve"], env | {
            "DSKG_PORT": str(uncached_port), "DSKG_WORKERS": "2", "DSKG_ANSWER_CACHE": "0",
            "DSKG_PROXIES": "1"})
        peer = start([str(BIN / "oxigraph"), "serve-read-only", "--location", str(peer_store),
                      "--bind", f"127.0.0.1:{peer_port}", "--union-default-graph"])
        hello = start([str(BIN / "gunicorn"), "-w", "2", "-k", HELLO_WORKER, "--threads", "8",
                       "-b", f"127.0.0.1:{hello_port}", "--chdir", str(HERE), "hello_app:app"])
        try:
            wait_for(f"http://127.0.0.1:{ours_port}/health", ours)
            wait_for(f"http://127.0.0.1:{uncached_port}/health", uncached)
            wait_for(f"http://127.0.0.1:{peer_port}/", peer)
            wait_for(f"http://127.0.0.1:{hello_port}/hello", hello)
            ours_sparql = f"http://127.0.0.1:{ours_port}/sparql"
            peer_sparql = f"http://127.0.0.1:{peer_port}/query"
            rows = answer_of(ours_sparql, PREFIXES + "SELECT ?p WHERE { ?p a dskg:GoodPractice "
                             "} ORDER BY ?p OFFSET 777 LIMIT 1", "application/sparql-results+json")
            practice = json.loads(next(iter(rows)))["p"]["value"]
            for name, text in QUERIES.items():
                accept = "text/turtle" if text.startswith("DESCRIBE") else \
                    "application/sparql-results+json"
                check_same(name, ours_sparql, peer_sparql,
                           PREFIXES + text.replace("{practice}", practice), accept)
            for name, (path, peers) in (PAGES if PAGES_TOO else {}).items():
                if requests.get(f"http://127.0.0.1:{ours_port}{path}").status_code != 200:
                    raise SystemExit(f"{name}: {path} does not answer 200")
                for text in peers.values():
                    answer_of(peer_sparql, PREFIXES + text, "application/sparql-results+json")
            print(f"\n### {size:,} practices\n")
            print("| query | server | served/s | p50 ms | p95 ms | refused | errors |")
            print("|---|---|---:|---:|---:|---:|---:|")
            print(row("hello route", "Flask + gunicorn",
                      wrk(f"http://127.0.0.1:{hello_port}/hello", "text/plain")), flush=True)
            for name, text in QUERIES.items():
                encoded = urllib.parse.quote(PREFIXES + text.replace("{practice}", practice))
                accept = "text/turtle" if text.startswith("DESCRIBE") else \
                    "application/sparql-results+json"
                print(row(name, "dskg /sparql",
                          wrk(f"http://127.0.0.1:{ours_port}/sparql?query={encoded}", accept)))
                settle(ours, peer)
                print(row(name, "dskg /sparql, no cache, 64 clients",
                          wrk(f"http://127.0.0.1:{uncached_port}/sparql?query={encoded}",
                              accept, "clients.lua")))
                settle(uncached, peer)
                print(row(name, "oxigraph serve",
                          wrk(f"http://127.0.0.1:{peer_port}/query?query={encoded}", accept)),
                      flush=True)
                settle(ours, peer)
            for name, (path, peers) in (PAGES if PAGES_TOO else {}).items():
                print(row(name, "dskg", wrk(f"http://127.0.0.1:{ours_port}{path}", "text/html")),
                      flush=True)
                for peer_name, text in peers.items():
                    encoded = urllib.parse.quote(PREFIXES + text)
                    print(row(f"↳ same as SPARQL: {peer_name}", "oxigraph serve",
                              wrk(f"http://127.0.0.1:{peer_port}/query?query={encoded}")),
                          flush=True)
                    settle(ours, peer)
            slug = practice.rsplit("/", 1)[-1]
            print(row("HTML practice page", "dskg",
                      wrk(f"http://127.0.0.1:{ours_port}/doc/practice/{slug}", "text/html")))
            print(row("Turtle practice document", "dskg",
                      wrk(f"http://127.0.0.1:{ours_port}/doc/practice/{slug}.ttl",
                          "text/turtle")), flush=True)
        finally:
            for process in (ours, uncached, peer, hello):
                stop(process)


if __name__ == "__main__":
    for size in [int(n) for n in sys.argv[1:]] or [10000]:
        run_size(size)
