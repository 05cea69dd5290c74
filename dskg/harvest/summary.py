"""What one harvest of one source did: the counts ``dskg harvest`` prints per source."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dskg.harvest.cache import WITHDRAWN, Item, SourceCache


@dataclass
class Summary:
    source: str
    kind: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    #: Items that could not be fetched or read this time (their last copy is kept).
    failed: int = 0
    requests: int = 0
    #: Body bytes received.
    bytes: int = 0
    seconds: float = 0.0
    #: Why the whole source failed (its last good harvest is kept), if it did.
    error: str | None = None
    #: One line per failed or withdrawn item, naming it.
    details: list[str] = field(default_factory=list)

    def withdraw(self, item: Item, now: str, why: str) -> None:
        """Record that ``item`` is gone from its source (``why`` names it and says how)."""
        item.status, item.withdrawn = WITHDRAWN, now
        self.withdrawn += 1
        self.details.append(why)

    def withdraw_unlisted(self, cache: SourceCache, listed: set[str], now: str) -> None:
        """Withdraw every current item whose key a complete listing no longer has."""
        for key, item in cache.current().items():
            if key not in listed:
                self.withdraw(item, now, f"{item.url}: withdrawn (no longer listed)")

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        if self.error:
            return f"{self.source}: FAILED, last good harvest kept: {self.error}"
        return (f"{self.source}: {self.new} new, {self.changed} changed, {self.unchanged} "
                f"unchanged, {self.withdrawn} withdrawn, {self.failed} failed "
                f"({self.requests} requests, {self.bytes:,} bytes, {self.seconds:.1f} s)")
