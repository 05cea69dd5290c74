"""OASIS genericode code lists, the form the Publications Office publishes its
authority tables in for eForms (``codelists/*.gc`` of the eForms SDK).

A code list is a table: one ``Row`` per code, one ``Value`` per column; the label
columns name their language with a three-letter code (``Data Lang="bul"``).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from dskg.errors import DskgError

#: The EU's official languages, as genericode's label columns name them → BCP 47.
LANGUAGES = {
    "bul": "bg", "ces": "cs", "dan": "da", "deu": "de", "ell": "el", "eng": "en",
    "est": "et", "fin": "fi", "fra": "fr", "gle": "ga", "hrv": "hr", "hun": "hu",
    "ita": "it", "lav": "lv", "lit": "lt", "mlt": "mt", "nld": "nl", "pol": "pl",
    "por": "pt", "ron": "ro", "slk": "sk", "slv": "sl", "spa": "es", "swe": "sv",
}


@dataclass
class Code:
    code: str
    #: BCP 47 language → label.
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class CodeList:
    #: The table's own IRI (``listId``), e.g. ``…/resource/authority/eu-programme``.
    iri: str
    version: str
    codes: dict[str, Code]


def parse(data: bytes, where: str) -> CodeList:
    """The code list in ``data``; a :class:`DskgError` naming ``where`` if it is not
    one."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise DskgError(f"{where}: not XML ({exc})") from None
    if not root.tag.endswith("}CodeList"):
        raise DskgError(f"{where}: not a genericode code list (root element {root.tag})")
    ident = root.find("Identification")
    iri = version = ""
    if ident is not None:
        for long_name in ident.findall("LongName"):
            if long_name.get("Identifier") == "listId":
                iri = (long_name.text or "").strip()
        version = (ident.findtext("Version") or "").strip()
    if not iri:
        raise DskgError(f"{where}: the code list names no listId (its IRI)")
    languages = {}
    for column in root.iterfind("ColumnSet/Column"):
        data_el = column.find("Data")
        lang = LANGUAGES.get(data_el.get("Lang", "") if data_el is not None else "")
        if lang and column.get("Id", "").endswith("_label"):
            languages[column.get("Id")] = lang
    codes: dict[str, Code] = {}
    for row in root.iterfind("SimpleCodeList/Row"):
        values = {value.get("ColumnRef"): (value.findtext("SimpleValue") or "").strip()
                  for value in row.iterfind("Value")}
        code = values.get("code")
        if not code:
            raise DskgError(f"{where}: a row without a code")
        codes[code] = Code(code, {lang: values[column] for column, lang in languages.items()
                                  if values.get(column)})
    if not codes:
        raise DskgError(f"{where}: the code list has no codes")
    return CodeList(iri, version, codes)
