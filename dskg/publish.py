"""``dskg publish``: a finished build into an external SPARQL store, switched in at once.

Readers must never see a half-loaded or a mixed graph, and a publish that fails or is
killed must leave the served build as it was. So:

1. each build is loaded into graphs of its own (:meth:`dskg.store.remote.Endpoints.graph`),
   which no reader queries yet;
2. the union of them is copied into one more graph inside the store (the default graph
   of the build's queries: one graph is much faster on Virtuoso than a dataset of
   several); the statements each graph holds in the store are counted and compared
   with the build's; any difference stops the publish;
3. one SPARQL Update moves the deployment's pointer in the store
   (:attr:`~dskg.store.remote.Endpoints.pointer`) to the build; servers follow it
   (``follow_builds``), each switching all its workers at once;
4. after ``Config.grace`` seconds (servers on the old build finish what they answer)
   the previous build's graphs are dropped.

Graphs of a publish that never switched (killed midway) are dropped by the next publish.
Publishing an older build that is still on disk rolls back to it. Run one publish of a
deployment at a time: a second one would take the first one's graphs for leftovers.
Loading uses Virtuoso's bulk loader when the store runs on this machine
(``store_isql``), and the Graph Store Protocol otherwise.
"""
from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dskg.artefact import Build
from dskg.config import Config
from dskg.progress import Progress, stage
from dskg.store import StoreError
from dskg.store.oxigraph import OxigraphStore
from dskg.store.remote import (
    Endpoints,
    StoreAdmin,
    published_build,
    switch_statement,
)

log = logging.getLogger("dskg.publish")
#: Statements per Graph Store Protocol request (a graph holding blank nodes goes whole,
#: so their labels stay one document's).
CHUNK = 50_000


class PublishFailed(StoreError):
    """The build could not be published; the store serves what it served before."""


@dataclass
class Published:
    build: str
    previous: str | None
    statements: dict[str, int] = field(default_factory=dict)
    loader: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def publish(config: Config, build_dir: Path | None = None) -> Published:
    """Load the build at ``build_dir`` (default: ``var/current``) into the store and make
    it the served one; :class:`PublishFailed` leaves the served build untouched."""
    build = Build.open(build_dir or config.current_build)
    endpoints = Endpoints.from_config(config)
    admin = StoreAdmin(endpoints)
    previous = published_build(endpoints)
    done = Published(build.id, previous)
    if previous == build.id:
        log.info("build %s is already the published one", build.id)
        return done
    with stage("clean", done.timings, log):
        for stale, graphs in admin.build_graphs().items():
            if stale != previous:  # a killed publish, or an earlier try of this build
                log.info("dropping %d graphs of build %s, never switched in", len(graphs), stale)
                _drop(config, admin, graphs)
    source = OxigraphStore.read_only(build.layout.store)
    tally = Tally()
    with stage("load", done.timings, log):
        if config.store_kind == "virtuoso" and config.store_isql:
            done.loader = "virtuoso bulk loader"
            _bulk_load(config, endpoints, build, source, tally)
        else:
            done.loader = "graph store protocol"
            _http_load(admin, build.id, source, tally)
        done.statements = tally.counts
    with stage("union", done.timings, log):
        _union(config, admin, build.id, sorted(tally.counts))
    with stage("check", done.timings, log):
        held = admin.graph_sizes(build.id)
        wrong = {graph: (count, held.get(graph, 0)) for graph, count in tally.counts.items()
                 if held.get(graph, 0) != count}
        union = admin.graph_size(endpoints.union(build.id))
        if union != len(tally.distinct):
            wrong["(the union of all graphs)"] = (len(tally.distinct), union)
        if wrong:
            graph, (expected, found) = sorted(wrong.items())[0]
            raise PublishFailed(f"the store holds {found} statements of graph {graph}, the "
                                f"build {expected} ({len(wrong)} graphs differ); build "
                                f"{previous or '(none)'} stays published")
    with stage("switch", done.timings, log):
        admin.update(switch_statement(endpoints, build.id))
    log.info("build %s is published (it was %s)", build.id, previous or "none")
    if previous:
        with stage("drop previous", done.timings, log):
            log.info("dropping build %s's graphs in %.0f s, once servers moved on",
                     previous, config.grace)
            time.sleep(config.grace)
            old = admin.build_graphs().get(previous, set())
            _drop(config, admin, old)
    return done


