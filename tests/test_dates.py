import pytest

from dskg.ingest.dates import PartialDate, ends_before_start, parse_date


@pytest.mark.parametrize("text, iso", [
    ("27.03.2023", "2023-03-27"), ("27.03.2023 |", "2023-03-27"), ("1.9.2023", "2023-09-01"),
    ("01/09/2023", "2023-09-01"), ("2023-09-01", "2023-09-01"), ("15 May 2024", "2024-05-15"),
    ("May 15, 2024", "2024-05-15"), ("March 2022", "2022-03"), ("09.2022", "2022-09"),
    ("2022-09", "2022-09"), ("2018", "2018"), ("27.03.23", "2023-03-27"),
])
def test_site_spellings_are_read_with_their_precision(text, iso):
    assert parse_date(text).iso == iso


@pytest.mark.parametrize("text", ["31.02.2024", "13.13.2020", "soon", "", "Q3 2024", "2024-13"])
def test_unreadable_dates_are_none(text):
    assert parse_date(text) is None


def test_end_before_start_compares_at_the_coarser_precision():
    assert not ends_before_start(PartialDate(2018), PartialDate(2018, 1, 1))
    assert not ends_before_start(PartialDate(2018, 5, 1), PartialDate(2018))
    assert ends_before_start(PartialDate(2024, 9, 1), PartialDate(2023, 12, 31))
    assert ends_before_start(PartialDate(2024, 3), PartialDate(2024, 2, 29))


@pytest.mark.parametrize("text, iso", [
    ("15 март 2021 г.", "2021-03-15"), ("Март 2021", "2021-03"), ("2021 г.", "2021"),
    ("1 септ. 2022", "2022-09-01"), ("юни 2023", "2023-06"), ("ДЕКЕМВРИ 2020", "2020-12"),
    ("15 Μαρτίου 2021", "2021-03-15"), ("Μάιος 2020", "2020-05"), ("3 Μαΐου 2019", "2019-05-03"),
    ("Σεπτέμβριος 2018", "2018-09"), ("1 Οκτ 2017", "2017-10-01"),
])
def test_month_names_in_bulgarian_and_greek(text, iso):
    found = parse_date(text)
    assert found is not None and found.iso == iso


@pytest.mark.parametrize("text", ["31 февруари 2021", "Μαρτ 2021", "март", "15 мартенски 2021"])
def test_what_is_not_a_date_in_those_languages_stays_unread(text):
    assert parse_date(text) is None
