"""The types of the store interface (see :mod:`dskg.store`)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dskg.errors import DskgError
from dskg.rdf import IRI, Term, Triple

#: One solution: variable name → value, ``None`` where the variable is unbound.
Row = dict[str, Term | None]
Bindings = Mapping[str, Term]


def term_of(row: Row, name: str) -> Term:
    """The value of a variable the query always binds."""
    term = row[name]
    if term is None:
        raise StoreError(f"the query left ?{name} unbound")
    return term


def iri_of(row: Row, name: str) -> IRI:
    """The value of a variable the query always binds to an IRI (a predicate, say)."""
    term = term_of(row, name)
    if not isinstance(term, IRI):
        raise StoreError(f"the query bound ?{name} to {term}, not an IRI")
    return term


def text_of(row: Row, name: str) -> str:
    """The lexical value of a variable the query always binds."""
    return term_of(row, name).value


class StoreError(DskgError):
    """The store cannot be opened or read; the message says why in one line."""


class EvaluationStopped(StoreError):
    """The store stopped evaluating a query at its time limit."""


class QuerySyntaxError(Exception):
    """A query the store cannot parse or evaluate as SPARQL 1.1 Query."""


@dataclass
class QueryResult:
    """The answer of a client's query, read lazily: ``rows`` for SELECT, ``boolean`` for
    ASK, ``triples`` for CONSTRUCT and DESCRIBE."""

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: Iterator[list[Term | None]] = iter(())
    boolean: bool = False
    triples: Iterator[Triple] = iter(())


class Output(Protocol):
    """Where a store writes its content: a binary file, plain or compressed."""

    def write(self, data: bytes, /) -> object: ...


class Queryable(Protocol):
    """What the pages need: our own bounded queries."""

    def select(self, query: str, bindings: Bindings | None = None) -> list[Row]:
        """Rows of a SELECT query of ours over the union of all graphs."""

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        """Answer of an ASK query of ours over the union of all graphs."""


class Evaluating(Protocol):
    """What a client's query needs: the whole of SPARQL 1.1 Query."""

    def evaluate(self, query: str, base_iri: str | None = None,
                 default_graphs: Sequence[str] = (),
                 named_graphs: Sequence[str] = ()) -> QueryResult:
        """A client's query, with the protocol's dataset parameters (no default graph
        given: the union of all graphs)."""


class Store(Queryable, Evaluating, Protocol):
    """A whole graph store: our queries, clients' queries, and its content."""

    #: Whether a query's answer comes in the same order each time without ORDER BY.
    stable_order: bool

    def graph_names(self) -> list[str]:
        """The named graphs the store holds."""

    def count(self) -> int:
        """Number of quads."""

    def dump(self, out: Output, name: str, prefixes: dict[str, str] | None = None) -> None:
        """The whole store: ``"nquads"`` keeps the named graphs; a graph format
        (:data:`dskg.formats.GRAPH_FORMATS`) writes the distinct triples of all graphs."""

    def triples(self) -> Iterator[Triple]:
        """The distinct triples of all graphs."""

    def graph_subjects(self, graph: str) -> set[str]:
        """Subjects (N-Triples form) of a named graph's statements."""

    def lines(self, subjects: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
        """Every quad (or those of ``subjects``, in N-Triples form) as its subject and
        its N-Quads line, without the line end: what dumps are made of."""

