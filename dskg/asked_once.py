"""Constraints pyshacl evaluates focus node by focus node, asked once per graph instead.

pyshacl evaluates a SPARQL-based constraint once for every focus node, with ``$this``
bound: for the practices' two date constraints that was half of a build's validation
(2,000 practices: 4.1 of 8.0 s, most of it rdflib setting up 4,000 tiny queries); the
practices' ``sh:or`` (a source entry, a page or a submission) took most of the rest.
Two forms of constraint can be answered for a whole graph at once, exactly:

- a SPARQL constraint whose pattern binds ``$this`` in every solution (triple patterns
  joined, united branches that each bind it, filters and BINDs over them): asked once
  with ``$this`` free, it gives every focus node that has a solution with it bound, and
  no other (:class:`SparqlConstraint`);
- an ``sh:or`` whose every alternative is ``[ sh:path <p> ; sh:minCount 1 ]``: a focus
  node fails it exactly when it has none of those properties (:class:`OneRequired`).

So each is asked once per graph, and only the focus nodes that fail it (usually none)
are given to pyshacl, with the same constraint aimed at them by ``sh:targetNode``: the
results, messages included, are still pyshacl's own. A constraint of any other form,
of a shape with targets other than classes, or of a shape another shape refers to
(``sh:node``, ``sh:or``…) is left to pyshacl as it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node, Variable

from dskg.rdf import ntriples_line, to_rdflib
from dskg.store import scratch_store

THIS = Variable("this")
#: Variables pyshacl binds besides ``$this``: a query using them is left to pyshacl.
PRE_BOUND = {"currentShape", "shapesGraph"}
#: SHACL's ways of naming a shape's focus nodes.
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
#: What of a shape its constraints' results take (severity, the shape's own
#: messages) or that switches it off.
SHAPE_PARAMETERS = (SH.severity, SH.message, SH.deactivated)


@dataclass(frozen=True)
class AskedOnce:
    """One constraint of a shape, asked once per graph."""

    shape: Node
    #: The constraint as the shape states it: ``(sh:sparql, constraint)``, ``(sh:or, list)``.
    predicate: URIRef
    constraint: Node
    classes: frozenset[Node]
    #: What describes the constraint (its statements, its prefixes', the list's), copied
    #: for pyshacl.
    triples: tuple[tuple[Node, Node, Node], ...]

    def focus_nodes(self, data: Graph) -> set[Node]:
        """The instances of the shape's classes that fail the constraint."""
        classes = {sub for c in self.classes
                   for sub in data.transitive_subjects(RDFS.subClassOf, c)}
        instances = {node for c in classes for node in data.subjects(RDF.type, c)}
        return self._failing(data, instances)

    def _failing(self, data: Graph, instances: set[Node]) -> set[Node]:
        raise NotImplementedError

    def aimed(self, shapes: Graph, nodes: set[Node]) -> Graph:
        """A shapes graph with only this constraint, aimed at ``nodes``."""
        graph = Graph()
        shape = BNode()
        graph.add((shape, RDF.type, SH.NodeShape))
        for parameter in SHAPE_PARAMETERS:
            for value in shapes.objects(self.shape, parameter):
                graph.add((shape, parameter, value))
        graph.add((shape, self.predicate, self.constraint))
        for node in nodes:
            graph.add((shape, SH.targetNode, node))
        for triple in self.triples:
            graph.add(triple)
        return graph


@dataclass(frozen=True)
class SparqlConstraint(AskedOnce):
    """A SPARQL constraint whose query binds ``$this`` in every solution."""

    query: Query
    #: The query's text with its prefixes declared, as Oxigraph reads it.
    text: str
    #: The predicates of the query's triple patterns, all constant; ``None`` if one is
    #: not (a variable or a path): then rdflib answers it.
    predicates: frozenset[URIRef] | None

    def _failing(self, data: Graph, instances: set[Node]) -> set[Node]:
        return self._named(data) & instances

    def _named(self, data: Graph) -> set[Node]:
        """The nodes the query binds ``$this`` to.

        Only the statements with the query's predicates can match its patterns; those
        are asked of Oxigraph, which evaluates the filters and BINDs of thousands of
        solutions in milliseconds where rdflib took seconds (both implement SPARQL's
        functions; the findings are compared with pyshacl's by the tests). Graphs with
        blank node subjects go to rdflib, which keeps their labels."""
        statements = [t for p in self.predicates or () for t in data.triples((None, p, None))]
        if self.predicates is None or any(isinstance(s, BNode) for s, _, _ in statements):
            return {row[THIS] for row in data.query(self.query).bindings if THIS in row}
        rows = scratch_store("".join(map(ntriples_line, statements)).encode()).select(self.text)
        return {to_rdflib(value) for row in rows if (value := row.get("this")) is not None}


@dataclass(frozen=True)
class OneRequired(AskedOnce):
    """An ``sh:or`` of alternatives that each ask for one value of a property."""

    paths: tuple[URIRef, ...]

    def _failing(self, data: Graph, instances: set[Node]) -> set[Node]:
        return {node for node in instances
                if not any((node, path, None) in data for path in self.paths)}


