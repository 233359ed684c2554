"""``rapport signals`` words the dropout estimate as the pages do: the band only ("higher
than usual") while the model is not calibrated on the clinic's own endings, and the band with
its percentage once the clinic's recalibrated model is in use."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

from rapport.cli import main
from rapport.monitoring.dropout_calibration import dropout_model_to_json
from rapport.monitoring.models import DropoutCalibration
from rapport.monitoring.signals import DEFAULT_DROPOUT_MODEL, CitedValue, ClinicOutcomes
from rapport.monitoring.tasks import recompute_alerts

# A falling, weak alliance and one missed appointment: a model score of about 36% on the
# published model, "higher than usual" (30% to 50%).
from tests.monitoring.db.test_dropout_calibration import open_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)


def _dropout_line(capsys, client) -> str:
    assert main(["signals", "--client", str(client.pk)]) == 0
    out = capsys.readouterr().out
    (line,) = [row.strip() for row in out.splitlines() if "estimated dropout risk" in row]
    return line


def test_an_uncalibrated_estimate_is_printed_as_the_band_the_page_shows(
    cli, therapist_a, login, capsys
):
    client = open_client(therapist_a)
    assert _dropout_line(capsys, client) == (
        "estimated dropout risk: higher than usual (the average is about 20%); no "
        "percentage: the model is not calibrated on a clinic's own endings"
    )
    # The client page words the same estimate with the same band, and no percentage.
    recompute_alerts()
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    assert "Chance of ending therapy early: higher than usual (the average is about 20%)" in page


def test_a_researchers_file_is_printed_as_a_band_too(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text(
        "client,session,date,instrument,score,attended\n"
        "a,1,2025-01-06,session-checkin,38,yes\n"
        "a,2,2025-01-13,session-checkin,38,yes\n"
        "a,3,2025-01-15,,,no\n"
        "a,4,2025-01-20,session-checkin,30,yes\n",
        encoding="utf-8",
    )
    assert main(["signals", "--from-csv", str(path)]) == 0
    out = capsys.readouterr().out
    (line,) = [row.strip() for row in out.splitlines() if "estimated dropout risk" in row]
    assert line == (
        "estimated dropout risk: higher than usual (the average is about 20%); no "
        "percentage: the model is not calibrated on a clinic's own endings"
    )


def test_a_calibrated_estimate_keeps_its_percentage(cli, therapist_a, capsys):
    client = open_client(therapist_a)
    # The clinic's stored model: the published one with the intercept raised, as
    # ``rapport calibrate`` stores it after a clinic with many early endings.
    published = DEFAULT_DROPOUT_MODEL
    shift = 1.0
    source = "recalibrated on 240 episodes of this clinic (test)"
    model = replace(
        published,
        intercept=CitedValue(float(published.intercept.value) + shift, source),
        recalibrated_on=ClinicOutcomes(episodes=240, dropouts=100),
    )
    DropoutCalibration.objects.create(
        clinic=therapist_a.clinic,
        parameters=dropout_model_to_json(model),
        intercept_shift=shift,
        slope=1.0,
        episodes_used=240,
        dropouts=100,
        observed_rate=100 / 240,
        mean_predicted=100 / 240,
    )
    line = _dropout_line(capsys, client)
    found = re.fullmatch(
        r"estimated dropout risk: much higher than usual, about (\d+)% \((.*)\)", line
    )
    assert found, line
    # About 36% on the published model: one more unit of log-odds gives about 60%.
    expected = 1 / (1 + math.exp(-(math.log(0.356 / 0.644) + shift)))
    assert int(found[1]) == pytest.approx(100 * expected, abs=2)
    assert found[2] == source
