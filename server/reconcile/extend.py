"""Data extension: the values of chosen properties of reconciled entities, read from the
store (a few small queries per entity), each an entity ``{id, name}`` in the reader's
language or a ``{str}``."""
from __future__ import annotations

from collections.abc import Callable

from rdflib.namespace import DCTERMS, OWL, SKOS

from dskg.namespaces import SCHEMA, Namespaces
from dskg.rdf import IRI, Literal
from dskg.store.interface import Queryable, term_of
from server.queries import query


#: Property → the predicate whose values it reads (``programme`` and ``nuts`` follow
#: links of links: :func:`values`).
def predicates(ns: Namespaces) -> dict[str, tuple[str, ...]]:
    return {
        "country": (str(ns.dskg.country), str(DCTERMS.spatial)),
        "funder": (str(SCHEMA.funder),), "start": (str(SCHEMA.startDate),),
        "end": (str(SCHEMA.endDate),), "organisation": (str(ns.dskg.providedBy),),
        "partner": (str(ns.dskg.partner),), "audience": (str(DCTERMS.audience),),
        "technology": (str(ns.dskg.technology),), "competence": (str(ns.dskg.competence),),
        "same_as": (str(OWL.sameAs), str(SKOS.exactMatch)),
    }


def values(store: Queryable, ns: Namespaces, iri: str, prop: str,
           name: Callable[[str], str]) -> list[dict]:
    """The values of ``prop`` for ``iri``, in a stable order; entities named by ``name``."""
    this = IRI(iri)
    if prop == "programme":
        rows = store.select(query("extend_programme"), {
            "this": this, "sameAs": IRI(str(OWL.sameAs)),
            "programme": IRI(str(ns.dskg.euProgramme)), "funder": IRI(str(SCHEMA.funder))})
    elif prop == "nuts":
        rows = store.select(query("extend_nuts"), {
            "this": this, "spatial": IRI(str(DCTERMS.spatial)),
            "location": IRI(str(SCHEMA.location))})
    else:
        rows = [row for predicate in predicates(ns)[prop]
                for row in store.select(query("extend_values"),
                                        {"this": this, "p": IRI(predicate)})]
    found: dict[str, dict] = {}
    for row in rows:
        value = term_of(row, "value")
        if isinstance(value, IRI):
            found.setdefault(value.value, {"id": value.value, "name": name(value.value)})
        elif isinstance(value, Literal):
            found.setdefault(value.value, {"str": value.value})
    return [found[key] for key in sorted(found)]
