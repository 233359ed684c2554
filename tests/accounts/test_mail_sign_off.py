"""Every mail allauth sends (the reset link, the security notices) signs off as Rapport at
the clinic's address, not with allauth's "Thank you for using ...!", which read oddly under
"If it was not you, ask your clinic's administrator straight away"."""

from __future__ import annotations

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.test import RequestFactory


@pytest.mark.django_db
def test_a_security_notice_signs_off_as_rapport(therapist_a, settings, mailoutbox):
    settings.BASE_URL = "https://rapport.example.org"
    request = RequestFactory().get("/", HTTP_HOST="rapport.example.org")
    request.user = therapist_a
    with request_context(request):
        get_adapter(request).send_notification_mail("account/email/password_changed", therapist_a)

    body = mailoutbox[0].body
    assert "Thank you for using" not in body
    assert body.rstrip().endswith("Rapport at rapport.example.org")
