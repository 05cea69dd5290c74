"""How dskg compares names and words: one folding for the build's keys (slugs,
duplicates, label indexes) and for what the server matches against them (browse
order, search), so both sides agree."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key for comparing labels and names."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = decomposed if decomposed.isascii() else "".join(
        ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = stripped.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(cleaned.casefold().split())
