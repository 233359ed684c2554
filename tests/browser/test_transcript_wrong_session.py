"""A clinician uploads a transcript to the wrong session of a client, then to the right one:
the second upload is refused, says which session holds the file and how to move it, and
after the wrong copy is deleted the file goes to the right session. The trend then has the
conversation once, under the right date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import dateformat, formats, timezone
from tests.browser._helpers import sign_in
from tests.browser.conftest import serious_accessibility_violations
from tests.transcripts.fixtures_db import HERE, use_rule_coder

from rapport.clinic.models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _upload(page, live_server, appointment) -> None:
    page.goto(f"{live_server.url}/appointments/{appointment.pk}/transcripts/new/")
    page.get_by_label("Transcript file").set_input_files(str(HERE / "session.vtt"))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()


def test_the_same_file_for_a_second_session_is_refused_until_the_wrong_copy_is_deleted(
    page, live_server, monkeypatch, therapist_a, client_a
):
    use_rule_coder(monkeypatch)
    episode = client_a.episodes.get()
    right = episode.appointments.order_by("starts_at").first()  # a week ago
    wrong = Appointment.objects.create(
        episode=episode, starts_at=right.starts_at - timedelta(days=7)
    )
    sign_in(page, live_server, therapist_a)

    _upload(page, live_server, wrong)
    page.wait_for_url("**/roles/")
    page.get_by_role("button", name="Analyse the session").click()
    page.wait_for_url("**/transcripts/*/")
    wrong_report = page.url

    _upload(page, live_server, right)
    summary = page.get_by_role("alert")
    when = formats.date_format(timezone.localtime(wrong.starts_at), "D j M Y, H:i")
    assert f"This file is already stored for this client's session of {when}." in (
        summary.inner_text()
    )
    assert "/transcripts/new/" in page.url
    assert serious_accessibility_violations(page) == []

    # Deleted there, it goes where it belongs; the trend has it once, under its own date.
    page.goto(wrong_report + "delete/")
    page.get_by_label("What should be deleted?").select_option("everything")
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(f"**/clients/{client_a.pk}/")
    _upload(page, live_server, right)
    page.wait_for_url("**/roles/")
    page.get_by_role("button", name="Analyse the session").click()
    page.wait_for_url("**/transcripts/*/")
    rows = page.locator("table.trend tbody tr")
    assert rows.count() == 1
    day = dateformat.format(timezone.localtime(right.starts_at), "j M Y")
    assert rows.first.locator("th").inner_text().startswith(day)
