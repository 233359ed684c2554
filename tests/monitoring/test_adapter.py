from __future__ import annotations

import pytest

registry = pytest.importorskip("rapport.measures.registry")

from rapport.monitoring.signals import (  # noqa: E402
    AllianceCriteria,
    ChangeCriteria,
    CriteriaError,
    config_for,
    criteria_for,
)


def _instrument(instrument_id):
    return registry.get_instrument(instrument_id)


def test_outcome_criteria_copy_the_instrument_figures_with_their_sources():
    criteria = criteria_for("phq9")
    phq9 = _instrument("phq9")
    assert isinstance(criteria, ChangeCriteria)
    assert criteria.direction == phq9.direction
    assert criteria.reliable_change.value == phq9.reliable_change.value
    assert criteria.reliable_change.source == phq9.reliable_change.source
    assert criteria.clinical_cutoff.value == phq9.clinical_cutoff.value
    assert criteria.clinical_range == phq9.clinical_range
    assert criteria.name == phq9.short_title == "PHQ-9"


def test_ors_runs_higher_is_better_with_its_clinical_range_below_the_cutoff():
    criteria = criteria_for("ors")
    assert criteria.direction == "higher_is_better"
    assert criteria.is_clinical(24) and not criteria.is_clinical(25)


def test_alliance_criteria_use_the_alert_threshold_and_a_drop_beyond_noise():
    criteria = criteria_for("srs")
    assert isinstance(criteria, AllianceCriteria)
    assert criteria.low_threshold.value == _instrument("srs").alert_threshold.value
    assert criteria.rupture_drop.value > criteria.repair_tolerance.value >= 1


def test_ids_written_with_other_hyphens_are_accepted_and_kept():
    assert criteria_for("phq-9").instrument == "phq-9"


def test_instruments_that_raise_no_signals_are_refused_clearly():
    with pytest.raises(CriteriaError, match="preferences"):
        criteria_for("cnip")
    with pytest.raises(CriteriaError, match="no instrument"):
        criteria_for("no-such-thing")


def test_config_prefers_the_session_checkin_as_the_expected_feedback():
    config = config_for(["phq9", "srs", "session-checkin", "cnip"])
    assert config.feedback.checkin_instrument == "session-checkin"
    assert set(config.change) == {"phq9"}
    assert set(config.trajectories) == {"phq9"}
    assert set(config.alliance) == {"srs", "session-checkin"}
