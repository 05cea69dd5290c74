"""Request parameters that several views read the same way."""
from __future__ import annotations

from flask import abort, request


def page_number() -> int:
    """The ``page`` parameter: a positive whole number, 1 when absent; else 400."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400, description="page must be a positive whole number")
    return int(raw)
