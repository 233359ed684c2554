"""How large an alert's change is, as the caseload orders alerts of one kind by it."""

from __future__ import annotations

from rapport.monitoring.kinds import change_size


def test_a_deterioration_is_measured_in_reliable_changes_of_its_own_instrument():
    # PHQ-9 up 12 with a reliable change of 6 is two reliable changes; GAD-7 up 8 with a
    # reliable change of 5 is 1.6: the PHQ-9 client is worse off although 12 > 8 says
    # nothing on its own.
    phq = change_size("reliable_deterioration", {"change": 12, "threshold": 6})
    gad = change_size("reliable_deterioration", {"change": 8, "threshold": 5})
    assert (phq, gad) == (2.0, 1.6)


def test_a_deterioration_on_a_higher_is_better_scale_counts_its_size_not_its_sign():
    assert change_size("reliable_deterioration", {"change": -10, "threshold": 5}) == 2.0


def test_a_rupture_is_measured_in_multiples_of_the_drop_that_counts_as_one():
    assert change_size("alliance_rupture", {"drop": 6, "threshold": 4}) == 1.5


def test_kinds_without_a_change_and_evidence_without_the_numbers_have_size_zero():
    assert change_size("feedback_missing", {"change": 9, "threshold": 1}) == 0.0
    assert change_size("reliable_deterioration", {}) == 0.0
    assert change_size("reliable_deterioration", {"change": "9", "threshold": 3}) == 0.0
    assert change_size("alliance_rupture", {"drop": 6, "threshold": 0}) == 0.0
    assert change_size("alliance_rupture", {"drop": True, "threshold": 1}) == 0.0
