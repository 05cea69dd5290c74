"""Grouping by shared keys: what makes reposts one practice and translations one entry."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def connected(items: Sequence[T], keys: Callable[[T], Iterable[str]]) -> list[list[T]]:
    """Items that share a key, directly or through other items, as groups; groups and
    their items keep the order of ``items`` (union-find over the keys)."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    owner: dict[str, int] = {}
    for index, item in enumerate(items):
        for key in keys(item):
            if key in owner:
                parent[root(index)] = root(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[T]] = {}
    for index, item in enumerate(items):
        groups.setdefault(root(index), []).append(item)
    return list(groups.values())
