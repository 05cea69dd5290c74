"""Link decisions: which of our resources is which outside one, decided once and kept.

``data/links/{kind}.csv`` holds one row per decision, reviewed by people (``dskg link
review`` or a text editor): our resource (its path, ``id/funder/european-social-fund``,
so a decision survives a change of base), how it relates to the outside IRI, the
status, who or what proposed it, by which rule and with what score, and when. The
build publishes the ``accepted`` rows only (:mod:`dskg.links.graph`); ``candidate``
rows wait for review, ``rejected`` ones stay so that they are not proposed again.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

from dskg.errors import DskgError

STATUSES = ("accepted", "rejected", "candidate")


@dataclass(frozen=True)
class Relation:
    """How a link reads: its name in the files and the property the build publishes."""

    name: str
    #: The property, as a prefixed name (:meth:`dskg.namespaces.Namespaces.expand`).
    property: str
    #: What the page says before the target's name ("EU programme: ESF").
    title: str


RELATIONS: dict[str, Relation] = {r.name: r for r in (
    Relation("same-as", "owl:sameAs", "Same as"),
    Relation("programme", "dskg:euProgramme", "EU programme"),
    Relation("location", "dct:spatial", "NUTS region"),
    Relation("competence", "dskg:competence", "DigComp"),
)}


@dataclass(frozen=True)
class Kind:
    """One kind of link, with its own file: what it links, how, and to what."""

    name: str
    #: Our resources it links, by path prefix.
    subjects: tuple[str, ...]
    relations: tuple[str, ...]
    #: The IRI prefixes of what it links to (VoID's linksets, with their names, are
    #: :func:`dskg.build.statistics.linksets`).
    targets: tuple[str, ...]

    @property
    def file(self) -> str:
        return f"{self.name}s.csv"


EU_PROGRAMME = "http://publications.europa.eu/resource/authority/eu-programme/"
NUTS = "http://data.europa.eu/nuts/code/"
WIKIDATA = "http://www.wikidata.org/entity/"
ROR = "https://ror.org/"
#: Any http(s) IRI: what a reconciliation service names its entities with.
ANY = "*"
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("funder", ("id/funder/",), ("same-as", "programme"), (EU_PROGRAMME,)),
    Kind("place", ("id/place/", "id/practice/"), ("location",), (NUTS,)),
    Kind("organisation", ("id/organisation/", "id/funder/"), ("same-as",),
         (WIKIDATA, ROR, ANY)),
    Kind("competence", ("id/practice/",), ("competence",), ("def/digcomp/",)),
)}


@dataclass
class Link:
    subject: str
    relation: str
    target: str
    status: str = "candidate"
    #: Who or what proposed it: ``dskg link propose``, a person's handle, a service.
    proposed_by: str = ""
    #: The rule that made the proposal, in words.
    rule: str = ""
    score: str = ""
    #: When it was proposed or last reviewed (ISO date).
    date: str = ""
    reviewed_by: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.relation, self.target)


COLUMNS = [f.name for f in fields(Link)]


def links_dir(data_dir: Path) -> Path:
    return data_dir / "links"


def decision_files(data_dir: Path) -> list[Path]:
    """The decision files there are (part of every build's inputs)."""
    folder = links_dir(data_dir)
    return [folder / kind.file for kind in KINDS.values() if (folder / kind.file).is_file()]


def read_links(data_dir: Path, kind: Kind, vocab_base: str) -> tuple[list[Link], list[str]]:
    """The decisions of one kind, and a message for each row that is not one (naming
    file, line and column); a bad row is skipped, the others are kept."""
    path = links_dir(data_dir) / kind.file
    if not path.is_file():
        return [], []
    links, problems, seen = [], [], set()
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("subject", "relation", "target", "status")
                   if c not in (reader.fieldnames or [])]
        if missing:
            return [], [f"{path}: no {', '.join(missing)} column"]
        for row in reader:
            where = f"{path}:{reader.line_num}"
            values = {c: (row.get(c) or "").strip() for c in COLUMNS}
            link = Link(**values)
            problem = _problem(link, kind, vocab_base)
            if problem is None and link.key in seen:
                problem = "the same link again (one decision per link)"
            if problem is not None:
                problems.append(f"{where}: {problem}")
                continue
            seen.add(link.key)
            links.append(link)
    return links, problems


