"""The periodic recompute builds each batch's series and signals before it locks the batch,
and under the locks builds again only what changed meanwhile.

A client's check-in on an episode of the batch waits for the batch's locks: on a clinic of
100 sessions an episode they were held about 0.8 s, nearly all of it reading and scoring
every episode's whole history. These tests hold the split to what it must keep: the same
series and alerts as before, whatever arrives between the two steps (a check-in, an
attendance mark, a dismissal, an acknowledgement, the episode ending), and nothing skipped
that time alone changes.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.db.models.fields import json as json_field
from django.utils import timezone

from rapport.clinic.models import Appointment, Attendance, CancelledBy, Client, Episode, Phase
from rapport.measures.models import Response
from rapport.measures.scoring import score
from rapport.monitoring import series, services, tasks
from rapport.monitoring.models import ACTIVE_STATUSES, Alert, AlertStatus, EpisodeSnapshot
from rapport.monitoring.signals.adapter import find_instrument
from tests.monitoring.db import _loader_before
from tests.monitoring.db.helpers import (
    NOW,
    checkin_answers,
    checkins,
    make_episode,
    outcome_answers,
    outcomes,
    record,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

#: Thirteen hours ahead of UTC in March: an answer at 11:30 UTC is the next local day.
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def _stored(client, name, *, at, episode=None, appointment=None, items=None, subscales=None):
    """A response stored as given (no service: shapes the services would refuse or never
    write, such as a check-in whose "pushed" answer is only among its subscales)."""
    instrument = find_instrument(name)
    result = score(instrument, items if items is not None else outcome_answers(name, 12))
    return Response.objects.create(
        client=client,
        episode=episode,
        appointment=appointment,
        instrument_id=instrument.id,
        instrument_version=result.instrument_version,
        administered_at=at,
        source="import",
        idempotency_key=f"prepared-{Response.objects.count()}-{at.isoformat()}-{name}",
        item_values=dict(result.item_values),
        total=result.total,
        subscales=dict(result.subscales) if subscales is None else subscales,
    )


@pytest.fixture
def varied(therapist_a) -> list[Episode]:
    """Episodes with what the loader has rules for: answers near local midnight, answers
    stored without an episode (within its dates and before it), a session answered twice,
    a missed and an unmarked appointment answered for, an answer after ``NOW``, "pushed"
    among the items or only among the subscales, appointments the client and the clinic
    cancelled, an episode with answers and no attended session, and an ended episode before
    the client's current one, which is in its planned ending."""
    client, episode, held = make_episode(therapist_a, "Varied V.", sessions=8)
    outcomes(client, held, [14, 15, 17, 18, 19, 21, 22, 23])
    checkins(client, held, [38, 37, (7, 8, 8), 36, None, (6, 7, 7), 38, 37], pushed={3: 2})
    Appointment.objects.filter(pk=held[4].pk).update(attendance=Attendance.NO_SHOW)
    Appointment.objects.filter(pk=held[6].pk).update(attendance=Attendance.SCHEDULED)
    # Called off between sessions 2 and 3: by the client (missed) and by the clinic (not).
    for days, by in ((2, CancelledBy.CLIENT), (3, CancelledBy.CLINIC)):
        Appointment.objects.create(
            episode=episode,
            starts_at=held[1].starts_at + dt.timedelta(days=days),
            attendance=Attendance.CANCELLED,
            cancelled_by=by,
        )
    # The same session answered again later that day: the newer counts.
    record(
        client,
        "phq9",
        outcome_answers("phq9", 9),
        at=held[2].starts_at + dt.timedelta(hours=3),
        appointment=held[2],
    )
    # No appointment: placed by its local date, which is the day after its UTC date.
    late = held[5].starts_at.replace(hour=11, minute=30) + dt.timedelta(days=1)
    _stored(client, "gad7", at=late, episode=episode, items=outcome_answers("gad7", 15))
    _stored(client, "gad7", at=late + dt.timedelta(days=7), items=outcome_answers("gad7", 9))
    # Without an episode: one within its dates (counts), one long before it (does not).
    _stored(client, "phq9", at=held[1].starts_at + dt.timedelta(days=2))
    _stored(client, "phq9", at=held[0].starts_at - dt.timedelta(days=400))
    # After the clock: not seen yet.
    _stored(client, "phq9", at=NOW + dt.timedelta(hours=1), episode=episode)
    # "pushed" kept only among the subscales (an old import).
    parts = checkin_answers(5, 6, 6, pushed=1)
    _stored(
        client,
        "session-checkin",
        at=held[7].starts_at + dt.timedelta(hours=2),
        episode=episode,
        appointment=held[7],
        items={k: v for k, v in parts.items() if k != "pushed"},
        subscales={"goals": 5, "tasks": 6, "bond": 6, "overall": 6, "pushed": 1},
    )

    other = Client.objects.create(
        clinic=therapist_a.clinic, therapist=therapist_a, display_name="No Sessions N."
    )
    unscheduled = Episode.objects.create(client=other, started_on=dt.date(2026, 1, 5))
    for week, total in enumerate([20, 21, 23]):
        _stored(
            other,
            "phq9",
            at=dt.datetime(2026, 1, 6, 23, 0, tzinfo=dt.UTC) + dt.timedelta(weeks=week),
            episode=unscheduled,
            items=outcome_answers("phq9", total),
        )

    earlier, ended, ended_held = make_episode(
        therapist_a, "Returning R.", sessions=4, now=NOW - dt.timedelta(days=120)
    )
    outcomes(earlier, ended_held, [16, 12, 9, 7])
    Episode.objects.filter(pk=ended.pk).update(
        phase=Phase.CLOSED, ended_on=timezone.localdate(NOW - dt.timedelta(days=110))
    )
    current = Episode.objects.create(
        client=earlier, started_on=dt.date(2026, 2, 1), phase=Phase.ENDING
    )
    _stored(earlier, "phq9", at=dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC))
    return list(
        Episode.objects.filter(pk__in=[episode.pk, unscheduled.pk, ended.pk, current.pk])
        .select_related("client", "client__therapist")
        .order_by("pk")
    )


