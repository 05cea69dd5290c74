"""Checks a visitor's SPARQL before any engine sees it: length, nesting, SERVICE.

Oxigraph's parser and evaluator recurse over the query, so a few kilobytes of nested
brackets overflow a process's stack (measured: 3,000 nested ``{`` end the process with
SIGSEGV; 10,000 ``1+1+…`` terms too). And Oxigraph executes ``SERVICE`` by sending
HTTP requests to whatever address the query names. Both are refused here, with a
400 that says why, before the query is handed to an evaluator.

The scanner reads the query the way the SPARQL grammar tokenises it: strings, IRIs
and comments are skipped, and wherever it cannot tell, it treats text as code, so it
may refuse a strange query but never lets a ``SERVICE`` through unseen. The grammar
says codepoint escapes (``\\u0053ERVICE``) are replaced before parsing; Oxigraph
replaces them only inside strings and IRIs, other stores may do as the grammar says.
So a query with escapes is scanned both ways.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dskg.config import Config

import re
from dataclasses import dataclass

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: IRIREF of the grammar: no spaces, quotes, braces or angle brackets inside.
IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_LONG_STRING = {"'''": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''", re.S),
                '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S)}
_SHORT_STRING = {"'": re.compile(r"'(?:[^'\\\n\r]|\\.)*'"),
                 '"': re.compile(r'"(?:[^"\\\n\r]|\\.)*"')}
_WORD = re.compile(r"[^\W]+|[?$:]", re.U)
_GAP = r"(?:\s|#[^\n\r]*)*"
_TARGET = re.compile(_GAP + r"(?:(?i:silent)\b" + _GAP + r")?(" + IRIREF.pattern + r"|[^\s{]+)")
OPENERS, CLOSERS = "{([", "})]"


class QueryRefused(ValueError):
    """The query is refused before evaluation (HTTP 400); the message says why."""


@dataclass(frozen=True)
class QueryLimits:
    max_length: int
    max_depth: int
    #: SERVICE endpoints a query may call (full IRIs); empty: SERVICE is refused.
    services: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: Config) -> QueryLimits:
        return cls(config.query_max_length, config.query_max_depth,
                   frozenset(config.service_allow.split()))


def check_query(text: str, limits: QueryLimits) -> None:
    """Raise :class:`QueryRefused` for a query that must not reach the engine."""
    if len(text) > limits.max_length:
        raise QueryRefused(f"The query is {len(text):,} characters long; this endpoint "
                           f"accepts at most {limits.max_length:,}.")
    if _plainly_fine(text, limits):
        return
    _scan(text, limits)
    unescaped = unescape_codepoints(text)
    if unescaped != text:
        _scan(unescaped, limits)


def _plainly_fine(text: str, limits: QueryLimits) -> bool:
    """Most queries need no scan: without the letters of SERVICE (or an escape that could
    spell them), and with fewer brackets than the depth limit, nothing can be refused."""
    return ("\\" not in text and "service" not in text.lower()
            and sum(text.count(opener) for opener in OPENERS) <= limits.max_depth)


def _scan(query: str, limits: QueryLimits) -> None:
    depth, deepest = 0, 0
    position, end = 0, len(query)
    previous = ""
    while position < end:
        char = query[position]
        if char == "#":
            newline = query.find("\n", position)
            position = end if newline < 0 else newline
            continue
        if char in "'\"":
            quote = query[position:position + 3]
            pattern = _LONG_STRING.get(quote) or _SHORT_STRING[char]
            match = pattern.match(query, position)
            if match:
                position = match.end()
                previous = char
                continue
        elif char == "<":
            match = IRIREF.match(query, position)
            if match:
                position = match.end()
                previous = ">"
                continue
        elif char in OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limits.max_depth:
                    raise QueryRefused(
                        f"The query nests brackets more than {limits.max_depth} deep; "
                        "this endpoint accepts at most that.")
        elif char in CLOSERS:
            depth -= 1
        elif char.isalpha() or char == "_":
            found = _WORD.match(query, position)
            word = found.group() if found else char
            if word.lower() == "service" and previous not in (":", "?", "$", "_"):
                _check_service(query, position + len(word), limits)
            position += len(word)
            previous = word[-1]
            continue
        previous = char
        position += 1


def _check_service(query: str, after: int, limits: QueryLimits) -> None:
    match = _TARGET.match(query, after)
    target = match.group(1) if match else ""
    if not limits.services:
        raise QueryRefused("SERVICE is not allowed on this endpoint: it would make this "
                           "server send requests to other hosts. Query that endpoint "
                           "directly.")
    if not (target.startswith("<") and target[1:-1] in limits.services):
        allowed = ", ".join(sorted(limits.services))
        raise QueryRefused(f"SERVICE {target or '(no endpoint)'} is not allowed here; only "
                           f"these endpoints may be called, written as full IRIs: {allowed}.")


def unescape_codepoints(text: str) -> str:
    """Replace ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes, as SPARQL does before parsing."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def replace(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()
    return _CODEPOINT.sub(replace, text)