def _problem(link: Link, kind: Kind, vocab_base: str) -> str | None:
    if not link.subject.startswith(kind.subjects):
        return (f"subject {link.subject!r}: a {kind.name} link starts from "
                f"{' or '.join(s + '…' for s in kind.subjects)}")
    if link.relation not in kind.relations:
        return f"relation {link.relation!r}: a {kind.name} link is {' or '.join(kind.relations)}"
    if link.status not in STATUSES:
        return f"status {link.status!r}: one of {', '.join(STATUSES)}"
    if not any(target_iri(link.target, prefix, vocab_base) for prefix in kind.targets):
        return (f"target {link.target!r}: a {kind.name} link leads to "
                f"{' or '.join(p + '…' for p in kind.targets)}")
    if link.score:
        try:
            float(link.score)
        except ValueError:
            return f"score {link.score!r}: a number"
    if link.date:
        try:
            date.fromisoformat(link.date)
        except ValueError:
            return f"date {link.date!r}: a date as YYYY-MM-DD"
    return None


def target_iri(target: str, prefix: str, vocab_base: str) -> bool:
    """Whether ``target`` lies under ``prefix`` (a path prefix is under the vocabulary
    base: DigComp's competences are ours)."""
    if prefix == ANY:
        return target.startswith(("http://", "https://")) and "://" in target[:9]
    full = prefix if "://" in prefix else vocab_base + prefix
    return target.startswith(full) and len(target) > len(full)


def write_links(data_dir: Path, kind: Kind, links: list[Link]) -> Path:
    """Write one kind's decisions, sorted, so a file's diff shows what changed."""
    folder = links_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / kind.file
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for link in sorted(links, key=lambda link: link.key):
            writer.writerow(asdict(link))
    tmp.replace(path)
    return path


def all_links(data_dir: Path, vocab_base: str) -> tuple[list[Link], list[str]]:
    """Every kind's decisions, and the problems of their files."""
    links, problems = [], []
    for kind in KINDS.values():
        found, bad = read_links(data_dir, kind, vocab_base)
        links += found
        problems += bad
    return links, problems


def used_codes(data_dir: Path, vocab_base: str, concept_base: str) -> set[str]:
    """The codes of a reference table that accepted or candidate links lead to."""
    links, problems = all_links(data_dir, vocab_base)
    if problems:
        raise DskgError(problems[0])
    return {link.target[len(concept_base):] for link in links
            if link.status != "rejected" and link.target.startswith(concept_base)}


def link_digest(link: Link) -> str:
    """What names a decision, from the link itself: the same from build to build."""
    return hashlib.sha256("|".join(link.key).encode("utf-8")).hexdigest()


def link_id(link: Link) -> str:
    """A short name for a decision on the command line (``dskg link review``): the
    start of its IRI's last segment."""
    return link_digest(link)[:8]


def decide(data_dir: Path, vocab_base: str, kinds: list[str], ids: list[str], status: str,
           by: str, today: str) -> list[Link]:
    """Set the status of the candidates named by ``ids`` (``all``: every candidate of
    ``kinds``), record who decided and when, and write their files; the links changed.
    An id that names no candidate is an error and nothing is written."""
    chosen, files = [], {}
    wanted = set(ids)
    for name in kinds:
        kind = KINDS[name]
        links, problems = read_links(data_dir, kind, vocab_base)
        if problems:
            raise DskgError(problems[0])
        files[name] = links
        for link in links:
            if link.status == "candidate" and ("all" in wanted or link_id(link) in wanted):
                chosen.append(link)
    unknown = wanted - {"all"} - {link_id(link) for link in chosen}
    if unknown:
        raise DskgError(f"no candidate {', '.join(sorted(unknown))} among the "
                        f"{', '.join(kinds)} links (dskg link review lists them)")
    for link in chosen:
        link.status, link.reviewed_by, link.date = status, by, today
    for name, links in files.items():
        write_links(data_dir, KINDS[name], links)
    return chosen
