"""The example queries of ``queries/``: real research questions, runnable as they are.

Each ``.rq`` file starts with ``# title:`` and ``# description:`` lines. The files are
written against the default base IRI (``http://localhost:8080/``); :func:`load_examples`
rewrites them for the configured base, so they run on any deployment.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dskg.config import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "queries"
DEFAULT_BASE = "http://localhost:8080/"


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str


def parse_example(path: Path, base: str) -> Example:
    text = path.read_text(encoding="utf-8")
    fields = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        fields[key.strip()] = value.strip()
    missing = {"title", "description"} - set(fields)
    if missing:
        raise ValueError(f"{path}: missing header line(s): {', '.join(sorted(missing))}")
    return Example(name=path.stem, title=fields["title"], description=fields["description"],
                   query=text.replace(DEFAULT_BASE, base))


def load_examples(base: str, folder: Path = FOLDER) -> list[Example]:
    return [parse_example(path, base) for path in sorted(folder.glob("*.rq"))]
