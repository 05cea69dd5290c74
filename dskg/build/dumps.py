"""Whole-graph downloads (named in :mod:`dskg.artefact.dumps`), written once per build
from the built store.

Turtle, N-Triples and JSON-LD hold the union of all named graphs (what a SPARQL
query sees by default); N-Quads keeps the named graphs, so provenance (page data vs
curation) survives a round trip. JSON-LD is written compact, against a readable
``@context`` of our prefixes (:func:`dskg.formats.write_jsonld`).

Each file is a run of *segments*: the statements of the subjects whose hash falls in
that segment, sorted. A gzip file may hold several members one after another, Turtle
statements and JSON-LD node objects stand on their own, so a build that changed a
few subjects rewrites only their segments and copies the others' bytes from the
previous build (``segments.json`` says where each segment lies in each file, and
what it counts: :mod:`.statistics`). The content is the same as a full build's, byte
for byte.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dskg.artefact.dumps import DUMPS
from dskg.build.statistics import Counted, Statistics, Total
from dskg.formats import write_jsonld
from dskg.rdf import IRI, Triple
from dskg.store import Store, ntriples_to, parse_ntriples, serialize_triples

SEGMENTS = 1024
SEGMENT_INDEX = "segments.json"
#: The digests of each segment's distinct objects, one segment after another.
OBJECTS = "objects.bin"
#: What lies between two JSON-LD node objects.
JSON_SEPARATOR = b",\n"


def segment_of(subject: str) -> int:
    """The segment of a subject in N-Triples form (stable across processes)."""
    return zlib.crc32(subject.encode("utf-8")) % SEGMENTS


def _triple_lines(quad_lines: list[str]) -> list[str]:
    """The distinct N-Triples lines of N-Quads lines (every quad is in a named graph)."""
    return sorted({line.rsplit(" ", 2)[0] + " ." for line in quad_lines})


class _Writer:
    """Renders one segment's N-Quads lines in every dump format, and counts them."""

    def __init__(self, prefixes: dict[str, str], counted: Counted):
        self.prefixes, self.counted = prefixes, counted
        probe = Triple(IRI("urn:x"), IRI("urn:x"), IRI("urn:x"))
        lines = serialize_triples([probe], "turtle", prefixes).splitlines(keepends=True)
        self.heads = {"dskg.ttl": b"".join(line for line in lines
                                           if line.startswith(b"@prefix")),
                      "dskg.nt.gz": b"", "dskg.nq.gz": b""}
        context = io.StringIO()
        write_jsonld([], context, prefixes)
        head, foot = context.getvalue().encode("utf-8").split(b"\n]}")
        self.heads["dskg.jsonld"], self.jsonld_foot = head, b"\n]}" + foot

    def render(self, quad_lines: list[str]) -> tuple[dict[str, bytes], Statistics]:
        quads = sorted(quad_lines)
        triples = _triple_lines(quads)
        stats = Statistics.of_lines(triples, *self.counted)
        nt = "".join(line + "\n" for line in triples).encode("utf-8")
        turtle = ntriples_to(nt, "turtle", self.prefixes) if nt else b""
        out = io.StringIO()
        write_jsonld(parse_ntriples(nt), out, self.prefixes)
        nodes = out.getvalue().encode("utf-8")
        nodes = nodes[len(self.heads["dskg.jsonld"]):len(nodes) - len(self.jsonld_foot)]
        return {
            "dskg.ttl": turtle[len(self.heads["dskg.ttl"]):],
            "dskg.nt.gz": gzip.compress(nt, compresslevel=6, mtime=0) if nt else b"",
            "dskg.nq.gz": gzip.compress("".join(q + "\n" for q in quads).encode("utf-8"),
                                        compresslevel=6, mtime=0) if quads else b"",
            "dskg.jsonld": nodes,
        }, stats


@dataclass
class Written:
    """What the catalogue and VoID say about the dumps: each file's size and SHA-256
    (computed while writing), and the counts of the graph."""

    sizes: dict[str, int]
    checksums: dict[str, str]
    total: Total


def write_dumps(store: Store, directory: Path, prefixes: dict[str, str],
                counted: Counted, previous: Path | None = None,
                subjects: Iterable[str] = ()) -> Written:
    """Write every dump into ``directory``; return their sizes and checksums and the
    counts of the graph (``counted``: the practice class and the country property).

    With ``previous`` (the dumps folder of the build this one changes), only the
    segments of ``subjects`` (N-Triples form) are rendered again from the store."""
    directory.mkdir(parents=True, exist_ok=True)
    writer = _Writer(prefixes, counted)
    index: dict[str, list] = {name: [] for name in DUMPS}
    index["statistics"] = []
    segment_stats = []
    with ExitStack() as files:
        outs = {name: _Hashed(files.enter_context((directory / name).open("wb")))
                for name in DUMPS}
        objects = files.enter_context((directory / OBJECTS).open("wb"))
        positions = {name: outs[name].write(writer.heads[name]) for name in DUMPS}
        for data, stats in _segments(store, writer, previous, set(subjects), files):
            for name, out in outs.items():
                if name == "dskg.jsonld" and data[name] and positions[name] > len(
                        writer.heads[name]):
                    positions[name] += out.write(JSON_SEPARATOR)
                index[name].append([positions[name], len(data[name])])
                positions[name] += out.write(data[name])
            objects.write(stats.objects)
            index["statistics"].append(stats.as_json() | {"objects": len(stats.objects)})
            segment_stats.append(stats)
        outs["dskg.jsonld"].write(writer.jsonld_foot)
    (directory / SEGMENT_INDEX).write_text(json.dumps(index))
    return Written({name: out.size for name, out in outs.items()},
                   {name: out.sha256.hexdigest() for name, out in outs.items()},
                   Statistics.total(segment_stats))


class _Hashed:
    """A file being written, with the size and SHA-256 of what went in."""

    def __init__(self, out: BinaryIO):
        self.out, self.sha256, self.size = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.out.write(data)


def _segments(store: Store, writer: _Writer, previous: Path | None, subjects: set[str],
              files: ExitStack) -> Iterator[tuple[dict[str, bytes], Statistics]]:
    """Each segment in every format, in order, with its counts: all rendered from the
    store, or (with ``previous``) those of ``subjects`` rendered and the others' bytes
    copied."""
    if previous is None:
        buckets: dict[int, list[str]] = {}
        for subject, line in store.lines():
            buckets.setdefault(segment_of(subject), []).append(line)
        for number in range(SEGMENTS):
            yield writer.render(buckets.pop(number, []))
        return
    index = json.loads((previous / SEGMENT_INDEX).read_text())
    olds = {name: files.enter_context((previous / name).open("rb")) for name in DUMPS}
    old_objects = files.enter_context((previous / OBJECTS).open("rb"))
    touched: dict[int, set[str]] = {}
    for subject in subjects:
        touched.setdefault(segment_of(subject), set()).add(subject)

    def old_bytes(name: str, number: int) -> bytes:
        offset, length = index[name][number]
        olds[name].seek(offset)
        return olds[name].read(length)
    for number in range(SEGMENTS):
        stats = index["statistics"][number]
        objects = old_objects.read(stats["objects"])
        names = touched.get(number)
        if names is None:
            yield ({name: old_bytes(name, number) for name in DUMPS},
                   Statistics.from_json(stats, objects))
            continue
        data = old_bytes("dskg.nq.gz", number)
        text = gzip.decompress(data).decode("utf-8") if data else ""
        lines = [line for line in text.splitlines() if line.split(" ", 1)[0] not in names]
        lines += [line for _, line in store.lines(sorted(names))]
        yield writer.render(lines)
