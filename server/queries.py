"""The SPARQL queries the server runs, kept as ``.rq`` files beside this module.

Values are bound through the store's substitutions (``?this`` and friends), never
pasted into query text; the only formatted parts are integers for paging.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "queries"


@cache
def query(name: str) -> str:
    return (FOLDER / f"{name}.rq").read_text(encoding="utf-8")


def paged(name: str, limit: int, offset: int) -> str:
    return query(name).replace("{limit}", str(int(limit))).replace("{offset}", str(int(offset)))
