"""A clinic admin is told, on the pages where they manage users and settings, while their
clinic lets staff open client records with a password alone (Clinic.require_mfa off, the
default); once they require a second factor the notice goes."""

from __future__ import annotations

import html

import pytest
from allauth.mfa.models import Authenticator

NOTICE = (
    "Two-factor authentication is not required for this clinic's staff. Anyone with a staff "
    "password can open client records; requiring it is recommended."
)


def page(http, url: str) -> str:
    response = http.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/manage/users/", "/manage/clinic/"])
def test_the_admin_is_told_while_mfa_is_not_required(login, admin_user, clinic, url):
    text = page(login(admin_user), url)
    assert NOTICE in text
    # With the way to the setting: the settings page and its box.
    assert "#id_require_mfa" in text
    if url == "/manage/users/":
        assert 'href="/manage/clinic/#id_require_mfa"' in text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/manage/users/", "/manage/clinic/"])
def test_no_notice_once_the_clinic_requires_mfa(login, admin_user, clinic, url):
    clinic.require_mfa = True
    clinic.save()
    # The admin has a second factor themselves (else they are sent to set one up).
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    admin_user.refresh_from_db()
    text = page(login(admin_user), url)
    assert "MFA" not in text
    assert "#id_require_mfa" not in text
