"""Messages of the pipeline that the submission form says in its reader's language."""
from __future__ import annotations

import json
import pickle

import pytest

from dskg.ingest.editorial import Checker
from dskg.messages import Said, said

from .conftest import make_project


def test_a_message_is_its_english_text_and_keeps_how_it_was_said():
    message = said("%(field)s %(value)r cannot be read", field=said("start date"),
                   value="31 Febr")
    assert message == "start date '31 Febr' cannot be read"
    assert json.dumps([message]) == '["start date \'31 Febr\' cannot be read"]'
    copy = pickle.loads(pickle.dumps(message))  # validation's processes pickle records
    assert isinstance(copy, Said) and copy == message and copy.values == message.values
    assert message.as_dict() == {
        "template": "%(field)s %(value)r cannot be read", "translations": {},
        "values": {"field": {"template": "start date", "values": {}, "translations": {}},
                   "value": "31 Febr"}}
    assert said("100 % text") == "100 % text"  # no values: the template is the text


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    return Checker(make_project(tmp_path_factory.mktemp("messages")))


def test_what_the_reader_and_the_mapping_refuse_comes_with_its_template(checker):
    answer = checker.answer({"fields": {
        "title": "Coding clubs", "summary": "Clubs.", "countries": ["Bulgaria"],
        "audiences": ["Martians"], "funders": ["no-such-funder"]}})
    by_field = {p["field"]: p for p in answer["problems"]}
    assert by_field["audiences"]["said"]["template"] == \
        "section %(name)r: value %(value)r matches no concept; ignored"
    assert by_field["audiences"]["said"]["values"]["value"] == "Martians"
    funder = by_field["funders"]  # the mapping's problem, without the record's location
    assert funder["message"] == "funders: 'no-such-funder' is no funder defined in curation"
    assert funder["said"]["values"] == {"where": "funders", "slug": "no-such-funder"}


def test_a_shape_violation_comes_with_the_shape_s_own_translations(checker):
    answer = checker.answer({"fields": {"title": "Coding clubs", "summary": "Clubs.",
                                        "start_date": "2021"}})
    [country] = [p for p in answer["problems"] if p["field"] == "countries"]
    assert country["message"].startswith("a practice needs a country (dskg:country)")
    assert country["said"]["translations"]["bg"].startswith("практиката се нуждае от държава")
    assert country["said"]["translations"]["el"].startswith("μια πρακτική χρειάζεται μια χώρα")
