"""HTTP content negotiation: parse ``Accept`` and pick what to send.

Handles lists, q-values (``q=0`` means "not this"), wildcards (``*/*``, ``text/*``)
and media-type parameters; a more specific range wins over a wildcard for the same
type, and among equal q-values the server's own order of preference decides.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: int

    def matches(self, media_type: str) -> int:
        """Specificity of the match (3 exact, 2 params ignored, 1 type/*, 0 */*), -1 none."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 3 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue
        kind, _, sub = media.partition("/")
        q, params = 1.0, 0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
            else:
                params += 1
        ranges.append(MediaRange(kind.strip(), sub.strip(), q, params))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    best, best_q = -1, 0.0
    for media_range in ranges:
        specificity = media_range.matches(media_type)
        if specificity > best or (specificity == best and media_range.q > best_q):
            best, best_q = specificity, media_range.q
    return best_q if best >= 0 else 0.0


def best_match(header: str | None, offers: list[str]) -> str | None:
    """The offer the client likes most (server order breaks ties), or None."""
    ranges = parse_accept(header)
    scored = [(quality(ranges, offer), -index, offer) for index, offer in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None
