"""A full build and an incremental build of the same project, side by side.

Generates N synthetic practices as a paginated listing (pages of 1,000 entries, as a
WordPress archive is paginated), builds it in full (``dskg build --full``), edits K
practices on K different pages (a new title and a new last sentence), builds again
(incremental, the default; three times, each from a copy of the first state), and
for comparison builds the edited project in full in a copy of the first state. Each build runs in a process of its own; peak memory is
the proportional set size (PSS) of the build's whole process tree (the build and its
validation workers), sampled every second, so pages that forked workers share are
counted once.

    .venv/bin/python bench/incremental_bench.py 100000 10
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate_pages  # noqa: E402
from processes import tree_pss  # noqa: E402

PER_PAGE = 1000
#: The kernel walks a process's page tables to report its PSS: tens of milliseconds for
#: a 3 GB build, so sampling every 50 ms took most of a core from the build it measured
#: (full build 290 s -> 400 s). Memory climbs over seconds; one sample a second finds
#: the peak.
SAMPLE_SECONDS = 1.0
#: Incremental builds of the same edit, each from a copy of the first state: a few
#: seconds of noise on this machine is a large part of 15.
RUNS = 3


def run_build(folder: Path, *flags: str) -> tuple[float, int, dict]:
    env = {**os.environ, "DSKG_DATA_DIR": str(folder / "data"),
           "DSKG_VAR_DIR": str(folder / "var"), "DSKG_LOG_LEVEL": "warning"}
    start = time.perf_counter()
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "dskg"), "build", *flags],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_pss(process.pid))
        time.sleep(SAMPLE_SECONDS)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(process.stderr.read().decode())
    report = json.loads(((folder / "var" / "current").resolve() / "report.json").read_text())
    return elapsed, peak, report


def edit(folder: Path, changes: int) -> None:
    """Change one practice on each of ``changes`` pages spread over the listing."""
    pages = sorted((folder / "data" / "sources").glob("page-*.txt"))
    for number in range(changes):
        page = pages[number * len(pages) // changes]
        text = page.read_text(encoding="utf-8")
        title_end = text.index("\n", text.index("\n\n") + 2)
        title = text[text.index("\n\n") + 2:title_end]
        text = text.replace(title, title + " (updated)")
        end = text.index(".\n", text.index(" |\n"))
        page.write_text(text[:end] + ". Now also online" + text[end:], encoding="utf-8")


def row(label: str, result: tuple[float, int, dict]) -> str:
    elapsed, peak, report = result
    t = report["timings"]
    stages = " | ".join(f"{t.get(name, 0):.1f}" for name in
                        ("parse", "map", "validate", "load", "dumps", "indexes", "history",
                         "ledger"))
    return (f"| {label} | {elapsed:.1f} | {peak / 2**20:,.0f} | {stages} | "
            f"{report['published']:,} | {report['mode'].split(':')[0].split(' (')[0]} |")


def main(size: int, changes: int) -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {size:,} practices in pages of {PER_PAGE:,}, "
          f"{changes} changed")
    print("| build | time (s) | peak PSS (MiB) | parse | map | validate | load | dumps | "
          "indexes | history, catalogue, VoID | ledger | practices | kind |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix=f"dskg-incremental-{size}-") as tmp:
        first, second = Path(tmp) / "a", Path(tmp) / "b"
        sources = first / "data" / "sources"
        sources.mkdir(parents=True)
        (first / "data" / "curation").mkdir()
        for number, page in enumerate(generate_pages(size, PER_PAGE), start=1):
            (sources / f"page-{number:03d}.txt").write_text(page, encoding="utf-8")
        print(row("full, first", run_build(first, "--full")), flush=True)
        shutil.copytree(first, second, symlinks=True)
        edit(second, changes)
        for attempt in range(1, RUNS + 1):
            again = Path(tmp) / f"incremental-{attempt}"
            shutil.copytree(first, again, symlinks=True)
            edit(again, changes)
            print(row(f"incremental, {changes} changed (run {attempt})", run_build(again)),
                  flush=True)
            shutil.rmtree(again)
        print(row(f"full, {changes} changed", run_build(second, "--full")), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 10)
