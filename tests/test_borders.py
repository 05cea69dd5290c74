"""The pipeline (``dskg/``) never depends on the web app (``server/``)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "dskg").rglob("*.py")),
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_the_pipeline_never_imports_the_web_app(path):
    crossing = {name for name in imported_modules(path)
                if name == "server" or name.startswith("server.")}
    assert not crossing, f"{path.relative_to(ROOT)} imports {sorted(crossing)}"


def test_the_border_check_sees_a_crossing(tmp_path):
    module = tmp_path / "crossing.py"
    module.write_text("def f():\n    from server.serve import serve\n")
    assert "server.serve" in imported_modules(module)
