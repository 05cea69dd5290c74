"""Writes the change stream (read by :mod:`dskg.artefact.history`): each build's
created, changed and deleted practices, organisations and funders as LDES members in
new fragments, and, once the build is live, the stream's index and snapshot."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS

from dskg.artefact import history as stream
from dskg.artefact.history import FRAGMENT_SIZE, GONE, INDEX, LATEST, SNAPSHOT, History
from dskg.namespaces import Namespaces
from dskg.rdf import nt_term, xsd_datetime
from dskg.text import fold

AS = Namespace(stream.AS)
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


def prepare(history: History, ns: Namespaces, descriptions: dict[str, list[tuple]],
            when: datetime, merged: dict[str, str] | None = None,
            deleted: set[str] | None = None) -> StreamChanges:
    """Write the fragments of this build's changes; return what to commit.

    ``descriptions``: the statements of every practice, organisation and funder,
    or (with ``deleted``, an incremental build) of those the build changed, and
    ``deleted`` those it took out. ``merged`` names practices the build knows were
    merged into others (their entries became duplicates); other merges are found
    by :func:`_record_last_versions`.

    Nothing that readers use changes here: the index, snapshot and the rest are
    committed by :func:`commit` once the build is live.
    """
    previous = history.snapshot
    found = changes(previous, descriptions, deleted)
    index = list(history.index)
    latest: dict[str, list] = history.read(LATEST, {})
    gone: dict[str, dict] = history.read(GONE, {})
    stamp = when.strftime("%Y%m%dT%H%M%S%fZ")
    history.fragments_dir.mkdir(parents=True, exist_ok=True)
    removed: list[Change] = []
    for start in range(0, len(found), FRAGMENT_SIZE):
        number = len(index) + 1
        batch = found[start:start + FRAGMENT_SIZE]
        text = "".join(member_lines(ns, change, when) for change in batch)
        path = history.fragment_path(number)
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
    _record_last_versions(history, removed, descriptions, gone)
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


def _record_last_versions(history: History, deleted: list[Change],
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
            fragments[number] = history.fragment_path(number).read_text(
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


def commit(history: History, prepared: StreamChanges) -> None:
    """Make a build's changes the stream's (once the build is live)."""
    history.write(INDEX, prepared.index)
    history.write(SNAPSHOT, prepared.snapshot)
    history.write(LATEST, prepared.latest)
    history.write(GONE, prepared.gone)
