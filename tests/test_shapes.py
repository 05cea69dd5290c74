"""Each SHACL rule fires on a graph that breaks it, with the message a steward reads."""
from __future__ import annotations

import random
from collections import Counter

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS, XSD

from dskg import asked_once, validation
from dskg.build.prepare import merged, vocabulary_graphs
from dskg.namespaces import SCHEMA
from dskg.validation import load_shapes, validate_graph, validate_resources

from .conftest import BASE, ROOT, VOCAB

P = URIRef(BASE + "id/practice/a-practice")
ORG_IRI = URIRef(BASE + "id/organisation/an-org")
SOURCE = URIRef(BASE + "id/source/page-txt")
D = VOCAB + "def/dskg/"


@pytest.fixture(scope="module")
def shapes(ns):
    return load_shapes(ROOT / "shapes", ns)


@pytest.fixture(scope="module")
def vocabularies(vocab):
    return merged([g for _, g in vocabulary_graphs(vocab)])


def valid_practice() -> Graph:
    g = Graph()
    g.add((P, RDF.type, URIRef(D + "GoodPractice")))
    g.add((P, DCTERMS.title, Literal("A practice", lang="en")))
    g.add((P, DCTERMS.description, Literal("What it does.", lang="en")))
    g.add((P, DCTERMS.issued, Literal("2024-01-02", datatype=XSD.date)))
    g.add((P, SCHEMA.startDate, Literal("2023", datatype=XSD.gYear)))
    g.add((P, SCHEMA.endDate, Literal("2024-06", datatype=XSD.gYearMonth)))
    g.add((P, DCTERMS.audience, URIRef(VOCAB + "def/audience/children")))
    g.add((P, URIRef(D + "technology"), URIRef(VOCAB + "def/technology/robotics")))
    g.add((P, URIRef(D + "initiativeType"), URIRef(VOCAB + "def/initiative-type/local")))
    g.add((P, URIRef(D + "fundingType"), URIRef(VOCAB + "def/funding-type/public")))
    g.add((P, URIRef(D + "country"), URIRef(VOCAB + "id/country/BGR")))
    g.add((P, URIRef(D + "providedBy"), ORG_IRI))
    g.add((P, PROV.wasDerivedFrom, SOURCE))
    g.add((P, URIRef(D + "sourceEntry"), Literal(3)))
    g.add((ORG_IRI, RDF.type, ORG.Organization))
    g.add((ORG_IRI, SKOS.prefLabel, Literal("An organisation")))
    g.add((SOURCE, RDF.type, PROV.Entity))
    g.add((SOURCE, RDF.type, URIRef("http://xmlns.com/foaf/0.1/Document")))
    g.add((SOURCE, DCTERMS.title, Literal("page.txt")))
    return g


def findings_for(graph: Graph, shapes, vocabularies):
    return validate_graph(graph + vocabularies, shapes)


def test_a_valid_practice_conforms(shapes, vocabularies):
    assert findings_for(valid_practice(), shapes, vocabularies) == []


def test_the_vocabularies_conform_on_their_own(shapes, vocabularies):
    assert validate_graph(Graph() + vocabularies, shapes) == []


def replace(graph: Graph, predicate, new=None, subject=P) -> Graph:
    graph.remove((subject, predicate, None))
    if new is not None:
        graph.add((subject, predicate, new))
    return graph


CASES = {
    "missing title": (lambda g: replace(g, DCTERMS.title),
                      "Violation", "language-tagged title"),
    "untagged title": (lambda g: replace(g, DCTERMS.title, Literal("Plain")),
                       "Violation", "language-tagged title"),
    "two titles in one language": (
        lambda g: g.add((P, DCTERMS.title, Literal("Another", lang="en"))) or g,
        "Violation", "one language-tagged title"),
    "missing description": (lambda g: replace(g, DCTERMS.description),
                            "Violation", "language-tagged description"),
    "issued not a date": (lambda g: replace(g, DCTERMS.issued, Literal("2024-01-02")),
                          "Violation", "publication date (dct:issued) must be one xsd:date"),
    "start date of wrong type": (lambda g: replace(g, SCHEMA.startDate, Literal("2023")),
                                 "Violation", "must be an xsd:date, xsd:gYearMonth or xsd:gYear"),
    "end before start": (lambda g: replace(g, SCHEMA.endDate,
                                           Literal("2022-12-31", datatype=XSD.date)),
                         "Violation", "the end date 2022-12-31 precedes the start date 2023"),
    "two start dates": (lambda g: g.add((P, SCHEMA.startDate,
                                         Literal("2022", datatype=XSD.gYear))) or g,
                        "Violation", "at most one start date"),
    "audience outside its scheme": (
        lambda g: replace(g, DCTERMS.audience, URIRef(VOCAB + "def/technology/robotics")),
        "Violation", "must be a concept of <def/audience>"),
    "technology not a concept": (
        lambda g: replace(g, URIRef(D + "technology"), URIRef(VOCAB + "def/technology/warp")),
        "Violation", "must be a concept of <def/technology>"),
    "initiative type as text": (
        lambda g: replace(g, URIRef(D + "initiativeType"), Literal("Local initiative")),
        "Violation", "must be a concept of <def/initiative-type>"),
    "funding type outside scheme": (
        lambda g: replace(g, URIRef(D + "fundingType"), URIRef(VOCAB + "def/audience/all")),
        "Violation", "must be a concept of <def/funding-type>"),
    "missing country": (lambda g: replace(g, URIRef(D + "country")),
                        "Violation", "a practice needs a country"),
    "country not in scheme": (
        lambda g: replace(g, URIRef(D + "country"), URIRef(VOCAB + "id/country/USA")),
        "Violation", "a practice needs a country"),
    "missing provider is a warning": (lambda g: replace(g, URIRef(D + "providedBy")),
                                      "Warning", "no providing organisation"),
    "provider not an organisation": (
        lambda g: replace(g, URIRef(D + "providedBy"), URIRef(BASE + "id/place/x")),
        "Violation", "must be an org:Organization"),
    "missing source": (lambda g: replace(g, PROV.wasDerivedFrom),
                       "Violation", "the page it was derived from"),
    "missing entry number": (lambda g: replace(g, URIRef(D + "sourceEntry")),
                             "Violation", "entry number"),
    "entry number zero": (lambda g: replace(g, URIRef(D + "sourceEntry"), Literal(0)),
                          "Violation", "entry number"),
    "organisation without a name": (lambda g: replace(g, SKOS.prefLabel, subject=ORG_IRI),
                                    "Violation", "exactly one name"),
}


