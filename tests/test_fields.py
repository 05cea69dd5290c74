"""The fields of a practice are declared once (dskg/fields.py): each has its ontology
term and its shape, and a new field needs nothing else."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from dskg.fields import FIELDS, PROSE, PROSE_HEADINGS, SECTIONS
from dskg.namespaces import Namespaces
from dskg.validation import load_shapes

from .conftest import BASE, ROOT, VOCAB

SH_PATH = URIRef("http://www.w3.org/ns/shacl#path")
SH_TARGET_CLASS = URIRef("http://www.w3.org/ns/shacl#targetClass")


def practice_paths(ns) -> set:
    """The properties the shapes say something about for a practice."""
    shapes = load_shapes(ROOT / "shapes", ns)
    return {shapes.value(shape, SH_PATH)
            for shape in shapes.subjects(SH_TARGET_CLASS, ns.dskg.GoodPractice)}


def test_every_field_has_its_ontology_term_and_its_shape(vocab, ns):
    shaped = practice_paths(ns)
    for field in FIELDS.values():
        prop = ns.expand(field.property)
        assert prop in shaped, f"{field.name}: no property shape for {prop}"
        if str(prop).startswith(str(ns.dskg)):
            ontology = vocab.ontology
            assert (prop, RDF.type, None) in ontology, f"{field.name}: {prop} not in ontology"
            for needed in (RDFS.label, RDFS.domain, RDFS.range):
                assert ontology.value(prop, needed) is not None, f"{prop} lacks {needed}"


def test_every_part_of_the_body_has_its_term_its_shape_and_its_own_headings(vocab, ns):
    shaped = practice_paths(ns)
    for part in PROSE.values():
        prop = ns.expand(part.property)
        assert prop in shaped, f"{part.name}: no property shape for {prop}"
        assert vocab.ontology.value(prop, RDFS.range) == RDF.langString, part.name
        assert {lang for label in vocab.ontology.objects(prop, RDFS.label)
                for lang in [label.language]} >= {"en", "bg", "el"}, part.name
    assert len(PROSE_HEADINGS) == sum(len(p.headings) for p in PROSE.values())
    assert not set(PROSE_HEADINGS) & set(SECTIONS)  # a body heading never ends the body


def test_every_heading_names_one_field_and_every_concept_field_a_scheme(vocab):
    assert len(SECTIONS) == sum(len(f.headings) for f in FIELDS.values())
    for field in FIELDS.values():
        if field.kind == "concept":
            assert field.scheme in vocab.schemes


NEW_FIELD = """    Field("budget", "budget", "text", "dskg:budget", headings=("Budget",), many=False),
"""
NEW_TERM = '''
dskg:budget a owl:DatatypeProperty ;
    rdfs:label "budget"@en ;
    rdfs:comment "What the practice costs, as the page states it."@en ;
    rdfs:domain dskg:GoodPractice ;
    rdfs:range xsd:string ;
    rdfs:isDefinedBy <def/dskg> .
'''
NEW_SHAPE = '''
dsh:PracticeBudget a sh:PropertyShape ;
    sh:targetClass dskg:GoodPractice ;
    sh:path dskg:budget ; sh:maxCount 1 ; sh:datatype xsd:string ;
    sh:message "a practice has at most one budget (dskg:budget), a plain text"@en .
'''


@pytest.mark.slow
def test_a_new_field_is_one_entry_plus_its_term_and_its_shape(tmp_path):
    """In a copy of the project: declare ``budget``, add its term and shape, and a page
    section ``Budget`` reaches ``ingest --json``, the store and the shapes."""
    copy = tmp_path / "project"
    for folder in ("dskg", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, copy / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "curation", copy / "data" / "curation")
    (copy / "data" / "sources").mkdir(parents=True)
    fields = copy / "dskg" / "fields.py"
    text = fields.read_text(encoding="utf-8")
    assert text.count("\n)}") == 1  # the end of the FIELDS table
    fields.write_text(text.replace("\n)}", "\n" + NEW_FIELD.rstrip("\n") + "\n)}"),
                      encoding="utf-8")
    with (copy / "ontology" / "dskg.ttl").open("a", encoding="utf-8") as ontology:
        ontology.write(NEW_TERM)
    with (copy / "shapes" / "dskg-shapes.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write(NEW_SHAPE)
    page = (ROOT / "data" / "sources" / "good-practices-listing.txt").read_text(
        encoding="utf-8")
    page = page.replace("Start date\n", "Budget\n€ 20,000\nStart date\n", 1)
    assert "Budget" in page
    (copy / "data" / "sources" / "page.txt").write_text(page, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "DSKG_BASE": BASE,
           "DSKG_DATA_DIR": str(copy / "data"), "DSKG_VAR_DIR": str(copy / "var")}

    def dskg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dskg.cli", *args], cwd=copy, env=env,
                              capture_output=True, text=True, timeout=300)

    ingest = dskg("ingest", "--json", str(copy / "data" / "sources" / "page.txt"))
    assert ingest.returncode == 0, ingest.stderr
    budgets = [e["budget"] for e in json.loads(ingest.stdout) if e.get("budget")]
    assert budgets == ["€ 20,000"]
    table = dskg("ingest", str(copy / "data" / "sources" / "page.txt"))
    assert "budget:        € 20,000" in table.stdout
    built = dskg("build", "--strict")
    assert built.returncode == 0, built.stderr + built.stdout
    store = ox.Store.read_only(str(copy / "var" / "current" / "store"))
    values = [row["b"].value for row in store.query(
        f"SELECT ?b WHERE {{ ?p <{VOCAB}def/dskg/budget> ?b }}", use_default_graph_as_union=True)]
    assert values == ["€ 20,000"]
    shapes = load_shapes(copy / "shapes", Namespaces(BASE, VOCAB))
    assert (None, SH_PATH, URIRef(VOCAB + "def/dskg/budget")) in shapes
    assert (URIRef(VOCAB + "def/dskg/budget"), RDF.type, OWL.DatatypeProperty) in Graph().parse(
        copy / "ontology" / "dskg.ttl", publicID=VOCAB)
