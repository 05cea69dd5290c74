"""Reconciliation beside an independent service, and what links cost.

    .venv/bin/python bench/reconcile_bench.py 10000 [100000]

For each size (a synthetic build under bench/out/, shared with server_bench.py):

1. 1,000 names drawn from the build's entity index (seeded): half exactly as published
   (practice titles, organisation names), half changed as a spreadsheet changes them
   (lower case, a word dropped, punctuation gone). They are sent in batches of 10, one
   batch at a time, to ``dskg serve``'s ``/reconcile`` (gunicorn, 2 workers) and to
   datasette-reconcile (PyPI) serving the same entities (id = our IRI, name) from a
   SQLite table with an FTS5 index. Before anything is timed, every answer of both is
   checked to be a reconciliation result for every query, and for the exact names both
   services must put the same entity first in most cases (the agreement is printed; a
   bench of answers that disagree or are empty would measure nothing). Then each batch's
   latency is timed: p50 and p95 per batch of 10.
2. ``dskg link propose`` (funders, places, competences) over the build, timed.
3. What the links add to a build: the link decisions' graph, the reference tables'
   graphs and the entity index, timed on their own beside the build's own total.
"""
from __future__ import annotations

import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from server_bench import BIN, built, env_for, free_port, start, stop, wait_for  # noqa: E402

from dskg.artefact import Layout  # noqa: E402
from dskg.build.entities import write_entity_index  # noqa: E402
from dskg.config import Config  # noqa: E402
from dskg.links.graph import links_graph  # noqa: E402
from dskg.namespaces import Namespaces  # noqa: E402
from dskg.reference import TABLES, codes, scheme_graph  # noqa: E402
from dskg.store import open_store  # noqa: E402

NAMES = 1000
BATCH = 10


def names_of(entities: Path, seed: int = 7) -> list[tuple[str, str | None]]:
    """(name to send, the IRI it was published under when sent unchanged)."""
    connection = sqlite3.connect(entities)
    rows = connection.execute(
        "SELECT iri, labels FROM entity WHERE types LIKE '%practice%' "
        "OR types LIKE '%organisation%'").fetchall()
    connection.close()
    rng = random.Random(seed)
    chosen = rng.sample(rows, min(NAMES, len(rows)))
    out: list[tuple[str, str | None]] = []
    for number, (iri, labels) in enumerate(chosen):
        name = next(iter(json.loads(labels).values()))
        if number % 2 == 0:
            out.append((name, iri))
            continue
        words = name.replace(",", "").replace("“", "").replace("”", "").split()
        if len(words) > 2:
            words.pop(rng.randrange(len(words)))
        out.append((" ".join(words).lower(), None))
    return out


def peer_database(entities: Path, folder: Path) -> Path:
    """The same entities as datasette-reconcile's table, with an FTS5 index."""
    db = folder / "entities.db"
    source = sqlite3.connect(entities)
    rows = [(iri, next(iter(json.loads(labels).values())))
            for iri, labels in source.execute("SELECT iri, labels FROM entity")]
    source.close()
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE entities (id TEXT PRIMARY KEY, name TEXT)")
        connection.executemany("INSERT INTO entities VALUES (?, ?)", rows)
        connection.execute("CREATE VIRTUAL TABLE entities_fts USING fts5(name, "
                           "content='entities', content_rowid='rowid')")
        connection.execute("INSERT INTO entities_fts (rowid, name) SELECT rowid, name "
                           "FROM entities")
    (folder / "metadata.json").write_text(json.dumps({"databases": {"entities": {"tables": {
        "entities": {"plugins": {"datasette-reconcile": {
            "id_field": "id", "name_field": "name", "fts_table": "entities_fts",
            "identifierSpace": "http://localhost:8080/", "max_limit": 10}}}}}}}))
    return db


def batches(names: list[tuple[str, str | None]]) -> list[dict]:
    return [{f"q{i}": {"query": name, "limit": 5} for i, (name, _) in
             enumerate(names[start:start + BATCH])} for start in range(0, len(names), BATCH)]


