"""C-NIP: four bipolar preference scales scored as item means, and the pole a client leans to."""

from __future__ import annotations

from tests.measures._helpers import answers_for, instrument, score_of

# Scale order in the data file: directiveness (items 1-6), emotional intensity (7-11),
# past orientation (12-14), warm support (15-18).


def cnip(values):
    return score_of("cnip", answers_for("cnip", values))


def test_it_has_eighteen_items_on_four_scales():
    cnip_instrument = instrument("cnip")
    assert len(cnip_instrument.items) == 18
    sizes = {s.id: len(s.items) for s in cnip_instrument.subscales}
    assert sizes == {
        "directiveness": 6,
        "emotional_intensity": 5,
        "past_orientation": 3,
        "warm_support": 4,
    }


def test_it_scores_each_scale_and_reports_the_pole_the_client_leans_to():
    result = cnip(
        [-3, -3, -2, -2, -1, -1]  # mean -2.0: therapist directiveness, strong
        + [1, 1, 1, 1, 2]  # mean 1.2: emotional reserve, not strong
        + [3, 3, 2]  # mean 2.67: present orientation, strong
        + [-1, 0, 0, -1]  # mean -0.5: warm support, not strong
    )
    assert dict(result.subscales) == {
        "directiveness": -2.0,
        "emotional_intensity": 1.2,
        "past_orientation": 2.67,
        "warm_support": -0.5,
    }
    leanings = {key: (lean.pole, lean.strong) for key, lean in result.leanings.items()}
    assert leanings == {
        "directiveness": ("Therapist directiveness", True),
        "emotional_intensity": ("Emotional reserve", False),
        "past_orientation": ("Present orientation", True),
        "warm_support": ("Warm support", False),
    }


def test_no_preference_leans_nowhere():
    result = cnip([0] * 18)
    assert all(lean.pole is None and not lean.strong for lean in result.leanings.values())
    assert result.subscales["directiveness"] == 0.0


def test_the_c_nip_has_no_total_and_does_not_warn_about_it():
    result = cnip([1] * 18)
    assert result.total is None
    assert result.band is None
    assert result.warnings == ()


def test_it_scores_a_scale_with_one_item_skipped_from_the_rest():
    result = cnip([-3, -3, -3, -3, -3, None] + [0] * 12)
    assert result.subscales["directiveness"] == -3.0
    assert result.warnings == ()


def test_it_does_not_score_a_scale_with_two_items_skipped():
    result = cnip([0] * 11 + [3, None, None] + [0] * 4)
    assert result.subscales["past_orientation"] is None
    assert result.leanings["past_orientation"].pole is None
    assert any("past_orientation" in warning for warning in result.warnings)


def test_every_c_nip_item_is_marked_as_a_paraphrase_to_verify():
    for item in instrument("cnip").items:
        assert item.wording_status == "paraphrase, verify against Cooper & Norcross 2016"
        assert [a.value for a in item.anchors] == [-3, 3]


def test_the_instructions_name_strengths_in_words_as_the_answers_do():
    """The answers read 'Strongly: …', 'Slightly: …' (the page shows no numbers), so
    instructions explaining '3 means a strong preference' pointed at nothing on the page."""
    text = instrument("cnip").instructions
    assert not any(character.isdigit() for character in text)
    assert all(word in text for word in ("strongly", "moderately", "slightly", "no preference"))
