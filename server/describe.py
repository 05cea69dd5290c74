"""What the server says about one resource, for HTML and RDF alike.

A description is the resource's concise bounded description (its statements, plus
those of blank nodes it links to), the labels of everything it links to, and one
page of the statements that point at it (inverse links), with their total so that
hubs are paginated, never unbounded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from dskg.rdf import IRI, BlankNode, Literal, Subject, Term, Triple
from dskg.store import Queryable, iri_of, term_of, text_of
from server.queries import paged, query

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PREDICATE = IRI("http://www.w3.org/2000/01/rdf-schema#label")


@dataclass
class Description:
    iri: str
    #: (predicate, value, graph) of each statement about the resource.
    outgoing: list[tuple[IRI, Term, str]] = field(default_factory=list)
    blank: dict[str, list[tuple[IRI, Term]]] = field(default_factory=dict)
    incoming: list[tuple[Subject, IRI]] = field(default_factory=list)
    incoming_total: int = 0
    page: int = 1
    page_size: int = 50
    labels: dict[str, list[Literal]] = field(default_factory=dict)
    #: (predicate, value) of a published link → the rule that proposed it.
    rules: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.incoming_total // self.page_size))

    @property
    def types(self) -> list[str]:
        return [o.value for p, o, _ in self.outgoing if p.value == RDF_TYPE]

    def triples(self) -> list[Triple]:
        """The description as RDF: statements, blank-node closure, labels, inverse page;
        in a stable order, so the same description is always the same document."""
        this = IRI(self.iri)
        seen, triples = set(), []

        def add(triple: Triple) -> None:
            if triple not in seen:
                seen.add(triple)
                triples.append(triple)

        for predicate, value, _ in self.outgoing:
            add(Triple(this, predicate, value))
        for node, statements in self.blank.items():
            for predicate, value in statements:
                add(Triple(BlankNode(node), predicate, value))
        for subject, predicate in self.incoming:
            add(Triple(subject, predicate, this))
        for iri, labels in self.labels.items():
            if iri != self.iri:
                for label in labels:
                    add(Triple(IRI(iri), LABEL_PREDICATE, label))
        return sorted(triples, key=lambda t: (t.subject != this, str(t.subject),
                                              str(t.predicate), str(t.object)))


class Describer:
    """Builds descriptions from a store, remembering labels (the store never changes)."""

    def __init__(self, store: Queryable, ordered: bool = False, links_graph: str = "",
                 rule: str = ""):
        """``ordered``: page incoming links with ORDER BY (a store whose answers come in
        no stable order); the embedded store's own order is stable and cheaper.
        ``links_graph`` and ``rule``: the graph of published links and the property of
        the rule behind each, shown beside the link."""
        self.store = store
        self.links_graph, self.rule = links_graph, rule
        self.incoming = "incoming_ordered" if ordered else "incoming"
        self.labels = lru_cache(maxsize=200_000)(self._labels)

    def exists(self, iri: str) -> bool:
        return self.store.ask(query("exists"), {"this": IRI(iri)})

    def _labels(self, iri: str) -> tuple[Literal, ...]:
        rows = self.store.select(query("labels"), {"this": IRI(iri)})
        return tuple(row["label"] for row in rows if isinstance(row["label"], Literal))

    def describe(self, iri: str, page: int = 1, page_size: int = 50) -> Description:
        this = IRI(iri)
        description = Description(iri=iri, page=page, page_size=page_size)
        for row in self.store.select(query("outgoing"), {"this": this}):
            value = term_of(row, "o")
            description.outgoing.append((iri_of(row, "p"), value, text_of(row, "g")))
            if isinstance(value, BlankNode):
                description.blank[value.value] = [
                    (iri_of(r, "p"), term_of(r, "o"))
                    for r in self.store.select(query("blank_node"), {"this": value})]
        # Stores answer in orders of their own: the page shows statements in one order.
        description.outgoing.sort(key=lambda s: (s[0].value, str(s[1]), s[2]))
        if self.rule and any(graph.endswith(self.links_graph)  # an external store's names end so
                            for _, _, graph in description.outgoing):
            for row in self.store.select(query("link_rules"),
                                         {"this": this, "rule_": IRI(self.rule)}):
                description.rules[(text_of(row, "p"), text_of(row, "o"))] = text_of(row, "rule")
        counted = self.store.select(query("incoming_count"), {"this": this})
        description.incoming_total = int(text_of(counted[0], "n")) if counted else 0
        offset = (page - 1) * page_size
        rows = self.store.select(paged(self.incoming, page_size, offset), {"this": this})
        description.incoming = sorted(
            ((subject, iri_of(row, "p")) for row in rows
             if isinstance(subject := term_of(row, "s"), (IRI, BlankNode))),
            key=lambda s: (str(s[0]), s[1].value))
        linked = {iri}
        for predicate, value, _ in description.outgoing:
            linked.add(predicate.value)
            if isinstance(value, IRI):
                linked.add(value.value)
        for statements in description.blank.values():
            linked.update(p.value for p, _ in statements)
        for subject, predicate in description.incoming:
            linked.add(predicate.value)
            if isinstance(subject, IRI):
                linked.add(subject.value)
        description.labels = {i: list(self.labels(i)) for i in linked if self.labels(i)}
        return description