#: The fast subset checks a few rules; ``make test`` checks every one.
FAST_CASES = 2


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=() if index < FAST_CASES else pytest.mark.slow)
    for index, case in enumerate(sorted(CASES))])
def test_rule_fires_with_its_message(case, shapes, vocabularies):
    breaker, severity, message = CASES[case]
    findings = findings_for(breaker(valid_practice()), shapes, vocabularies)
    assert findings, f"{case}: no finding"
    assert any(f.severity == severity and message in f.message for f in findings), \
        [(f.severity, f.message) for f in findings]


def test_practice_iri_outside_its_namespace_is_a_violation(shapes, vocabularies):
    g = valid_practice()
    stray = URIRef("http://example.org/practice/x")
    for p, o in list(g.predicate_objects(P)):
        g.add((stray, p, o))
    g.remove((P, None, None))
    findings = findings_for(g, shapes, vocabularies)
    assert any("id/practice/{slug}" in f.message and f.focus == str(stray) for f in findings)


def test_uppercase_slug_is_a_violation(shapes, vocabularies):
    g = valid_practice()
    odd = URIRef(BASE + "id/organisation/Bad_Slug")
    g.add((odd, RDF.type, ORG.Organization))
    g.add((odd, SKOS.prefLabel, Literal("Bad")))
    findings = findings_for(g, shapes, vocabularies)
    assert any(f.focus == str(odd) and "id/organisation/{slug}" in f.message for f in findings)


def test_concept_not_in_its_scheme_is_a_violation(shapes, vocabularies):
    stray = URIRef(VOCAB + "def/audience/astronauts")
    g = Graph() + vocabularies
    g.add((stray, RDF.type, SKOS.Concept))
    g.add((stray, SKOS.prefLabel, Literal("Astronauts", lang="en")))
    g.add((stray, SKOS.inScheme, URIRef(VOCAB + "def/technology")))
    findings = validate_graph(g, shapes)
    assert any(f.focus == str(stray) and "must be in that scheme" in f.message
               for f in findings)


def test_funder_must_be_body_or_programme(shapes, vocabularies):
    funder = URIRef(BASE + "id/funder/someone")
    g = valid_practice()
    g.add((P, SCHEMA.funder, funder))
    g.add((funder, RDF.type, URIRef(D + "Funder")))
    g.add((funder, SKOS.prefLabel, Literal("Someone")))
    findings = findings_for(g, shapes, vocabularies)
    assert any(f.focus == str(funder) for f in findings)


def test_resources_checked_with_the_shapes_aimed_at_them_get_every_finding(shapes,
                                                                          vocabularies):
    """validate_resources leaves out the shapes none of its focus nodes is aimed at and
    the vocabularies' labels: it finds on them what the whole check finds."""
    g = valid_practice()
    bad_org = URIRef(BASE + "id/org/Not_A_Slug")
    funder = URIRef(BASE + "id/funder/a-body")
    place = URIRef(BASE + "id/place/a-town")
    g.add((bad_org, RDF.type, ORG.Organization))
    g.add((ORG_IRI, DCTERMS.spatial, URIRef(VOCAB + "def/audience/children")))
    g.add((funder, RDF.type, URIRef(D + "FundingBody")))  # a dskg:Funder by subclass
    g.add((funder, DCTERMS.isPartOf, ORG_IRI))
    g.add((funder, SKOS.prefLabel, Literal("One")))
    g.add((funder, SKOS.prefLabel, Literal("Two")))
    g.add((place, RDF.type, SCHEMA.Place))
    g.add((place, SCHEMA.containedInPlace, URIRef(VOCAB + "id/country/BGR")))
    focus = {bad_org, ORG_IRI, funder, place, SOURCE}
    whole = {f for f in validate_graph(g + vocabularies, shapes) if URIRef(f.focus) in focus}
    aimed = set(validate_resources(g, focus, Graph(), vocabularies, shapes))
    assert {URIRef(f.focus) for f in whole} == {bad_org, ORG_IRI, funder, place}
    assert len(whole) >= 6 and aimed == whole


