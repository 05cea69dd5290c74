"""A Linked Data Event Stream (LDES) of what each build changed.

Harvesters should not re-download the whole graph to stay in sync. Each build
compares the practices, organisations and funders it publishes with those of the
previous build and appends one version object per created or changed entity
(its statements, with ``dct:isVersionOf`` and ``prov:generatedAtTime``) and one
tombstone (``as:Delete``) per deleted entity.

History lives in ``var/history/`` — beside the builds, never inside one — and is
only advanced after a build has been switched to, so a failed build loses nothing.
Members are written in fragments of at most ``FRAGMENT_SIZE``; a fragment never
changes once a newer one exists, so it can be cached for good.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from dskg.namespaces import Namespaces
from dskg.rdf import Triple, from_rdflib, nt_term, xsd_datetime
from dskg.text import fold

AS = Namespace("https://www.w3.org/ns/activitystreams#")
LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
FRAGMENT_SIZE = 1000
INDEX = "fragments.json"
SNAPSHOT = "snapshot.json"
#: Entity → its latest version in the stream (version IRI, fragment number).
LATEST = "latest.json"
#: Entity → how it left the graph (see :class:`Withdrawn`).
GONE = "gone.json"
#: What identifies an entity when looking for the one it was merged into.
IDENTITY = (DCTERMS.title, SKOS.prefLabel, SKOS.altLabel, FOAF.page, FOAF.homepage)


@dataclass
class Change:
    entity: str
    kind: URIRef            # as:Create, as:Update or as:Delete
    triples: list[tuple]    # the entity's statements (empty for a deletion)


def fingerprint(triples: list[tuple]) -> str:
    lines = sorted(f"{p.n3()} {o.n3()}" for _, p, o in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def changes(previous: dict[str, str], current: dict[str, list[tuple]],
            deleted: set[str] | None = None) -> list[Change]:
    """Creations and updates among ``current``; deletions: ``deleted``, or (when it is
    ``None``, ``current`` then holding every entity) what ``previous`` has and
    ``current`` has not."""
    found = []
    for entity in sorted(current):
        if entity not in previous:
            found.append(Change(entity, AS.Create, current[entity]))
        elif previous[entity] != fingerprint(current[entity]):
            found.append(Change(entity, AS.Update, current[entity]))
    gone = set(previous) - set(current) if deleted is None else deleted & set(previous)
    for entity in sorted(gone):
        found.append(Change(entity, AS.Delete, []))
    return found


def version_iri(ns: Namespaces, entity: str, stamp: str) -> URIRef:
    local = entity[len(ns.base):] if entity.startswith(ns.base) else hashlib.sha1(
        entity.encode()).hexdigest()
    return ns.iri(f"set/ldes/version/{local.removeprefix('id/')}/{stamp}")


def member_lines(ns: Namespaces, change: Change, when: datetime) -> str:
    """The version object of one change, as N-Triples.

    Written as text rather than through a graph: the first build of a large graph
    creates one member per entity (100k practices: 2 million statements).
    """
    version = f"<{version_iri(ns, change.entity, when.strftime('%Y%m%dT%H%M%S%fZ'))}>"
    header = [(RDF.type, change.kind), (DCTERMS.isVersionOf, URIRef(change.entity)),
              (PROV.generatedAtTime, xsd_datetime(when))]
    return "".join(f"{version} {nt_term(p)} {nt_term(o)} .\n"
                   for p, o in header + [(p, o) for _, p, o in change.triples])


def identity_keys(triples: list[tuple]) -> set[str]:
    """Folded titles and labels, and pages, of one entity's statements."""
    return {("page:" + str(o).rstrip("/")) if p in (FOAF.page, FOAF.homepage)
            else "label:" + fold(str(o))
            for _, p, o in triples if p in IDENTITY}


@dataclass
class StreamChanges:
    """What a build will record in the stream once it is live."""

    index: list[dict]
    snapshot: dict[str, str]
    latest: dict[str, list]
    #: Every entity that ever left the graph, for ``410 Gone`` (time, last version and
    #: its statements, merged into).
    gone: dict[str, dict]


