"""What a correction changes: the statements it would publish about its practice beside
those the practice has now, property by property, for the properties the form edits.

The correction's statements are the build's own mapping of it (stored with the
submission when it was checked); the practice's are read when the diff is shown, so a
curator sees the change against what is published at that moment. Curation applies on
top of a correction as on top of a page (``data/curation/``), and the correction's
statements are mapped with it: a curated value the correction leaves out stays, and
where curation gives a field of one value the correction's own is not published. The
diff shows those values as staying, rather than a change the build will not make. The
whole
description (``dct:description``) is left out: it is the sum of the parts shown, and a
correction writes it again from them, so it differs even where no part does.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dskg.fields import FORM_FIELDS, PROSE
from dskg.namespaces import Namespaces
from dskg.rdf import IRI, XSD, Literal, Term
from server.rendering import label_of

TITLE = "http://purl.org/dc/terms/title"
#: A statement's value as the diff compares it: ("iri", IRI) or ("literal", text,
#: language, datatype), a plain string's datatype as "".
Key = tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One property's values that a correction takes away and adds, as shown."""

    property: str
    removed: tuple[str, ...]
    added: tuple[str, ...]
    #: Curated values the correction leaves out (or gives another value of one), which stay.
    kept: tuple[str, ...] = ()


def edited_properties(ns: Namespaces) -> list[str]:
    """The properties the form edits, in its order."""
    return [TITLE, *(str(ns.expand(p.property)) for p in PROSE.values()),
            *(str(ns.expand(f.property)) for f in FORM_FIELDS)]


def _datatype(datatype: str, language: str) -> str:
    return "" if language or datatype in ("", XSD + "string") else datatype


def _published_key(value: Term) -> tuple[Key, str] | None:
    if isinstance(value, IRI):
        return ("iri", value.value), label_of(value.value)
    if isinstance(value, Literal):
        language = value.language or ""
        return ("literal", value.value, language,
                _datatype(value.datatype.value, language)), value.value
    return None


def _proposed_key(statement: dict[str, Any]) -> tuple[Key, str]:
    value = statement["o"]
    if "iri" in value:
        return ("iri", value["iri"]), statement.get("label") or label_of(value["iri"])
    language = value.get("lang") or ""
    return ("literal", value["literal"], language,
            _datatype(value.get("datatype") or "", language)), value["literal"]


def changes(published: Iterable[tuple[IRI, Term, str]], proposed: list[dict[str, Any]],
            ns: Namespaces) -> list[Change]:
    """The changes from the ``published`` statements of a practice (a description's
    outgoing ones, with their graphs) to the ``proposed`` ones, for each edited property
    that changes."""
    now: dict[str, dict[Key, str]] = {}
    curated: dict[str, set[Key]] = {}
    curation = str(ns.curation_graph)
    for predicate, value, graph in published:
        found = _published_key(value)
        if found is not None:
            now.setdefault(predicate.value, {})[found[0]] = found[1]
            if graph == curation:
                curated.setdefault(predicate.value, set()).add(found[0])
    then: dict[str, dict[Key, str]] = {}
    for statement in proposed:
        key, shown = _proposed_key(statement)
        then.setdefault(statement["p"], {})[key] = shown
    found_changes = []
    for prop in edited_properties(ns):
        before, after = now.get(prop, {}), then.get(prop, {})
        by_curation = curated.get(prop, set())
        gone = [key for key in before if key not in after]
        new = [key for key in after if key not in before]
        kept = tuple(before[key] for key in gone if key in by_curation)
        removed = tuple(before[key] for key in gone if key not in by_curation)
        added = tuple(after[key] for key in new)
        if removed or added or kept:
            found_changes.append(Change(prop, removed, added, kept))
    return found_changes
