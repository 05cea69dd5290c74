"""Listing pages → practice records: the sample, and pages written in its style."""
from __future__ import annotations

import json

import pytest

from dskg.cli import main
from dskg.ingest.page import split_page
from dskg.ingest.records import read_page, read_pages

from .conftest import PAGES, SAMPLE, VOCAB

AUD, TECH = VOCAB + "def/audience/", VOCAB + "def/technology/"
INIT, FUND = VOCAB + "def/initiative-type/", VOCAB + "def/funding-type/"


def by_title(records):
    return {r.title: r for r in records}


@pytest.fixture(scope="module")
def sample(vocab):
    return read_pages([SAMPLE], vocab)


def test_sample_has_four_entries_three_practices_and_the_template_rejected(sample):
    assert [r.status for r in sample] == ["ok", "ok", "rejected", "ok"]
    assert "template" in sample[2].reason
    assert sample[2].entry == 3 and sample[2].source == "good-practices-listing.txt"


def test_plovdiv_school_has_every_facet_of_tag_line_and_sections(sample, vocab):
    school = by_title(sample)["Plovdiv school prepares artificial intelligence programmers"]
    assert [vocab.country_code(c) for c in school.countries] == ["BG"]
    assert [str(c) for c in school.initiative_type] == [INIT + "local"]
    assert [str(c) for c in school.funding] == [FUND + "public"]
    assert {str(c) for c in school.audiences} == {AUD + "children", AUD + "education"}
    technologies = {str(c) for c in school.technologies}
    assert {TECH + "artificial-intelligence", TECH + "virtual-reality"} <= technologies
    assert school.published.iso == "2023-03-27"
    assert school.organisations == ["SU “Paisii Hilendarski”"]
    assert school.entry == 4


def test_tag_line_and_section_spellings_meet_in_one_concept(sample):
    school = by_title(sample)["Plovdiv school prepares artificial intelligence programmers"]
    # "AI & ML" (tag line) and "Artificial Intelligence" (section) are one concept.
    assert [str(c) for c in school.technologies].count(TECH + "artificial-intelligence") == 1
    assert [str(c) for c in school.audiences].count(AUD + "education") == 1


def test_sme_programme_title_before_and_after_tag_line_and_body_kept(sample, vocab):
    sme = by_title(sample)["Digital Skills for Bulgarian SMEs Programme"]
    assert sme.published.iso == "2024-07-18"
    assert [vocab.country_code(c) for c in sme.countries] == ["BG"]
    assert [str(c) for c in sme.initiative_type] == [INIT + "international"]
    assert {str(c) for c in sme.audiences} == {AUD + "all", AUD + "workforce"}
    assert TECH + "cloud-computing" in {str(c) for c in sme.technologies}
    assert sme.organisations == []
    assert "\n• Adaptation of an interactive training model" in sme.body
    assert "Aims and objectives" in sme.body
    assert "Target audience" not in sme.body


def test_luxembourg_partnership_has_no_date_country_or_organisation(sample):
    partnership = by_title(sample)["Digital Skills Partnership"]
    assert partnership.ok
    assert partnership.published is None
    assert partnership.countries == [] and partnership.organisations == []
    assert {str(c) for c in partnership.funding} == {FUND + "public", FUND + "other"}
    assert "• Digital Skills Matchmaking – Level 2024" in partnership.body


@pytest.fixture(scope="module")
def page2(vocab):
    return read_page(PAGES / "listing-page-2.txt", vocab)


def test_own_page_statuses_in_page_order(page2):
    assert [(r.entry, r.status) for r in page2] == [
        (1, "ok"), (2, "ok"), (3, "rejected"), (4, "invalid"), (5, "invalid"), (6, "ok")]


def test_cyrillic_title_filled_dates_and_other_facets(page2, vocab):
    robots = page2[0]
    assert robots.title == "Ученици програмират роботи в Пловдив"
    assert (robots.start_date.iso, robots.end_date.iso) == ("2023-09-01", "2024-06-30")
    assert [str(c) for c in robots.technologies] == [TECH + "robotics"]
    assert [str(c) for c in robots.funding] == [FUND + "private"]
    assert robots.organisations == ["Фондация „Роботика за всички“"]
    assert "• Програмиране на роботи;" in robots.body


def test_greek_entry_keeps_partial_dates_and_typography(page2, vocab):
    greek = page2[1]
    assert [vocab.country_code(c) for c in greek.countries] == ["GR"]
    assert (greek.start_date.iso, greek.end_date.iso) == ("2022-03", "2025")
    assert "— με “δωρεάν” μαθήματα" in greek.body


def test_template_in_the_middle_is_rejected_without_swallowing_neighbours(page2):
    assert page2[2].status == "rejected"
    assert page2[1].end_date.iso == "2025"
    assert page2[3].title == "Cyber Range for SMEs"


def test_unreadable_date_and_end_before_start_are_invalid_with_reasons(page2):
    assert page2[3].reason == "publication date '31.02.2024' cannot be read"
    assert page2[4].reason == "end date 2023-12-31 precedes start date 2024-09-01"
    # Reading the next entry's title is not mistaken for an end date.
    assert page2[3].end_date is None


