"""A clinic's wording file can give the client page's title (its heading and browser tab) in
the client's language, checked like the rest of the file; without one the shipped title stays.

Before, a translated PHQ-9 still said "How you’ve been feeling" at the top of a German page,
and a file with "client_title" was refused as an unknown field. The words here are made up
for the tests.
"""

from __future__ import annotations

import copy
import json

import pytest

from rapport.measures.errors import WordingError
from rapport.measures.registry import CLIENT_TITLE_MAX_CHARS, get_instrument
from rapport.measures.wording import apply_wording, parse_wording_file
from tests.measures.test_registry import definition_error, minimal


def phq9_translation(**overrides) -> dict:
    phq9 = get_instrument("phq9")
    wording = {
        "instrument": "phq9",
        "version": "1.0",
        "client_title": "Wie es Ihnen ging",
        "items": {item.id: f"Übersetzung {item.id}" for item in phq9.items},
    }
    wording.update(overrides)
    return wording


def wording_error(**overrides) -> str:
    with pytest.raises(WordingError) as refused:
        parse_wording_file(json.dumps(phq9_translation(**overrides)))
    return str(refused.value)


def test_a_wording_file_gives_the_client_title():
    parsed = parse_wording_file(json.dumps(phq9_translation()))
    assert parsed["client_title"] == "Wie es Ihnen ging"
    worded = apply_wording(get_instrument("phq9"), parsed)
    assert worded.client_title == "Wie es Ihnen ging"
    assert get_instrument("phq9").client_title == "How you’ve been feeling"


def test_without_one_the_shipped_client_title_stays():
    wording = phq9_translation()
    del wording["client_title"]
    parsed = parse_wording_file(json.dumps(wording))
    assert "client_title" not in parsed  # so the stored file reads back the same
    assert apply_wording(get_instrument("phq9"), parsed).client_title == ("How you’ve been feeling")


def test_a_licensed_instrument_takes_one_too():
    wording = {
        "instrument": "ors",
        "version": "1.0",
        "client_title": "Test title",
        "instructions": "Test instructions.",
        "items": {f"ors_{n}": f"Test scale {n}" for n in range(1, 5)},
        "anchors": {"*": {"0": "Test low", "10": "Test high"}},
    }
    assert apply_wording(get_instrument("ors"), wording).client_title == "Test title"


def test_surrounding_spaces_are_dropped_and_a_no_break_space_is_kept():
    parsed = parse_wording_file(json.dumps(phq9_translation(client_title="  Ça va\u00a0?  ")))
    assert parsed["client_title"] == "Ça va\u00a0?"


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ("", "'client_title' must not be empty"),
        ("   ", "'client_title' must not be empty"),
        (42, "'client_title' must be a string"),
        (
            "x" * (CLIENT_TITLE_MAX_CHARS + 1),
            f"'client_title' is {CLIENT_TITLE_MAX_CHARS + 1} characters; a heading and a tab "
            f"title take at most {CLIENT_TITLE_MAX_CHARS}",
        ),
        ("Your\nweek", "'client_title' must be one line of text"),
        ("Your\tweek", "'client_title' must be one line of text"),
        ("<b>Your week</b>", "'client_title' must be plain text"),
        ("You &amp; your therapist", "'client_title' must be plain text"),
    ],
)
def test_a_bad_client_title_is_refused_with_what_is_wrong(title, problem):
    message = wording_error(client_title=title)
    assert message.startswith("Wording file for phq9: ")
    assert problem in message


def test_a_title_at_the_limit_and_an_ampersand_are_fine():
    at_limit = "x" * CLIENT_TITLE_MAX_CHARS
    assert parse_wording_file(json.dumps(phq9_translation(client_title=at_limit)))
    parsed = parse_wording_file(json.dumps(phq9_translation(client_title="You & me")))
    assert parsed["client_title"] == "You & me"


def test_a_bad_client_title_is_reported_with_the_files_other_problems():
    message = wording_error(client_title="<i>x</i>", version="9")
    assert "'client_title' must be plain text" in message
    assert "'version' is '9'" in message


def test_an_instrument_file_is_held_to_the_same_rules(tmp_path):
    data = copy.deepcopy(minimal())
    data["client_title"] = "About <em>your</em> week"
    assert "client_title: must be plain text" in definition_error(tmp_path, data)
    data["client_title"] = "y" * (CLIENT_TITLE_MAX_CHARS + 1)
    assert "client_title: is 81 characters" in definition_error(tmp_path, data)
