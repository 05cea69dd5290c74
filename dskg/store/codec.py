"""Reading and writing RDF for every store adapter: our format names' parsers and
serialisers, the SPARQL syntax check, and the conversion between Oxigraph's terms and
:mod:`dskg.rdf` terms.

Oxigraph's parsers and serialisers are the fastest we have (RDF/XML in milliseconds where
rdflib takes a second), and its SPARQL parser is the check every query passes before
any store sees it, so the remote adapter (:mod:`dskg.store.remote`) and the format
table (:mod:`dskg.formats`) use them through this module, never through the embedded
store's adapter. With :mod:`dskg.store.oxigraph`, the only modules that import
pyoxigraph.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from dskg.rdf import IRI, BlankNode, Literal, Term, Triple
from dskg.store.interface import QuerySyntaxError

#: Our format names (dskg.formats) → Oxigraph's formats.
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
}

_DATATYPES: dict[str, IRI] = {}
_EMPTY = ox.Store()


def neutral(term: object) -> Term:
    """An Oxigraph term as a :mod:`dskg.rdf` term."""
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal.tagged(term.value, term.language)
        datatype = term.datatype.value
        iri = _DATATYPES.get(datatype)
        if iri is None:
            iri = _DATATYPES[datatype] = IRI(datatype)
        return Literal(term.value, iri)
    if isinstance(term, ox.BlankNode):
        return BlankNode(term.value)
    return Literal(str(term))  # an RDF 1.2 triple term: shown as its text


def native(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A :mod:`dskg.rdf` term as an Oxigraph term."""
    if isinstance(term, IRI):
        return ox.NamedNode(term.value)
    if isinstance(term, BlankNode):
        return ox.BlankNode(term.value)
    if term.language:
        return ox.Literal(term.value, language=term.language)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value))


def neutral_triple(triple: ox.Triple) -> Triple:
    subject = triple.subject
    return Triple(IRI(subject.value) if isinstance(subject, ox.NamedNode)
                  else BlankNode(subject.value) if isinstance(subject, ox.BlankNode)
                  else BlankNode(),  # an RDF 1.2 triple term as subject: not in our data
                  IRI(triple.predicate.value), neutral(triple.object))


def native_triple(triple: Triple) -> ox.Triple:
    subject = triple.subject
    return ox.Triple(ox.NamedNode(subject.value) if isinstance(subject, IRI)
                     else ox.BlankNode(subject.value),
                     ox.NamedNode(triple.predicate.value), native(triple.object))


def native_subject(text: str) -> ox.NamedNode | ox.BlankNode:
    """A subject in N-Triples form as an Oxigraph term."""
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    return ox.NamedNode(text[1:-1])


def check_query(query: str, base_iri: str | None = None) -> list[str] | None:
    """Parse ``query`` as SPARQL 1.1 without evaluating it; :class:`QuerySyntaxError`
    with the parser's message if it is not (so another store sees only standard
    queries, and clients get the same messages whatever the store). For a SELECT
    query, the variables it projects, in the order this store answers them."""
    try:
        result = _EMPTY.query(query, base_iri=base_iri)  # lazy: this only parses
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    if isinstance(result, ox.QuerySolutions):
        return [variable.value for variable in result.variables]
    return None


def parse_ntriples(data: bytes) -> Iterator[Triple]:
    """N-Triples (or the triples of N-Quads) as neutral triples."""
    return parse_triples(data, "nquads")


def parse_triples(data: bytes, name: str) -> Iterator[Triple]:
    """A document in one of our formats as neutral triples (Oxigraph's parsers: RDF/XML
    in milliseconds where rdflib takes a second)."""
    for quad in ox.parse(data, RDF_FORMATS[name]):
        yield neutral_triple(ox.Triple(quad.subject, quad.predicate, quad.object))


def ntriples_to(data: bytes, name: str, prefixes: dict[str, str] | None = None) -> bytes:
    """N-Triples rewritten in another of our graph formats, without leaving Oxigraph."""
    return ox.serialize(ox.parse(data, ox.RdfFormat.N_TRIPLES), format=RDF_FORMATS[name],
                        prefixes=prefixes) or b""


def serialize_triples(triples: Iterable[Triple], name: str,
                      prefixes: dict[str, str] | None = None) -> bytes:
    """Triples in one of our graph formats, written by Oxigraph's serialiser."""
    return ox.serialize((native_triple(t) for t in triples), format=RDF_FORMATS[name],
                        prefixes=prefixes) or b""
