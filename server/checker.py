"""The build's check of submissions, beside a web worker: ``dskg submission check --serve``.

A submission is checked by the build's own code (the reader, the mapping, the shapes),
in a process of its own so that the worker never loads the pipeline, kept once started
(it loads the build's rules once). Checks cost processor time the readers' pages need,
so they are held back three ways: one check at a time on the whole machine (a lock in
``var/editorial/``, whichever worker asks), the checker at the lowest CPU priority, and
at most :attr:`dskg.config.Config.check_share` of one core over time — after a check
that took *c* seconds of processor, the next one on the machine starts no sooner than
*c* × (1 / share − 1) seconds later. A submission that would wait behind more than
:data:`MAX_WAITING` others of its worker is told to come back (429, ``Retry-After``).
"""
from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dskg.artefact.lifecycle import exclusive
from server.commands import dskg_env
from server.site import site

#: How long the build's check of one submission may take (seconds).
CHECK_TIMEOUT = 120
#: Submissions that may wait for a worker's checker (the one being checked included);
#: beyond, 429 with Retry-After of :data:`CHECKER_RETRY` seconds.
MAX_WAITING, CHECKER_RETRY = 1, 2
#: How much the checker yields the processor to the workers that serve readers.
CHECKER_NICENESS = 19
#: Files in ``var/editorial/``: the machine's lock on checking, and when (Unix time) the
#: next check may start.
LOCK, NEXT = ".checking", ".next-check"


class CheckerFailed(Exception):
    """The checker ended, or gave no answer within :data:`CHECK_TIMEOUT`."""


class CheckerBusy(Exception):
    """More submissions wait for this worker's checker than :data:`MAX_WAITING`."""


class Checker:
    """This worker's checker process: started at the first check, asked one check at a
    time (and one on the machine), started again if it dies or does not answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = threading.BoundedSemaphore(MAX_WAITING)
        self.process: subprocess.Popen | None = None

    def ask(self, request_line: dict[str, Any]) -> dict[str, Any]:
        """The checker's answer to one request (see
        :meth:`dskg.ingest.editorial.Checker.answer`)."""
        # Few wait: a worker's threads stay free for readers, and a program told 429
        # sends its submission again (Retry-After).
        if not self.waiting.acquire(blocking=False):
            raise CheckerBusy()
        try:
            return self._ask(request_line)
        finally:
            self.waiting.release()

    def _ask(self, request_line: dict[str, Any]) -> dict[str, Any]:
        folder = site().config.var.editorial
        with self.lock, exclusive(folder / LOCK, None):
            _wait_for_turn(folder / NEXT)
            process = self._running()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(request_line) + "\n")
                process.stdin.flush()
                ready, _unused, _none = select.select([process.stdout], [], [], CHECK_TIMEOUT)
                line = process.stdout.readline() if ready else ""
            except OSError as error:
                line = ""
                reason = str(error)
            else:
                reason = "no answer" if not ready else "it ended"
            if not line:
                self.stop()
                raise CheckerFailed(reason)
            answer: dict[str, Any] = json.loads(line)
            _take_turn(folder / NEXT, float(answer.pop("cpu_seconds", 0.0)),
                       site().config.check_share)
            return answer

    def _running(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            command = [sys.executable, "-m", "dskg.cli", "submission", "check", "--serve"]
            self.process = subprocess.Popen(  # below the workers: readers come first
                ["nice", "-n", str(CHECKER_NICENESS), *command], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True,
                env=dskg_env() | {"DSKG_LOG_LEVEL": "warning"}, start_new_session=True)
        return self.process

    def stop(self) -> None:
        """End the checker process (the next check starts another)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def _wait_for_turn(path: Path) -> None:
    """Sleep until the time ``path`` holds (never longer than :data:`CHECK_TIMEOUT`, so
    that a clock set back cannot stop the checks)."""
    try:
        start = float(path.read_text())
    except (OSError, ValueError):
        return
    time.sleep(min(max(0.0, start - time.time()), CHECK_TIMEOUT))


def _take_turn(path: Path, cpu_seconds: float, share: float) -> None:
    """Write when the next check may start: after a pause that keeps the checks within
    ``share`` of one core."""
    path.write_text(repr(time.time() + cpu_seconds * (1 / share - 1)))


CHECKER = Checker()
