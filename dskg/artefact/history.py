"""A Linked Data Event Stream (LDES) of what each build changed.

Harvesters should not re-download the whole graph to stay in sync. Each build
compares the practices, organisations and funders it publishes with those of the
previous build and appends one version object per created or changed entity
(its statements, with ``dct:isVersionOf`` and ``prov:generatedAtTime``) and one
tombstone (``as:Delete``) per deleted entity.

History lives in ``var/history/`` — beside the builds, never inside one — and is
only advanced after a build has been switched to, so a failed build loses nothing.
Members are written in fragments of at most ``FRAGMENT_SIZE``; a fragment never
changes once a newer one exists, so it can be cached for good. This module reads the
stream (the server serves it); the build writes it (:mod:`dskg.build.history`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dskg.namespaces import Namespaces
from dskg.rdf import IRI, RDF_TYPE, XSD, Literal, Triple
from dskg.store import parse_ntriples

AS = "https://www.w3.org/ns/activitystreams#"
LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FRAGMENT_SIZE = 1000
INDEX = "fragments.json"
SNAPSHOT = "snapshot.json"
#: Entity → its latest version in the stream (version IRI, fragment number).
LATEST = "latest.json"
#: Entity → how it left the graph (its time, last version and statements, merged into).
GONE = "gone.json"


class History:
    """The event stream's files under ``var/history``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fragments_dir = folder / "fragments"

    def read(self, name: str, default: Any) -> Any:
        path = self.folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default

    def write(self, name: str, value: Any) -> None:
        """Replace one of the stream's files at once (readers see the old or the new)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.{os.getpid()}"
        temporary.write_text(json.dumps(value), encoding="utf-8")
        os.replace(temporary, self.folder / name)

    @property
    def index(self) -> list[dict]:
        return self.read(INDEX, [])

    @property
    def snapshot(self) -> dict[str, str]:
        return self.read(SNAPSHOT, {})

    def fragment_path(self, number: int) -> Path:
        return self.fragments_dir / f"{number}.nt"


def last_version(record: dict) -> list[Triple]:
    """The statements of a withdrawn entity's last version, as its record keeps them."""
    return list(parse_ntriples(record.get("statements", "").encode("utf-8")))


def stream_triples(ns: Namespaces, index: list[dict]) -> list[Triple]:
    """The ``ldes:EventStream`` and its view (the oldest fragment)."""
    stream = IRI(str(ns.iri("set/ldes")))
    a = IRI(RDF_TYPE)
    triples = [Triple(stream, a, IRI(LDES + "EventStream")),
               Triple(stream, IRI(DCTERMS + "title"), Literal.tagged(
                   "Changes to the Digital Skills Knowledge Graph", "en")),
               Triple(stream, IRI(LDES + "timestampPath"), IRI(PROV + "generatedAtTime")),
               Triple(stream, IRI(LDES + "versionOfPath"), IRI(DCTERMS + "isVersionOf"))]
    for kind, activity in (("Create", "Create"), ("Update", "Update"), ("Delete", "Delete")):
        triples += [Triple(stream, IRI(f"{LDES}version{kind}Path"), a),
                    Triple(stream, IRI(f"{LDES}version{kind}Object"), IRI(AS + activity))]
    triples.append(Triple(stream, IRI(TREE + "shape"), IRI(str(ns.iri("def/shapes/StreamMember")))))
    if index:
        view = IRI(fragment_iri(ns, index[0]["number"]))
        triples += [Triple(stream, IRI(TREE + "view"), view),
                    Triple(view, a, IRI(TREE + "Node"))]
    return triples


def fragment_iri(ns: Namespaces, number: int) -> str:
    return str(ns.iri(f"set/ldes/fragment/{number}"))


def fragment_triples(ns: Namespaces, history: History, index: list[dict],
                     number: int) -> list[Triple]:
    """One fragment: its members, and a relation to the next fragment if there is one."""
    node = IRI(fragment_iri(ns, number))
    stream = IRI(str(ns.iri("set/ldes")))
    a = IRI(RDF_TYPE)
    triples = list(dict.fromkeys(parse_ntriples(history.fragment_path(number).read_bytes())))
    versions = dict.fromkeys(t.subject for t in triples
                             if t.predicate.value == DCTERMS + "isVersionOf")
    triples += [Triple(stream, IRI(TREE + "member"), version) for version in versions]
    triples += [Triple(node, a, IRI(TREE + "Node")),
                Triple(stream, a, IRI(LDES + "EventStream")),
                Triple(stream, IRI(TREE + "view"), IRI(fragment_iri(ns, index[0]["number"])))]
    later = [entry for entry in index if entry["number"] == number + 1]
    if later:
        relation = IRI(node.value + "#next")
        triples += [Triple(node, IRI(TREE + "relation"), relation),
                    Triple(relation, a, IRI(TREE + "GreaterThanOrEqualToRelation")),
                    Triple(relation, IRI(TREE + "node"), IRI(fragment_iri(ns, number + 1))),
                    Triple(relation, IRI(TREE + "path"), IRI(PROV + "generatedAtTime")),
                    Triple(relation, IRI(TREE + "value"),
                           Literal.typed(later[0]["time"], XSD + "dateTime"))]
    return triples
