"""The C-NIP's four scales feed the client's profile on the client page: which way the
client leans on each, which preferences are strong, and what to do about them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.measures._helpers import answers_for

from rapport.audit.models import AuditEvent
from rapport.measures.services import response_record

pytestmark = pytest.mark.django_db


def record_cnip(client, values, *, when, key):
    response, _ = response_record(
        client=client,
        instrument_id="cnip",
        answers=answers_for("cnip", values),
        source="import",
        idempotency_key=key,
        administered_at=when,
    )
    return response


def test_the_client_page_shows_the_latest_preferences_with_the_strong_ones_first(
    login, therapist_a, client_a
):
    record_cnip(client_a, [3] * 18, when=datetime(2026, 1, 5, tzinfo=UTC), key="older")
    record_cnip(
        client_a,
        [-3, -3, -2, -2, -1, -1]  # mean -2.0: therapist directiveness, strong
        + [1, 1, 1, 1, 2]  # mean 1.2: emotional reserve, not strong
        + [0, 0, 0]  # no preference either way
        + [-1, 0, 0, -1],  # mean -0.5: warm support, slight
        when=datetime(2026, 2, 9, tzinfo=UTC),
        key="newer",
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    panel = page[
        page.index('id="preferences-h"') : page.index(
            "</section>", page.index('id="preferences-h"')
        )
    ]

    assert "answered on 9 Feb 2026" in panel  # the newer answers, not the older ones
    assert "Strong preferences:</strong> Therapist directiveness." in panel
    assert "-2.00" in panel and "1.20" in panel and "-0.50" in panel
    assert "Emotional reserve</td>" in panel  # leaning, not strong
    assert "No preference either way" in panel
    assert panel.count(">strong</strong>") == 1
    assert "Swift JK" in panel  # why accommodating preferences matters, with its source
    assert "Cooper M, Norcross JC (2016)" in panel  # and the questionnaire's own
    assert "Strong: a mean of 2 or more either way." in panel
    assert AuditEvent.objects.filter(target="preferences", client_id=client_a.pk).exists()


def test_no_panel_before_the_client_has_answered_a_preferences_questionnaire(
    login, therapist_a, client_a
):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert 'id="preferences-h"' not in page
    # The read is audited all the same: a row only for clients with answers would say who.
    assert AuditEvent.objects.filter(target="preferences", client_id=client_a.pk).exists()
