"""Which long-running SPARQL queries may go on, across every worker of one server.

A query starts as light. One still running after ``heavy_after`` seconds is heavy and
needs a heavy slot to go on: at most ``heavy_queries`` in the whole server and
``client_heavy`` per client address. A query that gets none is stopped, and its
client is told when to retry (503 when the server is full, 429 when that client
already has its share); until then that client's new queries are refused at once
(429).

A client whose query ran long, or was stopped, is *suspected* for ``SUSPECT_SECONDS``:
its next queries need a heavy slot before they start, so they never take the
evaluators kept for light queries. A client that keeps sending expensive queries
thus costs the light lane one ``heavy_after`` of work, once.

Slots are ``flock`` locks on files in the server's run folder: the kernel releases
them when their holder ends, so a worker that dies never leaks a slot, and the
workers share the limits without shared memory. The refusal period is a file whose
modification time is the moment it ends.
"""
from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

#: How long a client stays suspected after its last long-running or stopped query.
SUSPECT_SECONDS = 300


class Rejected(Exception):
    """A query not admitted now: 503 (server busy) or 429 (this client's share)."""

    def __init__(self, status: int, message: str, retry_after: int):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@lru_cache(maxsize=4096)
def client_key(address: str) -> str:
    """A file-name-safe key for a client: its IPv4 address, or its IPv6 /64 network
    (one host commonly holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return hashlib.sha256(address.encode()).hexdigest()[:24]
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        network = ipaddress.ip_network(f"{ip}/64", strict=False)
        return "v6-" + str(network.network_address).replace(":", "-")
    return f"v4-{ip}"


class Admission:
    """Heavy slots for the whole server and for each client, and refusal periods."""

    def __init__(self, run_dir: Path, heavy_queries: int, client_heavy: int,
                 retry_after: float):
        self.heavy_queries, self.client_heavy = heavy_queries, client_heavy
        self.retry_after = max(1, math.ceil(retry_after))
        # Plain strings: these paths are built on every query, pathlib costs more.
        self.slots, self.clients, self.refused, self.suspects = (
            os.path.join(run_dir, name) for name in ("heavy", "clients", "refused", "suspects"))
        for folder in (self.slots, self.clients, self.refused, self.suspects):
            os.makedirs(folder, exist_ok=True)

    def check(self, client: str) -> None:
        """Refuse at once (429) a client inside its refusal period."""
        try:
            until = os.stat(os.path.join(self.refused, client_key(client))).st_mtime
        except FileNotFoundError:
            return
        wait = until - time.time()
        if wait > 0:
            raise Rejected(429, "This client's last query was stopped because it ran long "
                           "while the server had no room for it; send queries again after "
                           "the Retry-After time.", math.ceil(wait))

    def suspect(self, client: str) -> None:
        """Remember that ``client`` sent a long-running query just now."""
        path = os.path.join(self.suspects, client_key(client))
        with open(path, "a"):
            os.utime(path)

    def suspected(self, client: str) -> bool:
        try:
            since = os.stat(os.path.join(self.suspects, client_key(client))).st_mtime
        except FileNotFoundError:
            return False
        return time.time() - since < SUSPECT_SECONDS

    @contextmanager
    def client_slot(self, client: str) -> Iterator[None]:
        """Hold one of ``client``'s heavy slots, or raise :class:`Rejected` (429)."""
        fd = self._take(self.clients, client_key(client), self.client_heavy)
        if fd is None:
            raise Rejected(429, f"This client already has {self.client_heavy} long-running "
                           "quer" + ("y" if self.client_heavy == 1 else "ies") +
                           " in evaluation; wait for it to finish before sending another.",
                           self.retry_after)
        try:
            yield
        finally:
            os.close(fd)

    @contextmanager
    def server_slot(self) -> Iterator[None]:
        """Hold one of the server's heavy slots, or raise :class:`Rejected` (503)."""
        fd = self._take(self.slots, "slot", self.heavy_queries)
        if fd is None:
            raise Rejected(503, f"The server is already evaluating {self.heavy_queries} "
                           "long-running queries; this one was stopped. Retry later, or "
                           "make the query more selective.", self.retry_after)
        try:
            yield
        finally:
            os.close(fd)

    def refuse(self, client: str) -> None:
        """Refuse ``client``'s queries at once (429) for the next ``retry_after`` seconds."""
        path = os.path.join(self.refused, client_key(client))
        with open(path, "a"):
            pass
        until = time.time() + self.retry_after
        os.utime(path, (until, until))

    @staticmethod
    def _take(folder: str, name: str, count: int) -> int | None:
        """A descriptor holding one of ``count`` locks named ``name``, or ``None``."""
        for index in range(count):
            fd = os.open(os.path.join(folder, f"{name}.{index}"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None
