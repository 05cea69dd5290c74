"""The ontology and concept schemes say what the issue promises."""
from __future__ import annotations

import csv

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .conftest import ROOT, VOCAB

EU_MEMBERS = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
EEA = ["IS", "LI", "NO"]
CANDIDATES = ["AL", "BA", "GE", "MD", "ME", "MK", "RS", "TR", "UA"]


def test_ontology_header_has_version_licence_and_creator(vocab, ns):
    onto = vocab.ontology
    assert (ns.ontology, RDF.type, OWL.Ontology) in onto
    for prop in (OWL.versionInfo, DCTERMS.license, DCTERMS.creator, RDFS.label):
        assert onto.value(ns.ontology, prop) is not None, prop


def test_every_minted_term_has_label_comment_domain_and_range(vocab, ns):
    minted = [s for s in vocab.ontology.subjects(RDFS.isDefinedBy, ns.ontology)]
    assert len(minted) >= 10
    for term in minted:
        label = vocab.ontology.value(term, RDFS.label)
        assert isinstance(label, Literal) and label.language == "en", term
        assert vocab.ontology.value(term, RDFS.comment) is not None, term
        if (term, RDF.type, OWL.Class) not in vocab.ontology:
            assert vocab.ontology.value(term, RDFS.domain) is not None, term
            assert vocab.ontology.value(term, RDFS.range) is not None, term


@pytest.mark.parametrize("scheme, spellings", [
    ("audience", ["For children", "Digital skills for children", "In education",
                  "Digital skills in education", "Digital skills for all",
                  "Digital skills for the workforce", "Digital skills for ICT professionals",
                  "Digital skills for public administration"]),
    ("technology", ["AI & ML", "Artificial Intelligence", "AR & VR", "Virtual Reality",
                    "Cloud Computing", "Digital skills", "Digital Skills"]),
    ("initiative-type", ["Local good practice initiative", "Local initiative",
                         "International good practice initiative", "International initiative",
                         "National good practice initiative", "National initiative",
                         "EU institutional initiative"]),
    ("funding-type", ["Public", "Other"]),
])
def test_every_site_spelling_is_a_label_of_a_concept(vocab, scheme, spellings):
    for spelling in spellings:
        concept = vocab.lookup(scheme, spelling)
        assert concept is not None and str(concept).startswith(VOCAB + f"def/{scheme}/"), spelling


def test_both_spellings_reach_one_concept(vocab):
    assert vocab.lookup("technology", "AI & ML") == vocab.lookup("technology",
                                                                 "Artificial Intelligence")
    assert vocab.lookup("audience", "In education") == vocab.lookup(
        "audience", "Digital skills in education")


def test_countries_cover_eu_eea_and_candidates_with_codes_labels_and_links(vocab, ns):
    graph = vocab.schemes["country"]
    concepts = set(graph.subjects(SKOS.inScheme, ns.country_scheme))
    codes = {vocab.country_code(c) for c in concepts}
    assert set(EU_MEMBERS + EEA + CANDIDATES) <= codes
    native = ns.iri("def/country/nativeLabel")
    for concept in concepts:
        alpha3 = vocab.country_code(concept, 3)
        assert concept == ns.country(alpha3)
        matches = {str(m) for m in graph.objects(concept, SKOS.exactMatch)}
        assert f"http://publications.europa.eu/resource/authority/country/{alpha3}" in matches
        assert any(m.startswith("http://www.wikidata.org/entity/Q") for m in matches)
        english = [l for l in graph.objects(concept, SKOS.prefLabel) if l.language == "en"]
        assert len(english) == 1, concept
        assert list(graph.objects(concept, native)), f"{alpha3} has no native label"


def test_native_labels_in_their_own_scripts(vocab, ns):
    graph = vocab.schemes["country"]
    native = ns.iri("def/country/nativeLabel")
    bulgaria = {str(l) for l in graph.objects(ns.country("BGR"), native)}
    greece = {str(l) for l in graph.objects(ns.country("GRC"), native)}
    assert bulgaria == {"България"} and greece == {"Ελλάδα"}
    assert vocab.lookup("country", "България") == ns.country("BGR")
    assert vocab.lookup("country", "bg") == ns.country("BGR")


def test_country_list_matches_its_csv(vocab):
    with open(ROOT / "ontology" / "reference" / "countries.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        concept = vocab.lookup("country", row["alpha3"])
        assert concept is not None
        assert vocab.country_code(concept) == row["alpha2"]
        wikidata = URIRef("http://www.wikidata.org/entity/" + row["wikidata"])
        assert (concept, SKOS.exactMatch, wikidata) in vocab.schemes["country"]
