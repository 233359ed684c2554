"""The client's context that picks strategies for an alert (pure: no database)."""

from __future__ import annotations

from rapport.guidance.library import CONDITIONS, choose, load_library
from rapport.monitoring.context import guidance_context
from rapport.monitoring.signals import (
    DetectorConfig,
    FeedbackCriteria,
    Observation,
    config_for,
    criteria_for,
)
from tests.monitoring._helpers import series

LIBRARY = load_library()


def context(observations=(), config=None, *, kinds=(), quiet_flag=False):
    return guidance_context(
        series(list(observations)),
        config or config_for(["session-checkin"]),
        phase="working",
        mandated=False,
        trainee=False,
        has_goals=True,
        active_kinds=kinds,
        quiet_flag=quiet_flag,
    )


def srs(session, *, bond, goals, tasks, overall=9.0):
    parts = {"bond": bond, "goals": goals, "tasks": tasks, "overall": overall}
    return Observation("srs", session, sum(parts.values()), subscales=parts)


def checkin(session, *, goals, tasks, bond, overall=9.0):
    parts = {"goals": goals, "tasks": tasks, "bond": bond, "overall": overall}
    return Observation("session-checkin", session, sum(parts.values()), subscales=parts)


def test_a_clinic_asking_the_srs_after_sessions_gets_the_lowest_part_of_the_last_srs():
    config = config_for(["srs"])
    assert config.feedback.checkin_instrument == "srs"
    found = context([srs(1, bond=9, goals=9, tasks=9), srs(2, bond=9, goals=6.5, tasks=8)], config)
    assert "goals_low" in found
    assert not {"tasks_low", "bond_low"} & found


def test_the_after_session_measure_is_read_before_another_alliance_measure():
    config = DetectorConfig.from_criteria(
        [criteria_for("session-checkin"), criteria_for("srs")],
        feedback=FeedbackCriteria(checkin_instrument="srs"),
    )
    found = context(
        [checkin(1, goals=9, tasks=9, bond=5), srs(1, bond=9, goals=9, tasks=7)], config
    )
    assert "tasks_low" in found and "bond_low" not in found


def test_a_measure_without_an_alert_threshold_has_no_low_part():
    # The WAI-SR's parts are 1-5 means: the 9-of-10 line (a share of 36 of 40) does not apply.
    parts = {"goal": 3.0, "task": 3.5, "bond": 2.5}
    found = context([Observation("wai-sr", 1, 3.0, subscales=parts)], config_for(["wai-sr"]))
    assert not {"goals_low", "tasks_low", "bond_low"} & found


def test_unanswered_check_ins_are_not_a_client_going_quiet_in_session():
    found = context(kinds=["feedback_missing"])
    assert "quiet_client" not in found
    chosen = [s.slug for s in choose(LIBRARY, kind="feedback_missing", context=found)]
    assert "quiet-connect-to-goals" not in chosen
    assert 2 <= len(chosen) <= 4


def test_a_transcript_that_saw_the_client_go_quiet_brings_the_quiet_client_strategies():
    found = context(kinds=["alliance_low"], quiet_flag=True)
    assert "quiet_client" in found
    chosen = [s.slug for s in choose(LIBRARY, kind="alliance_low", context=found)]
    assert "quiet-connect-to-goals" in chosen


def test_the_condition_descriptions_say_what_the_context_computes():
    assert "quiet_client" not in context(kinds=["feedback_missing"])
    assert "check-in" not in CONDITIONS["quiet_client"]
    assert "transcript" in CONDITIONS["quiet_client"]
    # not_improving holds for not on track or reliably worse, not "no improvement".
    assert "not_improving" in context(kinds=["reliable_deterioration"])
    assert "not_improving" in context(kinds=["not_on_track"])
    assert "reliably worse" in CONDITIONS["not_improving"]
    assert "no improvement" not in CONDITIONS["not_improving"]
