"""The interface in the reader's language: gettext catalogues and the language of a request.

Interface text is marked in templates (``{% trans %}``, ``_()``) and in Python (``_``,
``N_`` for text defined before any request); ``make messages`` extracts it into
``server/translations/messages.pot`` and merges it into each language's ``.po`` file,
which translators edit. The ``.po`` files are read as they are when the app starts (no
compiled ``.mo`` files in the repository or a build step to forget).

A request's language is, in order: ``?lang=`` (a URL that can be shared, and which also
sets a cookie so that the reader's next pages follow it), that cookie, the best of
``Accept-Language``, English. Data labels follow it too (:mod:`server.rendering`).
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from flask import Flask, Response, abort, g, request

#: The interface languages, each named in itself (the switcher shows these names).
LANGUAGES = {"en": "English", "bg": "Български", "el": "Ελληνικά"}
SOURCE_LANGUAGE = "en"
CATALOGUES = Path(__file__).parent / "translations"
DOMAIN = "messages"
PARAMETER = "lang"
COOKIE = "dskg_lang"
COOKIE_SECONDS = 365 * 24 * 3600


def catalogue_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalogues() -> dict[str, NullTranslations]:
    """Each language's translations, read from its ``.po`` file (fuzzy entries, which a
    translator has not confirmed, are left out: their text shows in English)."""
    loaded: dict[str, NullTranslations] = {SOURCE_LANGUAGE: NullTranslations()}
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        with catalogue_path(language).open("rb") as po:
            catalogue = read_po(po, locale=language, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalogue)
        compiled.seek(0)
        loaded[language] = Translations(compiled, domain=DOMAIN)
    return loaded


_CATALOGUES: dict[str, NullTranslations] = {}


def language() -> str:
    """The language this request is answered in (see the module's docstring)."""
    chosen = g.get("language")
    if chosen is None:
        asked = request.args.get(PARAMETER)
        cookie = request.cookies.get(COOKIE)
        g.language = (cookie if cookie in LANGUAGES else None) or \
            request.accept_languages.best_match(list(LANGUAGES)) or SOURCE_LANGUAGE
        if asked is not None and asked not in LANGUAGES:
            abort(400, description=gettext(
                "%(parameter)s=%(value)s is not an interface language; use one of %(codes)s",
                parameter=PARAMETER, value=repr(asked), codes=", ".join(LANGUAGES)))
        if asked:
            g.language = asked
        chosen = g.language
    return chosen


def translations() -> NullTranslations:
    return _CATALOGUES.get(language()) or NullTranslations()


def gettext(message: str, **values: object) -> str:
    """``message`` in the request's language, with ``%(name)s`` filled from ``values``."""
    text = translations().gettext(message)
    return text % values if values else text


_ = gettext


def say(problem: dict[str, Any]) -> str:
    """A message of the pipeline's (``{"message": English, "said": …}``, the ``said``
    of :meth:`dskg.messages.Said.as_dict`) in the request's language: its own words
    in that language if it came with them, else its template from the catalogue with
    its values (a value that is itself said, in that language too); English where the
    catalogue has no translation."""
    spoken = problem.get("said")
    return _spoken(spoken) if spoken else str(problem.get("message") or "")


def _spoken(message: dict[str, Any]) -> str:
    own = message.get("translations", {}).get(language())
    if own:
        return str(own)
    values = {name: _spoken(value) if isinstance(value, dict) else value
              for name, value in message.get("values", {}).items()}
    text = translations().gettext(str(message["template"]))
    return text % values if values else text


def number(value: int | float) -> str:
    """A count written the way the reader's language writes numbers (1,234 / 1 234 / 1.234)."""
    return _written(value, language())


def language_name(code: str) -> str:
    """A language tag named in the reader's language ("bg" → "Bulgarian", "български"),
    or the tag itself when Babel does not know it."""
    return _named(code, language())


@lru_cache(maxsize=512)
def _named(code: str, locale: str) -> str:
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(locale) or code
    except (ValueError, UnknownLocaleError):
        return code


@lru_cache(maxsize=8192)
def _written(value: int | float, locale: str) -> str:
    """Babel's formatting, kept: a browse page writes some 60 counts, the same few
    hundred on every page, and formatting each was a sixth of the page's time."""
    return format_decimal(value, locale=locale)


def language_links() -> list[tuple[str, str, str, bool]]:
    """The switcher: (code, name, the current page in that language, is it the current)."""
    current = language()
    args = request.args.to_dict(flat=False)
    links = []
    for code, name in LANGUAGES.items():
        args[PARAMETER] = [code]
        query = urlencode([(key, value) for key, values in args.items() for value in values])
        links.append((code, name, f"{request.script_root}{request.path}?{query}",
                      code == current))
    return links


def _check_parameter() -> None:
    """A ``?lang=`` naming no interface language is a 400 on any page."""
    if PARAMETER in request.args:
        language()


def _remember(response: Response) -> Response:
    """Keep a language asked for in the URL for the reader's next pages, and tell caches
    which request headers chose it (on the responses whose words depend on it)."""
    if "language" not in g:
        return response
    asked = request.args.get(PARAMETER)
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_SECONDS, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    response.headers["Content-Language"] = language()
    for header in ("Accept-Language", "Cookie"):
        response.vary.add(header)
    return response


def init_app(app: Flask) -> None:
    """Load the catalogues and give templates ``_``, ``ngettext`` (plural forms: languages
    differ in how many they have), ``{% trans %}``, the request's language and the switcher."""
    _CATALOGUES.update(load_catalogues())
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Jinja fills the values itself (escaping them) in the text these return.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations().gettext(message),
        lambda singular, plural, n: translations().ngettext(singular, plural, n),
        newstyle=True)
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.globals.update(language=language, language_links=language_links)
    app.before_request(_check_parameter)
    app.after_request(_remember)

