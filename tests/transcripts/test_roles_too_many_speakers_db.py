"""A transcript stored before the 20-speaker limit can name a thousand speakers or more. Its
roles page says it cannot be confirmed and offers the deletion; it never offers a form that
Django would refuse (one field per speaker is more than DATA_UPLOAD_MAX_NUMBER_FIELDS) with
its bare "Bad Request (400)" page."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.test import override_settings
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.transcripts.models import Transcript, TranscriptStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(client_a):
    return client_a.episodes.get().appointments.order_by("starts_at").first()


def stored_transcript(appointment, speakers: int, **fields) -> Transcript:
    """A transcript as the upload stored it before the speaker limit, built in the database
    (the parser now refuses such a file): every speaker says one line."""
    names = [f"Speaker {i}" for i in range(speakers)]
    guessed = {name: "therapist" if i == 0 else "client" for i, name in enumerate(names)}
    transcript = Transcript(
        appointment=appointment,
        source_format="txt",
        digest=f"old-{speakers}",
        speaker_count=speakers,
        turn_count=speakers,
        **{"status": TranscriptStatus.ROLES_PENDING, **fields},
    )
    transcript.write_content(
        {
            "filename": "notes.txt",
            "speakers": names,
            "guessed_roles": guessed,
            "roles": dict(guessed),
            "turns": [[i, "hello there", None, None] for i in range(speakers)],
            "notes": [],
            "flags": [],
        }
    )
    transcript.save()
    return transcript


def post_forms(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each POST form on the page and the fields a browser sends with it: named inputs
    (the CSRF token included) and each select's selected option (else its first)."""
    forms = []
    for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S):
        if 'method="post"' not in attrs:
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        fields = [
            (name, unescape(value))
            for name, value in re.findall(
                r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body, re.S
            )
        ]
        for name, options in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S
        ):
            chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options) or re.search(
                r'<option value="([^"]*)"', options
            )
            fields.append((name, chosen.group(1) if chosen else ""))
        forms.append((unescape(action.group(1)) if action else "", fields))
    return forms


def own_forms(page: str, url: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The page's own POST forms (sent to itself), not the header's sign-out."""
    return [(action, fields) for action, fields in post_forms(page) if action in ("", url)]


def send_as_a_browser(http, url: str, fields: list[tuple[str, str]]):
    """A form sent as a browser sends it: urlencoded, with CSRF checks on."""
    return http.post(url, urlencode(fields), content_type="application/x-www-form-urlencoded")


def test_the_roles_page_of_1200_speakers_refuses_with_a_message_and_a_delete_link(
    login, therapist_a, appointment
):
    transcript = stored_transcript(appointment, 1200)
    http = login(therapist_a)

    response = http.get(f"/transcripts/{transcript.pk}/roles/")

    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert (
        "This transcript names 1,200 different speakers, too many for their roles to be "
        "confirmed, so it cannot be analysed." in page
    )
    assert "This one was stored before uploads were limited to 20" in page
    assert f'<a href="/transcripts/{transcript.pk}/delete/">Delete this transcript…</a>' in page
    # Nothing the page offers is a form Django would refuse: here, no roles form at all.
    assert "<select" not in page
    assert own_forms(page, f"/transcripts/{transcript.pk}/roles/") == []
    assert "Speaker 7" not in page  # a thousand misread labels are not listed
    assert AuditEvent.objects.filter(target=f"transcript:{transcript.pk}:roles").count() == 1
    assert http.get(f"/transcripts/{transcript.pk}/delete/").status_code == 200


def test_no_form_on_the_roles_page_of_1200_speakers_is_answered_with_a_bare_400(
    login, therapist_a, appointment
):
    # Before: the page offered 1,200 selects; sending them (1,201 fields with the CSRF
    # token, over Django's 1,000) was answered "Bad Request (400)" before the view ran.
    transcript = stored_transcript(appointment, 1200)
    http = login(therapist_a)
    url = f"/transcripts/{transcript.pk}/roles/"
    page = http.get(url).content.decode()

    for action, fields in own_forms(page, url):
        response = send_as_a_browser(http, action or url, fields)
        assert b"Bad Request (400)" not in response.content, (action, len(fields))
    transcript.refresh_from_db()
    assert transcript.status == TranscriptStatus.ROLES_PENDING


def test_a_small_post_to_the_refusing_page_changes_nothing_and_says_why(
    login, therapist_a, appointment
):
    transcript = stored_transcript(appointment, 1200)
    response = login(therapist_a).post(
        f"/transcripts/{transcript.pk}/roles/", {"speaker_0": "therapist", "speaker_1": "client"}
    )
    assert response.status_code == 400
    assert "too many for their roles to be confirmed" in response.content.decode()
    transcript.refresh_from_db()
    assert transcript.status == TranscriptStatus.ROLES_PENDING
    assert transcript.analysed_at is None


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=50)
def test_the_form_is_offered_exactly_while_django_accepts_it(login, therapist_a, appointment):
    # 49 speakers and the CSRF token are 50 fields: accepted, so the form is offered and a
    # browser's submission reaches the page (which asks for a therapist and a client).
    fits = stored_transcript(appointment, 49)
    http = login(therapist_a)
    url = f"/transcripts/{fits.pk}/roles/"
    ((action, fields),) = own_forms(http.get(url).content.decode(), url)
    assert len(fields) == 50
    fields = [(name, "client" if name.startswith("speaker_") else value) for name, value in fields]
    response = send_as_a_browser(http, action or url, fields)
    assert response.status_code == 400
    assert "Choose which speaker is the therapist." in response.content.decode()
    # One more speaker would be 51 fields, which Django refuses: the page says so instead.
    over = stored_transcript(appointment, 50)
    page = unescape(http.get(f"/transcripts/{over.pk}/roles/").content.decode())
    assert "This transcript names 50 different speakers, too many" in page
    assert "<select" not in page


def test_an_analysed_transcript_of_1200_speakers_offers_no_correction_it_cannot_save(
    login, therapist_a, appointment
):
    # Analysed before (its roles set outside the page): the report keeps its Delete… link
    # but no "Correct the roles", and the roles page, reached by an old link, says why.
    transcript = stored_transcript(
        appointment, 1200, status=TranscriptStatus.ANALYSED, analysed_at=timezone.now()
    )
    http = login(therapist_a)
    report = http.get(f"/transcripts/{transcript.pk}/")
    assert report.status_code == 200
    text = report.content.decode()
    assert "Correct the roles" not in text
    assert f'href="/transcripts/{transcript.pk}/delete/"' in text
    page = unescape(http.get(f"/transcripts/{transcript.pk}/roles/").content.decode())
    assert "too many for their roles to be corrected here" in page
    assert f'<a href="/transcripts/{transcript.pk}/">Back to the session report</a>' in page
    assert "<select" not in page