def test_the_loader_gives_the_series_the_loader_before_it_gave(varied):
    with timezone.override(AUCKLAND):
        before = _loader_before.load_many(varied, now=NOW)
        now = series.load_many(varied, now=NOW)

    assert now == before  # episode, series, sessions, placed answers, check-in schedule
    for got, expected in zip(now, before, strict=True):
        assert got.series.observations == expected.series.observations
        assert [o.date for o in got.series.observations] == [
            o.date for o in expected.series.observations
        ]
        assert [dict(o.subscales) for o in got.series.observations] == [
            dict(o.subscales) for o in expected.series.observations
        ]
    # The data reaches the rules it is there for.
    first = now[0].series
    assert 2 in [o.pushed for o in first.of("session-checkin")]
    assert 1 in [o.pushed for o in first.of("session-checkin")]  # from the subscales
    assert [o.score for o in now[1].series.of("phq9")] == [20, 21, 23]
    # The client's cancellation and the no-show are missed; the clinic's cancellation is not.
    assert [(a.session, a.status) for a in first.attendance if a.status != "attended"] == [
        (2, "cancelled"),
        (4, "no_show"),
    ]
    # Only the episode in its planned ending says so (no dropout risk then).
    assert [e.series.attributes.planned_ending for e in now] == [False, False, False, True]


def test_the_loader_finds_the_day_in_the_clinics_time_zone(varied):
    """An answer given at 11:30 UTC in Auckland is the next day there: placed at the
    session of that local day, dated that day."""
    with timezone.override(AUCKLAND):
        loaded = series.load_many(varied[:1], now=NOW)[0]
    gad7 = loaded.series.of("gad7")
    stored = Response.objects.filter(episode=varied[0], instrument_id="gad7").order_by("pk")[0]
    assert gad7[0].date == stored.administered_at.astimezone(AUCKLAND).date()
    assert gad7[0].date != stored.administered_at.astimezone(dt.UTC).date()


def test_the_loader_looks_the_time_zone_up_once_not_for_every_answer(varied, monkeypatch):
    calls = []
    lookup = timezone.get_current_timezone

    def counted():
        calls.append(1)
        return lookup()

    monkeypatch.setattr(timezone, "get_current_timezone", counted)
    series.load_many(varied, now=NOW)
    answers = Response.objects.filter(client__episodes__in=varied).distinct().count()
    assert answers > 25
    assert len(calls) <= 2


def test_the_loader_decodes_no_answers_items(varied, monkeypatch):
    """Of a response's items only the "pushed" answer is read: a PHQ-9's nine answers are
    never decoded (they were half of the JSON a recompute decoded)."""
    decoded: list[str] = []

    class CountingJson:
        def __getattr__(self, name):
            return getattr(json, name)

        @staticmethod
        def loads(text, **kwargs):
            decoded.append(text)
            return json.loads(text, **kwargs)

    monkeypatch.setattr(json_field, "json", CountingJson())
    loaded = series.load_many(varied, now=NOW)
    assert loaded[0].series.of("phq9")
    assert not [text for text in decoded if "phq9_1" in str(text)]


