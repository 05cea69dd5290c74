"""The query parameters of every page, declared once with their type and bounds.

A view names what it reads with :func:`takes`; the declarations parse ``request.args``
before the view runs, so a value of the wrong type, out of bounds or too long is a 400
naming the parameter, never an exception inside the view. The declarations are also
the URL design's documentation: ``tests/test_fuzz.py`` walks the URL map and sends
generated values for every declared parameter of every route. Unknown parameters are
ignored (links carry trackers' ones); only this module reads ``request.args`` (and,
for :class:`Json` parameters, a POSTed form).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import abort, g, request

from server.i18n import _

View = TypeVar("View", bound=Callable[..., Any])

#: No list has this many pages; a larger number is refused before any arithmetic.
MAX_PAGE = 10**9
#: Characters a free-text value may have (a search, an IRI): longer is no one's query.
MAX_TEXT = 2_000
#: Values one repeated parameter may carry (a facet chosen this many times is a robot).
MAX_VALUES = 50


@dataclass(frozen=True)
class Param:
    """One query parameter: its name and what it is when absent."""

    name: str

    def read(self, values: list[str]) -> Any:
        raise NotImplementedError

    def refuse(self, message: str) -> None:
        abort(400, description=message)


@dataclass(frozen=True)
class Whole(Param):
    """A whole number from ``least`` to ``most``; ``default`` when absent.

    Only ASCII digits count (``str.isdigit`` also accepts "²", which ``int`` refuses),
    and the length is checked before ``int`` reads it: Python refuses to parse more
    than 4,300 digits, and no bound here needs more than ten."""

    default: int | None = 1
    least: int = 1
    most: int = MAX_PAGE

    def read(self, values: list[str]) -> int | None:
        if not values:
            return self.default
        raw = values[0]
        if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(self.most))
                and self.least <= int(raw) <= self.most):
            self.refuse(_("%(name)s must be a whole number from %(least)s to %(most)s",
                          name=self.name, least=format(self.least, ","),
                          most=format(self.most, ",")))
        return int(raw)


@dataclass(frozen=True)
class OneOf(Param):
    """One of a fixed set of values; ``default`` when absent."""

    choices: tuple[str, ...] = ()
    default: str | None = None

    def read(self, values: list[str]) -> str | None:
        if not values:
            return self.default
        if values[0] not in self.choices:
            self.refuse(_("%(name)s must be one of %(choices)s", name=self.name,
                          choices=", ".join(self.choices)))
        return values[0]


@dataclass(frozen=True)
class Text(Param):
    """Free text, stripped, at most ``MAX_TEXT`` characters; "" when absent."""

    def read(self, values: list[str]) -> str:
        text = values[0].strip() if values else ""
        if len(text) > MAX_TEXT:
            self.refuse(_("%(name)s is longer than %(most)s characters",
                          name=self.name, most=format(MAX_TEXT, ",")))
        return text


@dataclass(frozen=True)
class Repeated(Param):
    """A parameter given any number of times (``?country=BGR&country=GRC``), at most
    ``MAX_VALUES`` times, each value at most ``MAX_TEXT`` characters; [] when absent."""

    def read(self, values: list[str]) -> list[str]:
        if len(values) > MAX_VALUES:
            self.refuse(_("%(name)s is given %(count)s times; at most %(most)s are read",
                          name=self.name, count=format(len(values), ","), most=MAX_VALUES))
        if any(len(value) > MAX_TEXT for value in values):
            self.refuse(_("%(name)s is longer than %(most)s characters",
                          name=self.name, most=format(MAX_TEXT, ",")))
        return values


@dataclass(frozen=True)
class Json(Param):
    """A JSON document in a parameter of the query or of a POSTed form (the
    reconciliation protocol sends either), at most ``most`` characters; ``None`` when
    absent. What the document must hold is its reader's to check."""

    most: int = 1_000_000
    form: bool = True

    def read(self, values: list[str]) -> Any:
        if not values:
            return None
        if len(values[0]) > self.most:
            self.refuse(_("%(name)s is longer than %(most)s characters",
                          name=self.name, most=format(self.most, ",")))
        try:
            return json.loads(values[0])
        except ValueError as error:
            self.refuse(_("%(name)s is not JSON (%(error)s)", name=self.name, error=error))


#: The parameters several pages share.
PAGE = Whole("page")
FORMAT = OneOf("_format", ("json", "html"))


def takes(*params: Param) -> Callable[[View], View]:
    """Declare the query parameters a view reads; they are parsed before it runs and
    read inside it with :func:`arg`. The view keeps the declarations as
    ``view.parameters`` for the URL map's walkers (tests, documentation)."""
    def decorate(view: View) -> View:
        @wraps(view)
        def parsed(*args: Any, **kwargs: Any) -> Any:
            g.params = {param.name: param.read(
                (request.values if getattr(param, "form", False) else request.args)
                .getlist(param.name)) for param in params}
            return view(*args, **kwargs)
        parsed.parameters = params  # type: ignore[attr-defined]
        return parsed  # type: ignore[return-value]
    return decorate


def arg(name: str) -> Any:
    """The parsed value of a parameter the running view declared."""
    return g.params[name]


def given(name: str) -> bool:
    """Whether the request names the parameter at all (a sitemap index without ?page)."""
    return name in request.args


def wants_json() -> bool:
    """``?_format=json`` on an HTML list asks for its JSON form, as ``.json`` does."""
    return bool(arg(FORMAT.name) == "json")


def link_with(**changes: str | int | Sequence[str] | None) -> str:
    """The current URL's query with some parameters changed (``None`` removes one),
    every other parameter kept as it came."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        values = [value] if isinstance(value, str | int) else list(value)
        params += [(key, str(v)) for v in values]
    return "?" + urlencode(params)
