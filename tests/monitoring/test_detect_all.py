from __future__ import annotations

import json

import pytest

from rapport.monitoring.signals import (
    KINDS,
    SEVERITIES,
    ClientAttributes,
    ClientSeries,
    InvalidSeriesError,
    Observation,
    detect_all,
)
from tests.monitoring._helpers import CONFIG, TODAY, scores, series


def _troubled():
    return series(
        scores("phq9", [16, 17, 19, 22, 23]),
        scores("checkin", [38, 38, 38, 31, 32]),
        attended=range(1, 6),
        attributes=ClientAttributes(age=21, trainee_therapist=True),
    )


def test_detect_all_runs_every_detector_and_orders_by_session():
    signals = detect_all(_troubled(), CONFIG)
    found = {s.kind for s in signals}
    assert {"not_on_track", "reliable_deterioration", "alliance_rupture", "alliance_low"} <= found
    assert "dropout_risk" in found
    order = [(s.session, KINDS.index(s.kind)) for s in signals]
    assert order == sorted(order)


def test_every_signal_is_complete_and_json_serialisable():
    for signal in detect_all(_troubled(), CONFIG):
        assert signal.severity in SEVERITIES
        assert signal.explanation and signal.source
        assert "rule" in signal.evidence
        json.dumps(signal.as_dict())


def test_signals_are_causal_so_a_prefix_gives_the_same_early_signals():
    full = _troubled()
    early = series(
        scores("phq9", [16, 17, 19]),
        scores("checkin", [38, 38, 38]),
        attended=range(1, 4),
        attributes=full.attributes,
    )
    event_kinds = set(KINDS) - {"dropout_risk", "feedback_missing"}
    before = [s for s in detect_all(full, CONFIG) if s.session <= 3 and s.kind in event_kinds]
    assert before == [s for s in detect_all(early, CONFIG) if s.kind in event_kinds]


def test_an_empty_series_has_no_signals():
    assert detect_all(ClientSeries(client="x", today=TODAY), CONFIG) == ()


def test_two_scores_of_one_instrument_at_one_session_are_refused():
    with pytest.raises(InvalidSeriesError, match="two phq9 scores at session 2"):
        ClientSeries(
            client="x",
            today=TODAY,
            observations=(Observation("phq9", 2, 5), Observation("phq9", 2, 6)),
        )


def test_a_pushed_answer_outside_0_to_2_is_refused():
    with pytest.raises(InvalidSeriesError, match="pushed"):
        Observation("checkin", 1, 38, pushed=3)
