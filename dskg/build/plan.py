"""What a build changes in the build it starts from: the :class:`Delta`.

Every build has one. A full build's says why it is full and reads everything; an
incremental build's says which inputs are read again and which are gone, which
practices leave and enter the store, and which shared parts (organisations, sources)
changed. The writers (:mod:`dskg.build.write`) and the ledger read it, never the
reasons behind it.
"""
from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dskg.artefact import Layout
from dskg.ingest.records import PracticeRecord
from dskg.ingest.sources import InputKey
from dskg.ledger import Ledger, UnitRow, digest_file
from dskg.mapping import PartKey
from dskg.registry import REGISTRY_FILE

#: Why a build is full when nobody asked for an incremental one.
ASKED_FOR = "asked for"


class FullBuildNeeded(Exception):
    """An incremental build met what it cannot vouch for; the message says what."""


@dataclass
class Delta:
    """What this build changes; ``full_because`` is ``None`` for an incremental build."""

    full_because: str | None = ASKED_FOR
    #: The build an incremental build starts from, and its ledger.
    previous: Layout | None = None
    ledger: Ledger | None = None
    #: Inputs read again (changed, new, or sharing a practice with a changed one).
    reread: set[InputKey] = field(default_factory=set)
    #: Inputs the previous build had and this one has not.
    lost: set[InputKey] = field(default_factory=set)
    #: The previous build's practices of the inputs read again or lost.
    old_units: list[UnitRow] = field(default_factory=list)
    #: Practices (IRIs) whose statements leave the store, and those that enter it.
    removed: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)
    #: Every part some published practice uses, after this build.
    part_uses: Counter[PartKey] = field(default_factory=Counter)
    #: Subjects whose parts changed (an organisation named a new way, a source that
    #: gained or lost its last practice).
    part_subjects: set[str] = field(default_factory=set)
    #: Practices of the inputs read again whose records did not change: not mapped or
    #: validated again, with their records (for the sources of their findings).
    kept: list[tuple[UnitRow, PracticeRecord]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.full_because is not None

    @property
    def since(self) -> Layout | None:
        """The build whose artefacts this one changes (``None``: written from scratch)."""
        return None if self.full else self.previous

    @property
    def gone(self) -> set[InputKey]:
        return self.reread | self.lost

    @property
    def node_inputs(self) -> set[InputKey]:
        """Harvested inputs (``ldes`` sources among them) read again or gone."""
        return {key for key in self.gone if key.harvested}

    def describe(self) -> str:
        """The build's mode, as its report and log give it."""
        if self.full:
            return f"full ({self.full_because})"
        return (f"incremental: {len(self.reread)} of the inputs read again, "
                f"{len(self.lost)} gone; {len(self.added)} practices written, "
                f"{len(self.removed - self.added)} withdrawn, "
                f"{len(self.kept)} read again unchanged")


def why_full(fingerprint: str, registry: Path, ledger: Ledger | None) -> str | None:
    """Why the served build's ledger cannot be trusted for an incremental build."""
    if ledger is None:
        return "no previous build with a ledger"
    try:
        recorded = ledger.setting("fingerprint")
    except sqlite3.Error as error:
        return f"the ledger of the served build cannot be read ({error})"
    if recorded != fingerprint:
        return ("the ontology, shapes, curation, source declarations, base or dskg "
                "version changed")
    if ledger.setting("registry") != digest_file(registry):
        return f"{REGISTRY_FILE} changed since the last build"
    return None


def changed_inputs(digests: dict[InputKey, str],
                   known: dict[InputKey, tuple[str, str, list[str]]]
                   ) -> tuple[set[InputKey], set[InputKey]]:
    """Inputs whose digest is new or differs from the one ``known`` (the ledger's
    inputs) holds, and inputs gone."""
    reread = {key for key, digest in digests.items()
              if key not in known or known[key][0] != digest}
    return reread, set(known) - set(digests)


def changed_parts(before: Counter[PartKey], after: Counter[PartKey]) -> set[PartKey]:
    """Parts that some practice used before and none after, or the other way round."""
    return {key for key in set(after) | set(before) if (after[key] > 0) != (before[key] > 0)}

