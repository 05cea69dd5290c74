"""What the reconciliation service offers and accepts: its types and properties, and the
checks of a request against the specification's own JSON Schemas (``schemas/``), so
that an invalid batch is a 400 that says which query and what is wrong."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import abort
from jsonschema import Draft7Validator

from dskg.messages import N_
from server.i18n import _

SCHEMAS = Path(__file__).resolve().parent / "schemas"
#: Queries one batch may hold, and candidates one query may ask for.
MAX_QUERIES = 100
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
#: Entities one data extension may ask about.
MAX_IDS = 500

#: Entity types, with their names (the ids are those of :data:`dskg.artefact.entities.TYPES`).
TYPE_NAMES = {"practice": N_("good practice"), "organisation": N_("organisation"),
              "funder": N_("funder"), "country": N_("country"),
              "competence": N_("digital competence (DigComp)")}


@dataclass(frozen=True)
class Property:
    """A property the service scores candidates on and extends data with."""

    id: str
    name: str
    #: The types that have it.
    types: tuple[str, ...]
    #: Scored when a query gives it (country, funder, start), else only extended.
    scored: bool = False


PROPERTIES: dict[str, Property] = {p.id: p for p in (
    Property("country", N_("country"), ("practice", "organisation", "funder"), scored=True),
    Property("funder", N_("funder"), ("practice", "funder"), scored=True),
    Property("start", N_("start date"), ("practice",), scored=True),
    Property("end", N_("end date"), ("practice",)),
    Property("organisation", N_("organisation providing the practice"), ("practice",)),
    Property("partner", N_("partner"), ("practice",)),
    Property("audience", N_("target audience"), ("practice",)),
    Property("technology", N_("digital technology"), ("practice",)),
    Property("programme", N_("EU programme"), ("practice", "funder")),
    Property("nuts", N_("NUTS region"), ("practice",)),
    Property("competence", N_("digital competence (DigComp)"), ("practice",)),
    Property("same_as", N_("same as"), ("organisation", "funder")),
)}


@cache
def _validator(name: str) -> Draft7Validator:
    return Draft7Validator(json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8")))


def check(document: Any, schema: str, parameter: str) -> None:
    """A 400 naming ``parameter``, where in it, and what is wrong, unless ``document``
    is valid by the specification's schema ``schema``."""
    errors = sorted(_validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        where = "".join(f"[{json.dumps(step)}]" for step in error.path) or ""
        abort(400, description=_("%(name)s%(where)s: %(problem)s", name=parameter,
                                 where=where, problem=_short(error)))


def _short(error: Any) -> str:
    """The schema's complaint in one line, without the whole offending value."""
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return _("unknown key %(keys)s", keys=", ".join(extra))
    if error.validator in ("anyOf", "oneOf"):
        return _("it needs a query or at least one property")
    message = str(error.message)
    return message if len(message) <= 200 else message[:200] + "…"


def type_ids(value: Any) -> tuple[str, ...]:
    """A query's ``type``: one id or a list of them."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def type_object(kind: str) -> dict[str, str]:
    return {"id": kind, "name": _(TYPE_NAMES[kind])}
