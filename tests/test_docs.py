"""The documentation holds together: every relative link in every Markdown file of the
repository names a file that exists and, with ``#anchor``, a heading of that file (as
GitHub makes anchors), and every page of ``docs/`` is reachable from the README."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.M)


def markdown_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*.md"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(ROOT / name for name in tracked.split()
                  if not name.startswith(("node_modules/", "test-artifacts/"))
                  and (ROOT / name).exists())


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {anchor(heading) for heading in HEADING.findall(text)}


def links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans hold no links
    return [target for target in LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]  # http:, mailto: …


def broken(path: Path) -> list[str]:
    problems = []
    for target in links(path):
        file, _, fragment = target.partition("#")
        destination = (path.parent / file).resolve() if file else path
        if not destination.exists():
            problems.append(f"{target}: no such file")
        elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
            problems.append(f"{target}: no heading #{fragment} in {destination.name}")
    return problems


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken(path) == []


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    pages = set((ROOT / "docs").glob("*.md"))
    assert pages and pages <= linked, sorted(str(p) for p in pages - linked)


def test_the_link_check_finds_a_broken_link(tmp_path):
    (tmp_path / "other.md").write_text("# A heading — with `code`\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[ok](other.md#a-heading--with-code) [gone](missing.md) "
                    "[no anchor](other.md#nothing) [web](https://example.org/x)\n"
                    "```\n[in a fence](nowhere.md)\n```\n", encoding="utf-8")
    assert broken(page) == ["missing.md: no such file",
                            "other.md#nothing: no heading #nothing in other.md"]
