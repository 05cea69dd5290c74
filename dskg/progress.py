"""Progress of a long build or harvest, told through ``logging`` (logger ``dskg.build``
unless another is given).

Each stage logs when it starts and what it did when it ends, with its time; loops
over many items report how far they are at most every few seconds, so a build of
100,000 practices shows it is alive without flooding the log of a small one; on a
terminal, such a loop is a progress bar instead.
"""
from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("dskg.build")

#: Seconds between two progress lines of one loop; between two redraws of a bar.
EVERY = 5.0
BAR_EVERY = 0.2
BAR_WIDTH = 30


@contextmanager
def stage(name: str, timings: dict[str, float],
          logger: logging.Logger = log) -> Iterator[None]:
    """Log the start and end of a build stage; add its seconds to ``timings[name]``."""
    logger.info("%s …", name)
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        timings[name] = timings.get(name, 0.0) + seconds
        logger.info("%s done in %.1f s", name, seconds)


class Progress:
    """Counts items of one loop and logs how far it is, at most every :data:`EVERY` s."""

    def __init__(self, what: str, total: int, logger: logging.Logger = log):
        """``total`` 0 when it is not known in advance (pages of a remote listing)."""
        self.what, self.total, self.done, self.log = what, total, 0, logger
        self._next = time.monotonic() + EVERY
        #: On a terminal, a loop of known length is a bar redrawn in place; in a log
        #: file or a pipe, it is a plain line every few seconds.
        self._bar = bool(total) and sys.stderr.isatty() and logger.isEnabledFor(logging.INFO)
        self._drawn = 0.0

    def _draw(self) -> None:
        now, finished = time.monotonic(), self.done >= self.total
        if now - self._drawn < BAR_EVERY and not finished:
            return
        self._drawn = now
        share = min(1.0, self.done / self.total)
        filled = int(share * BAR_WIDTH)
        sys.stderr.write(f"\r  {self.what} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                         f"{self.done:,} of {self.total:,} ({share:.0%})"
                         + ("\n" if finished else ""))
        sys.stderr.flush()
        if finished:
            self._bar = False

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._bar:
            self._draw()
            return
        if time.monotonic() >= self._next:
            self._next = time.monotonic() + EVERY
            if self.total:
                self.log.info("  %s: %s of %s (%d%%)", self.what, f"{self.done:,}",
                              f"{self.total:,}", 100 * self.done // self.total)
            else:
                self.log.info("  %s: %s so far", self.what, f"{self.done:,}")