def test_repost_is_one_practice_first_publication_wins(vocab):
    records = read_pages([PAGES / "listing-page-2.txt"], vocab)
    repost = records[5]
    assert repost.status == "duplicate"
    assert repost.duplicate_of == "Ψηφιακές δεξιότητες για όλους"
    assert "2024-05-15" in repost.reason and "entry 2" in repost.reason
    assert records[1].ok


def test_repost_across_pages_keeps_the_earlier_one(vocab, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace("27.03.2023", "01.01.2025")
    later = tmp_path / "later.txt"
    later.write_text(text, encoding="utf-8")
    records = read_pages([SAMPLE, later], vocab)
    statuses = {(r.source, r.title): r.status for r in records if r.title}
    school = "Plovdiv school prepares artificial intelligence programmers"
    assert statuses[("good-practices-listing.txt", school)] == "ok"
    assert statuses[("later.txt", school)] == "duplicate"
    # Same date, same text: the page that comes first by name wins, the other is a repost.
    sme = "Digital Skills for Bulgarian SMEs Programme"
    assert statuses[("later.txt", sme)] == "duplicate"


def test_unknown_facet_values_are_warnings_not_losses(vocab, tmp_path):
    page = tmp_path / "p.txt"
    page.write_text(
        "By Country providing the good practice, Malta, Quantum Teleportation, "
        "Type of initiative of the good practiceNo Comments\nMalta Codes\n\n01.02.2024 |\n\n"
        "Text.\n\nTarget audience\n\nDigital skills for astronauts\n\nDigital technology\n\n"
        "Blockchain\n", encoding="utf-8")
    [record] = read_page(page, vocab)
    assert record.ok and record.title == "Malta Codes"
    assert any("Quantum Teleportation" in w for w in record.warnings)
    assert any("Digital skills for astronauts" in w for w in record.warnings)
    assert [str(c) for c in record.technologies] == [TECH + "blockchain"]


def test_bulgarian_and_greek_section_headings_are_read(vocab, tmp_path):
    page = tmp_path / "p.txt"
    page.write_text(
        "By Bulgaria, Country providing the good practiceNo Comments\nКлубове по код\n\n"
        "01.02.2024 |\n\nКлубове в библиотеките.\n\nЦелева група\n\nDigital skills for "
        "children\n\nОрганизация, предоставяща добрата практика:\n\nБиблиотека „Пловдив“\n\n"
        "Начална дата\n\n03.2024\n\n"
        "By Greece, Country providing the good practiceNo Comments\nΛέσχες κώδικα\n\n"
        "01.02.2024 |\n\nΛέσχες στις βιβλιοθήκες.\n\nΟργανισμός που παρέχει την καλή "
        "πρακτική\n\nΒιβλιοθήκη Βέροιας\n\nΗμερομηνία λήξης\n\n2025\n", encoding="utf-8")
    bulgarian, greek = read_page(page, vocab)
    assert bulgarian.ok and bulgarian.organisations == ["Библиотека „Пловдив“"]
    assert bulgarian.start_date.iso == "2024-03" and len(bulgarian.audiences) == 1
    assert greek.ok and greek.organisations == ["Βιβλιοθήκη Βέροιας"]
    assert greek.end_date.iso == "2025" and greek.body == "Λέσχες στις βιβλιοθήκες."


def test_windows_line_endings_and_page_without_chrome(vocab, tmp_path):
    page = tmp_path / "crlf.txt"
    page.write_bytes(SAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n").encode())
    assert [r.status for r in read_page(page, vocab)] == ["ok", "ok", "rejected", "ok"]


def test_splitter_knows_nothing_of_line_numbers():
    text = SAMPLE.read_text(encoding="utf-8")
    shifted = "\n\n\nSome banner\n\n" + text + "\n\n1 2 3 Next »\n"
    assert [e.tag_line for e in split_page(shifted)] == [e.tag_line for e in split_page(text)]


def test_invalid_utf8_page_is_reported_and_others_still_read(vocab, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"By Bulgaria No Comments\n\xff\xfe broken")
    records = read_pages([bad, SAMPLE], vocab)
    assert records[0].status == "invalid" and "cannot be read" in records[0].reason
    assert [r.status for r in records[1:]] == ["ok", "ok", "rejected", "ok"]


def test_ingest_cli_json_contract(capsys):
    assert main(["ingest", "--json", str(SAMPLE), str(PAGES / "listing-page-2.txt")]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert len(entries) == 10
    keys = {"source", "entry", "status", "reason", "duplicate_of", "title", "published",
            "start_date", "end_date", "countries", "audiences", "technologies", "funding",
            "initiative_type", "organisations", "partners"}
    assert all(keys <= set(entry) for entry in entries)
    school = entries[3]
    assert school["title"] == "Plovdiv school prepares artificial intelligence programmers"
    assert school["countries"] == ["BG"] and school["published"] == "2023-03-27"
    assert school["initiative_type"] == [INIT + "local"]
    assert entries[2]["status"] == "rejected" and entries[2]["title"] is None
    assert entries[9]["status"] == "duplicate"
    assert entries[9]["duplicate_of"] == "Ψηφιακές δεξιότητες για όλους"


def test_ingest_cli_table_names_each_entry(capsys):
    assert main(["ingest", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "good-practices-listing.txt #3  [rejected]" in out
    assert "SU “Paisii Hilendarski”" in out
    assert out.rstrip().endswith("3 ok, 1 rejected")
