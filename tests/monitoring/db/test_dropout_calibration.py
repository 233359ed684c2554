"""``rapport calibrate`` recalibrates the dropout model on the clinic's ended episodes (read
as of their early-warning point), stores it for the clinic, and the detectors use it: the
client page and ``rapport signals --client`` show the clinic's probability and cite it.
With too few ended episodes nothing is stored and the published model stays."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
from statistics import mean

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from rapport.audit.models import Action, AuditEvent
from rapport.cli import main
from rapport.clinic.models import Appointment, Attendance, Client, EndReason, Episode, Phase
from rapport.measures.models import Response
from rapport.monitoring.dropout_calibration import (
    DropoutHistory,
    clinic_dropout_model,
    dropout_model_from_json,
    dropout_model_to_json,
    early_warning_features,
)
from rapport.monitoring.models import Alert, DropoutCalibration
from rapport.monitoring.series import load_episode_series, load_many
from rapport.monitoring.signals import DEFAULT_DROPOUT_MODEL, estimate_dropout
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import NOW, bulk_history, instrument_id, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

START = dt.datetime(2025, 1, 6, 10, 0, tzinfo=dt.UTC)
CLINIC_SOURCE = "recalibrated on 240 episodes of this clinic"


def _week(k: float) -> dt.datetime:
    return START + dt.timedelta(weeks=k)


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _checkin(episode, appointment, total: float, key: str) -> Response:
    quarter = total / 4
    return Response(
        client_id=episode.client_id,
        episode=episode,
        appointment=appointment,
        instrument_id=instrument_id("session-checkin"),
        instrument_version="1",
        administered_at=appointment.starts_at + dt.timedelta(hours=1),
        source="import",
        idempotency_key=key,
        total=total,
        subscales={"goals": quarter, "tasks": quarter, "bond": quarter, "overall": quarter},
        item_values={"pushed": 0},
    )


def ended_cohort(therapist, count: int = 240, *, seed: int = 11) -> list[bool]:
    """Ended episodes in a handful of bulk queries. Each client misses 0-2 appointments
    before the third session and has a weak third rating 30% of the time; dropout follows a
    logistic in those with about 40% overall (well above the published 19.7%). Dropouts miss
    two more appointments after session 3 and then end: what the early-warning point must
    not see. Returns the outcomes in order."""
    rng = random.Random(seed)
    plans = []
    for _ in range(count):
        missed, weak = rng.choice((0, 0, 1, 2)), rng.random() < 0.3
        plans.append((missed, weak, rng.random() < _logistic(-1.2 + 0.5 * missed + 1.3 * weak)))
    clients = Client.objects.bulk_create(
        Client(
            clinic=therapist.clinic,
            therapist=therapist,
            display_name=f"Ended {i}",
            birth_year=1980,
        )
        for i in range(count)
    )
    episodes = Episode.objects.bulk_create(
        Episode(
            client=client,
            started_on=START.date(),
            ended_on=(_week(4) if dropped else _week(5)).date() + dt.timedelta(days=1),
            end_reason=EndReason.DROPPED_OUT if dropped else EndReason.PLANNED,
            phase=Phase.CLOSED,
        )
        for client, (_, _, dropped) in zip(clients, plans, strict=True)
    )
    appointments: list[tuple[Appointment, float | None]] = []
    for episode, (missed, weak, dropped) in zip(episodes, plans, strict=True):

        def add(when, status=Attendance.ATTENDED, rating=None, episode=episode):
            appointments.append(
                (Appointment(episode=episode, starts_at=when, attendance=status), rating)
            )

        add(_week(0), rating=38)
        add(_week(1), rating=38)
        for j in range(missed):
            add(_week(1) + dt.timedelta(days=2 + j), Attendance.NO_SHOW)
        add(_week(2), rating=30 if weak else 38)  # the third attended session
        later = (Attendance.NO_SHOW,) * 2 if dropped else (Attendance.ATTENDED,) * 3
        for k, status in enumerate(later, start=3):
            add(_week(k), status, rating=38 if status == Attendance.ATTENDED else None)
    Appointment.objects.bulk_create(a for a, _ in appointments)
    Response.objects.bulk_create(
        _checkin(a.episode, a, rating, f"cohort-{i}")
        for i, (a, rating) in enumerate(appointments)
        if rating is not None
    )
    return [dropped for _, _, dropped in plans]


def open_client(therapist):
    """A current client with a falling, weak alliance and one missed appointment: about 36%
    on the published model (a medium dropout_risk alert)."""
    client, episode, held = make_episode(therapist, "Open Client", sessions=3, now=timezone.now())
    Appointment.objects.create(
        episode=episode,
        starts_at=held[0].starts_at + dt.timedelta(days=2),
        attendance=Attendance.NO_SHOW,
    )
    bulk_history(client, held, alliance=[38, 38, 30])
    return client


def _risk(capsys, client) -> dict:
    assert main(["signals", "--client", str(client.pk), "--json"]) == 0
    return json.loads(capsys.readouterr().out)[0]


def _history(clinic_id) -> DropoutHistory:
    history = DropoutHistory()
    ended = Episode.objects.filter(client__clinic_id=clinic_id, ended_on__isnull=False).order_by(
        "pk"
    )
    for item in load_many(list(ended.select_related("client", "client__therapist")), now=NOW):
        history.add(item)
    return history


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)


def test_calibrate_fits_the_clinics_rate_and_the_client_sees_it(cli, therapist_a, login, capsys):
    outcomes = ended_cohort(therapist_a)
    observed = sum(outcomes) / len(outcomes)
    assert 0.33 < observed < 0.5  # clearly not the published 19.7%
    client = open_client(therapist_a)
    recompute_alerts()
    before = _risk(capsys, client)
    assert before["dropout_risk"]["probability"] == pytest.approx(0.356, abs=0.01)
    assert "19.7%" in before["dropout_risk"]["source"]
    alert = Alert.objects.get(client=client, kind="dropout_risk")
    assert "(the average is about 20%)" in alert.explanation

    assert main(["calibrate"]) == 0
    captured = capsys.readouterr()
    assert (
        f"dropout model recalibrated on 240 ended episodes, {sum(outcomes)} dropped out: "
        f"observed dropout rate {observed:.1%} against the 19.7% benchmark" in captured.out
    )
    predicted_now = re.search(r"mean predicted probability now (\d+\.\d)%", captured.out)
    assert predicted_now and float(predicted_now[1]) == pytest.approx(100 * observed, abs=0.11)
    assert "no outcome scores yet" in captured.err  # the bands: nothing to fit, as before

    row = DropoutCalibration.objects.get()
    assert (row.episodes_used, row.dropouts) == (240, sum(outcomes))
    assert row.observed_rate == pytest.approx(observed)
    model = clinic_dropout_model(therapist_a.clinic_id)
    assert model is not None and model.intercept.source.startswith(CLINIC_SOURCE)
    history = _history(therapist_a.clinic_id)
    assert history.dropped_out == outcomes
    predicted = mean(estimate_dropout(f, model).probability for f in history.features)
    assert predicted == pytest.approx(observed, abs=0.002)
    assert AuditEvent.objects.filter(
        actor_label="cli",
        action=Action.UPDATE,
        target=f"dropout-calibration:clinic:{therapist_a.clinic_id}",
    ).exists()

    after = _risk(capsys, client)
    assert after["dropout_risk"]["probability"] > before["dropout_risk"]["probability"] + 0.1
    assert after["dropout_risk"]["source"].startswith(CLINIC_SOURCE)
    (signal,) = [s for s in after["signals"] if s["kind"] == "dropout_risk"]
    assert signal["source"].startswith(CLINIC_SOURCE)
    assert (
        f"in this clinic about {observed:.0%} of clients end therapy early"
        in (signal["explanation"])
    )
    # calibrate recomputed the clinic's alerts: the page shows the clinic's estimate.
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert escape(signal["explanation"]) in page
    assert "recalibrated on 240 of its ended episodes" in page
    assert CLINIC_SOURCE in page

    # The same data again: the model in use already is this one; nothing stored twice.
    assert main(["calibrate"]) == 2
    assert "is the one already in use; nothing was stored" in capsys.readouterr().err
    assert DropoutCalibration.objects.count() == 1


def test_with_too_few_ended_episodes_nothing_is_stored_and_the_published_model_stays(
    cli, therapist_a, capsys
):
    ended_cohort(therapist_a, count=30)
    never_came = Episode.objects.create(
        client=Client.objects.create(clinic=therapist_a.clinic, therapist=therapist_a),
        started_on=START.date(),
        ended_on=START.date(),
        end_reason=EndReason.DROPPED_OUT,
        phase=Phase.CLOSED,
    )
    Appointment.objects.create(episode=never_came, starts_at=_week(0), attendance="no_show")
    client = open_client(therapist_a)
    assert main(["calibrate", "--dry-run"]) == 0
    assert main(["calibrate"]) == 2
    err = capsys.readouterr().err
    assert "Not enough data to recalibrate the dropout model: 30 ended episodes" in err
    assert "need 200 episodes and 20 of each outcome. 1 more ended before any attended " in err
    assert "Nothing was stored: the published model (19.7% base rate) stays in use." in err
    assert "nothing was calibrated" in err
    assert not DropoutCalibration.objects.exists()
    assert clinic_dropout_model(therapist_a.clinic_id) is None
    assert not AuditEvent.objects.filter(target__startswith="dropout-calibration").exists()
    risk = _risk(capsys, client)["dropout_risk"]
    assert risk["probability"] == pytest.approx(0.356, abs=0.01)
    assert "19.7%" in risk["source"]


def test_a_dry_run_reports_the_fit_and_stores_nothing(cli, therapist_a, capsys):
    ended_cohort(therapist_a)
    assert main(["calibrate", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "observed dropout rate" in out and "[dry run: not stored]" in out
    assert not DropoutCalibration.objects.exists()


def test_an_ended_episode_is_read_as_of_its_third_attended_session(therapist_a):
    """Missed appointments after session 3 (numbered 3 too), a worse rating given for a
    later session, and today's age do not count; what came before does."""
    client = Client.objects.create(
        clinic=therapist_a.clinic, therapist=therapist_a, display_name="Left", birth_year=1996
    )
    start = dt.datetime(2020, 3, 2, 10, 0, tzinfo=dt.UTC)  # 23 then, at least 29 today
    episode = Episode.objects.create(
        client=client,
        started_on=start.date(),
        ended_on=start.date() + dt.timedelta(weeks=8),
        end_reason=EndReason.DROPPED_OUT,
        phase=Phase.CLOSED,
    )

    def appointment(weeks: float, status: str) -> Appointment:
        return Appointment.objects.create(
            episode=episode, starts_at=start + dt.timedelta(weeks=weeks), attendance=status
        )

    held = [appointment(0, Attendance.ATTENDED), appointment(1, Attendance.ATTENDED)]
    appointment(1.5, Attendance.CANCELLED)  # before the point: counts
    held.append(appointment(2, Attendance.ATTENDED))
    appointment(3, Attendance.NO_SHOW)  # after it: the client was already leaving
    appointment(4, Attendance.NO_SHOW)
    held.append(appointment(5, Attendance.ATTENDED))
    bulk_history(client, held, alliance=[38, 38, 38, 28])

    item = load_episode_series(episode, now=NOW)
    features = early_warning_features(item)
    assert features is not None
    assert features["missed_appointments"] == 1
    assert features["weak_alliance"] == features["falling_alliance"] == 0
    assert features["young_age"] == 1  # 23 at session 3
    # The whole episode, as of today, would have leaked the way it ended.
    from rapport.monitoring.series import detector_config
    from rapport.monitoring.signals import dropout_features

    config = detector_config(item.series.instruments)
    whole = dropout_features(item.series, change=config.change, alliance=config.alliance)
    assert whole["missed_appointments"] == 3 and whole["weak_alliance"] == 1
    assert whole["young_age"] == 0


