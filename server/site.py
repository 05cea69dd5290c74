"""What every view shares, for the build this process serves: :func:`site`."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, request

from dskg.artefact import Build
from dskg.artefact.browse import FacetIndex
from dskg.artefact.entities import EntityIndex
from dskg.artefact.history import History
from dskg.artefact.search import SearchIndex
from dskg.config import Config
from dskg.namespaces import Namespaces
from dskg.store import MemoryStore
from server.describe import Describer
from server.graphstore import SiteStore


@dataclass
class Site:
    """The settings, the build and what the views read from it."""

    config: Config
    ns: Namespaces
    build: Build
    store: SiteStore
    describer: Describer
    meta: MemoryStore
    meta_describer: Describer
    history: History
    facet_index: FacetIndex
    search_index: SearchIndex
    entity_index: EntityIndex
    #: The names pages give IRIs, by (IRI, the reader's languages): the same all the
    #: build long, and a page names a hundred or more (:func:`server.rendering.named`).
    names: dict[tuple[str, ...], tuple[str, str | None]] = field(default_factory=dict)

    def iri_for_path(self, path: str) -> str:
        """The IRI a request path names (paths are relative to the app's mount point):
        under the vocabulary base for the ontology and schemes, else the deployment's."""
        return str(self.ns.iri(path.lstrip("/")))

    def local_path(self, iri: str) -> str | None:
        """Where this server answers for ``iri``, if it is one of ours (the vocabulary's
        IRIs included: every deployment documents them)."""
        path = self.ns.path(iri)
        return None if path is None else request.script_root + "/" + path


def site() -> Site:
    """The :class:`Site` of the app handling the current request."""
    return current_app.extensions["dskg"]
