"""Researchers' heavy queries through dskg on Virtuoso, Virtuoso's own endpoint, and dskg
on its embedded store, side by side in one run; then the HTML practice page through
nginx with one and two replicas.

It builds N synthetic practices once (bench/out/server-N, shared with server_bench.py),
starts a Virtuoso of its own (Debian's ``virtuoso-opensource``) in a temporary folder,
publishes the build into it with ``dskg publish`` (the bulk loader), and drives each
target with wrk (2 connections, 10 s per query, or five times one answer's time for a
query that takes seconds; BENCH_ONLY=regex measures only the queries it matches). dskg runs without its answer
cache (every request reaches a store), and once more with it; Virtuoso direct answers
over the build's union graph, the same graph dskg queries.

    .venv/bin/python bench/external_bench.py 100000
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]
import server_bench  # noqa: E402
from server_bench import BIN, built, env_for, free_port, settle, start, stop, wait_for  # noqa: E402

from dskg.store.remote import Endpoints  # noqa: E402
from server.examples import load_examples  # noqa: E402
from tests.nginx_fixture import start_nginx, stop_nginx  # noqa: E402
from tests.virtuoso_fixture import start_virtuoso, stop_virtuoso  # noqa: E402

VOCAB = "https://w3id.org/dskg/def/dskg/"
PREFIXES = (f"PREFIX dskg: <{VOCAB}> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
HEAVY = {
    "facet counts per country (GROUP BY)":
        "SELECT ?c (COUNT(?p) AS ?n) WHERE { ?p dskg:country ?c } GROUP BY ?c",
    "title-ordered page (ORDER BY, LIMIT 50 OFFSET 100)":
        "SELECT ?p ?t WHERE { ?p a dskg:GoodPractice ; dct:title ?t } ORDER BY ?t "
        "LIMIT 50 OFFSET 100",
    "two-hop join (organisations sharing a funding type)":
        "SELECT ?other (COUNT(DISTINCT ?f) AS ?shared) WHERE { ?p dskg:providedBy <{org}> ; "
        "dskg:fundingType ?f . ?q dskg:fundingType ?f ; dskg:providedBy ?other "
        "FILTER (?other != <{org}>) } GROUP BY ?other ORDER BY DESC(?shared) ?other LIMIT 10",
}


def wrk(url: str, accept: str = "application/sparql-results+json",
        connections: str = "2", seconds: int = 10) -> dict:
    server_bench.CONNECTIONS = connections
    server_bench.DURATION = f"{seconds}s"
    return server_bench.wrk(url, accept)


def duration(url: str) -> int:
    """Seconds to drive one query for: 10, or long enough for a few answers of a query
    that takes seconds (measured once, which also warms the store)."""
    started = time.monotonic()
    requests.get(url, timeout=300, headers={"Accept": "application/sparql-results+json"})
    return int(min(90, max(10, 5 * (time.monotonic() - started))))


def first(url: str, query: str) -> str:
    """The first value of the first row of a query's answer."""
    answer = requests.get(url, params={"query": PREFIXES + query}, timeout=120,
                          headers={"Accept": "application/sparql-results+json"}).json()
    row = answer["results"]["bindings"][0]
    return next(iter(row.values()))["value"]


def cell(figures: dict) -> str:
    failed = figures["non2xx"] + figures["errors"]
    return (f"{figures['rps']:,.1f} req/s, p50 {figures['p50']:,.1f} ms"
            + (f", **{failed} failed**" if failed else ""))


