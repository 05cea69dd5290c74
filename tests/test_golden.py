"""Golden files: outputs people and programs read, compared byte for byte.

A deliberate change to one of them is reviewed as a diff of its golden file:
``DSKG_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` rewrites them.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path

from dskg.cli import main

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


def test_ingest_json_of_the_sample_page(capsys, monkeypatch):
    monkeypatch.setenv("DSKG_BASE", BASE)
    assert main(["ingest", "--json", str(SAMPLE)]) == 0
    check("ingest-sample.json", capsys.readouterr().out)


def test_turtle_of_one_practice(sample_site):
    response = sample_site.http.get(f"{sample_site.url}/doc/practice/{SCHOOL}.ttl")
    assert response.status_code == 200
    check(f"practice-{SCHOOL}.ttl", response.text)
