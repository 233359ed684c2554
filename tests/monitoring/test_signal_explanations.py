"""Explanations are plain clinician-facing text; the rule's origin is in ``source``.

An exploratory test found a rupture alert quoting its threshold's source inside the
explanation, three brackets deep and pointing at docs/monitoring.md, and a low-alliance
alert giving a total without its scale ("12 at session 3, below 36").
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from rapport.monitoring.signals import (
    KINDS,
    AllianceCriteria,
    ChangeCriteria,
    CitedValue,
    ClientAttributes,
    CriteriaError,
    Observation,
    config_for,
    detect_all,
    detect_alliance_low,
    detect_reliable_change,
    detect_ruptures,
)
from rapport.monitoring.signals.adapter import criteria_for
from tests.monitoring._helpers import CHECKIN, scores, series

INSTRUMENTS = ["phq9", "gad7", "core10", "ors", "srs", "session-checkin"]


def bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _everything_happens():
    """One client whose history raises every kind of signal on the shipped instruments."""
    checkin = [(32, 0), (32, 0), (32, 0), (12, 2), (12, 1)]
    return series(
        scores("phq9", [12, 14, 18, 22, 20]),
        scores("gad7", [15, 14, 13, 6, 5]),
        scores("core10", [20, 20, 25, 28, 30]),
        scores("ors", [18, 25, 30, 31, 32]),
        scores("srs", [38, 38, 38, 30, 37]),
        [
            Observation("session-checkin", i, float(total), pushed=pushed)
            for i, (total, pushed) in enumerate(checkin, start=1)
        ],
        attended=range(1, 4),
        missed=range(4, 8),
        attributes=ClientAttributes(age=20, mandated=True),
        today=dt.date(2025, 9, 1),
    )


def _config():
    """The registry's criteria, with only the session check-in counting as a check-in: the
    client above answered the SRS after every session, which would otherwise count
    (``FeedbackCriteria.answered_by``) and leave no check-in missing."""
    config = config_for(INSTRUMENTS)
    return dataclasses.replace(
        config, feedback=dataclasses.replace(config.feedback, other_checkins=())
    )


def test_every_kind_of_explanation_is_plain_text_without_docs_or_nested_brackets():
    signals = detect_all(_everything_happens(), _config())
    assert {s.kind for s in signals} == set(KINDS)
    for signal in signals:
        assert ".md" not in signal.explanation and "docs/" not in signal.explanation, signal
        assert "design choice" not in signal.explanation, signal
        assert bracket_depth(signal.explanation) <= 1, signal.explanation
        assert signal.source  # the origin of the rule is still given, beside it


def test_a_rupture_says_the_fall_and_the_rule_in_plain_words():
    criteria = criteria_for("session-checkin")
    (rupture,) = detect_ruptures(series(scores("session-checkin", [32, 32, 32, 12])), criteria)
    assert rupture.explanation.startswith(
        "The relationship rating fell to 12 out of 40 at session 4 from a recent level of 32, a "
        "drop of 20 points; a drop of 4 or more counts as a rupture."
    )
    # The source keeps the rule's origin, and the evidence its numbers.
    assert "a tenth of the scale range" in rupture.source
    assert rupture.evidence["threshold"] == 4 and rupture.evidence["drop"] == 20


def test_a_drop_just_over_a_fractional_threshold_does_not_read_as_below_it():
    criteria = dataclasses.replace(CHECKIN, rupture_drop=CitedValue(5.54, "test figure"))
    (rupture,) = detect_ruptures(series(scores("checkin", [38, 38, 38, 32.45])), criteria)
    assert "a drop of 5.55 points; a drop of 5.54 or more counts as a rupture" in (
        rupture.explanation
    )


def test_a_low_alliance_gives_the_total_out_of_the_scales_maximum():
    criteria = dataclasses.replace(CHECKIN, scale_max=40)
    (low,) = detect_alliance_low(series(scores("checkin", [38, 38, 12], first=1)), criteria)
    assert "rated the relationship 12 out of 40 at session 3, below 36." in low.explanation


def test_without_a_known_maximum_the_total_stands_alone():
    (low,) = detect_alliance_low(series(scores("checkin", [12])), CHECKIN)
    assert "rated the relationship 12 at session 1, below 36." in low.explanation


@pytest.mark.parametrize("maximum", [30, float("nan")])
def test_a_scale_maximum_under_the_threshold_or_not_a_number_is_refused(maximum):
    with pytest.raises(CriteriaError, match="maximum"):
        dataclasses.replace(CHECKIN, scale_max=maximum)


def test_a_computed_reliable_change_is_explained_without_its_formula():
    criteria = ChangeCriteria(
        instrument="scale",
        direction="higher_is_worse",
        sd=CitedValue(5, "test SD"),
        reliability=CitedValue(0.84, "test r"),
    )
    (worse,) = detect_reliable_change(series(scores("scale", [10, 20])), criteria)
    assert worse.explanation == (
        "scale went from 10 at session 1 to 20 at session 2: worse by more than measurement "
        "error alone would explain (a change of more than 5.54 points counts as reliable). "
        "Review the plan and the relationship with the client."
    )
    assert "sqrt" in worse.evidence["rule"]  # the formula stays in the evidence


def test_a_published_reliable_change_is_explained_as_points_or_more():
    criteria = criteria_for("phq9")
    assert isinstance(criteria, ChangeCriteria)
    (worse,) = detect_reliable_change(series(scores("phq9", [12, 18])), criteria)
    assert "(a change of 6 points or more counts as reliable)" in worse.explanation


def test_alliance_criteria_without_a_maximum_still_build():
    assert AllianceCriteria("x", rupture_drop=CitedValue(4, "t")).scale_max is None


#: What each kind that needs action asks the therapist to do, in its own explanation: an
#: alert always comes with something to do (DESIGN.md §4; de Jong et al. 2021), even
#: before the strategies shown beside it.
TO_DO = {
    "reliable_deterioration": "Review the plan and the relationship with the client.",
    "not_on_track": "check in about progress, the plan and the relationship.",
    "alliance_rupture": "name it, invite the client's view, and take your share of it.",
    "alliance_low": "Ask, without defending, what would make the sessions fit them better",
    "pushed_or_overridden": "Thank them for saying so, ask what it was",
    "dropout_risk": "Talk with the client about how therapy is going for them.",
    "feedback_missing": "Ask the client whether the link works for them",
}


def test_every_kind_that_needs_action_says_what_to_do():
    from rapport.monitoring.kinds import ACTION_KINDS

    assert set(TO_DO) == set(ACTION_KINDS)
    for signal in detect_all(_everything_happens(), _config()):
        if signal.kind in TO_DO:
            assert TO_DO[signal.kind] in signal.explanation, signal


def test_each_kind_cites_the_figures_and_sources_of_the_design():
    """DESIGN.md §4, kind by kind, as the therapist reads them under 'Evidence and source'.
    Until 2026-12-07 not on track did not cite Hannan et al. (2005) for judging from session
    3, and the sources of missing check-ins and dropout risk ran together without a stop
    ("two in a row is a pattern Rapport default ...")."""
    found = {}
    for signal in detect_all(_everything_happens(), _config()):
        found.setdefault((signal.kind, signal.evidence.get("instrument")), signal)
    off_track = found["not_on_track", "phq9"].source
    assert "Finch, Lambert & Schaalje (2001)" in off_track
    assert "Judged from session 3: Hannan, Lambert et al. (2005)" in off_track
    rupture = found["alliance_rupture", "srs"]
    assert "Zlotnick" in rupture.source and "Larsson" in rupture.source
    assert "A single drop is a weak marker" in rupture.explanation
    assert "below 36 of 40" in found["alliance_low", "srs"].source
    assert "reliable change index of 5 points" in found["reliable_improvement", "ors"].source
    assert "adult clinical cut-off 25" in found["recovered", "ors"].source
    assert "Jacobson & Truax (1991)" in found["recovered", "ors"].explanation
    dropout = found["dropout_risk", None]
    assert "This is an estimate, not a certainty" in dropout.explanation
    assert "19.7% (Swift & Greenberg (2012)" in dropout.source
    assert "; Sharf, Primavera & Diener (2010)" in dropout.source
    assert "; Giesemann et al. (2023)" in dropout.source
    feedback = found["feedback_missing", None].source
    assert "two in a row is a pattern. Rapport default" in feedback
    assert "Lambert, Whipple & Kleinstäuber (2018); de Jong et al. (2021)" in feedback


def test_a_low_total_just_under_the_threshold_does_not_read_as_the_threshold():
    (signal,) = detect_alliance_low(series(scores("srs", [35.96])), criteria_for("srs"))
    assert "rated the relationship 35.96 out of 40 at session 1, below 36." in (signal.explanation)
    (signal,) = detect_alliance_low(series(scores("srs", [35.5])), criteria_for("srs"))
    assert "rated the relationship 35.5 out of 40 at session 1, below 36." in signal.explanation


def test_a_repair_reads_its_rating_as_a_therapist_reads_it():
    checkins = scores("checkin", [38, 38, 38, 30, 112 / 3])
    repaired = [s for s in detect_ruptures(series(checkins), CHECKIN) if s.session == 5]
    (signal,) = repaired
    assert signal.explanation.startswith("The relationship rating is back to 37.3 at session 5")


@pytest.mark.parametrize("instrument", ["session-checkin", "srs"])
def test_rupture_and_repair_give_the_scale_as_a_low_alliance_does(instrument):
    """ "Fell to 30" alone left the reader to know the measure runs to 40; the low-alliance
    explanation of the same rating said "30 out of 40"."""
    criteria = criteria_for(instrument)
    found = series(scores(instrument, [38, 38, 38, 30, 38]))
    (low,) = detect_alliance_low(found, criteria)
    rupture, repair = detect_ruptures(found, criteria)
    assert "rated the relationship 30 out of 40 at session 4" in low.explanation
    assert rupture.explanation.startswith(
        "The relationship rating fell to 30 out of 40 at session 4 from a recent level of 38,"
    )
    assert repair.explanation.startswith(
        "The relationship rating is back to 38 out of 40 at session 5, near its level"
    )
