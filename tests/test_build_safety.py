"""A build never publishes a broken graph, and never leaves anything behind.

Each case runs the real ``dskg`` command in a subprocess, as a data steward would,
and checks what it says, its exit code and what is served afterwards.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dskg.artefact import Layout
from dskg.build import build

from .conftest import BASE, PAGES, make_project, one_clear_line, run_dskg
from .server_fixture import built_project, children

#: Real builds and servers, one or more per test.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def served(tmp_path):
    """A project with one good build, and the build it serves."""
    config = built_project(tmp_path, make_project)
    return config, config.current_build.resolve()


def test_a_missing_data_folder_fails_and_keeps_the_served_build(served):
    config, before = served
    line = one_clear_line(run_dskg("build", "--data-dir", "/nonexistent", config=config))
    assert "/nonexistent does not exist" in line and "served build is unchanged" in line
    assert config.current_build.resolve() == before


def test_an_empty_data_folder_fails_unless_allowed(served, tmp_path):
    config, before = served
    empty = tmp_path / "empty"
    (empty / "sources").mkdir(parents=True)
    line = one_clear_line(run_dskg("build", "--data-dir", str(empty), config=config))
    assert "holds no source pages" in line and "--allow-empty" in line
    assert config.current_build.resolve() == before
    allowed = run_dskg("build", "--data-dir", str(empty), "--allow-empty", config=config)
    assert allowed.returncode == 0, allowed.stderr
    assert config.current_build.resolve() != before


def test_a_page_with_no_publishable_practice_fails(served):
    config, before = served
    sources = config.data_dir / "sources"
    for page in sources.iterdir():
        page.unlink()
    template = (ROOT / "data" / "sources" / "good-practices-listing.txt").read_text()
    start = template.index("TO BE FILLED") - 400
    (sources / "template-only.txt").write_text(template[max(0, start):start + 1200])
    line = one_clear_line(run_dskg("build", config=config))
    assert "is a publishable practice" in line
    assert config.current_build.resolve() == before


@pytest.mark.slow
def test_a_killed_build_leaves_no_process_behind(tmp_path):
    config = make_project(tmp_path, pages=[PAGES / "listing-page-2.txt"])
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "4000",
                    str(config.data_dir / "sources" / "synthetic.txt")], check=True)
    # Progress lines off: the failure must be the one line there is.
    env = {**os.environ, "DSKG_BASE": BASE, "DSKG_DATA_DIR": str(config.data_dir),
           "DSKG_VAR_DIR": str(config.var_dir), "DSKG_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "dskg.cli", "build"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    helpers: set[int] = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None and not helpers:
        helpers = children(process.pid)  # the validation workers
        time.sleep(0.05)
    assert helpers, "the build never started its validation workers"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in helpers):
        time.sleep(0.1)
    assert not [pid for pid in helpers if Path(f"/proc/{pid}").exists()]


@pytest.fixture
def small_disk(tmp_path):
    """A 48 MiB file system of its own (tmpfs; needs root, as CI has): room for two
    builds of the sample, reference tables included, and not much more."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a small file system: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a small file system here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_clear_line_and_the_old_build_stays(tmp_path, small_disk):
    config = make_project(tmp_path).with_overrides(var_dir=small_disk / "var")
    build(config)
    before = config.current_build.resolve()
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 300_000))
    line = one_clear_line(run_dskg("build", config=config))
    assert "the disk is full" in line and "served build is unchanged" in line
    assert config.current_build.resolve() == before
    assert [p for p in (small_disk / "var" / "builds").iterdir()] == [before]
    (small_disk / "filler").unlink()
    assert run_dskg("build", config=config).returncode == 0


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_a_broken_store_is_one_clear_line_when_the_server_starts(served, damage):
    config, before = served
    store = Layout(before).store
    if damage == "missing":
        shutil.rmtree(store)
    else:
        for path in store.iterdir():
            if path.name.startswith(("CURRENT", "MANIFEST")) or path.suffix == ".sst":
                path.write_bytes(b"not a store" * 100)
    line = one_clear_line(run_dskg("serve", config=config, timeout=60))
    assert line.startswith("dskg serve: the build at") and "run `dskg build` again" in line


def test_a_second_build_waits_for_the_first(served):
    """Two builds of one var folder at once would start from the same served build and
    append to the same slug registry: the second waits until the first is done."""
    from dskg.artefact.lifecycle import one_build_at_a_time

    config, before = served
    environment = {**os.environ, "DSKG_BASE": BASE, "DSKG_DATA_DIR": str(config.data_dir),
                   "DSKG_VAR_DIR": str(config.var_dir), "DSKG_LOG_LEVEL": "info"}
    with one_build_at_a_time(config.var_dir):  # a build running, as far as others see
        second = subprocess.Popen([sys.executable, "-m", "dskg.cli", "build", "--full"],
                                  env=environment, stderr=subprocess.PIPE, text=True)
        assert second.stderr is not None
        waiting = second.stderr.readline()
        while "waiting" not in waiting and second.poll() is None:
            waiting = second.stderr.readline()
        assert "another build of this var folder runs" in waiting
        assert second.poll() is None and config.current_build.resolve() == before
    assert second.wait(timeout=300) == 0, second.stderr.read()
    assert config.current_build.resolve() != before