def ask(url: str, batch: dict) -> dict:
    answer = requests.post(url, data={"queries": json.dumps(batch)}, timeout=60)
    answer.raise_for_status()
    return answer.json()


def check(url: str, every: list[dict]) -> list[dict]:
    answers = [ask(url, batch) for batch in every]
    for batch, answer in zip(every, answers):
        assert set(answer) == set(batch), f"{url}: not every query answered"
        assert all(isinstance(answer[k]["result"], list) for k in batch), url
    found = sum(1 for answer in answers for k in answer if answer[k]["result"])
    assert found > len(every) * BATCH // 2, f"{url}: only {found} queries found anything"
    return answers


def timed(url: str, every: list[dict]) -> tuple[float, float]:
    times = []
    for batch in every:
        began = time.perf_counter()
        ask(url, batch)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def run(size: int) -> None:
    folder = built(size)
    layout = Layout((folder / "var" / "current").resolve())
    names = names_of(layout.entities)
    every = batches(names)
    with tempfile.TemporaryDirectory(prefix="dskg-reconcilebench-") as tmp:
        db = peer_database(layout.entities, Path(tmp))
        ours_port, peer_port = free_port(), free_port()
        ours = start([str(BIN / "dskg"), "serve"], env_for(folder) | {
            "DSKG_PORT": str(ours_port), "DSKG_WORKERS": "2"})
        peer = start([str(BIN / "datasette"), "serve", str(db), "--metadata",
                      str(Path(tmp) / "metadata.json"), "-h", "127.0.0.1", "-p",
                      str(peer_port), "--setting", "sql_time_limit_ms", "10000"])
        ours_url = f"http://127.0.0.1:{ours_port}/reconcile"
        peer_url = f"http://127.0.0.1:{peer_port}/entities/entities/-/reconcile"
        try:
            wait_for(ours_url, ours)
            wait_for(peer_url, peer)
            mine, theirs = check(ours_url, every), check(peer_url, every)
            agree = exact = 0
            for batch, a, b in zip(range(len(every)), mine, theirs):
                for key in a:
                    iri = names[batch * BATCH + int(key[1:])][1]
                    if iri is None:
                        continue
                    exact += 1
                    first = [r[0]["id"] if r else None for r in (a[key]["result"],
                                                                  b[key]["result"])]
                    agree += first[0] == first[1]
            print(f"{size} practices, {len(names)} names: the two services put the same "
                  f"entity first for {agree} of {exact} unchanged names")
            for name, url in (("dskg /reconcile", ours_url),
                              ("datasette-reconcile", peer_url)):
                p50, p95 = timed(url, every)
                print(f"  {name:22} batch of {BATCH}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
        finally:
            stop(ours)
            stop(peer)
    env = env_for(folder)
    began = time.perf_counter()
    subprocess.run([str(BIN / "dskg"), "link", "propose", "-q", "--kind", "funder", "--kind",
                    "place", "--kind", "competence"], env={**__import__("os").environ, **env},
                   check=True, stdout=subprocess.DEVNULL)
    print(f"  dskg link propose (funders, places, competences): "
          f"{time.perf_counter() - began:.1f} s")
    config = Config.from_env(env)
    ns = Namespaces.of(config)
    reference = config.ontology_dir / "reference"
    began = time.perf_counter()
    tables = {t.concept_base: codes(t, reference) for t in TABLES.values()}
    links_graph(config.data_dir, ns, tables)
    for table in TABLES.values():
        scheme_graph(table, reference, ns)
    graphs = time.perf_counter() - began
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_entity_index(open_store(layout.store), ns, Path(tmp) / "entities.sqlite")
    index = time.perf_counter() - began
    report = json.loads(layout.report.read_text())
    total = sum(report.get("timings", {}).values())
    print(f"  links in a build: reference tables and link graph {graphs:.2f} s, entity "
          f"index {index:.2f} s, of a full build's {total:.1f} s "
          f"({100 * (graphs + index) / total:.1f} %)")


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["10000"]:
        run(int(arg))
