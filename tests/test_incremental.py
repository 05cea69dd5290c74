"""Incremental builds (issue 12, item 3): a build after an edit redoes only what the
edit touched, and gives what a full build of the same inputs gives — the store, the
browse and search index, the browse lists and every dump."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import DCTERMS, RDF

from dskg.artefact import Layout
from dskg.build import build
from dskg.build.history import AS
from dskg.config import Config

from .conftest import BASE, ROOT, current, make_project

pytestmark = pytest.mark.slow

BUILD_GRAPH = BASE + "set/build"
NEW_PAGE = """By Malta, Country providing the good practice, National good practice initiative, Type of initiative of the good practiceNo Comments
Coding clubs for Maltese libraries

12.03.2025 |

Weekly coding clubs in public libraries across Malta, run by volunteers.

Target audience

Digital skills for children

Country providing the good practice

Malta

Organisation providing the good practice

Malta Libraries Coding Network

Global Libraries Bulgarian Foundation
"""


def edit(data: Path) -> None:
    """Retitle one practice, withdraw another, add a page with a new organisation."""
    sample = data / "sources" / "good-practices-listing.txt"
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("Digital Skills Partnership", "Digital Skills Partnership "
                                   "of Bulgaria", 2), encoding="utf-8")
    second = data / "sources" / "listing-page-2.txt"
    text = second.read_text(encoding="utf-8")
    cut = text.index("By ", text.index("By ") + 1)
    second.write_text(text[:text.rindex("\n", 0, cut - 2)] + "\n", encoding="utf-8")
    (data / "sources" / "malta.txt").write_text(NEW_PAGE, encoding="utf-8")


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> tuple[Config, Config]:
    """One project built once, copied; then the same edit built incrementally in the
    first copy and fully in the second."""
    folder = tmp_path_factory.mktemp("incremental")
    first = make_project(folder / "a", pages=[ROOT / "data" / "sources" /
                                              "good-practices-listing.txt",
                                              ROOT / "tests" / "pages" / "listing-page-2.txt"])
    # Unchanged by the edit: a practice naming a curated organisation by one of its other
    # names; the edit's new practice names it by another, so the organisation's parts
    # change while one of them comes from a practice that is not read again.
    (first.data_dir / "sources" / "estonia.txt").write_text(
        NEW_PAGE.replace("Malta", "Estonia").replace("Maltese", "Estonian").replace(
            "Global Libraries Bulgarian Foundation", "GLBF"), encoding="utf-8")
    build(first)
    shutil.copytree(folder / "a", folder / "b", symlinks=True)
    second = Config(base=BASE, data_dir=folder / "b" / "data", var_dir=folder / "b" / "var",
                    ontology_dir=first.ontology_dir, shapes_dir=first.shapes_dir)
    for config in (first, second):
        edit(config.data_dir)
    build(first)
    build(second, full=True)
    return first, second


def report(config: Config) -> dict:
    return json.loads(current(config).report.read_text(encoding="utf-8"))


def quads(config: Config) -> set[str]:
    """The store's statements but the build's description of itself; blank nodes (the
    shapes') as one label, since every full build draws new ones."""
    store = ox.Store.read_only(str(current(config).store))
    return {" ".join("_:b" if isinstance(term, ox.BlankNode) else str(term) for term in q)
            for q in store.quads_for_pattern(None, None, None, None)
            if q.graph_name.value != BUILD_GRAPH}


def test_the_edit_was_built_incrementally_and_the_other_fully(both):
    incremental, full = (report(config)["mode"] for config in both)
    # Of four pages, one is unchanged; of the practices read again, only the retitled
    # and the new one are mapped, validated and written, one is withdrawn, and the
    # three whose entries did not change are neither mapped nor validated again.
    assert incremental == ("incremental: 3 of the inputs read again, 0 gone; 2 practices "
                           "written, 1 withdrawn, 3 read again unchanged"), incremental
    assert full.startswith("full (asked for)")
    timings = report(both[0])["timings"]
    assert set(timings) >= {"parse", "map", "validate", "load", "dumps", "indexes", "history"}


def test_stores_hold_the_same_statements(both):
    incremental, full = (quads(config) for config in both)
    assert incremental == full
    assert any("coding-clubs-for-maltese-libraries" in q for q in incremental)
    assert any("Malta Libraries Coding Network" in q for q in incremental)
    assert any("Digital Skills Partnership of Bulgaria" in q for q in incremental)


def table_rows(path: Path) -> dict[str, list]:
    """The index's content; full-text rows by practice (an incremental build keeps the
    unchanged practices' rows and appends new ones, so their numbers differ)."""
    connection = sqlite3.connect(path)
    try:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("facet", "term", "setting")} | {
            "practice": connection.execute(
                "SELECT id, iri, title, issued, description, organisations, words, published "
                "FROM practice p JOIN practice_text t ON t.doc = p.doc ORDER BY id").fetchall(),
            "search": connection.execute(
                "SELECT p.iri, s.title, s.description, s.organisations FROM search s "
                "JOIN practice p ON p.doc = s.rowid ORDER BY p.id").fetchall(),
            "documents": connection.execute("SELECT COUNT(*) FROM search").fetchall()}
    finally:
        connection.close()


