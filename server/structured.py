"""schema.org JSON-LD for HTML pages, so general search engines understand them."""
from __future__ import annotations

import json

from flask import request
from markupsafe import Markup

from dskg.artefact.dumps import DUMPS
from dskg.rdf import IRI, Literal, Term
from server.describe import Description
from server.rendering import label_of, pick_label
from server.site import site

DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#Organization"


def script(data: dict | None) -> Markup:
    """A ``<script type="application/ld+json">`` element, safe inside HTML."""
    if not data:
        return Markup("")
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup('<script type="application/ld+json">') + Markup(text) + \
        Markup("</script>")


def _root() -> str:
    return request.host_url.rstrip("/") + request.script_root


def dataset() -> dict:
    """The home page: the knowledge graph as a schema.org Dataset."""
    root = _root()
    config = site().config
    return {
        "@type": "Dataset",
        "name": "Digital Skills Knowledge Graph",
        "description": "Good practices of Europe's digital-skills community (training "
                       "programmes, school curricula, partnerships, campaigns) as linked "
                       "open data, with their audiences, technologies, funders, "
                       "organisations and countries.",
        "url": root + "/",
        "identifier": config.base + "set/practices",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "isAccessibleForFree": True,
        "keywords": ["digital skills", "good practice", "education", "linked data"],
        "creator": {"@type": "Organization", "name": config.publisher_name},
        "includedInDataCatalog": {"@type": "DataCatalog", "url": root + "/set/catalog"},
        "distribution": [{"@type": "DataDownload", "encodingFormat": media,
                          "contentUrl": f"{root}/set/dumps/{name}"}
                         for name, (_, media) in DUMPS.items()],
        "dateModified": site().build.started.isoformat(timespec="seconds"),
    }


def _values(description: Description, predicate: str) -> list[Term]:
    return [value for p, value, _ in description.outgoing if p.value == predicate]


def _text(description: Description, predicate: str) -> str | None:
    return pick_label([v for v in _values(description, predicate) if isinstance(v, Literal)])


def for_resource(description: Description, page_url: str) -> dict | None:
    """A fitting schema.org type for practice and organisation pages, else nothing."""
    types = description.types
    dskg = str(site().ns.dskg)
    names = lambda predicate: [label_of(v.value, description.labels)  # noqa: E731
                               for v in _values(description, predicate)
                               if isinstance(v, IRI)]
    if dskg + "GoodPractice" in types:
        data = {"@type": "Project", "@id": description.iri, "url": page_url,
                "name": _text(description, DCT + "title"),
                "description": (_text(description, DCT + "description") or "")[:500],
                "areaServed": [{"@type": "Country", "name": n} for n in names(dskg + "country")],
                "funder": [{"@type": "Organization", "name": n}
                           for n in names(SCHEMA + "funder")],
                "keywords": names(DCT + "audience") + names(dskg + "technology")}
        return {k: v for k, v in data.items() if v}
    if ORG in types:
        data = {"@type": "Organization", "@id": description.iri, "url": page_url,
                "name": label_of(description.iri, description.labels),
                "alternateName": [v.value for v in _values(
                    description, "http://www.w3.org/2004/02/skos/core#altLabel")],
                "areaServed": [{"@type": "Country", "name": n} for n in names(DCT + "spatial")]}
        return {k: v for k, v in data.items() if v}
    return None
