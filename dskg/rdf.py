"""RDF terms in neutral form: what the store interface returns and the server reads.

A store adapter (``dskg/store/``) turns its own terms into these and back, so nothing
outside it depends on which store answered. rdflib stays the library the pipeline
builds graphs with; :func:`from_rdflib` and :func:`to_rdflib` cross between the two.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rdflib import BNode as _RdflibBNode
from rdflib import Literal as _RdflibLiteral
from rdflib import URIRef as _RdflibURIRef
from rdflib.term import Node as _RdflibNode

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LANG_STRING = RDF + "langString"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]|%(?![0-9A-Fa-f]{2})')


@dataclass(frozen=True, slots=True)
class IRI:
    value: str

    @classmethod
    def checked(cls, value: str) -> IRI:
        """An IRI from text a client sent; ``ValueError`` unless it is an absolute IRI."""
        if not _SCHEME.match(value) or _NOT_IN_IRI.search(value):
            raise ValueError(f"not an absolute IRI: {value!r}")
        return cls(value)

    def __str__(self) -> str:
        return f"<{self.value}>"


@dataclass(frozen=True, slots=True)
class BlankNode:
    """A blank node; a new one gets a fresh label."""

    value: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __str__(self) -> str:
        return f"_:{self.value}"


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal; ``datatype`` is ``rdf:langString`` when ``language`` is set."""

    value: str
    datatype: IRI = IRI(XSD + "string")
    language: str | None = None

    @classmethod
    def tagged(cls, value: str, language: str) -> Literal:
        return cls(value, IRI(LANG_STRING), language)

    @classmethod
    def typed(cls, value: str, datatype: str) -> Literal:
        return cls(value, IRI(datatype))

    def __str__(self) -> str:
        text = (self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                .replace("\r", "\\r"))
        if self.language:
            return f'"{text}"@{self.language}'
        if self.datatype.value != XSD + "string":
            return f'"{text}"^^<{self.datatype.value}>'
        return f'"{text}"'


Term = IRI | BlankNode | Literal
Subject = IRI | BlankNode


@dataclass(frozen=True, slots=True)
class Triple:
    subject: Subject
    predicate: IRI
    object: Term


def from_rdflib(term: _RdflibNode) -> Term:
    """An rdflib term in neutral form."""
    if isinstance(term, _RdflibURIRef):
        return IRI(str(term))
    if isinstance(term, _RdflibBNode):
        return BlankNode(str(term))
    if isinstance(term, _RdflibLiteral):
        if term.language:
            return Literal.tagged(str(term), term.language)
        return Literal.typed(str(term), str(term.datatype or XSD + "string"))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: Term) -> _RdflibNode:
    if isinstance(term, IRI):
        return _RdflibURIRef(term.value)
    if isinstance(term, BlankNode):
        return _RdflibBNode(term.value)
    if term.language:
        return _RdflibLiteral(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":  # rdflib keeps ``"a"`` and ``"a"^^xsd:string`` apart
        return _RdflibLiteral(term.value)
    return _RdflibLiteral(term.value, datatype=_RdflibURIRef(term.datatype.value))


def xsd_datetime(when: datetime) -> _RdflibLiteral:
    """``when`` as an ``xsd:dateTime`` literal in the canonical lexical form (UTC as
    ``Z``, no trailing zeros in the seconds' fraction), as Oxigraph writes it back
    (rdflib's own normalising would write ``.771230+00:00``; Virtuoso writes three or six
    digits of fraction, the same instant)."""
    text = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{when.microsecond:06d}".rstrip("0")
    return _RdflibLiteral(f"{text}.{fraction}Z" if fraction else f"{text}Z",
                          datatype=_RdflibURIRef(XSD + "dateTime"), normalize=False)


def nt_term(term: _RdflibNode) -> str:
    """An rdflib term in N-Triples form (as its neutral form would print)."""
    if isinstance(term, _RdflibURIRef):
        return f"<{term}>"
    if isinstance(term, _RdflibBNode):
        return f"_:{term}"
    if isinstance(term, _RdflibLiteral):
        text = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                .replace("\r", "\\r"))
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is None or str(term.datatype) == XSD + "string":
            return f'"{text}"'
        return f'"{text}"^^<{term.datatype}>'
    raise TypeError(f"not an RDF term: {term!r}")


def iri_of_subject(term: str) -> str:
    """The IRI of a subject a store gives in N-Triples form (``<…>``)."""
    if not (term.startswith("<") and term.endswith(">")):
        raise ValueError(f"not an IRI in N-Triples form: {term!r}")
    return term[1:-1]


def ntriples_line(triple: tuple[_RdflibNode, _RdflibNode, _RdflibNode]) -> str:
    """One rdflib triple as a line of N-Triples."""
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n"


def neutral_triple(triple: tuple[_RdflibNode, _RdflibNode, _RdflibNode]) -> Triple:
    s, p, o = (from_rdflib(term) for term in triple)
    return Triple(s, p, o)  # type: ignore[arg-type]
