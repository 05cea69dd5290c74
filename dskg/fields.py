"""The fields of a practice, declared once.

Every field a source page or a curation file can fill is one :class:`Field` here: the
section headings that introduce it on a listing page, the record attribute (which is
also its ``dskg ingest --json`` key and its curation key), the kind of value, the
concept scheme its values come from, the RDF property it maps to, its cardinality,
and the browse facet it feeds. The page splitter, the record reader, curation, the
mapping to RDF, the browse index, the ``ingest`` summary and the CLI table all read
this table; adding a field is one entry here plus its term in ``ontology/dskg.ttl``
and its property shape in ``shapes/``.

The head of an entry (title, publication date, body text) is not a field: it is what
makes an entry an entry (identity, language, reposts), and the reader handles it. The
body's own parts — a summary, then "Aims and objectives", "Why is this a good
practice?", … — are :data:`PROSE`: each is read from the heading that opens it in the
body (:mod:`dskg.prose`), whatever reader gave the body, and published beside the whole
description.

Some names are public and stay as they are even where they differ: a scheme's name
is part of its IRIs (``def/initiative-type/``), a facet's key is a URL parameter
(``/browse/practice?initiative=…``), a property is part of the ontology.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from dskg.messages import N_

#: What a field's values are, and so how each stage treats them:
#: ``concept``: a label looked up in ``scheme``; the value is the concept.
#: ``name``: an organisation's name on a page; curation gives organisation slugs.
#: ``funder``: funder slugs (curation only).
#: ``place``: places, by name or ``{name, country}`` (curation only).
#: ``date``: a full or partial date (``2024``, ``03.2024``, ``12.03.2024``).
#: ``text``: free text, one literal per value.
#: ``note``: a data steward's note (curation only), in English.
KINDS = ("concept", "name", "funder", "place", "date", "text", "note")


@dataclass(frozen=True)
class Facet:
    """How a field appears in faceted browse."""

    #: The URL parameter and the key in the browse index.
    key: str
    title: str
    #: Facet on the year of a date rather than on the value.
    by_year: bool = False


@dataclass(frozen=True)
class Field:
    #: Record attribute, ``ingest --json`` key and curation key.
    name: str
    #: How people call it: the CLI table, scheme titles, messages (marked for the
    #: catalogue where a message the form shows names it).
    label: str
    kind: str
    #: RDF property, as a prefixed name (prefixes: :meth:`dskg.namespaces.Namespaces.prefixes`).
    property: str
    #: Section headings that introduce the field on a listing page, in the languages
    #: coalitions write (English first: a submission's body uses it; compared case- and
    #: space-insensitively, without a trailing colon); none for curation-only fields.
    headings: tuple[str, ...] = ()
    #: The concept scheme of a ``concept`` field (its name in ``ontology/schemes/``).
    scheme: str | None = None
    #: Several values, or at most one.
    many: bool = True
    facet: Facet | None = None
    #: A ``concept`` field's values in ``ingest --json``: the concept IRI, or its
    #: ISO 3166-1 alpha-2 code (countries).
    json_as: str = "iri"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name!r}: kind {self.kind!r} is not one of {KINDS}")
        if (self.kind == "concept") != (self.scheme is not None):
            raise ValueError(f"field {self.name!r}: a concept field, and only one, names "
                             "its scheme")


FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("countries", "countries", "concept", "dskg:country", scheme="country",
          headings=("Country providing the good practice", "Държава, предоставяща добрата практика",
                    "Χώρα που παρέχει την καλή πρακτική"), json_as="code",
          facet=Facet("country", N_("Country"))),
    Field("audiences", "audiences", "concept", "dct:audience", scheme="audience",
          headings=("Target audience", "Целева група", "Κοινό-στόχος"),
          facet=Facet("audience", N_("Target audience"))),
    Field("technologies", "technologies", "concept", "dskg:technology", scheme="technology",
          headings=("Digital technology", "Цифрова технология", "Ψηφιακή τεχνολογία"),
          facet=Facet("technology", N_("Digital technology"))),
    Field("initiative_type", "initiative", "concept", "dskg:initiativeType",
          scheme="initiative-type", headings=("Type of initiative of the good practice",
                                              "Вид на инициативата на добрата практика",
                                              "Είδος πρωτοβουλίας της καλής πρακτικής"),
          facet=Facet("initiative", N_("Type of initiative"))),
    Field("funding", "funding", "concept", "dskg:fundingType", scheme="funding-type",
          headings=("Funding of the good practice", "Финансиране на добрата практика",
                    "Χρηματοδότηση της καλής πρακτικής"),
          facet=Facet("funding", N_("Funding type"))),
    Field("organisations", "organisations", "name", "dskg:providedBy",
          headings=("Organisation providing the good practice",
                    "Organization providing the good practice",
                    "Организация, предоставяща добрата практика",
                    "Οργανισμός που παρέχει την καλή πρακτική")),
    Field("partners", "partners", "name", "dskg:partner",
          headings=("Partner organisations", "Partners", "Партньорски организации", "Партньори",
                    "Οργανισμοί-εταίροι", "Εταίροι")),
    Field("funders", "funders", "funder", "schema:funder", facet=Facet("funder", N_("Funder"))),
    Field("places", "places", "place", "schema:location"),
    Field("start_date", N_("start date"), "date", "schema:startDate",
          headings=("Start date", "Начална дата", "Ημερομηνία έναρξης"),
          many=False, facet=Facet("year", N_("Start year"), by_year=True)),
    Field("end_date", N_("end date"), "date", "schema:endDate",
          headings=("End date", "Крайна дата", "Ημερομηνία λήξης"),
          many=False),
    Field("note", "note", "note", "skos:editorialNote", many=False),
)}


@dataclass(frozen=True)
class LinkFacet:
    """A browse facet over what the link decisions of ``data/links/`` say: no field of
    a practice, but a path from it to an outside code (docs/links.md)."""

    facet: Facet
    #: How a practice reaches the value: ``programme`` (its funders' EU programme),
    #: ``nuts`` (its own or its places' NUTS region, at ``level``), ``digcomp`` (the
    #: area of its competences).
    path: str
    level: int = 0


LINK_FACETS: dict[str, LinkFacet] = {f.facet.key: f for f in (
    LinkFacet(Facet("programme", N_("EU programme")), "programme"),
    LinkFacet(Facet("nuts1", N_("NUTS 1 region")), "nuts", 1),
    LinkFacet(Facet("nuts2", N_("NUTS 2 region")), "nuts", 2),
    LinkFacet(Facet("nuts3", N_("NUTS 3 region")), "nuts", 3),
    LinkFacet(Facet("digcomp", N_("DigComp area")), "digcomp"))}


def heading_key(text: str) -> str:
    """A section heading as compared: spacing, case and a trailing colon ignored, and
    Unicode's composed form (a Greek question mark is the semicolon it looks like)."""
    return " ".join(unicodedata.normalize("NFC", text).strip().rstrip(":").split()).lower()


