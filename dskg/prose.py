"""A practice's body text as blocks — headings, paragraphs, lists — and the parts of
it (:data:`dskg.fields.PROSE`) that its headings open.

Every reader gives a body in one form (:func:`dskg.ingest.records.body_text`):
blocks separated by a blank line, list items as ``• item`` lines, a heading as a block
of one line. A text page cannot mark a heading, so a block is one when it is one of
the parts' headings, or looks like one: a single short line, capitalised, that does not
end as a sentence or a lead-in does. The parts are read from here, and pages render the
description and the parts from the same blocks, so the two always agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dskg.fields import PROSE_HEADINGS, heading_key

BULLET = "• "
#: A line longer than this, or of more words, is no heading.
HEADING_LENGTH, HEADING_WORDS = 80, 10
SENTENCE_END = re.compile(r"[.,;:…]$")


@dataclass(frozen=True)
class Block:
    #: ``heading``, ``paragraph`` (its lines: line breaks within it) or ``list``.
    kind: str
    lines: tuple[str, ...]

    def text(self) -> str:
        """The block in body form again."""
        if self.kind == "list":
            return "\n".join(BULLET + line for line in self.lines)
        return "\n".join(self.lines)


def is_heading(line: str) -> bool:
    if heading_key(line) in PROSE_HEADINGS:
        return True
    text = line.strip()
    return (0 < len(text) <= HEADING_LENGTH and len(text.split()) <= HEADING_WORDS
            and (text[0].isupper() or text[0].isdigit()) and not text.startswith(BULLET)
            and not SENTENCE_END.search(text))


def blocks(text: str) -> list[Block]:
    """The blocks of a body, in order; a list and the lines around it in one block are
    blocks of their own (a part's heading among them too)."""
    found: list[Block] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if len(lines) == 1 and is_heading(lines[0]) and not lines[0].startswith(BULLET):
            found.append(Block("heading", (lines[0],)))
            continue
        run: list[str] = []
        listed = False
        for line in lines + [""]:
            bullet = line.startswith(BULLET)
            if run and (not line or bullet != listed):
                known = not listed and len(run) == 1 and heading_key(run[0]) in PROSE_HEADINGS
                found.append(Block("list" if listed else "heading" if known else "paragraph",
                                   tuple(run)))
                run = []
            if line:
                run.append(line[len(BULLET):].strip() if bullet else line)
                listed = bullet
    return found


def sections(text: str) -> dict[str, str]:
    """Each part of :data:`dskg.fields.PROSE` the body has (name → its text in body
    form, without its heading). Text after a heading that opens no part belongs to no
    part; a body without headings has no parts (its description says it all)."""
    parts: dict[str, list[str]] = {}
    current: str | None = "summary"
    headed = False
    for block in blocks(text):
        if block.kind == "heading":
            headed = True
            prose = PROSE_HEADINGS.get(heading_key(block.lines[0]))
            current = prose.name if prose else None
        elif current is not None:
            parts.setdefault(current, []).append(block.text())
    return {name: "\n\n".join(texts) for name, texts in parts.items()} if headed else {}


def parts_hold_all(text: str) -> bool:
    """Whether the parts :func:`sections` finds hold every block of ``text``: no
    heading opens text that belongs to no part (the body can be written again from
    its parts alone, as a correction's form does)."""
    return all(heading_key(block.lines[0]) in PROSE_HEADINGS
               for block in blocks(text) if block.kind == "heading")
