"""Golden files: outputs people and programs read, compared byte for byte.

A deliberate change to one of them is reviewed as a diff of its golden file:
``DSKG_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` rewrites them.
"""
from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

from .conftest import BASE, SAMPLE

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("DSKG_UPDATE_GOLDEN") == "1"
SCHOOL = "plovdiv-school-prepares-artificial-intelligence-programmers"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        f"golden/{name}", "now", n=2))
    assert actual == expected, f"{name} changed (DSKG_UPDATE_GOLDEN=1 accepts it):\n{diff}"


def test_ingest_json_of_the_sample_page():
    result = subprocess.run([sys.executable, "-m", "dskg.cli", "ingest", "--json", str(SAMPLE)],
                            env={**os.environ, "DSKG_BASE": BASE}, capture_output=True,
                            text=True, timeout=120, cwd=SAMPLE.parent)
    assert result.returncode == 0, result.stderr
    check("ingest-sample.json", result.stdout)


def test_turtle_of_one_practice(sample_site):
    response = sample_site.http.get(f"{sample_site.url}/doc/practice/{SCHOOL}.ttl")
    assert response.status_code == 200
    check(f"practice-{SCHOOL}.ttl", response.text)