@dataclass(frozen=True)
class Prose:
    """One part of a practice's body text, opened in the body by one of its headings
    (the summary by none: it is what comes before the first heading)."""

    #: ``ingest --json`` key, form field name.
    name: str
    #: The part's title on pages and forms.
    label: str
    #: RDF property (language-tagged text), as a prefixed name.
    property: str
    headings: tuple[str, ...] = ()


PROSE: dict[str, Prose] = {p.name: p for p in (
    Prose("summary", N_("Summary"), "dskg:summary"),
    Prose("aims", N_("Aims and objectives"), "dskg:aims",
          ("Aims and objectives", "Aims", "Objectives", "Objectives and aims",
           "Цели и задачи", "Цели", "Σκοποί και στόχοι", "Στόχοι")),
    Prose("added_value", N_("Why is this a good practice?"), "dskg:addedValue",
          ("Why is this a good practice?", "What is the added value?", "Added value",
           "Защо това е добра практика?", "Каква е добавената стойност?", "Добавена стойност",
           "Γιατί είναι καλή πρακτική;", "Ποια είναι η προστιθέμενη αξία;",
           "Προστιθέμενη αξία")),
    Prose("results", N_("Results and impact"), "dskg:results",
          ("Results and impact", "Results", "Impact", "Резултати и въздействие", "Резултати",
           "Въздействие", "Αποτελέσματα και αντίκτυπος", "Αποτελέσματα", "Αντίκτυπος")),
    Prose("participants", N_("Who can participate?"), "dskg:participants",
          ("Who can participate?", "Who can take part?", "Кой може да участва?",
           "Ποιος μπορεί να συμμετάσχει;")))}
#: Body heading (as :func:`heading_key` gives it) → the part it opens.
PROSE_HEADINGS: dict[str, Prose] = {heading_key(h): p for p in PROSE.values()
                                    for h in p.headings}

#: Section heading (as :func:`heading_key` gives it) → field.
SECTIONS: dict[str, Field] = {heading_key(h): f for f in FIELDS.values() for h in f.headings}
#: Fields a listing page can fill, in table order.
PAGE_FIELDS = [f for f in FIELDS.values() if f.headings]
#: The fields a submission on the site fills: a page's, and its funders, chosen among
#: the funders curation defines (by slug).
FORM_FIELDS = [*PAGE_FIELDS, FIELDS["funders"]]
#: Fields whose values are concepts: name → scheme.
CONCEPT_FIELDS = {f.name: f.scheme for f in FIELDS.values() if f.scheme is not None}
#: Browse facets in table order: key → field.
FACETS: dict[str, Field] = {f.facet.key: f for f in FIELDS.values() if f.facet is not None}