def test_episodes_that_ended_without_a_session_or_a_reason_are_left_out(therapist_a):
    client = Client.objects.create(
        clinic=therapist_a.clinic, therapist=therapist_a, display_name="Never came"
    )
    for reason in (EndReason.DROPPED_OUT, ""):
        episode = Episode.objects.create(
            client=client,
            started_on=START.date(),
            ended_on=START.date() + dt.timedelta(days=20),
            end_reason=reason,
            phase=Phase.CLOSED,
        )
        Appointment.objects.create(
            episode=episode, starts_at=_week(0), attendance=Attendance.NO_SHOW
        )
    history = _history(therapist_a.clinic_id)
    assert (history.features, history.never_attended) == ([], 1)


def test_the_recompute_reads_the_clinics_dropout_model_once_not_per_episode(therapist_a):
    for i in range(6):
        client, _, held = make_episode(therapist_a, f"C{i}", sessions=3)
        bulk_history(client, held, alliance=[38, 38, 30])
    with CaptureQueriesContext(connection) as queries:
        recompute_alerts(now=NOW, batch_size=2)
    reads = [q for q in queries.captured_queries if "monitoring_dropoutcalibration" in q["sql"]]
    assert len(reads) == 1


def test_a_stored_model_reads_back_and_an_unreadable_one_falls_back(therapist_a):
    from dataclasses import replace

    from rapport.monitoring.signals import ClinicOutcomes

    model = replace(DEFAULT_DROPOUT_MODEL, recalibrated_on=ClinicOutcomes(250, 90))
    assert dropout_model_from_json(dropout_model_to_json(model)) == model
    clinic = therapist_a.clinic
    fields = {"intercept_shift": 0, "slope": 1, "episodes_used": 250, "dropouts": 90,
              "observed_rate": 0.36, "mean_predicted": 0.36}  # fmt: skip
    readable = DropoutCalibration.objects.create(
        clinic=clinic, parameters=dropout_model_to_json(model), **fields
    )
    assert clinic_dropout_model(clinic.pk) == model
    other = dropout_model_to_json(model)
    other["factors"] = other["factors"][:-1]  # fitted on other predictors
    DropoutCalibration.objects.create(clinic=clinic, parameters=other, **fields)
    broken = dropout_model_to_json(model)
    broken["intercept"]["value"] = "NaN"
    DropoutCalibration.objects.create(clinic=clinic, parameters=broken, **fields)
    assert clinic_dropout_model(clinic.pk) == model  # the newest readable one
    readable.delete()
    assert clinic_dropout_model(clinic.pk) is None
