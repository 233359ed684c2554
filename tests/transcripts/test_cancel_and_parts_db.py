"""Staff review findings on the transcript pages: Cancel on the roles page discards the
upload; a second transcript of a session is announced before upload and its rows on the
client page are told apart; the session report says "Flags" and "utterances" once each."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient

from rapport.audit.models import Action, AuditEvent
from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import fixture_bytes, use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload, upload_and_confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule_coder(monkeypatch):
    return use_rule_coder(monkeypatch)


@pytest.fixture
def appointment(client_a):
    return client_a.episodes.get().appointments.order_by("starts_at").first()


def _client_panel(page: str) -> str:
    start = page.index('id="transcripts-h"')
    return page[start : page.index("</section>", start)]


# --- 4: Cancel on the roles page of a new upload --------------------------------------


def test_cancel_on_the_roles_page_deletes_the_new_upload_and_audits_it(
    login, therapist_a, appointment, client_a
):
    http = login(therapist_a)
    upload(http, appointment, "session.vtt")
    transcript = Transcript.objects.get()
    page = http.get(f"/transcripts/{transcript.pk}/roles/").content.decode()
    # A button posting this form (its CSRF token) to the discard address, not a link away.
    button = re.search(
        r'<button type="submit" formaction="(?P<url>[^"]+)"[^>]*>(?P<label>[^<]+)</button>', page
    )
    assert button is not None
    assert button["url"] == f"/transcripts/{transcript.pk}/discard/"
    assert button["label"] == "Cancel and delete this upload"
    assert "Cancel deletes the uploaded transcript; nothing of it is kept." in page
    # Each speaker's count is of utterances, as the report counts them (not "turns").
    assert '<th scope="col">Utterances</th>' in page and ">Turns<" not in page

    response = http.post(button["url"], {"speaker_0": "therapist", "speaker_1": "client"})
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{client_a.pk}/"
    assert not Transcript.objects.exists()
    deletion = AuditEvent.objects.get(action=Action.DELETE, target=f"transcript:{transcript.pk}")
    assert deletion.actor_id == therapist_a.pk and deletion.client_id == client_a.pk
    client_page = http.get(response["Location"]).content.decode()
    assert "Upload cancelled: the transcript was deleted, nothing is kept." in client_page
    panel = _client_panel(client_page)
    assert "Waiting for roles to be confirmed" not in panel
    assert "No transcripts yet." in panel


def test_discarding_takes_a_post_with_a_csrf_token(therapist_a, appointment, login):
    upload(login(therapist_a), appointment, "session.vtt")
    transcript = Transcript.objects.get()
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(therapist_a)
    assert strict.get(f"/transcripts/{transcript.pk}/discard/").status_code == 405
    assert strict.post(f"/transcripts/{transcript.pk}/discard/").status_code == 403  # no token
    assert Transcript.objects.filter(pk=transcript.pk).exists()


def test_another_therapist_cannot_discard_an_upload(
    login, therapist_a, therapist_b, appointment, client
):
    upload(login(therapist_a), appointment, "session.vtt")
    transcript = Transcript.objects.get()
    client.force_login(therapist_b)
    assert client.post(f"/transcripts/{transcript.pk}/discard/").status_code == 404
    assert Transcript.objects.filter(pk=transcript.pk).exists()
    assert not AuditEvent.objects.filter(action=Action.DELETE).exists()


def test_the_supervisor_may_discard_a_supervisees_upload(
    login, therapist_a, supervisor, appointment, client
):
    upload(login(therapist_a), appointment, "session.vtt")
    transcript = Transcript.objects.get()
    client.force_login(supervisor)
    assert client.post(f"/transcripts/{transcript.pk}/discard/").status_code == 302
    assert not Transcript.objects.exists()


def test_an_analysed_transcript_is_not_discarded_and_its_cancel_keeps_the_report(
    login, therapist_a, appointment, rule_coder
):
    http = login(therapist_a)
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    page = http.get(f"/transcripts/{transcript.pk}/roles/").content.decode()
    assert "formaction=" not in page
    assert f'<a href="/transcripts/{transcript.pk}/">Cancel</a>' in page

    response = http.post(f"/transcripts/{transcript.pk}/discard/")
    assert response["Location"] == f"/transcripts/{transcript.pk}/"
    assert Transcript.objects.filter(pk=transcript.pk, status="analysed").exists()
    report = http.get(response["Location"]).content.decode()
    assert "This transcript has been analysed, so it is not discarded here" in report
    assert not AuditEvent.objects.filter(action=Action.DELETE).exists()


# --- 5: a second transcript for the same session -------------------------------------


def test_the_upload_page_says_when_the_session_already_has_a_transcript(
    login, therapist_a, appointment
):
    http = login(therapist_a)
    url = f"/appointments/{appointment.pk}/transcripts/new/"
    assert "already has a transcript" not in http.get(url).content.decode()
    upload(http, appointment, "session.vtt")
    page = http.get(url).content.decode()
    notice = re.search(
        r'<div class="notice warn" role="note" id="existing-transcripts">(.*?)</div>', page, re.S
    )
    assert notice is not None
    text = re.sub(r"\s+", " ", notice[1])
    assert "This session already has a transcript." in text
    assert "A different file uploaded here is added to the session as part 2" in text
    assert "The same file again is not stored twice" in text
    assert re.search(r"Part 1, uploaded \d+ \w+ \d{4}, \d\d:\d\d · 14 utterances", text)
    assert "Waiting for roles to be confirmed" in text


def test_the_same_file_again_still_stores_one_transcript(login, therapist_a, appointment):
    http = login(therapist_a)
    upload(http, appointment, "session.vtt")
    again = upload(http, appointment, "session.vtt")
    assert Transcript.objects.count() == 1
    page = http.get(again["Location"]).content.decode()
    assert "This transcript was already uploaded for this session." in page
    assert "part 2" not in page


def test_the_client_page_tells_two_parts_of_a_session_apart(
    login, therapist_a, appointment, client_a, rule_coder
):
    http = login(therapist_a)
    first = upload_and_confirm(http, appointment, "session.vtt")
    text = fixture_bytes("session.vtt").decode().replace("every night", "every evening")
    second_response = upload(http, appointment, "session.vtt", data=text.encode())
    second = Transcript.objects.exclude(pk=first.pk).get()
    assert second_response["Location"] == f"/transcripts/{second.pk}/roles/"
    panel = _client_panel(http.get(f"/clients/{client_a.pk}/").content.decode())
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", panel, re.S)
    assert len(rows) == 2
    assert '<span class="tag">part 1 of 2</span>' in rows[0]
    assert '<span class="tag">part 2 of 2</span>' in rows[1]
    for row in rows:
        assert re.search(r"uploaded \d+ \w+ \d{4}, \d\d:\d\d · 14 utterances", row)
    # Each link names its session and part.
    names = [
        re.sub(r"<[^>]+>", "", link)
        for link in re.findall(r'<a href="/transcripts/\d+/(?:roles/)?">(.*?)</a>', panel)
    ]
    assert len(set(names)) == 2
    assert names[0].startswith("Session report for ") and names[0].endswith(", part 1 of 2")
    assert names[1].startswith("Confirm roles for ") and names[1].endswith(", part 2 of 2")


# --- 20: the session report's wording ---------------------------------------------------


def test_the_report_names_flags_once_and_counts_utterances_not_turns(
    login, therapist_a, appointment, rule_coder
):
    http = login(therapist_a)
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page)
    assert headings.count("Flags") == 1
    assert "Flagged moments" in headings
    assert "therapist turns" not in page
    assert "Therapist input: information, advice, options (% of therapist utterances)" in page


def test_the_trend_row_gives_the_part_before_this_session(
    login, therapist_a, appointment, rule_coder
):
    http = login(therapist_a)
    upload_and_confirm(http, appointment, "session.vtt")
    second = upload_and_confirm(http, appointment, "session.txt")
    report = http.get(f"/transcripts/{second.pk}/").content.decode()
    trend = report[report.index('<table class="trend">') :]
    current = re.search(r'<tr class="current">\s*<th scope="row">(.*?)</th>', trend, re.S)
    assert current is not None
    shown = re.sub(r"<[^>]+>", "", current[1])
    assert re.fullmatch(r"\d+ \w+ \d{4} part 2 of 2 \(this session\)", shown)
