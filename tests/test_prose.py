"""A practice's body as prose (dskg/prose.py): the blocks pages render and the parts of
the description (dskg/fields.py PROSE) its headings open."""
from __future__ import annotations

from dskg.prose import Block, blocks, sections

BODY = """The programme connects libraries with small businesses.

It ran in three districts.

Aims and objectives

The project aimed to:

• train employees;
• open libraries to businesses.
Why is this a good practice?

It was replicated from Latvia.

Process of the project

Workshops, then a matchmaking event.

Results and impact:

30 employees trained."""


def test_blocks_tell_headings_paragraphs_and_lists_apart():
    found = blocks(BODY)
    assert [b.kind for b in found] == [
        "paragraph", "paragraph", "heading", "paragraph", "list", "heading", "paragraph",
        "heading", "paragraph", "heading", "paragraph"]
    assert found[4] == Block("list", ("train employees;", "open libraries to businesses."))
    assert found[4].text() == "• train employees;\n• open libraries to businesses."


def test_headings_open_the_parts_and_an_unknown_heading_closes_one():
    parts = sections(BODY)
    assert parts == {
        "summary": "The programme connects libraries with small businesses.\n\n"
                   "It ran in three districts.",
        "aims": "The project aimed to:\n\n• train employees;\n• open libraries to businesses.",
        "added_value": "It was replicated from Latvia.",  # "Process of the project" ends it
        "results": "30 employees trained."}


def test_a_body_without_headings_has_no_parts():
    assert sections("One paragraph.\n\nAnother one, longer than a heading would be.") == {}
    assert sections("") == {}


def test_sentences_and_lead_ins_are_no_headings():
    for text in ("Subject topics included:", "It ends as a sentence.", "• a list item",
                 "lower case start", "A line with far too many words to be taken for a "
                 "heading by anyone"):
        assert [b.kind for b in blocks(text)] != ["heading"], text
    assert [b.kind for b in blocks("What is the added value?")] == ["heading"]


def test_bulgarian_and_greek_headings_open_the_same_parts():
    bulgarian = ("Клубове по програмиране в библиотеките.\n\nЦели и задачи:\n\n"
                 "Да научим 200 деца да програмират.\n\nЗащо това е добра практика?\n\n"
                 "Безплатно е.\n\nКой може да участва?\n\nДеца от 8 до 14 години.")
    assert sections(bulgarian) == {
        "summary": "Клубове по програмиране в библиотеките.",
        "aims": "Да научим 200 деца да програмират.", "added_value": "Безплатно е.",
        "participants": "Деца от 8 до 14 години."}
    greek = ("Λέσχες προγραμματισμού στις βιβλιοθήκες.\n\nΣκοποί και στόχοι\n\n"
             "Να μάθουν 200 παιδιά προγραμματισμό.\n\n"
             "Γιατί είναι καλή πρακτική\u037e\n\n"  # the Greek question mark
             "Είναι δωρεάν.\n\nΑποτελέσματα και αντίκτυπος\n\n120 παιδιά τον πρώτο χρόνο.")
    assert sections(greek) == {
        "summary": "Λέσχες προγραμματισμού στις βιβλιοθήκες.",
        "aims": "Να μάθουν 200 παιδιά προγραμματισμό.", "added_value": "Είναι δωρεάν.",
        "results": "120 παιδιά τον πρώτο χρόνο."}
