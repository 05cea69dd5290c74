"""What one harvest of one source did: the counts ``dskg harvest`` prints per source."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