class History:
    """The event stream's files under ``var/history``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fragments_dir = folder / "fragments"

    def _read(self, name: str, default: Any) -> Any:
        path = self.folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default

    def _write(self, name: str, value: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.{os.getpid()}"
        temporary.write_text(json.dumps(value), encoding="utf-8")
        os.replace(temporary, self.folder / name)

    @property
    def index(self) -> list[dict]:
        return self._read(INDEX, [])

    @property
    def snapshot(self) -> dict[str, str]:
        return self._read(SNAPSHOT, {})

    def fragment_path(self, number: int) -> Path:
        return self.fragments_dir / f"{number}.nt"

    def prepare(self, ns: Namespaces, descriptions: dict[str, list[tuple]], when: datetime,
                merged: dict[str, str] | None = None,
                deleted: set[str] | None = None) -> StreamChanges:
        """Write the fragments of this build's changes; return what to commit.

        ``descriptions``: the statements of every practice, organisation and funder,
        or (with ``deleted``, an incremental build) of those the build changed, and
        ``deleted`` those it took out. ``merged`` names practices the build knows were
        merged into others (their entries became duplicates); other merges are found
        by :meth:`_record_last_versions`.

        Nothing that readers use changes here: the index, snapshot and the rest are
        committed by :meth:`commit` once the build is live.
        """
        previous = self.snapshot
        found = changes(previous, descriptions, deleted)
        index = list(self.index)
        latest: dict[str, list] = self._read(LATEST, {})
        gone: dict[str, dict] = self._read(GONE, {})
        stamp = when.strftime("%Y%m%dT%H%M%S%fZ")
        self.fragments_dir.mkdir(parents=True, exist_ok=True)
        removed: list[Change] = []
        for start in range(0, len(found), FRAGMENT_SIZE):
            number = len(index) + 1
            batch = found[start:start + FRAGMENT_SIZE]
            text = "".join(member_lines(ns, change, when) for change in batch)
            path = self.fragment_path(number)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
            index.append({"number": number, "time": when.isoformat(), "members": len(batch)})
            for change in batch:
                if change.kind == AS.Delete:
                    removed.append(change)
                    gone[change.entity] = {"time": when.isoformat(),
                                           "last": latest.pop(change.entity, None),
                                           "merged_into": []}
                else:
                    latest[change.entity] = [str(version_iri(ns, change.entity, stamp)),
                                             number]
                    gone.pop(change.entity, None)
        self._record_last_versions(removed, descriptions, gone)
        for change in removed:
            known = (merged or {}).get(change.entity)
            if known:
                into = set(gone[change.entity]["merged_into"]) | {known}
                gone[change.entity]["merged_into"] = sorted(into)
        current = {entity: fingerprint(triples) for entity, triples in descriptions.items()}
        if deleted is None:
            snapshot = current
        else:
            snapshot = {entity: value for entity, value in previous.items()
                        if entity not in deleted} | current
        return StreamChanges(index, snapshot, latest, gone)

    def _record_last_versions(self, deleted: list[Change],
                              descriptions: dict[str, list[tuple]],
                              gone: dict[str, dict]) -> None:
        """Keep each deleted entity's last version with its record (so a ``410`` never
        reads a fragment), and find merges: a deleted entity whose last version shares a
        title, label or page with an entity still published was merged into it."""
        if not deleted:
            return
        by_key: dict[str, set[str]] = {}
        for entity, triples in descriptions.items():
            for key in identity_keys(triples):
                by_key.setdefault(key, set()).add(entity)
        fragments: dict[int, list[str]] = {}
        for change in deleted:
            last = gone[change.entity]["last"]
            if not last:
                continue
            version, number = last
            if number not in fragments:
                fragments[number] = self.fragment_path(number).read_text(
                    encoding="utf-8").splitlines(keepends=True)
            # A version's statements are the lines it is the subject of: parse only those
            # of a fragment of up to 1,000 versions.
            last_version = Graph().parse(data="".join(
                line for line in fragments[number] if line.startswith(f"<{version}> ")),
                format="nt")
            gone[change.entity]["statements"] = last_version.serialize(
                format="nt", encoding="utf-8").decode("utf-8")
            into = set().union(*(by_key.get(key, set())
                                 for key in identity_keys(list(last_version))))
            gone[change.entity]["merged_into"] = sorted(into - {change.entity})

    def commit(self, prepared: StreamChanges) -> None:
        self._write(INDEX, prepared.index)
        self._write(SNAPSHOT, prepared.snapshot)
        self._write(LATEST, prepared.latest)
        self._write(GONE, prepared.gone)



def last_version(record: dict) -> list[Triple]:
    """The statements of a withdrawn entity's last version, as its record keeps them."""
    graph = Graph().parse(data=record.get("statements", ""), format="nt")
    return [Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o))  # type: ignore[arg-type]
            for s, p, o in graph]


def stream_graph(ns: Namespaces, index: list[dict]) -> Graph:
    """The ``ldes:EventStream`` and its view (the oldest fragment)."""
    stream = ns.iri("set/ldes")
    g = Graph()
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, DCTERMS.title, Literal("Changes to the Digital Skills Knowledge Graph",
                                          lang="en")))
    g.add((stream, LDES.timestampPath, PROV.generatedAtTime))
    g.add((stream, LDES.versionOfPath, DCTERMS.isVersionOf))
    for path_property, object_property, value in (
            (LDES.versionCreatePath, LDES.versionCreateObject, AS.Create),
            (LDES.versionUpdatePath, LDES.versionUpdateObject, AS.Update),
            (LDES.versionDeletePath, LDES.versionDeleteObject, AS.Delete)):
        g.add((stream, path_property, RDF.type))
        g.add((stream, object_property, value))
    g.add((stream, TREE.shape, ns.iri("def/shapes/StreamMember")))
    if index:
        view = fragment_iri(ns, index[0]["number"])
        g.add((stream, TREE.view, view))
        g.add((view, RDF.type, TREE.Node))
    return g


def fragment_iri(ns: Namespaces, number: int) -> URIRef:
    return ns.iri(f"set/ldes/fragment/{number}")


def fragment_graph(ns: Namespaces, history: History, index: list[dict], number: int) -> Graph:
    """One fragment: its members, and a relation to the next fragment if there is one."""
    node = fragment_iri(ns, number)
    stream = ns.iri("set/ldes")
    g = Graph()
    g.parse(history.fragment_path(number), format="nt")
    for version in set(g.subjects(DCTERMS.isVersionOf, None)):
        g.add((stream, TREE.member, version))
    g.add((node, RDF.type, TREE.Node))
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, TREE.view, fragment_iri(ns, index[0]["number"])))
    later = [entry for entry in index if entry["number"] == number + 1]
    if later:
        relation = URIRef(str(node) + "#next")
        g.add((node, TREE.relation, relation))
        g.add((relation, RDF.type, TREE.GreaterThanOrEqualToRelation))
        g.add((relation, TREE.node, fragment_iri(ns, number + 1)))
        g.add((relation, TREE.path, PROV.generatedAtTime))
        g.add((relation, TREE.value, Literal(later[0]["time"], datatype=XSD.dateTime)))
    return g
