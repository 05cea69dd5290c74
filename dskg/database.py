"""The small SQLite databases the var folder keeps beside the builds (accounts,
submissions): one way to open them, in WAL mode with full sync, so that what a request
was told is stored survives a crash, and one way to back them up while they are used."""
from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Database:
    """A database at ``path`` made with ``schema``; every use opens its own connection
    (threads, workers), committed when the block ends without an error."""

    def __init__(self, path: Path, schema: str):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.executescript(schema)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            with connection:
                yield connection
        finally:
            connection.close()

    def backup(self, destination: Path) -> Path:
        """A consistent copy at ``destination`` (SQLite's online backup: others may be
        writing meanwhile)."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_suffix(".partial")
        source = sqlite3.connect(self.path)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        shutil.move(partial, destination)
        return destination
