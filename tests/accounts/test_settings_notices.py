"""The clinic settings page says several things about the settings at once (the crisis text
not set, when time-based alerts were last checked, a second factor not required, the
transcript retention rule at work): each is a notice of its own, not one paragraph in which
one note ran on into the next."""

from __future__ import annotations

import html
import re

import pytest
from allauth.mfa.models import Authenticator
from tests.checkins._helpers import make_link

from rapport.clinic.models import Clinic

CRISIS = "Clients have been sent questionnaires with a question about risk (PHQ-9)"
ALERTS = "alerts that depend on time alone (overdue check-ins, snoozes that ended"
RETENTION = "Transcript retention (30 days):"
MFA = "Two-factor authentication is not required for this clinic's staff."
#: In the order the page gives them: the apps' notes (in the order the apps registered
#: them), then the second factor.
NOTES = (CRISIS, ALERTS, RETENTION, MFA)

_NOTICE = re.compile(r'<p class="notice[^"]*" role="note">(.*?)</p>', flags=re.S)


def notice_blocks(page: str) -> list[str]:
    """The HTML inside each notice block of the page, in order."""
    return _NOTICE.findall(page)


def text(block: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", block)).strip()


@pytest.mark.django_db
def test_each_note_on_the_clinic_settings_page_is_a_notice_of_its_own(
    login, admin_user, clinic, client_a
):
    make_link(client_a, "phq9")  # a measure with a risk item sent, the crisis text Rapport's
    Clinic.objects.filter(pk=clinic.pk).update(transcript_retention_days=30)
    response = login(admin_user).get("/manage/clinic/")
    assert response.status_code == 200
    found = [text(block) for block in notice_blocks(response.content.decode())]
    assert len(found) == len(NOTES), found
    for note, notice in zip(NOTES, found, strict=True):
        assert note in notice, (note, found)
        # One note a block: none of the others ran on into it.
        assert not [other for other in NOTES if other != note and other in notice], notice


@pytest.mark.django_db
def test_the_mfa_notice_keeps_its_link_to_the_box(login, admin_user, clinic):
    page = login(admin_user).get("/manage/clinic/").content.decode()
    (mfa,) = [block for block in notice_blocks(page) if MFA in text(block)]
    assert mfa.endswith('<a href="#id_require_mfa">Require two-factor authentication</a>')


@pytest.mark.django_db
def test_once_mfa_is_required_its_notice_goes_and_no_empty_block_is_left(login, admin_user, clinic):
    clinic.require_mfa = True
    clinic.save()
    # The admin has a second factor themselves (else they are sent to set one up).
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    page = login(admin_user).get("/manage/clinic/").content.decode()
    found = [text(block) for block in notice_blocks(page)]
    assert found and all(found), found  # the alerts note at least; none empty
    assert not [notice for notice in found if MFA in notice]
    assert "#id_require_mfa" not in page
