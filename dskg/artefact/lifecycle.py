"""Where builds live on disk, and how a new one replaces the old atomically.

``var/builds/<id>/`` holds one build (its files: :class:`dskg.artefact.Layout`).
``var/current`` is a symlink to the last build that passed validation. A build
writes only into its own new directory and moves the symlink last (an atomic
rename), so a failed or killed build leaves the previous build in place and
readable. A server pins the build it serves (:func:`hold_build`), so pruning keeps it.
With an external store, the build served is the one published there
(:func:`served_build`, :mod:`dskg.publish`).
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dskg.artefact import BuildUnusable
from dskg.config import Config, VarLayout
from dskg.store import StoreError
from dskg.store.remote import Endpoints, published_build

#: Finished builds kept besides the current one, so that a server still reading the
#: previous store when the symlink moves does not have its files deleted under it.
KEEP_PREVIOUS = 2
IN_PROGRESS = ".in-progress"
#: A running server holds a shared lock on this file of the build it serves.
IN_USE = ".in-use"
#: The file of the var folder a build holds an exclusive lock on while it runs.
BUILDING = ".building"
log = logging.getLogger(__name__)


def builds_dir(var_dir: Path) -> Path:
    """Where every build lives, one folder each (named by the build's id)."""
    return VarLayout(var_dir).builds


def new_build_dir(var_dir: Path) -> Path:
    """A fresh, empty directory for one build, marked as in progress."""
    builds = builds_dir(var_dir)
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = builds / f"{stamp}-{os.getpid()}"
    path.mkdir()
    (path / IN_PROGRESS).touch()
    return path


def switch_current(var_dir: Path, build_dir: Path) -> None:
    """Point ``var/current`` at ``build_dir`` in one atomic rename."""
    (build_dir / IN_PROGRESS).unlink(missing_ok=True)
    link = VarLayout(var_dir).current
    temporary = var_dir / f".current-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(build_dir.relative_to(var_dir))
    os.replace(temporary, link)


def current_build(var_dir: Path) -> Path | None:
    link = VarLayout(var_dir).current
    return link.resolve() if link.exists() else None


def prune_builds(var_dir: Path) -> list[Path]:
    """Delete abandoned builds and all but the newest finished ones; return what went."""
    builds = builds_dir(var_dir)
    if not builds.is_dir():
        return []
    current = current_build(var_dir)
    finished, removed = [], []
    for path in sorted(builds.iterdir()):
        if path == current or _in_use(path):
            continue
        if (path / IN_PROGRESS).exists() and not _owner_alive(path):
            removed.append(path)
        elif not (path / IN_PROGRESS).exists():
            finished.append(path)
    removed += finished[:-KEEP_PREVIOUS] if len(finished) > KEEP_PREVIOUS else []
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def served_build(config: Config) -> Path:
    """The folder of the build a server should serve: ``var/current``, or with an external
    store, the build the store serves (this machine must have its folder)."""
    if not config.external_store:
        return config.current_build
    try:
        build_id = published_build(Endpoints.from_config(config))
    except StoreError as error:
        raise BuildUnusable(f"cannot serve from the external store: {error}") from None
    if build_id is None:
        raise BuildUnusable(f"the store at {config.store_endpoint} has no published build; "
                            "run `dskg publish` first")
    path = builds_dir(config.var_dir) / build_id
    if not path.is_dir():
        raise BuildUnusable(f"the store serves build {build_id}, which is not in "
                            f"{builds_dir(config.var_dir)}; copy that build folder there")
    return path


@contextmanager
def exclusive(path: Path, what: str | None) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (made if need be) for the block; a second
    holder waits, saying so in the log (``what`` is what it waits for; ``None`` for a
    wait too ordinary to log)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if what is not None:
                log.info("waiting: %s (%s is locked)", what, path)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def one_build_at_a_time(var_dir: Path) -> AbstractContextManager[None]:
    """One build at a time in a var folder (a hand-run ``dskg build``, the site's
    ``dskg submission publish``, a harvest's): two at once would each start from the
    same served build and append to the same slug registry."""
    return exclusive(var_dir / BUILDING, "another build of this var folder runs")


def hold_build(build_dir: Path) -> int:
    """Mark a build as served (until the returned descriptor is closed or its process
    ends), so that :func:`prune_builds` keeps it."""
    fd = os.open(build_dir / IN_USE, os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _in_use(path: Path) -> bool:
    try:
        fd = os.open(path / IN_USE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _owner_alive(path: Path) -> bool:
    """Whether the process that started an in-progress build still runs."""
    try:
        pid = int(path.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
