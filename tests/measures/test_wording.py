"""Licensed wording is loaded from a clinic's file; errors say exactly what is wrong.

The wording used here is made up for the tests ("Test scale 1"); real licensed wording
never enters the repository.
"""

from __future__ import annotations

import json

import pytest

from rapport.measures.definitions import PLACEHOLDER_MARK, is_sendable
from rapport.measures.errors import InstrumentNotFound, MeasuresError, WordingError
from rapport.measures.registry import client_facing_texts, get_instrument
from rapport.measures.scoring import score
from rapport.measures.wording import apply_wording, parse_wording_file


def ors_wording(**overrides):
    wording = {
        "instrument": "ors",
        "version": "1.0",
        "instructions": "Test instructions.",
        "items": {f"ors_{n}": f"Test scale {n}" for n in range(1, 5)},
        "anchors": {"*": {"0": "Test low", "10": "Test high"}},
    }
    wording.update(overrides)
    return wording


def test_it_parses_a_clinic_wording_file():
    parsed = parse_wording_file(json.dumps(ors_wording()))
    assert parsed["instrument"] == "ors"
    assert parsed["items"]["ors_3"] == "Test scale 3"
    assert parsed["anchors"]["*"] == {0: "Test low", 10: "Test high"}


def test_applying_wording_makes_a_licensed_instrument_sendable():
    ors = get_instrument("ors")
    worded = apply_wording(ors, parse_wording_file(json.dumps(ors_wording())))
    assert is_sendable(ors) is False
    assert is_sendable(worded) is True
    assert worded.item("ors_1").wording == "Test scale 1"
    assert [a.label for a in worded.item("ors_1").anchors] == ["Test low", "Test high"]
    assert worded.instructions == "Test instructions."
    assert not any(PLACEHOLDER_MARK in text for _, text in client_facing_texts(worded))


def test_applying_wording_leaves_the_registered_instrument_untouched():
    apply_wording(get_instrument("ors"), ors_wording())
    assert get_instrument("ors").sendable is False
    assert PLACEHOLDER_MARK in get_instrument("ors").item("ors_1").wording


def test_a_worded_instrument_scores_exactly_like_the_placeholder_one():
    answers = {"ors_1": 5.5, "ors_2": 6.0, "ors_3": 7.1, "ors_4": 4.0}
    worded = apply_wording(get_instrument("ors"), ors_wording())
    assert score(worded, answers).total == score(get_instrument("ors"), answers).total == 22.6


def test_an_item_specific_anchor_overrides_the_shared_one():
    wording = ors_wording(anchors={"*": {"0": "Low", "10": "High"}, "ors_4": {"10": "Top"}})
    worded = apply_wording(get_instrument("ors"), wording)
    assert [a.label for a in worded.item("ors_4").anchors] == ["Low", "Top"]
    assert [a.label for a in worded.item("ors_1").anchors] == ["Low", "High"]


def test_wai_sr_option_labels_come_from_the_anchors():
    wording = {
        "instrument": "wai-sr",
        "version": "1.0",
        "instructions": "Test instructions.",
        "items": {f"waisr_{n}": f"Test item {n}" for n in range(1, 13)},
        "anchors": {"*": {str(v): f"Test label {v}" for v in range(1, 6)}},
    }
    worded = apply_wording(get_instrument("wai-sr"), wording)
    assert worded.item("waisr_7").options[4].label == "Test label 5"
    assert worded.sendable


def test_it_names_the_missing_items():
    wording = ors_wording(items={"ors_1": "a", "ors_2": "b"})
    with pytest.raises(WordingError, match="missing wording for item.*ors_3, ors_4"):
        parse_wording_file(json.dumps(wording))


def test_it_names_an_unknown_item():
    wording = ors_wording()
    wording["items"]["ors_5"] = "extra"
    with pytest.raises(WordingError, match="unknown item.*ors_5"):
        parse_wording_file(json.dumps(wording))


def test_it_refuses_empty_wording():
    wording = ors_wording()
    wording["items"]["ors_2"] = "  "
    with pytest.raises(WordingError, match="non-empty text for item.*ors_2"):
        parse_wording_file(json.dumps(wording))


def test_it_refuses_wording_for_another_version():
    with pytest.raises(WordingError, match="version"):
        parse_wording_file(json.dumps(ors_wording(version="2.0")))


def test_it_refuses_an_unknown_instrument():
    with pytest.raises(InstrumentNotFound):
        parse_wording_file(json.dumps(ors_wording(instrument="oq-45")))


def test_it_refuses_a_file_for_a_different_instrument_than_the_one_given():
    with pytest.raises(WordingError, match="expected 'srs'"):
        parse_wording_file(json.dumps(ors_wording()), get_instrument("srs"))


def test_it_refuses_an_anchor_value_the_item_does_not_have():
    with pytest.raises(WordingError, match="no label with value 5"):
        parse_wording_file(json.dumps(ors_wording(anchors={"ors_1": {"5": "Middle"}})))


def test_it_refuses_anchors_that_are_not_whole_numbers():
    with pytest.raises(WordingError, match="not a whole-number value"):
        parse_wording_file(json.dumps(ors_wording(anchors={"*": {"low": "Low"}})))


def test_it_refuses_wording_that_would_leave_placeholders_for_the_client():
    wording = ors_wording(anchors={"*": {"0": "Test low"}})
    with pytest.raises(WordingError, match="placeholder text in: items.ors_1.anchors.10"):
        apply_wording(get_instrument("ors"), wording)


def test_a_wording_file_without_labels_for_licensed_anchors_is_refused_on_upload():
    wording = ors_wording()
    del wording["anchors"]
    with pytest.raises(WordingError, match="placeholder text in: items.ors_1.anchors.0"):
        parse_wording_file(json.dumps(wording))


def test_it_refuses_text_that_is_not_json():
    with pytest.raises(WordingError, match="not valid JSON"):
        parse_wording_file("{ not json")


def test_it_refuses_json_that_is_not_an_object():
    with pytest.raises(WordingError, match="JSON object"):
        parse_wording_file("[]")


def test_it_refuses_unknown_fields():
    with pytest.raises(WordingError, match="unknown field"):
        parse_wording_file(json.dumps(ors_wording(itemz={})))


def test_it_reports_every_problem_at_once():
    wording = ors_wording(version="9", items={"ors_1": "a"})
    with pytest.raises(WordingError) as excinfo:
        parse_wording_file(json.dumps(wording))
    assert "version" in str(excinfo.value)
    assert "missing wording" in str(excinfo.value)


def test_a_free_instrument_can_take_a_translation_without_anchors():
    phq9 = get_instrument("phq9")
    wording = {
        "instrument": "phq9",
        "version": "1.0",
        "items": {item.id: f"Übersetzung {item.id}" for item in phq9.items},
    }
    translated = apply_wording(phq9, wording)
    assert translated.item("phq9_1").wording == "Übersetzung phq9_1"
    assert translated.item("phq9_1").options[0].label == "Not at all"
    assert translated.instructions == phq9.instructions


def test_wording_error_belongs_to_the_package_error_hierarchy():
    assert issubclass(WordingError, MeasuresError)
