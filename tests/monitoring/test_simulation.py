from __future__ import annotations

from dataclasses import replace

from rapport.monitoring.simulation import (
    SimulationSpec,
    _dropout_row,
    _prefix,
    cohort_frame,
    evaluate_detectors,
    scores_table,
    simulate_cohort,
)
from tests.monitoring._helpers import CHECKIN, PHQ

SPEC = SimulationSpec(outcome=PHQ, alliance=CHECKIN, outcome_range=(0, 27))


def test_the_same_seed_gives_the_same_cohort():
    first = cohort_frame(simulate_cohort(50, SPEC, seed=11))
    again = cohort_frame(simulate_cohort(50, SPEC, seed=11))
    assert first.equals(again)


def test_the_cohort_contains_every_simulated_problem():
    truths = [c.truth for c in simulate_cohort(400, SPEC, seed=5)]
    assert any(t.deteriorated for t in truths)
    assert any(t.rupture_session and t.repaired_session for t in truths)
    assert any(t.rupture_session and not t.repaired_session for t in truths)
    assert any(t.dropout_session for t in truths)
    assert any(t.stopped_checkins for t in truths)


def test_each_detector_finds_most_of_what_it_is_for_without_flagging_everyone():
    scores = {s.detector: s for s in evaluate_detectors(600, spec=SPEC, seed=9)}
    floors = {
        "reliable_deterioration": 0.6,
        "not_on_track": 0.8,
        "alliance_rupture": 0.7,
        "alliance_repaired": 0.5,
        "dropout_risk": 0.25,
        "feedback_missing": 0.9,
    }
    for detector, floor in floors.items():
        assert scores[detector].sensitivity >= floor, detector
        assert scores[detector].false_alarm_rate < 0.4, detector
    assert scores["not_on_track"].median_sessions >= 3  # warns sessions before the end


def test_the_table_has_a_row_per_detector():
    table = scores_table(evaluate_detectors(100, spec=SPEC, seed=2))
    assert table.count("\n| `") == 6


def test_the_dropout_validation_reads_nothing_after_the_session_it_flags():
    # The table's dropout row runs the detector on the series as it stood after each
    # session, as the app does, never on the whole series: a leaver's short series and the
    # appointments missed on the way out would leak the outcome (the reason the shipped
    # recalibration reads each episode at its early-warning point). Cutting every flagged
    # client's series at the flagged session must leave the flag where it was.
    config = SPEC.config()
    flagged = 0
    for client in simulate_cohort(150, SPEC, seed=3):
        _, flag, _ = _dropout_row(client.series, client.truth, config)
        if flag is None:
            continue
        flagged += 1
        cut = replace(client.truth, last_session=flag)
        assert _dropout_row(_prefix(client.series, flag), cut, config)[1] == flag
    assert flagged >= 10
