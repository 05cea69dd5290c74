"""Every format name the project speaks, with its media type and file extension, and
the one function that writes triples in a graph format.

The endpoint, the document pages, the dumps, the catalogue and VoID all read these
tables, so a format is added here once. Writing is done by the store adapter's
serialiser, except compact JSON-LD, which we write ourselves (readable keys against
our prefixes instead of the expanded form serialisers give).
"""
from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import IO, NamedTuple

from dskg.rdf import IRI, RDF_TYPE, XSD, BlankNode, Term, Triple
from dskg.store.codec import serialize_triples

#: Result-set formats: name → media type.
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


class GraphFormat(NamedTuple):
    media: str
    label: str
    extension: str


#: Graph formats: name → (media type, label, file extension).
GRAPH_FORMATS = {
    "turtle": GraphFormat("text/turtle", "Turtle", "ttl"),
    "jsonld": GraphFormat("application/ld+json", "JSON-LD", "jsonld"),
    "rdfxml": GraphFormat("application/rdf+xml", "RDF/XML", "rdf"),
    "ntriples": GraphFormat("application/n-triples", "N-Triples", "nt"),
}
#: Media types clients send, mapped to our format names.
RESULT_MEDIA = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA = {
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
    "application/n-triples": "ntriples", "text/plain": "ntriples",
    # N3 is a superset of Turtle: a client asking for N3 reads our Turtle.
    "text/n3": "turtle", "text/rdf+n3": "turtle",
}
#: Names accepted by the ``format`` request parameter, as common endpoints allow.
FORMAT_ALIASES = {
    "json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "csv": ("csv", None),
    "tsv": ("tsv", None), "turtle": (None, "turtle"), "ttl": (None, "turtle"),
    "jsonld": (None, "jsonld"), "json-ld": (None, "jsonld"), "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"), "ntriples": (None, "ntriples"), "nt": (None, "ntriples"),
    # What SPARQLWrapper sends for its RDFXML and N3 return formats.
    "rdf+xml": ("xml", "rdfxml"), "n3": (None, "turtle"),
}
#: Formats that can use prefixes.
PREFIXED = ("turtle", "rdfxml")
#: RDF/XML writes a property as an XML element: its IRI must end in an XML name.
XML_NAME_END = re.compile(r"[^\W\d][\w.-]*$")


class Unwritable(ValueError):
    """These triples cannot be written in the asked format; the message says why."""


def serialize(triples: Iterable[Triple], name: str,
              prefixes: dict[str, str] | None = None) -> bytes:
    """``triples`` in the graph format ``name``; JSON-LD compact against ``prefixes``.

    :class:`Unwritable` for RDF/XML and a property it cannot name (the serialiser would
    write ill-formed XML)."""
    if name == "rdfxml":
        triples = list(triples)
        for predicate in {t.predicate.value for t in triples}:
            if not XML_NAME_END.search(predicate):
                raise Unwritable(f"RDF/XML cannot write the property <{predicate}>: its IRI "
                                 "does not end in an XML name")
    if name == "jsonld":
        out = io.StringIO()
        write_jsonld(triples, out, prefixes or {})
        return out.getvalue().encode("utf-8")
    return serialize_triples(triples, name, prefixes if name in PREFIXED else None)


class _Compactor:
    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        #: Properties, classes and concepts come back on every node: compact them once.
        self.compacted: dict[str, str] = {}

    def iri(self, value: str) -> str:
        found = self.compacted.get(value)
        if found is None:
            found = self.compacted[value] = self._compact(value)
            if len(self.compacted) > 100_000:
                self.compacted.clear()
        return found

    def _compact(self, value: str) -> str:
        for prefix, namespace in self.prefixes:
            if value.startswith(namespace) and len(value) > len(namespace):
                local = value[len(namespace):]
                if "/" not in local and "#" not in local and ":" not in local:
                    return f"{prefix}:{local}"
        return value

    def term(self, term: Term) -> object:
        if isinstance(term, IRI):
            return {"@id": self.iri(term.value)}
        if isinstance(term, BlankNode):
            return {"@id": f"_:{term.value}"}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == XSD + "string":
            return term.value
        return {"@value": term.value, "@type": self.iri(term.datatype.value)}

    def subject(self, term: IRI | BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, BlankNode) else self.iri(term.value)


def write_jsonld(triples: Iterable[Triple], out: IO[str], prefixes: dict[str, str]) -> None:
    """Compact JSON-LD: one node object per subject, keys as prefixed names."""
    compact = _Compactor(prefixes)
    nodes: dict[str, dict] = {}
    for triple in triples:
        node = nodes.setdefault(compact.subject(triple.subject),
                                {"@id": compact.subject(triple.subject)})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, IRI):
            node.setdefault("@type", []).append(compact.iri(triple.object.value))
        else:
            node.setdefault(compact.iri(triple.predicate.value), []).append(
                compact.term(triple.object))
    # One node object per line: readable, and written by json's fast C encoder (an
    # indented dump falls back to the pure-Python one, minutes on a large graph).
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
    out.write('{"@context": ' + context + ',\n"@graph": [\n')
    for index, node in enumerate(nodes.values()):
        out.write((",\n" if index else "") + json.dumps(node, ensure_ascii=False))
    out.write("\n]}\n")
