"""Dropout risk is about ending therapy early, before it is complete (Swift & Greenberg 2012):
no alert while the therapist and client work towards a planned ending, none once the client
has recovered, a lower priority when they are reliably better, and a band in words instead of
a percentage the published (uncalibrated) weights cannot back.

The case is the demo's Nora P.: session 18, PHQ-9 21 -> 5, a last check-in of 35 of 40 (one
under 36), three missed or cancelled appointments, a trainee therapist; about 50% on the
published model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rapport.clinic.models import Episode, Phase
from rapport.monitoring.series import build_series
from rapport.monitoring.signals import DEFAULT_DROPOUT_MODEL, ClinicOutcomes, detect_dropout_risk
from rapport.monitoring.signals.dropout import EpisodeAttributes
from tests.monitoring._helpers import CHECKIN, PHQ, scores, series

SESSIONS = list(range(1, 19))


def nora(phq_last: float = 5, *, planned_ending: bool = False):
    phq = [21, 20, 18, 16, 14, 12, 11, 10, 9, 9, 8, 8, 7, 7, 6, 6, 5, phq_last]
    return series(
        scores("phq9", phq),
        scores("checkin", [38] * 17 + [35]),
        attended=SESSIONS,
        missed=[4, 9, 13],
        attributes=EpisodeAttributes(trainee_therapist=True, planned_ending=planned_ending),
    )


def risk(client, model=DEFAULT_DROPOUT_MODEL):
    return detect_dropout_risk(
        client, change={"phq9": PHQ}, alliance={"checkin": CHECKIN}, model=model
    )


def test_a_recovered_client_gets_no_dropout_alert():
    # PHQ-9 21 -> 5: reliably better (16 points) and out of the clinical range (< 10).
    assert risk(nora(phq_last=5)) == ()


def test_the_same_client_without_improvement_is_still_flagged():
    # The control: nothing else about the case changed, so the alert above went away
    # because of the recovery, not because the risk was low.
    worse = replace(
        nora(),
        observations=tuple(scores("phq9", [21] * 18))
        + tuple(o for o in nora().observations if o.instrument == "checkin"),
    )
    (signal,) = risk(worse)
    assert signal.severity == "high"


def test_no_dropout_alert_in_a_planned_ending_even_without_improvement():
    client = nora(planned_ending=True)
    client = replace(
        client,
        observations=tuple(scores("phq9", [21] * 18))
        + tuple(o for o in client.observations if o.instrument == "checkin"),
    )
    assert risk(client) == ()


def test_a_reliably_better_but_not_recovered_client_is_at_most_medium_and_told_why():
    # 21 -> 13: 8 points better (reliable), still 10 or more (clinical range).
    client = nora()
    client = replace(
        client,
        observations=tuple(scores("phq9", [21] * 17 + [13]))
        + tuple(o for o in client.observations if o.instrument == "checkin"),
    )
    (signal,) = risk(client)
    assert signal.severity == "medium"
    assert "reliably better on the phq9 (21 to 13)" in signal.explanation
    assert "so the priority is kept at medium" in signal.explanation
    # The band says what the estimate is (at the high threshold here, as for the same client
    # without the improvement); only the priority is lowered, and the card says why.
    assert signal.explanation.startswith("Chance of ending therapy early: much higher than usual")
    assert signal.evidence["band"] == "much higher than usual"


def test_the_published_model_shows_a_band_not_a_percentage():
    client = replace(
        nora(),
        observations=tuple(scores("phq9", [21] * 18))
        + tuple(o for o in nora().observations if o.instrument == "checkin"),
    )
    (signal,) = risk(client)
    assert signal.explanation.startswith("Chance of ending therapy early: much higher than usual")
    assert "about 50%" not in signal.explanation
    assert "No percentage is given" in signal.explanation
    assert "probability" not in signal.evidence
    assert signal.evidence["band"] == "much higher than usual"


def test_a_model_recalibrated_on_the_clinics_endings_gives_its_percentage():
    model = replace(DEFAULT_DROPOUT_MODEL, recalibrated_on=ClinicOutcomes(240, 93))
    client = replace(
        nora(),
        observations=tuple(scores("phq9", [21] * 18))
        + tuple(o for o in nora().observations if o.instrument == "checkin"),
    )
    (signal,) = risk(client, model)
    shown = f"much higher than usual, about {signal.evidence['probability']:.0%}"
    assert shown == "much higher than usual, about 60%"  # weak alliance, 3 missed, no change
    assert shown in signal.explanation


def test_an_episode_in_the_ending_phase_is_built_as_a_planned_ending():
    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    start = now - dt.timedelta(weeks=20)
    appointments = [(i, start + dt.timedelta(weeks=i), "attended") for i in range(1, 19)]
    for phase, planned in ((Phase.ENDING, True), (Phase.MAINTAINING, False)):
        episode = Episode(pk=1, client_id=1, phase=phase, started_on=start.date())
        built = build_series(
            episode, appointments=appointments, responses=[], now=now, birth_year=None, trainee=True
        )
        assert built.series.attributes.planned_ending is planned  # type: ignore[attr-defined]
