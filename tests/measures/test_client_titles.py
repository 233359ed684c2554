"""Every shipped instrument has a client-facing title in its own plain words, and counts its
required and optional questions apart (the client's page heading, tab title and count)."""

from __future__ import annotations

import copy

import pytest

from rapport.measures.registry import all_instruments, get_instrument, load_file
from tests.measures.test_registry import definition_error, minimal, write

# Words that make a heading read like a diagnosis or a form's name on a shared screen.
CLINICAL = ("disorder", "depress", "anxiety", "questionnaire", "inventory", "scale", "patient")


@pytest.mark.parametrize("instrument", all_instruments(), ids=lambda i: i.id)
def test_each_shipped_instrument_has_a_plain_client_title(instrument):
    title = instrument.client_title
    assert title.strip()
    assert instrument.title not in title and instrument.short_title not in title
    assert not any(word in title.lower() for word in CLINICAL), title


def test_the_client_title_is_optional_in_a_clinics_own_file(tmp_path):
    assert load_file(write(tmp_path, minimal())).client_title == ""
    data = copy.deepcopy(minimal())
    data["client_title"] = "About your week"
    assert load_file(write(tmp_path, data)).client_title == "About your week"


def test_a_blank_client_title_is_refused(tmp_path):
    data = copy.deepcopy(minimal())
    data["client_title"] = "  "
    assert "client_title" in definition_error(tmp_path, data)


@pytest.mark.parametrize(
    ("instrument_id", "required", "optional"),
    [("phq9", 9, 1), ("gad7", 7, 1), ("session-checkin", 5, 1), ("cnip", 18, 0)],
)
def test_required_and_optional_questions_are_counted_apart(instrument_id, required, optional):
    instrument = get_instrument(instrument_id)
    assert (instrument.required_count, instrument.optional_count) == (required, optional)