def main(size: int) -> None:
    folder = built(size)
    env = env_for(folder)
    with tempfile.TemporaryDirectory(prefix="dskg-externalbench-") as tmp:
        virtuoso = start_virtuoso(Path(tmp) / "virtuoso", buffers=340_000)
        settings = {f"DSKG_{k.upper()}": v for k, v in virtuoso.settings().items()} | {
            "DSKG_STORE_NAME": "bench", "DSKG_PUBLISH_GRACE": "0"}
        processes = []
        try:
            started = time.monotonic()
            start_publish = start([str(BIN / "dskg"), "publish"], env | settings)
            start_publish.wait()
            loaded = time.monotonic() - started
            print(f"\n### {size:,} practices\n\n`dskg publish` into Virtuoso (bulk loader, "
                  f"then size checks and the switch): {loaded:.1f} s\n", flush=True)
            on_virtuoso, cached, embedded = free_port(), free_port(), free_port()
            # Without the answer cache, so that every request reaches the store; a
            # second server with it shows what a repeated query costs.
            ours = start([str(BIN / "dskg"), "serve"], env | settings | {
                "DSKG_PORT": str(on_virtuoso), "DSKG_WORKERS": "2", "DSKG_ANSWER_CACHE": "0"})
            with_cache = start([str(BIN / "dskg"), "serve"], env | settings | {
                "DSKG_PORT": str(cached), "DSKG_WORKERS": "2"})
            # wrk's two connections come from one address and may share a worker: the
            # embedded endpoint's admission (one heavy query per client, one evaluator
            # of a worker kept for light queries) would refuse the second heavy query.
            plain = start([str(BIN / "dskg"), "serve"], env | {
                "DSKG_PORT": str(embedded), "DSKG_WORKERS": "2", "DSKG_CLIENT_HEAVY": "2",
                "DSKG_QUERY_PROCESSES": "3", "DSKG_ANSWER_CACHE": "0"})
            processes += [ours, with_cache, plain]
            wait_for(f"http://127.0.0.1:{on_virtuoso}/health", ours)
            wait_for(f"http://127.0.0.1:{cached}/health", with_cache)
            wait_for(f"http://127.0.0.1:{embedded}/health", plain)
            build_id = requests.get(f"http://127.0.0.1:{on_virtuoso}/health").json()["build"]
            # Virtuoso's own endpoint over the same graph: the build's union graph (the
            # store also holds the named graphs, so without it every triple counts twice).
            union = urllib.parse.quote(Endpoints(query="", name="bench").union(build_id))
            targets = {"dskg on Virtuoso": f"http://127.0.0.1:{on_virtuoso}/sparql?",
                       "Virtuoso direct": f"{virtuoso.url}/sparql?default-graph-uri={union}&",
                       "dskg embedded": f"http://127.0.0.1:{embedded}/sparql?",
                       "dskg on Virtuoso, answer cache": f"http://127.0.0.1:{cached}/sparql?"}
            print("| query | dskg on Virtuoso | Virtuoso direct | dskg embedded | "
                  "dskg on Virtuoso ÷ Virtuoso direct | ÷ dskg embedded | "
                  "dskg on Virtuoso, answer cache |")
            print("|---|---|---|---|---:|---:|---|")
            org = first(targets["dskg embedded"],
                        "SELECT ?o WHERE { ?p dskg:providedBy ?o } OFFSET 500 LIMIT 1")
            queries = {name: PREFIXES + text.replace("{org}", org)
                       for name, text in HEAVY.items()}
            queries |= {f"example: {e.name}": e.query for e in load_examples()}
            only = re.compile(os.environ.get("BENCH_ONLY", ""))
            for name, text in queries.items():
                if not only.search(name):
                    continue
                figures = {}
                encoded = urllib.parse.quote(text)
                seconds = duration(f"{targets['Virtuoso direct']}query={encoded}")
                for target, url in targets.items():
                    figures[target] = wrk(f"{url}query={encoded}", seconds=seconds)
                    settle(ours, with_cache, plain, virtuoso.process)
                ours_rps = figures["dskg on Virtuoso"]["rps"]
                print(f"| {name} | " + " | ".join(cell(figures[t]) for t in list(targets)[:3])
                      + f" | {ours_rps / max(figures['Virtuoso direct']['rps'], 0.01):.2f} | "
                      f"{ours_rps / max(figures['dskg embedded']['rps'], 0.01):.1f}× | "
                      + cell(figures["dskg on Virtuoso, answer cache"]) + " |", flush=True)
            for process in (plain, with_cache):
                stop(process)
                processes.remove(process)
            replicas(env | settings, ours, on_virtuoso, Path(tmp))
        finally:
            for process in processes:
                stop(process)
            stop_virtuoso(virtuoso)


def replicas(env: dict, one, first_port: int, tmp: Path) -> None:
    """The HTML practice page through nginx, with one replica and then two."""
    practice = first(f"http://127.0.0.1:{first_port}/sparql",
                     "SELECT ?p WHERE { ?p a dskg:GoodPractice } OFFSET 777 LIMIT 1")
    path = "/doc/practice/" + practice.rsplit("/", 1)[-1]
    print("\n| HTML practice page | req/s | p50 ms | p95 ms | failed |\n|---|---:|---:|---:|---:|")
    second_port = free_port()
    second = start([str(BIN / "dskg"), "serve"], env | {"DSKG_PORT": str(second_port),
                                                        "DSKG_WORKERS": "2"})
    try:
        wait_for(f"http://127.0.0.1:{second_port}/health", second)
        for ports in ([first_port], [first_port, second_port]):
            balancer = start_nginx(tmp / f"nginx-{len(ports)}", ports)
            try:
                figures = wrk(balancer.url + path, "text/html", connections="8")
                print(f"| through nginx, {len(ports)} replica(s) × 2 workers | "
                      f"{figures['rps']:,.1f} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
                      f"{figures['non2xx'] + figures['errors']} |", flush=True)
            finally:
                stop_nginx(balancer)
            settle(one, second)
    finally:
        stop(second)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
