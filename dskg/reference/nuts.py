"""NUTS 2024 regions as dskg ships them: one CSV row per region.

The Publications Office publishes NUTS as genericode (the eForms SDK's ``nuts*.gc``),
with each region's name in its national language and script only. The CSV adds what
linking needs beside it: the level, the country (ISO 3166-1 alpha-2; NUTS writes
Greece ``EL``), a Latin-script name, an English name and the ISO 3166-2 code where a
subdivision of that name exists (from pycountry). Levels 1 and 2 that a source lists
no row for are derived from their level-3 codes; their Latin names come from
``nuts-names.csv`` where it has them.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from anyascii import anyascii

from dskg.reference.genericode import CodeList
from dskg.text import fold

#: NUTS country codes that are not ISO 3166-1 alpha-2.
NUTS_COUNTRY = {"EL": "GR", "UK": "GB"}
#: How many regions of one level must carry a subdivision's name, at least, before the
#: level is taken as the one ISO 3166-2 subdivides the country into (a single region
#: named like a canton is a coincidence, not a correspondence).
ISO_MATCHES = 3


@dataclass
class Region:
    code: str
    level: int
    #: ISO 3166-1 alpha-2.
    country: str
    #: The name in the national language and script, as NUTS gives it.
    name: str
    #: BCP 47 language of ``name``.
    language: str
    name_latin: str
    name_en: str
    iso_3166_2: str = ""

    @property
    def parent(self) -> str | None:
        return self.code[:-1] if self.level > 0 else None


COLUMNS = [f.name for f in fields(Region)]


def read_csv(path: Path) -> dict[str, Region]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Region(row["code"], int(row["level"]), row["country"],
                                    row["name"], row["language"], row["name_latin"],
                                    row["name_en"], row["iso_3166_2"])
                for row in csv.DictReader(f)}


def write_csv(path: Path, regions: Iterable[Region]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for region in sorted(regions, key=lambda r: r.code):
            writer.writerow(asdict(region))


def regions_of(code_lists: Iterable[CodeList], names: dict[str, str],
               languages: dict[str, str]) -> dict[str, Region]:
    """The regions of ``code_lists`` (genericode NUTS tables) with their parents.

    ``names``: Latin-script names by code, for regions the lists lack (levels 1 and 2);
    ``languages``: a country's (alpha-2) national language, the language of its names.
    """
    regions: dict[str, Region] = {}
    for code_list in code_lists:
        for code in code_list.codes.values():
            if code.code[2:3] == "Z":  # "Extra-Regio": statistics, not a place
                continue
            country = NUTS_COUNTRY.get(code.code[:2], code.code[:2])
            language = languages.get(country, "en")
            name = code.labels.get(language) or next(iter(code.labels.values()), "")
            regions[code.code] = _region(code.code, country, name, language, names)
    for child in sorted(regions):
        for length in range(len(child) - 1, 2, -1):
            parent = child[:length]
            if parent not in regions:
                country = regions[child].country
                regions[parent] = _region(parent, country, "", languages.get(country, "en"),
                                          names)
    _add_iso_codes(regions)
    return regions


#: Bulgaria's official romanisation (Transliteration Act, 2009), which its NUTS and ISO
#: names follow and anyascii does not ("Търговище" is Targovishte, not T'rgovishche).
BULGARIAN = dict(zip("абвгдежзийклмнопрстуфхцчшщъьюя",
                     ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y",
                      "yu", "ya"]))


def romanise(name: str, language: str) -> str:
    """A Latin-script form of ``name``: Bulgarian by its official system (a word's final
    "ия" is "ia"), any other script by anyascii."""
    if name.isascii() or _is_latin(name):
        return name
    if language != "bg":
        return anyascii(name)
    words = []
    for word in name.split(" "):
        out = []
        for i, ch in enumerate(word):
            lower = ch.lower()
            latin = BULGARIAN.get(lower, ch)
            if lower == "я" and word[i - 1:i].lower() == "и" and not word[i + 1:i + 2].isalpha():
                latin = "a"
            out.append(latin.capitalize() if ch != lower else latin)
        words.append("".join(out))
    return " ".join(words)


def _region(code: str, country: str, name: str, language: str,
            names: dict[str, str]) -> Region:
    latin = names.get(code) or romanise(name, language)
    return Region(code=code, level=len(code) - 2, country=country, name=name or latin,
                  language=language if name else "", name_latin=latin, name_en=latin)


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in text)


def _add_iso_codes(regions: dict[str, Region]) -> None:
    """ISO 3166-2 codes for the level at which a country's subdivisions are its NUTS
    regions (Bulgaria's oblasts are NUTS 3, Greece's regions NUTS 2), and the
    subdivision's English name as the region's."""
    import pycountry  # only needed when a table is made, never at build or run time

    by_country: dict[str, list[Region]] = defaultdict(list)
    for region in regions.values():
        if region.level > 0:
            by_country[region.country].append(region)
    for country, members in by_country.items():
        subdivisions: dict[str, Any] = {}
        for sub in pycountry.subdivisions.get(country_code=country) or []:
            subdivisions.setdefault(fold(anyascii(sub.name)), sub)
        matches: dict[int, list[tuple[Region, Any]]] = defaultdict(list)
        for region in members:
            for key in {fold(region.name_latin), fold(anyascii(region.name))}:
                if key in subdivisions:
                    matches[region.level].append((region, subdivisions[key]))
                    break
        if not matches:
            continue
        level, found = max(matches.items(), key=lambda item: (len(item[1]), item[0]))
        at_level = sum(1 for r in members if r.level == level)
        if len(found) < ISO_MATCHES or 2 * len(found) < at_level:
            continue
        for region, sub in found:
            region.iso_3166_2, region.name_en = sub.code, sub.name
