"""The *Check-ins and scores* chart plots the answer that counts for each session, as
monitoring's chart does: a session check-in imported for one session and then answered twice
more through links is one point (the newest answer), not three. The table beside it keeps
listing every answer, the replaced ones marked (exploratory test: "session 4: 20" in
monitoring against "over 7 administrations" with 37, 20 and 20 plotted in the panel)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import weekly_sessions
from tests.checkins.test_panel_replaced_answers import rows_of

from rapport.checkins import panels
from rapport.cli import main
from rapport.measures.services import response_record
from rapport.monitoring.series import load_episode_series

REPLACED = "not counted: another answer counts for this session"
TOTALS = [32, 28, 36, None, 24]  # session 4's are given below: 37 imported, then 20 and 20


def scales(total: int) -> dict:
    """Four 0-10 answers adding up to ``total``, nobody felt pushed."""
    parts = [total // 4 + (1 if n < total % 4 else 0) for n in range(4)]
    return dict(zip(("goals", "approach", "relationship", "overall"), parts, strict=True)) | {
        "pushed": 0
    }


def answer(client, appointment, total, *, key, later):
    response_record(
        client=client,
        instrument_id="session-checkin",
        answers=scales(total),
        source="link",
        idempotency_key=key,
        administered_at=appointment.starts_at + timedelta(hours=1) + later,
        appointment=appointment,
        actor="client-link",
    )


@pytest.fixture
def answered_again(therapist_a, tmp_path, capsys):
    """Five weekly sessions, all attended, the last a week ago; one check-in after each, and
    session 4's imported from a file (37), then answered twice more on links (20, 20)."""
    client, episode, sessions = weekly_sessions(therapist_a, "Rowan R.", 5, birth_year=1990)
    for number, (session, total) in enumerate(zip(sessions, TOTALS, strict=True), start=1):
        if total is not None:
            answer(client, session, total, key=f"session-{number}", later=timedelta())
    fourth = sessions[3]
    csv = tmp_path / "history.csv"
    csv.write_text(
        "client,date,instrument,goals,approach,relationship,overall,pushed\n"
        f"{client.pk},{timezone.localdate(fourth.starts_at)},session-checkin,10,9,9,9,0\n"
    )
    assert main(["import-responses", str(csv)]) == 0
    capsys.readouterr()
    answer(client, fourth, 20, key="again-1", later=timedelta(days=1))
    answer(client, fourth, 20, key="again-2", later=timedelta(days=2))
    return client, episode


def plotted(monkeypatch) -> list:
    """The charts the panel draws, as it hands them to the real SVG renderer."""
    drawn = []
    real = panels.line_chart_svg

    def keep(chart):
        drawn.append(chart)
        return real(chart)

    monkeypatch.setattr(panels, "line_chart_svg", keep)
    return drawn


@pytest.mark.django_db
def test_the_chart_plots_one_answer_per_session_as_monitoring_does(
    login, therapist_a, answered_again, monkeypatch
):
    client, episode = answered_again
    drawn = plotted(monkeypatch)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()

    (chart,) = [c for c in drawn if c.title == "Check-in"]
    assert list(chart.lines[0].y) == [32, 28, 36, 20, 24]
    assert list(chart.lines[0].x) == [1, 2, 3, 4, 5]
    counted = [
        o.score
        for o in load_episode_series(episode).series.observations
        if o.instrument == "session-checkin"
    ]
    assert list(chart.lines[0].y) == counted  # the same numbers as monitoring's chart
    assert "Check-in total over 5 sessions, from 32 on" in page and "to 24 on" in page
    assert (
        "The table also lists the answers not counted because another counts for the same session."
        in page
    )
    assert "administration" not in page.lower()


@pytest.mark.django_db
def test_the_table_still_lists_the_replaced_answers_marked(login, therapist_a, answered_again):
    client, _ = answered_again
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    rows = rows_of(page, "session-checkin")  # newest first
    assert len(rows) == 7
    session_4 = rows[1:4]
    assert [REPLACED in row for row in session_4] == [False, True, True]
    assert '<td class="num">20</td>' in session_4[0] and '<td class="num">37</td>' in session_4[2]