class Tally:
    """What a load sent: statements per graph, and the distinct statements of them all
    (the size the union graph must have)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.distinct: set[int] = set()

    def lines(self, source: OxigraphStore, graph: str) -> Iterator[str]:
        count = 0
        for line in source.graph_lines(graph):
            count += 1
            self.distinct.add(hash(line))
            yield line
        self.counts[graph] = count


def _http_load(admin: StoreAdmin, build_id: str, source: OxigraphStore, tally: Tally) -> None:
    """Every graph, in chunks of N-Triples over the Graph Store Protocol."""
    graphs = source.graph_names()
    progress = Progress("graphs loaded", len(graphs), log)
    for graph in graphs:
        target = admin.endpoints.graph(build_id, graph)
        whole = source.has_blank_nodes(graph)
        chunk: list[str] = []
        for line in tally.lines(source, graph):
            chunk.append(line)
            if len(chunk) >= CHUNK and not whole:
                admin.post_ntriples(target, "\n".join(chunk).encode() + b"\n")
                chunk = []
        if chunk:
            admin.post_ntriples(target, "\n".join(chunk).encode() + b"\n")
        progress.advance()


def _union(config: Config, admin: StoreAdmin, build_id: str, graphs: list[str]) -> None:
    """The union graph of the build: the default graph its queries are answered from (one
    graph there is as fast as the whole store; a dataset of several is 2–3 times slower
    on Virtuoso). Copied inside the store with SPARQL Update ``ADD``."""
    endpoints = admin.endpoints
    adds = [f"ADD SILENT <{endpoints.graph(build_id, graph)}> TO <{endpoints.union(build_id)}>"
            for graph in graphs]
    if config.store_kind == "virtuoso" and config.store_isql:
        _isql(config, "log_enable(3, 1); " + " ".join(f"SPARQL {add};" for add in adds)
              + " checkpoint;")
    else:
        admin.update(" ;\n".join(adds))


def _bulk_load(config: Config, endpoints: Endpoints, build: Build,
               source: OxigraphStore, tally: Tally) -> None:
    """One N-Quads file of the build's graphs under their names in the store, loaded
    by Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run``), then checkpointed."""
    folder = Path(config.store_load_dir or config.var.publish).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{build.id}-{time.time_ns()}.nq"
    try:
        with path.open("w", encoding="utf-8") as out:
            for graph in source.graph_names():
                target = f" <{endpoints.graph(build.id, graph)}> .\n"
                for line in tally.lines(source, graph):
                    out.write(line[:-2] + target)  # the triple's line ends with " ."
        file = _sql_text(str(path.parent))
        answer = _isql(config, f"ld_dir('{file}', '{_sql_text(path.name)}', "
                       "'urn:dskg:unused'); rdf_loader_run(); checkpoint; "
                       "select 'LOAD-ERROR', ll_error from DB.DBA.load_list where ll_file = "
                       f"'{_sql_text(str(path))}' and ll_error is not null; "
                       f"delete from DB.DBA.load_list where ll_file = '{_sql_text(str(path))}';")
        errors = [line for line in answer.splitlines() if line.startswith("LOAD-ERROR")]
        if errors:
            raise PublishFailed(f"Virtuoso's bulk loader could not load {path.name}: "
                                f"{errors[0][len('LOAD-ERROR'):].strip()}")
    finally:
        path.unlink(missing_ok=True)


def _drop(config: Config, admin: StoreAdmin, graphs: set[str]) -> None:
    if not graphs:
        return
    if config.store_kind == "virtuoso" and config.store_isql:
        # Without the transaction log for the delete: a drop of a million statements
        # in one logged transaction takes the log's size and minutes.
        _isql(config, "log_enable(3, 1); " + " ".join(
            f"SPARQL CLEAR GRAPH <{graph}>;" for graph in sorted(graphs)) + " checkpoint;")
        return
    admin.update(" ;\n".join(f"DROP SILENT GRAPH <{graph}>" for graph in sorted(graphs)))


def _sql_text(text: str) -> str:
    if "'" in text or "\\" in text:
        raise PublishFailed(f"a path or name with a quote or backslash cannot be given to "
                            f"Virtuoso's loader: {text!r}")
    return text


def _isql(config: Config, statements: str) -> str:
    """Run SQL statements with Virtuoso's ``isql`` on the store's SQL port."""
    command = ["isql-vt", config.store_isql, config.store_user, config.store_password,
               "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT",
               f"exec={statements}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=24 * 3600)
    except FileNotFoundError:
        raise PublishFailed("isql-vt (Virtuoso's SQL client, Debian package "
                            "virtuoso-opensource-7-bin) is not installed; unset "
                            "DSKG_STORE_ISQL to load over HTTP") from None
    output = done.stdout + done.stderr
    failure = next((line for line in output.splitlines()
                    if "*** Error" in line or line.startswith("Error")), None)
    if done.returncode != 0 or failure:
        raise PublishFailed(f"Virtuoso's SQL client failed: {failure or output.strip()[:300]}")
    return output
