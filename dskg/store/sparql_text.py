"""SPARQL query text as a store reached over HTTP needs it: values bound as a ``VALUES``
block, and graph names rewritten to the names a build was published under.

A remote store gets query text, not parameters, so binding a value means writing it
into the query: here that is done only by serialising a :mod:`dskg.rdf` term (escaped
as N-Triples) into a ``VALUES`` block, never by pasting a client's text. Graph names
are rewritten only where the grammar says a graph is named: after ``FROM``,
``FROM NAMED`` and ``GRAPH``. Both walk the query as tokens (strings, comments and
IRIs are single tokens), so a brace or a keyword inside a string or a comment is
never touched.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from dskg.rdf import IRI, BlankNode, Literal, Term
from dskg.store.interface import Bindings, StoreError

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]|\.(?=[\w:%-]))*)
  | (?P<word>[^\W\d][\w]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: How blank nodes of Virtuoso are labelled in our terms (see :func:`blank_label`).
VIRTUOSO_BLANK = "virtuoso-"
#: Variables this module adds to a query start with this (answers leave them out).
HELPER = "dskg__graph"


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> Iterator[Token]:
    """The significant tokens of ``query`` (no spaces, no comments)."""
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start(), match.end())


def _is(token: Token | None, word: str) -> bool:
    return token is not None and token.kind == "word" and token.text.upper() == word


def rename_graphs(query: str, graphs: Mapping[str, str],
                  rename: Callable[[str], str]) -> tuple[str, bool]:
    """``query`` over graphs stored under other names (``graphs``: public → stored), and
    whether the query names its own dataset (has a ``FROM`` clause).

    A graph named in the query (``FROM``, ``FROM NAMED``, ``GRAPH``; prefixed and
    relative names expanded) is replaced by its stored name (``rename`` for a name not
    in ``graphs``). A ``GRAPH ?g { … }`` becomes ``{ GRAPH ?stored { … } { SELECT *
    WHERE { VALUES (?stored ?g) { … } } } }``, so ``?g`` still takes the public names,
    also where the query joins it with data about the graph (``?g a
    dskg:CurationGraph``). The helper variables start with :data:`HELPER`; answers
    drop them."""
    prefixes: dict[str, str] = {}
    base = ""
    edits: list[tuple[int, int, str]] = []
    items = list(tokens(query))
    names_dataset = False
    table = " ".join(f"(<{stored}> <{public}>)" for public, stored in sorted(graphs.items()))
    for index, token in enumerate(items):
        before = items[index - 1] if index else None
        names_dataset = names_dataset or _is(token, "FROM")
        if _is(before, "PREFIX") and token.kind == "pname" and index + 1 < len(items):
            prefixes[token.text.rstrip(":")] = _iri_text(items[index + 1].text, base)
        elif _is(before, "BASE") and token.kind == "iri":
            base = _iri_text(token.text, base)
        elif token.kind in ("iri", "pname") and (
                _is(before, "GRAPH") or _is(before, "FROM")
                or (_is(before, "NAMED") and index > 1 and _is(items[index - 2], "FROM"))):
            iri = _expand(token, prefixes, base)
            if iri is not None:
                edits.append((token.start, token.end, f"<{graphs.get(iri) or rename(iri)}>"))
        elif token.kind == "var" and _is(before, "GRAPH") and before is not None:
            close = _closing(items, index + 1)
            if close is None:
                continue  # not a graph pattern the parser accepted; leave it as it is
            helper = f"?{HELPER}{len(edits)}"
            # The table after the graph pattern, in a sub-select: Virtuoso 7.2 fails to
            # compile a VALUES block beside a graph pattern in several other places.
            edits.append((before.start, before.start, "{ "))
            edits.append((token.start, token.end, helper))
            edits.append((close.end, close.end, f" {{ SELECT * WHERE {{ VALUES ({helper} "
                                                f"{token.text}) {{ {table} }} }} }} }}"))
    for start, end, text in sorted(edits, reverse=True):
        query = query[:start] + text + query[end:]
    return query, names_dataset


def _closing(items: list[Token], index: int) -> Token | None:
    """The ``}`` closing the group that opens at ``items[index]``."""
    if index >= len(items) or items[index].text != "{":
        return None
    depth = 0
    for token in items[index:]:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                return token
    return None


def _iri_text(text: str, base: str) -> str:
    return urljoin(base, text[1:-1]) if base else text[1:-1]


def _expand(token: Token, prefixes: dict[str, str], base: str) -> str | None:
    if token.kind == "iri":
        return _iri_text(token.text, base)
    prefix, _, local = token.text.partition(":")
    namespace = prefixes.get(prefix)
    return None if namespace is None else namespace + local


def bind(query: str, bindings: Bindings | None) -> str:
    """``query`` with ``bindings`` joined in as a ``VALUES`` block at the start of every
    ``WHERE`` group (of a sub-select too; a group holding only a sub-select is left to
    it), as the embedded store's substitution binds them before evaluation."""
    if not bindings:
        return query
    names = sorted(bindings)
    block = (" VALUES (" + " ".join(f"?{name}" for name in names) + ") { ("
             + " ".join(value_text(bindings[name]) for name in names) + ") } ")
    items = list(tokens(query))
    places = []
    for index, token in enumerate(items):
        if token.text != "{":
            continue
        before = items[index - 1] if index else None
        first_group = not any(t.text == "{" for t in items[:index]) and not any(
            _is(t, "CONSTRUCT") for t in items[:index])
        after = items[index + 1] if index + 1 < len(items) else None
        if (_is(before, "WHERE") or first_group) and not _is(after, "SELECT"):
            places.append(token.end)
    if not places:
        raise StoreError("a query of ours has no WHERE group to bind values in")
    for place in reversed(places):
        query = query[:place] + block + query[place:]
    return query


def blank_label(identifier: str) -> str:
    """A store's blank node identifier as a blank node label (Virtuoso's
    ``nodeID://b10000`` is not one: ``virtuoso-b10000``, which :func:`value_text`
    turns back)."""
    if identifier.startswith("nodeID://"):
        return VIRTUOSO_BLANK + identifier[len("nodeID://"):]
    return identifier


def value_text(term: Term) -> str:
    """A term as it may stand in a ``VALUES`` block."""
    if isinstance(term, IRI):
        IRI.checked(term.value)
        return str(term)
    if isinstance(term, Literal):
        return str(term)  # escaped as N-Triples: a SPARQL string too
    if isinstance(term, BlankNode) and term.value.startswith(VIRTUOSO_BLANK):
        # Virtuoso names its blank nodes as IRIs in queries: <nodeID://b10000>.
        return f"<nodeID://{term.value[len(VIRTUOSO_BLANK):]}>"
    raise StoreError(f"a blank node ({term}) cannot be bound in a query to this store")


def names_dataset(query: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``)."""
    if "from" not in query.lower():  # most queries: no token can be FROM, none is made
        return False
    return any(_is(token, "FROM") for token in tokens(query))


def names_graphs(query: str) -> bool:
    """Whether the query reads named graphs (has a ``GRAPH`` pattern)."""
    return any(_is(token, "GRAPH") for token in tokens(query))


def query_form(query: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the form of a query."""
    for token in tokens(query):
        if token.kind == "word" and token.text.upper() in FORMS:
            return token.text.upper()
    return None
