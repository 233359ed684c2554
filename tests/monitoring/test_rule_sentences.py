"""Each alert's "Rule" reads as a sentence; the formula the detector computed stays folded
away as "The rule as computed", and the detectors' evidence is unchanged.

A walkthrough found "score above expected + z * spread, expected = intake + slope * ln(t)"
and "logistic model: intercept + sum(weight * factor)" as the rule on the client page.
"""

from __future__ import annotations

import re

import pytest

from rapport.monitoring.signals import (
    ChangeCriteria,
    CitedValue,
    ClientAttributes,
    Observation,
    default_trajectory,
    detect_all,
    detect_dropout_risk,
    detect_not_on_track,
    detect_reliable_change,
)
from rapport.monitoring.signals.adapter import config_for
from rapport.monitoring.templatetags.evidence_text import (
    evidence_rows,
    rule_as_computed,
    rule_sentence,
)
from tests.monitoring._helpers import CHECKIN, PHQ, scores, series

#: What a formula or a developer's notation looks like.
FORMULA = re.compile(r"\*|\bln\(|sqrt|\|RC\||\bsum\(|intercept|\bz\b|=|\bSE\b|\bpre-rupture\b")


def _checkins(totals, pushed=None):
    pushed = pushed or {}
    return [
        Observation("session-checkin", i + 1, float(t), pushed=pushed.get(i + 1))
        for i, t in enumerate(totals)
    ]


def _signals():
    """One signal of each kind the detectors state a rule for, as they compute them."""
    found = {}
    runs = [
        (series(scores("phq9", [20, 12])), ["phq9"]),  # reliably better
        (series(scores("phq9", [16, 4])), ["phq9"]),  # recovered
        (series(scores("phq9", [6, 16])), ["phq9"]),  # reliably worse
        (series(_checkins([38, 38, 30, 38])), ["session-checkin"]),  # rupture and repair
        (series(_checkins([38, 30])), ["session-checkin"]),  # low
        (series(_checkins([38, 38], pushed={2: 1})), ["session-checkin"]),
    ]
    for client, instruments in runs:
        for signal in detect_all(client, config_for(instruments)):
            found.setdefault((signal.kind, instruments[0]), signal)
    # Jacobson & Truax's index computed from SD and reliability (no published figure).
    computed = ChangeCriteria(
        instrument="phq9",
        direction="higher_is_worse",
        sd=CitedValue(5.7, "test figure"),
        reliability=CitedValue(0.84, "test figure"),
    )
    (worse,) = detect_reliable_change(series(scores("phq9", [6, 16])), computed)
    found[("reliable_deterioration", "computed")] = worse
    (late,) = detect_not_on_track(
        series(scores("phq9", [18, 18, 20, 21, 21])), default_trajectory(PHQ)
    )
    found[("not_on_track", "phq9")] = late
    (risk,) = detect_dropout_risk(
        series(
            scores("checkin", [38, 30]),
            attended=[1, 2],
            missed=[3, 4, 5],
            attributes=ClientAttributes(age=22),
        ),
        change={"phq9": PHQ},
        alliance={"checkin": CHECKIN},
    )
    found[("dropout_risk", "checkin")] = risk
    return found


SIGNALS = _signals()


def test_every_kind_that_states_a_rule_is_covered():
    assert {kind for kind, _ in SIGNALS} >= {
        "alliance_low",
        "alliance_rupture",
        "alliance_repaired",
        "pushed_or_overridden",
        "not_on_track",
        "reliable_improvement",
        "reliable_deterioration",
        "recovered",
        "dropout_risk",
    }


@pytest.mark.parametrize("key", sorted(SIGNALS), ids=lambda k: f"{k[0]}-{k[1]}")
def test_the_rule_reads_as_a_sentence_and_the_evidence_is_unchanged(key):
    signal = SIGNALS[key]
    stored = dict(signal.evidence)
    rows = dict(evidence_rows(signal.evidence, signal.kind))
    sentence = rows["Rule"]
    assert sentence == rule_sentence(signal.evidence, signal.kind)
    assert sentence.startswith(("Raised when", "Counted as repaired when")), sentence
    assert sentence.endswith("."), sentence
    assert not FORMULA.search(sentence), sentence
    assert signal.evidence == stored  # the pure core's evidence is the researcher's record
    # The rule as the detector computed it stays one click away.
    assert rule_as_computed(signal.evidence, signal.kind) == signal.evidence["rule"]


def test_the_sentences_carry_the_numbers_of_the_rule():
    def sentence(kind, instrument):
        signal = SIGNALS[(kind, instrument)]
        return rule_sentence(signal.evidence, signal.kind)

    assert sentence("alliance_low", "session-checkin") == (
        "Raised when the client rates the relationship below 36."
    )
    rupture = SIGNALS[("alliance_rupture", "session-checkin")]
    assert f"falls {rupture.evidence['threshold']} points or more below the recent level" in (
        rule_sentence(rupture.evidence, rupture.kind)
    )
    assert "within 3 sessions of the rupture" in sentence("alliance_repaired", "session-checkin")
    assert "by 6 points or more: more than measurement error" in sentence(
        "reliable_improvement", "phq9"
    )
    computed = sentence("reliable_deterioration", "computed")  # 1.96 * sqrt(2) * 5.7 * 0.4
    assert "worsened since intake by more than 6.32 points: more than measurement" in computed
    assert "90% of clients on the expected course" in sentence("not_on_track", "phq9")
    assert "Judged from session 3, counting intake as session 1." in sentence(
        "not_on_track", "phq9"
    )
    assert sentence("dropout_risk", "checkin").startswith(
        "Raised when the model's score for ending early is 30% or more (50% or more: high"
    )


def test_a_rule_already_in_words_is_shown_as_it_is_with_nothing_folded_away():
    evidence = {"today": "2026-12-06", "rule": "the last 2 expected check-ins are missing"}
    rows = dict(evidence_rows(evidence, "feedback_missing"))
    assert rows["Rule"] == "The last 2 expected check-ins are missing."
    assert rule_as_computed(evidence, "feedback_missing") == ""


def test_a_rule_in_an_unexpected_shape_keeps_its_own_words():
    evidence = {"rule": "back within a while"}
    assert rule_sentence(evidence, "alliance_repaired") == "Back within a while."
    assert rule_as_computed(evidence, "alliance_repaired") == ""