def test_browse_index_and_lists_are_the_same(both):
    incremental, full = (current(config) for config in both)
    assert table_rows(incremental.browse) == table_rows(full.browse)
    assert json.loads(incremental.indexes.read_text()) == json.loads(full.indexes.read_text())


def entity_rows(path: Path) -> list[tuple]:
    """The entity index's content by IRI (a patched index numbers its new rows after the
    kept ones)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT iri, types, labels, countries, funders, start, s.names FROM entity e "
            "JOIN entity_search s ON s.rowid = e.id ORDER BY iri").fetchall()
    finally:
        connection.close()


def test_the_entity_index_is_patched_to_what_a_full_build_writes(both):
    incremental, full = (current(config) for config in both)
    patched = entity_rows(incremental.entities)
    assert patched == entity_rows(full.entities)
    iris = [row[0] for row in patched]
    assert any(iri.endswith("coding-clubs-for-maltese-libraries") for iri in iris)
    titles = {row[0].rsplit("/", 1)[-1]: row[2] for row in patched}
    assert "Digital Skills Partnership of Bulgaria" in titles["digital-skills-partnership"]
    connection = sqlite3.connect(incremental.entities)
    try:  # the index was patched, not written anew: the kept rows kept their numbers
        numbers = [n for (n,) in connection.execute("SELECT id FROM entity ORDER BY iri")]
    finally:
        connection.close()
    assert numbers != sorted(numbers)


def without_build(graph: Graph, build_quads: Graph) -> set:
    return {t for t in graph if t not in build_quads and not any(
        isinstance(term, BNode) for term in t)}


@pytest.mark.parametrize("name,fmt", [("dskg.ttl", "turtle"), ("dskg.nt.gz", "nt"),
                                      ("dskg.jsonld", "json-ld")])
def test_dumps_hold_the_same_statements(both, name, fmt):
    layouts = [current(config) for config in both]
    about = Graph()
    for layout in layouts:
        for line in gzip.decompress((layout.dumps / "dskg.nq.gz").read_bytes()).decode().splitlines():
            if line.endswith(f"<{BUILD_GRAPH}> ."):
                about.parse(data=line.rsplit(" ", 2)[0] + " .", format="nt")
    graphs = []
    for layout in layouts:
        data = (layout.dumps / name).read_bytes()
        graphs.append(without_build(Graph().parse(
            data=gzip.decompress(data) if name.endswith(".gz") else data, format=fmt), about))
    assert graphs[0] == graphs[1] and len(graphs[0]) > 1000


def test_nquads_dumps_are_equal_but_for_the_build_graph(both):
    texts = []
    for config in both:
        lines = gzip.decompress((current(config).dumps / "dskg.nq.gz").read_bytes()).decode()
        texts.append(sorted(re.sub(r"_:\w+", "_:b", line) for line in lines.splitlines()
                            if not line.endswith(f"<{BUILD_GRAPH}> .")))
    assert texts[0] == texts[1]


def test_change_streams_record_the_same_changes(both):
    streams = []
    for config in both:
        history = config.var_dir / "history"
        index = json.loads((history / "fragments.json").read_text())
        graph = Graph().parse(history / "fragments" / f"{index[-1]['number']}.nt", format="nt")
        streams.append(sorted((str(entity), str(kind).rsplit("#", 1)[-1])
                              for version, entity in graph.subject_objects(DCTERMS.isVersionOf)
                              for kind in graph.objects(version, RDF.type)
                              if str(kind).startswith(str(AS))))
    assert streams[0] == streams[1]
    kinds = [kind for _, kind in streams[0]]
    # The new practice and its organisation; the withdrawn practice and the organisation
    # only it named; the retitled practice and those whose entry number moved.
    assert kinds.count("Create") == 2 and kinds.count("Delete") == 2 and "Update" in kinds


def test_a_build_without_changes_reads_nothing_again(tmp_path):
    config = make_project(tmp_path)
    build(config)
    first = Layout(config.current_build.resolve())
    build(config)
    mode = report(config)["mode"]
    assert mode.startswith("incremental: 0 of the inputs read again"), mode
    served = config.current_build
    assert served.resolve() != first.root
    after = quads(config)
    served.unlink()
    served.symlink_to(first.root)
    assert after == quads(config)


def test_a_curation_change_makes_a_full_build(tmp_path):
    config = make_project(tmp_path)
    build(config)
    curation = next((config.data_dir / "curation").glob("*.yaml"))
    curation.write_text(curation.read_text(encoding="utf-8") + "\n# reviewed\n",
                        encoding="utf-8")
    build(config)
    assert report(config)["mode"].startswith("full (the ontology, shapes, curation")


def test_patched_frequent_word_bitsets_equal_computed_ones(both, tmp_path, ns):
    """The build's threshold for frequent words (1,000 practices) is never reached by
    this data; with a threshold of 2, every bitset of the index is renumbered."""
    from dskg.build.browse_index import write_browse_index
    from dskg.store import open_store

    builds = sorted(p for p in (both[0].var_dir / "builds").iterdir() if p.is_dir())
    before, after = (open_store(Layout(path).store) for path in (builds[-2], builds[-1]))
    changed = {q.split(" ", 1)[0][1:-1] for q in quads_of(builds[-2]) ^ quads_of(builds[-1])}
    write_browse_index(before, ns, tmp_path / "before.sqlite", frequent=2)
    write_browse_index(after, ns, tmp_path / "full.sqlite", frequent=2)
    write_browse_index(after, ns, tmp_path / "patched.sqlite", frequent=2,
                       previous=tmp_path / "before.sqlite", touched=changed)
    full, patched = table_rows(tmp_path / "full.sqlite"), table_rows(tmp_path / "patched.sqlite")
    assert sum(1 for row in full["term"] if row[2] is not None) > 50
    assert patched == full


def quads_of(build: Path) -> set[str]:
    store = ox.Store.read_only(str(Layout(build).store))
    return {str(q) for q in store.quads_for_pattern(None, None, None, None)
            if q.graph_name.value != BUILD_GRAPH and not isinstance(q.subject, ox.BlankNode)}


def test_an_unreadable_ledger_makes_a_full_build(tmp_path):
    config = make_project(tmp_path)
    build(config)
    current(config).ledger.write_bytes(b"not a database")
    build(config)
    assert report(config)["mode"].startswith(
        "full (the ledger of the served build cannot be read"), report(config)["mode"]