def test_constraints_asked_once_find_what_pyshacl_finds_node_by_node(shapes, vocabularies):
    """The date constraints and the practices' origin (dskg.asked_once) are asked once
    per graph; the findings are those of pyshacl asking them for every practice, on
    practices with every kind of date and of origin, and on a non-practice with dates
    that no practice shape is for."""
    once = asked_once.split(shapes)[1]
    assert sorted(type(c).__name__ for c in once) == ["OneRequired", "SparqlConstraint",
                                                      "SparqlConstraint"]
    origins = [URIRef(D + "sourceEntry"), URIRef("http://xmlns.com/foaf/0.1/page"),
               URIRef(D + "submission")]
    dates = [Literal("2023", datatype=XSD.gYear), Literal("2023-05", datatype=XSD.gYearMonth),
             Literal("2022-12-31", datatype=XSD.date), Literal("2024-01-02", datatype=XSD.date),
             Literal("2023"), Literal("2023-05-01", datatype=XSD.dateTime),
             URIRef(BASE + "id/date/not-a-literal"), None]
    rng = random.Random(5)
    g = Graph()
    for number in range(40):
        practice = URIRef(f"{BASE}id/practice/practice-{number}")
        for s, p, o in valid_practice():
            s = practice if s == P else s
            if p not in (SCHEMA.startDate, SCHEMA.endDate, origins[0]):
                g.add((s, p, o))
        for origin in rng.sample(origins, rng.choice((0, 1, 1, 2))):
            g.add((practice, origin, Literal(number + 1) if origin == origins[0]
                   else URIRef(f"{BASE}id/source/page-{number}")))
        for prop in (SCHEMA.startDate, SCHEMA.endDate):
            for _ in range(rng.choice((1, 1, 2))):
                if (date := rng.choice(dates)) is not None:
                    g.add((practice, prop, date))
    g.add((ORG_IRI, SCHEMA.startDate, Literal("nonsense")))
    g.add((ORG_IRI, SCHEMA.endDate, Literal("2001", datatype=XSD.gYear)))
    data = g + vocabularies
    node_by_node = Counter(validation._pyshacl(data, shapes))
    assert Counter(validate_graph(data, shapes)) == node_by_node
    messages = " ".join(f.message for f in node_by_node)
    assert "must be an xsd:date" in messages and "precedes the start date" in messages
    assert "must say where it was found" in messages
    assert ORG_IRI.toPython() not in {f.focus for f in node_by_node}
    # A blank node with dates: the query is asked of rdflib instead of Oxigraph.
    blank = BNode()
    data.add((blank, RDF.type, URIRef(D + "GoodPractice")))
    data.add((blank, SCHEMA.startDate, Literal("2024", datatype=XSD.gYear)))
    data.add((blank, SCHEMA.endDate, Literal("2023")))
    node_by_node = Counter(validation._pyshacl(data, shapes))
    assert Counter(validate_graph(data, shapes)) == node_by_node
    on_blank = " ".join(f.message for f in node_by_node if f.focus == str(blank))
    assert "must be an xsd:date" in on_blank and "precedes the start date" in on_blank


@pytest.mark.parametrize("constraint, once", [
    ('sh:sparql [ sh:select "PREFIX ex: <http://example.org/> SELECT $this WHERE { $this ex:p ?v FILTER(?v > 1) }" ]', True),
    ('sh:sparql [ sh:select "PREFIX ex: <http://example.org/> SELECT $this WHERE { { $this ex:p ?v } UNION { $this ex:q ?v } }" ]',
     True),
    # A sub-query that does not hand $this out: asked with $this free it would name no one.
    ('sh:sparql [ sh:select "PREFIX ex: <http://example.org/> SELECT $this WHERE { { SELECT ?v WHERE { $this ex:p ?v } } }" ]',
     False),
    ('sh:sparql [ sh:select "PREFIX ex: <http://example.org/> SELECT $this WHERE { ?v ex:p ?w FILTER(?w = $this) }" ]', False),
    ('sh:sparql [ sh:select "PREFIX ex: <http://example.org/> SELECT $this WHERE { $this ex:p ?v OPTIONAL { ?v ex:q ?w } }" ]',
     False),
    ('sh:or ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:minCount 1 ] )', True),
    ('sh:or ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:datatype xsd:string ] )',
     False),
    ('sh:or ( [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] )', False),
])
def test_only_constraints_whose_answer_is_exact_are_asked_once(constraint, once):
    shapes = Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:C ; {constraint} .""")
    assert bool(asked_once.split(shapes)[1]) is once
