"""``calibrate`` cites the clinic only for the intake bands it re-estimated, and stores nothing
when it re-estimated none (review finding: a model of published defaults was stored as
"calibrated on 21 episodes of this clinic")."""

from __future__ import annotations

import random

import pytest

from rapport.audit.models import Action, AuditEvent
from rapport.cli import main
from rapport.monitoring.calibration import calibrate
from rapport.monitoring.models import TrajectoryCalibration
from rapport.monitoring.signals import default_trajectory
from rapport.monitoring.simulation import SimulationSpec, cohort_frame, simulate_cohort
from rapport.monitoring.trajectories import clinic_trajectories
from tests.monitoring._helpers import CHECKIN, PHQ
from tests.monitoring.db.helpers import bulk_history, make_episode

SPEC = SimulationSpec(outcome=PHQ, alliance=CHECKIN, outcome_range=(0, 27))
DEFAULT_SOURCE = default_trajectory(PHQ).source


def test_a_model_with_no_band_re_estimated_keeps_its_source():
    result = calibrate(cohort_frame(simulate_cohort(120, SPEC, seed=4)), PHQ, min_band_episodes=500)
    assert result.model.source == DEFAULT_SOURCE
    assert "Finch" in result.model.source
    assert result.bands_fitted == 0


def test_only_the_re_estimated_bands_cite_the_clinic():
    # Seed 4, 120 clients: the two middle bands have 35 and 38 training episodes, the
    # outer ones 6 and 11.
    result = calibrate(cohort_frame(simulate_cohort(120, SPEC, seed=4)), PHQ)
    fitted = [band.name for band in result.bands if band.fitted]
    assert result.bands_fitted == len(fitted) == 2
    clinic, others = result.model.source.split(" Other intake bands: ")
    assert all(f"'{name}'" in clinic for name in fitted)
    assert f"calibrated on {result.training_episodes} episodes of this clinic" in clinic
    assert others == DEFAULT_SOURCE


def test_a_model_with_every_band_re_estimated_cites_only_the_clinic():
    result = calibrate(cohort_frame(simulate_cohort(300, SPEC, seed=4)), PHQ)
    assert result.bands_fitted == len(result.bands)
    assert result.model.source.startswith("calibrated on 222 episodes of this clinic")
    assert "Finch" not in result.model.source


def _episodes(therapist, count: int, intakes: tuple[int, int]) -> None:
    rng = random.Random(7)
    for i in range(count):
        client, _, held = make_episode(therapist, f"C{i}", sessions=6)
        intake = rng.randint(*intakes)
        scores = [max(0, min(27, intake - round(2.5 * k + rng.gauss(0, 1.5)))) for k in range(6)]
        bulk_history(client, held, outcome=scores)


@pytest.mark.django_db
def test_calibrate_stores_nothing_when_no_band_was_re_estimated(therapist_a, capsys, monkeypatch):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    _episodes(therapist_a, 28, (12, 20))  # 21 training episodes over two intake bands
    assert main(["calibrate", "--min-episodes", "5"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "phq9: no intake band had the 20 training episodes it needs" in captured.err
    assert "of 21); nothing was stored" in captured.err
    assert "nothing was calibrated" in captured.err
    assert not TrajectoryCalibration.objects.exists()
    assert clinic_trajectories(therapist_a.clinic_id) == {}
    assert not AuditEvent.objects.filter(target__startswith="trajectory-calibration").exists()
    # The read of the clinic's history is still audited.
    assert AuditEvent.objects.filter(
        actor_label="cli", action=Action.VIEW, target__startswith="calibration-history"
    ).exists()


@pytest.mark.django_db
def test_calibrate_reports_and_cites_the_bands_it_re_estimated(therapist_a, capsys, monkeypatch):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    _episodes(therapist_a, 40, (17, 19))  # one intake band
    assert main(["calibrate", "--min-episodes", "30"]) == 0
    out = capsys.readouterr().out
    assert "phq9 calibrated on 30 episodes (10 held out): 1 of 4 intake bands re-estimated" in out
    assert "3 kept their current parameters" in out
    source = clinic_trajectories(therapist_a.clinic_id)["phq9"].source
    assert source.startswith(
        "Intake bands 'one to two reliable changes past the cut-off': calibrated on 30 episodes"
    )
    assert source.endswith(f"Other intake bands: {DEFAULT_SOURCE}")
