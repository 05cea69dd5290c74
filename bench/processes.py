"""Memory of a process and all its descendants, as the benchmarks measure it."""
from __future__ import annotations

import os


def tree_memory(pid: int, file: str, line_start: str) -> int:
    """Bytes a process and its descendants report on the ``line_start`` line (in kB)
    of ``/proc/<pid>/<file>``; processes that end meanwhile count nothing."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/{file}") as report:
                for line in report:
                    if line.startswith(line_start):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def tree_rss(pid: int) -> int:
    """Resident bytes of a process tree (pages forked workers share count in each)."""
    return tree_memory(pid, "status", "VmRSS:")


def tree_pss(pid: int) -> int:
    """Proportional set size of a process tree (shared pages counted once). Reading it
    walks page tables: tens of milliseconds for a process of gigabytes."""
    return tree_memory(pid, "smaps_rollup", "Pss:")
