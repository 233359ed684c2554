"""What a client is told about sharing beyond the clinic.

The check-in page says who reads the answers ("Your answers go only to your therapist and the
people who supervise their work.") but nothing told a client, a mandated one above all (sent
by a court, an employer, their family), whether anyone outside the clinic sees them. Only the
clinic can say that truthfully: an optional clinic setting, in the admin's own words, shown
escaped right under the privacy line, and nothing while it is empty.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client as HttpClient
from tests.checkins._helpers import make_link

from rapport.clinic.models import Clinic

PRIVACY = "Your answers go only to your therapist and the people who supervise their work."
SHARING = (
    "We do not share your answers with anyone who asked you to come here, such as a court "
    "or an employer, unless you agree or the law requires it."
)


def _settings_form(clinic: Clinic, **changes) -> dict:
    form = {
        "name": clinic.name,
        "require_mfa": "",
        "crisis_text": clinic.crisis_text,
        "transcript_retention_days": str(clinic.transcript_retention_days),
    }
    return form | changes


def _client_page(client, instrument_id: str = "phq9") -> str:
    _, token = make_link(client, instrument_id)
    response = HttpClient().get(f"/c/{token}/")
    assert response.status_code == 200
    return response.content.decode()


def _after_privacy_line(page: str) -> str:
    """What the page shows between the privacy line and the instructions or question count."""
    match = re.search(
        r'<p class="privacy">(.*?)</p>(.*?)<p class="(?:instructions|progress-note)">', page, re.S
    )
    assert match, "the page has its privacy line, then its instructions or question count"
    assert unescape(match.group(1)) == PRIVACY
    return match.group(2)


@pytest.mark.django_db
def test_the_admin_sets_it_and_the_client_reads_it_under_the_privacy_line(
    login, admin_user, clinic, client_a
):
    http = login(admin_user)
    page = http.get("/manage/clinic/").content.decode()
    assert 'name="sharing_text"' in page
    assert "What clients are told about sharing beyond the clinic" in page

    saved = http.post("/manage/clinic/", _settings_form(clinic, sharing_text=SHARING))
    assert saved.status_code == 302
    clinic.refresh_from_db()
    assert clinic.sharing_text == SHARING
    # The settings page shows it back for editing.
    assert SHARING in unescape(http.get("/manage/clinic/").content.decode())

    for instrument_id in ("phq9", "session-checkin"):
        between = _after_privacy_line(_client_page(client_a, instrument_id))
        assert f'<p class="privacy sharing">{SHARING}</p>' in between


@pytest.mark.django_db
def test_the_clinic_words_are_shown_escaped(login, admin_user, clinic, client_a):
    text = 'Only with your consent <script>alert("x")</script> & <b>never</b> a court.'
    http = login(admin_user)
    assert (
        http.post("/manage/clinic/", _settings_form(clinic, sharing_text=text)).status_code == 302
    )
    page = _client_page(client_a)
    assert "<script>" not in page and "<b>never</b>" not in page
    between = _after_privacy_line(page)
    assert "&lt;script&gt;" in between and "&amp;" in between
    assert unescape(re.sub(r"<[^>]+>", "", between)).strip() == text


@pytest.mark.django_db
def test_empty_shows_nothing_extra(login, admin_user, clinic, client_a):
    assert Clinic.objects.get(pk=clinic.pk).sharing_text == ""  # no default: only the clinic knows
    assert _after_privacy_line(_client_page(client_a)).strip() == ""
    # Blank (spaces only) is empty too.
    http = login(admin_user)
    assert (
        http.post("/manage/clinic/", _settings_form(clinic, sharing_text="   ")).status_code == 302
    )
    assert _after_privacy_line(_client_page(client_a)).strip() == ""
    assert 'class="privacy sharing"' not in _client_page(client_a)


@pytest.mark.django_db
def test_too_long_is_refused_and_changes_nothing(login, admin_user, clinic):
    clinic.sharing_text = SHARING
    clinic.save()
    http = login(admin_user)
    form = _settings_form(clinic, sharing_text="x" * 301, name="A New Name")
    refused = http.post("/manage/clinic/", form)
    assert refused.status_code == 400
    assert "at most 300 characters" in unescape(refused.content.decode())
    clinic.refresh_from_db()
    assert clinic.sharing_text == SHARING and clinic.name != "A New Name"
    # 300 is accepted.
    ok = http.post("/manage/clinic/", _settings_form(clinic, sharing_text="y" * 300))
    assert ok.status_code == 302
    clinic.refresh_from_db()
    assert clinic.sharing_text == "y" * 300
