"""What the pipeline's term model costs: rdflib terms while reading, mapping and
validating, converted once to :mod:`dskg.rdf` terms at the store's border.

For N synthetic practices (bench/generate.py) it prepares a build in this process
(parse, map, validate: the stages that use rdflib) and then times, over every
statement the build publishes from pages and curation, the two conversions a term
model decides: rdflib → dskg.rdf (what the pipeline pays now, at the store border) and
dskg.rdf → rdflib (what a pipeline built on dskg.rdf would pay instead, before pyshacl,
which validates rdflib graphs only). Each conversion is checked to give back exactly
the statements it was given before anything is timed.

    .venv/bin/python bench/term_bench.py 1000 10000
"""
from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from dskg.build import prepare
from dskg.config import Config
from dskg.rdf import neutral_triple, ntriples_line, to_rdflib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import write_project  # noqa: E402

T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def measure(size: int) -> str:
    with tempfile.TemporaryDirectory(prefix=f"dskg-terms-{size}-") as tmp:
        folder = Path(tmp)
        config = Config.from_env(data_dir=write_project(folder, size), var_dir=folder / "var",
                                 ontology_dir=ROOT / "ontology", shapes_dir=ROOT / "shapes")
        prepared, _ = timed(lambda: prepare(config))
        t = prepared.timings
        statements = list(prepared.mapped.data()) + list(prepared.mapped.curation)
        if not statements:
            raise SystemExit(f"{size} practices gave no statements: nothing to time")
        neutral, to_neutral = timed(lambda: [neutral_triple(s) for s in statements])
        back, to_rdflib_time = timed(lambda: [
            (to_rdflib(n.subject), to_rdflib(n.predicate), to_rdflib(n.object))
            for n in neutral])
        if set(back) != set(statements):
            raise SystemExit("rdflib → dskg.rdf → rdflib did not give the same statements")
        lines, as_text = timed(lambda: [ntriples_line(s) for s in statements])
        if len(lines) != len(statements):
            raise SystemExit("N-Triples lines and statements differ in number")
        pipeline = t["parse"] + t["map"] + t["validate"]
        return (f"| {size:,} | {len(statements):,} | {t['parse']:.1f} | {t['map']:.1f} | "
                f"{t['validate']:.1f} | {to_neutral:.2f} ({to_neutral / pipeline:.1%}) | "
                f"{to_rdflib_time:.2f} ({to_rdflib_time / pipeline:.1%}) | {as_text:.2f} |")


def main(sizes: list[int]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print("| practices | statements | parse (s) | map (s) | validate (s) | rdflib → dskg.rdf "
          "(s, share of parse+map+validate) | dskg.rdf → rdflib (s, share) | as N-Triples "
          "text (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        print(measure(size), flush=True)


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [1000, 10000])
