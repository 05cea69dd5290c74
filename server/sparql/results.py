"""Writers of SPARQL results (JSON, XML, CSV, TSV) and of graph results.

The endpoint caps the number of rows it returns, so it serialises results itself
from the rows it kept rather than handing the store's whole answer to a serialiser.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from dskg.formats import serialize
from dskg.rdf import IRI, XSD, BlankNode, Literal, Term

XSD_STRING = XSD + "string"


def term_json(term: Term) -> dict:
    if isinstance(term, IRI):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def select_json(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    bindings = [{v: term_json(t) for v, t in zip(variables, row) if t is not None}
                for row in rows]
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode("utf-8")


def _term_xml(term: Term) -> str:
    if isinstance(term, IRI):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    attributes = ""
    if term.language:
        attributes = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype.value != XSD_STRING:
        attributes = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attributes}>{escape(term.value)}</literal>"


def select_xml(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
           "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables), "</head>",
           "<results>"]
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>"
                for v, t in zip(variables, row) if t is not None]
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out).encode("utf-8")


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return "_:" + term.value
    return term.value


def _tsv_value(term: Term | None) -> str:
    """The Turtle-like encoding SPARQL 1.1 TSV requires."""
    if term is None:
        return ""
    if isinstance(term, Literal):
        text = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
            .replace("\r", "\\r").replace("\t", "\\t")
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype.value != XSD_STRING:
            return f'"{text}"^^<{term.datatype.value}>'
        return f'"{text}"'
    return str(term)


def select_csv(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_value(t) for t in row])
    return buffer.getvalue().encode("utf-8")


def select_tsv(variables: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


SELECT_WRITERS = {"json": select_json, "xml": select_xml, "csv": select_csv, "tsv": select_tsv}


def ask_body(answer: bool, name: str) -> bytes:
    if name == "json":
        return json.dumps({"head": {}, "boolean": answer}).encode()
    if name == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>").encode()
    return f"_askResult\r\n{'true' if answer else 'false'}\r\n".encode()


def graph_body(triples: list, name: str, prefixes: dict[str, str] | None = None) -> bytes:
    return serialize(triples, name, prefixes)
