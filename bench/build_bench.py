"""Time `dskg build` end to end on N synthetic practices, with peak memory.

For each size it generates a page (bench/generate.py), runs `dskg build` in a fresh
process on a folder of its own, samples the resident memory of the build and its
worker processes every 50 ms, and reads the phase timings from the build report.
As the peer, the same run times Oxigraph's own bulk loader on the resulting N-Quads
dump: the floor for getting that data into a store with no parsing, mapping or
validation at all.

    .venv/bin/python bench/build_bench.py 1000 10000 [100000]
"""
from __future__ import annotations

import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from dskg.artefact import Layout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import write_project  # noqa: E402
from processes import tree_rss  # noqa: E402


def run_build(folder: Path) -> tuple[float, int, dict]:
    env = {**os.environ, "DSKG_DATA_DIR": str(folder / "data"),
           "DSKG_VAR_DIR": str(folder / "var")}
    start = time.perf_counter()
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "dskg"), "build"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(process.stderr.read().decode())
    report = json.loads(Layout((folder / "var" / "current").resolve()).report.read_text())
    return elapsed, peak, report


def peer_load(folder: Path) -> float:
    dump = Layout((folder / "var" / "current").resolve()).dumps / "dskg.nq.gz"
    data = gzip.decompress(dump.read_bytes())
    start = time.perf_counter()
    store = ox.Store(str(folder / "peer-store"))
    store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS)
    store.flush()
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''}")
    print("| practices | dskg build (s) | peak RSS (MiB) | parse | map | validate | load | dumps "
          "| triples | peer: Oxigraph bulk load of the dump (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"dskg-bench-{size}-") as tmp:
            folder = Path(tmp)
            write_project(folder, size)
            elapsed, peak, report = run_build(folder)
            t = report["timings"]
            triples = len(ox.Store.read_only(str(Layout((folder / "var" / "current").resolve()).store)))
            peer = peer_load(folder)
            print(f"| {size:,} | {elapsed:.1f} | {peak / 2**20:,.0f} | {t['parse']:.1f} | "
                  f"{t['map']:.1f} | {t['validate']:.1f} | {t['load']:.1f} | {t['dumps']:.1f} "
                  f"| {triples:,} | {peer:.1f} |", flush=True)


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [1000, 10000])