def _alerts(episodes) -> list[tuple]:
    return sorted(
        (a.episode_id, a.kind, a.status, a.signal_key, a.severity, a.session, a.explanation)
        for a in Alert.objects.filter(episode__in=episodes)
    )


def _snapshots(episodes) -> list[tuple]:
    return sorted(
        (s.episode_id, s.alliance_values, s.outcome_values, s.outcome_count)
        for s in EpisodeSnapshot.objects.filter(episode__in=episodes)
    )


def test_the_periodic_run_raises_the_alerts_a_recompute_under_the_locks_raises(varied):
    with timezone.override(AUCKLAND):
        tasks.recompute_alerts(now=NOW)
        split = (_alerts(varied), _snapshots(varied))
        Alert.objects.all().delete()
        EpisodeSnapshot.objects.all().delete()
        for episode in varied:
            services.alerts_recompute_episode(episode=episode, now=NOW)
        whole = (_alerts(varied), _snapshots(varied))
    assert split == whole
    assert len(split[0]) >= 5


@pytest.fixture
def reads_under_the_lock(monkeypatch) -> list[list[int]]:
    """The episodes each recompute read in full under its locks."""
    seen: list[list[int]] = []
    load_many = services.load_many

    def recorded(episodes, **kwargs):
        seen.append([e.pk for e in episodes])
        return load_many(episodes, **kwargs)

    monkeypatch.setattr(services, "load_many", recorded)
    return seen


def _batch(episodes) -> list[Episode]:
    return list(
        Episode.objects.filter(pk__in=[e.pk for e in episodes])
        .select_related("client", "client__therapist")
        .order_by("pk")
    )


def _prepare(batch, now=NOW):
    return services.alerts_prepare(episodes=batch, now=now)


def test_under_the_locks_an_unchanged_batch_is_not_read_again(varied, reads_under_the_lock):
    with timezone.override(AUCKLAND):
        tasks.recompute_alerts(now=NOW)
    assert reads_under_the_lock == [[]]
    assert Alert.objects.filter(episode__in=varied).exists()


@pytest.fixture
def worsening(therapist_a):
    client, episode, held = make_episode(therapist_a, "Worse W.", sessions=6)
    checkins(client, held[:-1], [38, 38, 38, 37, 38])
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    calm_client, calm, calm_held = make_episode(therapist_a, "Calm C.", sessions=6)
    checkins(calm_client, calm_held, [38] * 6)
    outcomes(calm_client, calm_held, [12, 11, 10, 9, 8, 7])
    return client, episode, held, calm


def test_a_check_in_that_came_after_the_batch_was_prepared_is_counted(
    worsening, reads_under_the_lock
):
    client, episode, held, calm = worsening
    batch = _batch([episode, calm])
    prepared = _prepare(batch)
    assert "alliance_rupture" not in prepared[episode.pk].current
    checkins(client, held[-1:], [(6, 7, 7)])  # arrives meanwhile

    services.alerts_recompute_many(episodes=batch, now=NOW, prepared=prepared)

    assert Alert.objects.filter(
        episode=episode, kind="alliance_rupture", status=AlertStatus.OPEN, session=6
    ).exists()
    assert reads_under_the_lock == [[episode.pk]]  # only the episode that changed
    snapshot = EpisodeSnapshot.objects.get(episode=episode)
    assert snapshot.alliance_values[-1][0] == 6


def test_an_attendance_marked_after_the_batch_was_prepared_is_counted(worsening):
    client, episode, held, calm = worsening
    skipped = Appointment.objects.create(
        episode=episode, starts_at=held[2].starts_at + dt.timedelta(days=3)
    )
    batch = _batch([episode, calm])
    prepared = _prepare(batch)
    Appointment.objects.filter(pk=skipped.pk).update(attendance=Attendance.ATTENDED)

    services.alerts_recompute_many(episodes=batch, now=NOW, prepared=prepared)

    # A session more between the third and the fourth: the later answers move up one.
    snapshot = EpisodeSnapshot.objects.get(episode=episode)
    assert [session for session, _total in snapshot.outcome_values] == [1, 2, 3, 5, 6, 7]


