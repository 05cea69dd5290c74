"""Request parameters that several views read the same way."""
from __future__ import annotations

from flask import abort, request

from server.i18n import _

#: No list has this many pages; a larger number is refused before any arithmetic.
MAX_PAGE = 10**9


def page_number() -> int:
    """The ``page`` parameter: a positive whole number, 1 when absent; else 400.

    Only ASCII digits count (``str.isdigit`` also accepts "²", which ``int`` refuses),
    and at most ``MAX_PAGE``, so no page number overflows an index."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, description=_("page must be a whole number from 1 to %(most)s",
                                 most=f"{MAX_PAGE:,}"))
    return int(raw)


def wants_json() -> bool:
    """``?_format=json`` on an HTML list asks for its JSON form, as ``.json`` does."""
    form = request.args.get("_format")
    if form not in (None, "json", "html"):
        abort(400, description=_("_format must be json or html"))
    return form == "json"
