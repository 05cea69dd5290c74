"""Interface text defined in the pipeline, and messages a page can say in its reader's
language.

The pipeline names things the web pages show (facet and list titles, dump formats) in
English and marks them ``N_("Country")``: ``make messages`` puts them in the interface's
catalogue, and the web app translates them when it shows them. The marker changes
nothing at run time.

What the pipeline says about an entry (the reader's warnings, the mapping's problems)
is English text in build reports, and the very same words beside a field of the
submission form, where the reader may read Bulgarian or Greek. :func:`said` makes such
a message: a ``str`` (so reports, logs and JSON use it unchanged) that keeps its
``%``-style template and values, which :meth:`Said.as_dict` hands to the web app to
say again in the reader's language. A value that is itself :class:`Said` (a field's
label) is translated with it.
"""
from __future__ import annotations

from typing import Any


def N_(text: str) -> str:  # noqa: N802 (the gettext convention)
    return text


class Said(str):
    """English text that remembers its template and values (see :func:`said`), and
    the words it has in other languages where they were written beside it (a shape's
    ``sh:message`` in Bulgarian and Greek)."""

    template: str
    values: dict[str, Any]
    translations: dict[str, str]

    def __new__(cls, template: str, values: dict[str, Any],
                translations: dict[str, str] | None = None) -> Said:
        said = super().__new__(cls, template % values if values else template)
        said.template, said.values = template, values
        said.translations = translations or {}
        return said

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as what it was made of
        return (Said, (self.template, self.values, self.translations))

    def as_dict(self) -> dict[str, Any]:
        """``{"template": …, "values": {name: value or a nested dict}, "translations":
        {language: text}}``, as JSON holds it."""
        return {"template": self.template,
                "values": {name: value.as_dict() if isinstance(value, Said) else value
                           for name, value in self.values.items()},
                "translations": self.translations}


def said(template: str, **values: Any) -> Said:
    """The message ``template % values``, marked for the catalogue (``make messages``
    extracts ``said``'s first argument)."""
    return Said(template, values)
