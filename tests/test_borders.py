"""The borders between the packages, checked on every module's imports.

- ``dskg/`` (pipeline and build-artefact API) never imports ``server/`` (the web app).
- ``server/`` uses from ``dskg`` only the artefact readers, the configuration and the
  store interface (with the terms and format names it speaks), never the pipeline:
  checked on the whole import closure of every server module, so a reader that
  imports a writer (or anything that imports the pipeline) is caught too.
- Only the Oxigraph adapter and its codec import pyoxigraph, so a second store can
  sit beside it.
"""
from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What ``server/`` may import from ``dskg``, and why each one.
SERVER_MAY_USE = (
    "dskg",             # the version number
    "dskg.artefact",    # a build, opened for reading (and its submodules)
    "dskg.config",      # the settings
    "dskg.namespaces",  # the IRIs minted under the configured base
    "dskg.store",       # the store interface (and its submodules)
    "dskg.rdf",         # the neutral terms the store interface returns
    "dskg.formats",     # the format names and serialisation the interface speaks
    "dskg.lifeline",    # child processes end with their parent
    "dskg.messages",    # the marker for interface text the catalogue translates
    "dskg.errors",      # the base class of errors with a message for people
    "dskg.text",        # folding names and words, as the build's keys and indexes do
    "dskg.fields",      # the practice's fields, declared once: the facets a page offers
    "dskg.accounts",    # the editors' accounts: the CLI manages them, the site signs people in
    "dskg.database",    # the var folder's small SQLite databases, opened one way
    "dskg.submissions", # what editors submit and its review: the site writes, the build reads
    "dskg.prose",       # a description's headings, paragraphs and lists, read as the build does
)
#: The modules that may import pyoxigraph: the embedded store and the codec it shares.
OXIGRAPH_MODULES = (ROOT / "dskg" / "store" / "oxigraph.py", ROOT / "dskg" / "store" / "codec.py")


@cache
def imported_modules(path: Path) -> frozenset[str]:
    """The modules ``path`` imports (parsed once per run; the checks share it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if node.module in ("dskg", "server"):  # ``from dskg import build`` imports a module
                names |= {f"{node.module}.{alias.name}" for alias in node.names
                          if alias.name != "__version__"}
    return frozenset(names)


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = ("dskg", "server")
                 ) -> dict[str, set[str]]:
    """Each module of ``packages`` → the modules of ``packages`` it imports (importing
    ``a.b.c`` runs ``a`` and ``a.b`` too)."""
    paths = {module_name(path, root): path for package in packages
             for path in sorted((root / package).rglob("*.py"))}
    graph = {}
    for name, path in paths.items():
        found = set()
        for imported in imported_modules(path):
            parts = imported.split(".")
            found |= {".".join(parts[:n]) for n in range(1, len(parts) + 1)} & set(paths)
        graph[name] = found - {name}
    return graph


def import_chain(graph: dict[str, set[str]], start: str, bad: Callable[[str], bool]
                 ) -> list[str] | None:
    """The first chain of imports from ``start`` to a module ``bad`` accepts, if any."""
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        if bad(name):
            chain = [name]
            while (previous := came_from[chain[-1]]) is not None:
                chain.append(previous)
            return chain[::-1]
        for imported in sorted(graph.get(name, ())):
            if imported not in came_from:
                came_from[imported] = name
                queue.append(imported)
    return None


def is_pipeline(name: str) -> bool:
    return (name == "dskg" or name.startswith("dskg.")) and not within(name, SERVER_MAY_USE)


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def within(name: str, allowed: tuple[str, ...]) -> bool:
    return any(name == a or (a != "dskg" and name.startswith(a + ".")) for a in allowed)


@pytest.mark.parametrize("path", modules_of("dskg"), ids=_id)
def test_the_pipeline_never_imports_the_web_app(path):
    crossing = {name for name in imported_modules(path)
                if name == "server" or name.startswith("server.")}
    assert not crossing, f"{_id(path)} imports {sorted(crossing)}"


GRAPH = import_graph()


@pytest.mark.parametrize("path", modules_of("server"), ids=_id)
def test_the_web_app_loads_no_pipeline_module(path):
    chain = import_chain(GRAPH, module_name(path), is_pipeline)
    assert chain is None, f"{_id(path)} loads the pipeline: {' → '.join(chain)}"


@pytest.mark.parametrize("path", modules_of("dskg") + modules_of("server"), ids=_id)
def test_only_the_store_adapter_knows_it_is_oxigraph(path):
    if path in OXIGRAPH_MODULES:
        return
    names = imported_modules(path)
    assert "pyoxigraph" not in names, f"{_id(path)} imports pyoxigraph"


def test_the_border_check_sees_a_crossing(tmp_path):
    module = tmp_path / "crossing.py"
    module.write_text("def f():\n    from server.serve import serve\n    import dskg.build\n"
                      "    from dskg import mapping\n")
    names = imported_modules(module)
    assert "server.serve" in names and "dskg.mapping" in names
    assert not within("dskg.build", SERVER_MAY_USE)
    assert within("dskg.artefact.browse", SERVER_MAY_USE)
    assert not within("dskg.buildx", ("dskg.build",))


def test_the_border_check_follows_imports_through_other_modules(tmp_path):
    for name, text in (("server/__init__.py", ""), ("server/view.py", "import dskg.artefact\n"),
                       ("dskg/__init__.py", ""),
                       ("dskg/artefact/__init__.py", "from dskg.build import write\n"),
                       ("dskg/build/__init__.py", ""), ("dskg/build/write.py", "")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert import_chain(graph, "server.view", is_pipeline) == [
        "server.view", "dskg.artefact", "dskg.build"]
    assert import_chain(graph, "server", is_pipeline) is None


#: The modules that read the query string: the typed declarations, and the one site-wide
#: parameter (``?lang=``, read before any view runs).
READS_QUERY_STRING = (ROOT / "server" / "params.py", ROOT / "server" / "i18n.py")


def reads_query_string(path: Path) -> bool:
    """Whether a module touches ``request.args`` (the views read ``arg()`` instead)."""
    return any(isinstance(node, ast.Attribute) and node.attr == "args"
               and isinstance(node.value, ast.Name) and node.value.id == "request"
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("path", modules_of("server"), ids=_id)
def test_views_read_parameters_only_through_their_declarations(path):
    if path in READS_QUERY_STRING:
        return
    assert not reads_query_string(path), \
        f"{_id(path)} reads request.args: declare the parameter with server.params.takes"


def test_the_query_string_check_sees_a_reader(tmp_path):
    module = tmp_path / "view.py"
    module.write_text("def view():\n    return request.args.get('page')\n")
    assert reads_query_string(module)