def test_a_dismissal_made_after_the_batch_was_prepared_lets_the_next_instance_through(
    therapist_a,
):
    client, episode, held = make_episode(therapist_a, "Two Measures T.", sessions=5)
    outcomes(client, held, [8, 10, 13, 15, 17])
    outcomes(client, held, [6, 8, 10, 12, 14], name="gad7")
    checkins(client, held, [38] * 5)
    services.alerts_recompute_episode(episode=episode, now=NOW)
    first = Alert.objects.get(episode=episode, kind="reliable_deterioration")
    batch = _batch([episode])
    prepared = _prepare(batch)
    services.alert_dismiss(actor=therapist_a, alert=first, reason="Known: a bereavement.")

    services.alerts_recompute_many(episodes=batch, now=NOW, prepared=prepared)

    active = Alert.objects.get(
        episode=episode, kind="reliable_deterioration", status__in=ACTIVE_STATUSES
    )
    assert active.instrument_id != first.instrument_id
    first.refresh_from_db()
    assert first.status == AlertStatus.DISMISSED


def test_an_acknowledgement_made_after_the_batch_was_prepared_is_kept(worsening, therapist_a):
    client, episode, held, calm = worsening
    services.alerts_recompute_episode(episode=episode, now=NOW)
    worse = Alert.objects.get(episode=episode, kind="reliable_deterioration")
    batch = _batch([episode, calm])
    prepared = _prepare(batch)
    services.alert_acknowledge(actor=therapist_a, alert=worse)

    services.alerts_recompute_many(episodes=batch, now=NOW, prepared=prepared)

    worse.refresh_from_db()
    assert worse.status == AlertStatus.ACKNOWLEDGED
    assert worse.acknowledged_by_id == therapist_a.pk


def test_an_episode_ended_after_the_batch_was_prepared_has_its_alerts_resolved(worsening):
    client, episode, held, calm = worsening
    services.alerts_recompute_episode(episode=episode, now=NOW)
    assert Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES).exists()
    batch = _batch([episode, calm])
    prepared = _prepare(batch)
    Episode.objects.filter(pk=episode.pk).update(phase=Phase.CLOSED)

    services.alerts_recompute_many(episodes=batch, now=NOW, prepared=prepared)

    assert not Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES).exists()


def test_time_alone_still_changes_alerts_with_nothing_new_stored(therapist_a):
    """Nothing is skipped for want of a new answer or attendance: the next day, with nothing
    stored since, the check-in of the session held the day before is overdue (the second
    missing in a row) and a snooze that ended opens again."""
    client, episode, held = make_episode(therapist_a, "Quiet Q.", sessions=6)
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    checkins(client, held[:4], [38] * 4)
    day_of_last = held[-1].starts_at + dt.timedelta(hours=2)
    tasks.recompute_alerts(now=day_of_last)
    assert not Alert.objects.filter(episode=episode, kind="feedback_missing").exists()
    worse = Alert.objects.get(episode=episode, kind="reliable_deterioration")
    tomorrow = timezone.localdate(day_of_last) + dt.timedelta(days=1)
    services.alert_snooze(actor=therapist_a, alert=worse, until=tomorrow, now=day_of_last)

    tasks.recompute_alerts(now=day_of_last + dt.timedelta(days=1))

    worse.refresh_from_db()
    assert worse.status == AlertStatus.OPEN
    missing = Alert.objects.get(episode=episode, kind="feedback_missing")
    assert missing.status == AlertStatus.OPEN
    assert missing.evidence["missing_sessions"] == [5, 6]


def test_what_was_prepared_for_another_clock_is_not_used(therapist_a, reads_under_the_lock):
    """Built for the next day (nothing stored in between, so the same inputs), the check-in
    of the session held today would already be overdue: the recompute for today builds
    again and raises nothing."""
    client, episode, held = make_episode(therapist_a, "Quiet Q.", sessions=6)
    outcomes(client, held, [8, 9, 8, 9, 8, 9])
    checkins(client, held[:4], [38] * 4)
    day_of_last = held[-1].starts_at + dt.timedelta(hours=2)
    batch = _batch([episode])
    prepared = _prepare(batch, now=day_of_last + dt.timedelta(days=1))
    assert "feedback_missing" in prepared[episode.pk].current

    services.alerts_recompute_many(episodes=batch, now=day_of_last, prepared=prepared)

    assert reads_under_the_lock == [[episode.pk]]
    assert not Alert.objects.filter(episode=episode, kind="feedback_missing").exists()
