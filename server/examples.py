"""The example queries of ``queries/``: real research questions, runnable as they are.

Each ``.rq`` file starts with ``# title:`` and ``# description:`` lines, in English, and
the same in the other interface languages (``# title@bg:``). The files name
only the vocabulary (``https://w3id.org/dskg/``), never a deployment's IRIs, so they run
unchanged on any deployment; one that configures another vocabulary base gets them
rewritten for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dskg.config import PROJECT_ROOT, VOCAB_BASE

FOLDER = PROJECT_ROOT / "queries"


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str
    #: Header fields in other languages: ``{("title", "bg"): "…"}``.
    translated: dict[tuple[str, str], str] = field(default_factory=dict)

    def title_in(self, language: str) -> str:
        return self.translated.get(("title", language), self.title)

    def description_in(self, language: str) -> str:
        return self.translated.get(("description", language), self.description)


def parse_example(path: Path, vocab_base: str = VOCAB_BASE) -> Example:
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
    translated = {(key.partition("@")[0], key.partition("@")[2]): value
                  for key, value in fields.items() if "@" in key}
    return Example(name=path.stem, title=fields["title"], description=fields["description"],
                   query=text.replace(VOCAB_BASE, vocab_base), translated=translated)


def load_examples(vocab_base: str = VOCAB_BASE, folder: Path = FOLDER) -> list[Example]:
    return [parse_example(path, vocab_base) for path in sorted(folder.glob("*.rq"))]
