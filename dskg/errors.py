"""The one base of expected failures.

A :class:`DskgError` is something the user can act on (a missing file, a bad row, a
broken build); its message says what and where in one line, and the CLI prints it as
``dskg <command>: <message>`` with exit code 1, never a traceback.
"""
from __future__ import annotations


class DskgError(Exception):
    """An expected failure, with a one-line message naming the file, entry or field."""