@lru_cache(maxsize=16)
def split(shapes: Graph) -> tuple[Graph, tuple[AskedOnce, ...]]:
    """``shapes`` without the constraints that can be asked once per graph, and those
    constraints. Made once per shapes graph (shapes never change once loaded)."""
    referred = {o for o in shapes.objects() if isinstance(o, (URIRef, BNode))}
    once: list[AskedOnce] = []
    for shape, predicate, constraint in shapes.triples((None, None, None)):
        if predicate not in (SH.sparql, SH["or"]):
            continue
        targets = {p for p in TARGETS for _ in shapes.objects(shape, p)}
        classes = frozenset(shapes.objects(shape, SH.targetClass))
        if targets != {SH.targetClass} or shape in referred or \
                (shape, RDF.type, SH.PropertyShape) in shapes or (shape, SH.path, None) in shapes:
            continue
        asked = (_sparql if predicate == SH.sparql else _one_required)(
            shapes, shape, constraint, classes)
        if asked is not None:
            once.append(asked)
    if not once:
        return shapes, ()
    kept = Graph()
    left_out = {(c.shape, c.predicate, c.constraint) for c in once}
    for triple in shapes:
        if triple not in left_out:
            kept.add(triple)
    return kept, tuple(once)


def _sparql(shapes: Graph, shape: Node, constraint: Node,
            classes: frozenset[Node]) -> SparqlConstraint | None:
    read = _query(shapes, constraint)
    if read is None:
        return None
    query, text = read
    return SparqlConstraint(shape, SH.sparql, constraint, classes,
                            tuple(_description(shapes, constraint)), query, text,
                            _predicates(query.algebra))


def _one_required(shapes: Graph, shape: Node, head: Node,
                  classes: frozenset[Node]) -> OneRequired | None:
    """The ``sh:or`` list at ``head`` if every alternative is ``[ sh:path <p> ;
    sh:minCount 1 ]`` and nothing else."""
    paths: list[URIRef] = []
    triples: list[tuple[Node, Node, Node]] = []
    for cell in _cells(shapes, head):
        triples += shapes.triples((cell, None, None))
        member = shapes.value(cell, RDF.first)
        statements = set(shapes.predicate_objects(member))
        path = shapes.value(member, SH.path)
        if not isinstance(path, URIRef) or \
                statements != {(SH.path, path), (SH.minCount, Literal(1))}:
            return None
        paths.append(path)
        triples += shapes.triples((member, None, None))
    return OneRequired(shape, SH["or"], head, classes, tuple(triples), tuple(paths)) \
        if paths else None


def _cells(shapes: Graph, head: Node) -> list[Node]:
    """The cells of the RDF list at ``head``."""
    cells: list[Node] = []
    cell: Node | None = head
    while cell is not None and cell != RDF.nil and cell not in cells:
        cells.append(cell)
        cell = shapes.value(cell, RDF.rest)
    return cells


def _query(shapes: Graph, constraint: Node) -> tuple[Query, str] | None:
    """The constraint's query, prepared, and its text with prefixes, if asking it with
    ``$this`` free is the same as asking it for each focus node; else ``None``."""
    select = shapes.value(constraint, SH.select)
    if not isinstance(select, Literal) or (constraint, SH.deactivated, None) in shapes:
        return None
    namespaces = {str(shapes.value(d, SH.prefix)): URIRef(str(shapes.value(d, SH.namespace)))
                  for p in shapes.objects(constraint, SH.prefixes)
                  for d in shapes.objects(p, SH.declare)}
    try:
        query = prepareQuery(str(select), initNs=namespaces)
    except Exception:  # noqa: BLE001 - pyshacl reports a query it cannot read
        return None
    algebra = query.algebra
    if algebra.name != "SelectQuery" or THIS not in algebra.PV or \
            {str(v) for v in algebra._vars} & PRE_BOUND:
        return None
    if not _binds_this(algebra.p):
        return None
    declared = "".join(f"PREFIX {prefix}: <{namespace}>\n"
                       for prefix, namespace in sorted(namespaces.items()))
    return query, declared + str(select)


def _predicates(part: Any) -> frozenset[URIRef] | None:
    """The predicates of every triple pattern under ``part``, or ``None`` if one is not
    an IRI."""
    found: set[URIRef] = set()
    stack = [part]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "BGP":
                for _, predicate, _ in node.triples:
                    if not isinstance(predicate, URIRef):
                        return None
                    found.add(predicate)
            stack += [v for v in node.values() if isinstance(v, CompValue | list)]
        elif isinstance(node, list):
            stack += node
    return frozenset(found)


def _binds_this(part: Any) -> bool:
    """Whether every solution of this algebra part binds ``?this``, by patterns whose
    answers with ``?this`` given are their answers without it, restricted to it."""
    if not isinstance(part, CompValue):
        return False
    name = part.name
    if name == "BGP":
        return any(THIS in triple for triple in part.triples)
    if name == "Project":  # a sub-query: it must hand ``?this`` out
        return THIS in part.PV and _binds_this(part.p)
    if name in ("Filter", "ToMultiSet", "Distinct", "Reduced"):
        return _binds_this(part.p)
    if name == "Extend":
        return part.var != THIS and _binds_this(part.p)
    if name == "Join":
        return _binds_this(part.p1) or _binds_this(part.p2)
    if name == "Union":
        return _binds_this(part.p1) and _binds_this(part.p2)
    return False


def _description(shapes: Graph, constraint: Node) -> list[tuple[Node, Node, Node]]:
    """The constraint's statements and those of its prefix declarations."""
    triples = list(shapes.triples((constraint, None, None)))
    for prefixes in shapes.objects(constraint, SH.prefixes):
        triples += shapes.triples((prefixes, SH.declare, None))
        for declaration in shapes.objects(prefixes, SH.declare):
            triples += shapes.triples((declaration, None, None))
    return triples
