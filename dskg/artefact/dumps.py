"""The whole-graph downloads of a build: their file names and media types (written by
:mod:`dskg.build.dumps`; the server sends them, the catalogue and VoID describe them)."""
from __future__ import annotations

from dskg.messages import N_

#: File name → (description, media type); the server and the catalogue read this too.
DUMPS = {
    "dskg.ttl": (N_("Turtle"), "text/turtle"),
    "dskg.nt.gz": (N_("N-Triples, gzip"), "application/n-triples"),
    "dskg.nq.gz": (N_("N-Quads, gzip"), "application/n-quads"),
    "dskg.jsonld": (N_("JSON-LD"), "application/ld+json"),
}
