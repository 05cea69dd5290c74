"""``dskg build`` and ``dskg validate``: source pages → records → RDF → SHACL → store.

A build is *full* or *incremental*. A full build reads every input, maps and
validates every practice and writes every artefact from scratch, holding practices as
small units (:class:`dskg.mapping.Unit`) rather than one large graph. An incremental
build starts from the build being served and its ledger (:mod:`dskg.ledger`): it
reads again only the inputs whose digest changed (and those whose entries are the
same practice as a changed one), maps them, validates only the practices whose
statements changed, and applies the difference to a copy of the store, the dumps'
segments, the change stream and the indexes. Whatever it cannot vouch for (another
ontology, shapes, curation, dskg version, a hand-edited registry, a change that takes
another practice's IRI or touches a quarantined resource, ``--strict``) makes it a
full build, and the report says why. Both give the same graph, dumps and indexes.

:func:`prepare` runs everything up to and including validation and quarantine;
:func:`build` then writes a new build directory and switches to it. A bad entry is
reported and left out; it never stops the other entries.

The package, in the order a build runs: :mod:`~dskg.build.plan` (the
:class:`~dskg.build.plan.Delta`: what changes), :mod:`~dskg.build.prepare` (read, map,
validate), :mod:`~dskg.build.report` (what was prepared, and the report),
:mod:`~dskg.build.write` (every artefact, through the writers beside it:
:mod:`~dskg.build.dumps` with :mod:`~dskg.build.statistics`,
:mod:`~dskg.build.browse_index`, :mod:`~dskg.build.indexes`, :mod:`~dskg.build.history`;
the ledger is written by :mod:`dskg.ledger`) and :mod:`~dskg.build.provenance` (the
build's own graph). What they write is read through :mod:`dskg.artefact`.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

from rdflib.namespace import RDF

from dskg.artefact.lifecycle import (
    new_build_dir,
    one_build_at_a_time,
    prune_builds,
    switch_current,
)
from dskg.build.history import commit as commit_stream
from dskg.build.prepare import few_collections, prepare
from dskg.build.report import Prepared
from dskg.build.write import write
from dskg.config import Config
from dskg.errors import DskgError
from dskg.harvest.cache import cache_path
from dskg.sources import load_sources

__all__ = ["BuildFailed", "NothingToPublish", "Prepared", "build", "check_inputs", "prepare"]
log = logging.getLogger("dskg.build")


class BuildFailed(DskgError):
    """A ``--strict`` build found errors; nothing was published."""


class NothingToPublish(DskgError):
    """The inputs hold no practice to publish (a missing or empty data folder, or
    every entry rejected); publishing would replace the graph with an empty one."""


def check_inputs(config: Config) -> None:
    """Refuse a data folder that cannot hold a graph, before any work."""
    data_dir = config.data_dir
    if not data_dir.is_dir():
        raise NothingToPublish(f"the data folder {data_dir} does not exist")
    sources = load_sources(data_dir)
    if not any(source.pages(data_dir) if not source.harvested
               else cache_path(config.var_dir, source.name).exists() for source in sources):
        raise NothingToPublish(f"the data folder {data_dir} holds no source pages "
                               "(sources/*.txt) and no declared source has been harvested "
                               "(dskg harvest)")


def build(config: Config, strict: bool = False, allow_empty: bool = False,
          full: bool = False) -> tuple[Prepared, Path]:
    """Build and publish a new store; return what was prepared and the build directory.

    Incremental unless ``full`` or ``strict`` (a strict build judges every entry). A
    graph without practices is published only with ``allow_empty``; anything that
    fails on the way (a full disk included) leaves the served build as it was and
    removes the unfinished one. One build at a time: a second waits for the first."""
    with one_build_at_a_time(config.var_dir):
        if not allow_empty:
            check_inputs(config)
        prepared = prepare(config, incremental=not (full or strict))
        if strict and prepared.errors:
            raise BuildFailed("\n".join(prepared.errors))
        if prepared.delta.full:
            practice = prepared.vocab.ns.dskg.GoodPractice
            if not allow_empty and not prepared.mapped.practices and not any(
                    (None, RDF.type, practice) in node.graph for node in prepared.nodes):
                raise NothingToPublish(f"no entry of the {len(prepared.records)} read from "
                                       f"{config.data_dir} is a publishable practice")
        build_dir = new_build_dir(config.var_dir)
        try:
            with few_collections():
                history, changes = write(prepared, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        switch_current(config.var_dir, build_dir)
        commit_stream(history, changes)
        removed = prune_builds(config.var_dir)
        log.info("published build %s%s", build_dir.name,
                 f" (removed {len(removed)} old builds)" if removed else "")
        return prepared, build_dir
