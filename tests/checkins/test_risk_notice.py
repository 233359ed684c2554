"""PHQ-9 item 9: any non-zero answer raises a notice for the therapist and shows the client
the clinic's crisis text."""

from __future__ import annotations

import pytest
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

from rapport.audit.models import AuditEvent
from rapport.measures.models import Response


@pytest.mark.django_db
def test_a_non_zero_item_9_shows_the_clinics_crisis_text_to_the_client(client, client_a, clinic):
    clinic.crisis_text = "Call the Test Clinic duty line on 0100 000 000 today."
    clinic.save()
    _, token = make_link(client_a)
    thanks = open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"})
    assert thanks.status_code == 200
    page = thanks.content.decode()
    assert "If you are struggling right now" in page
    assert '<a href="tel:0100000000" class="tel">0100\u00a0000\u00a0000</a>' in page


@pytest.mark.django_db
def test_a_zero_item_9_shows_no_crisis_text(client, client_a, clinic):
    _, token = make_link(client_a)
    page = open_and_answer(client, token, PHQ9_ZERO).content.decode()
    assert "<h1>Thank you</h1>" in page  # the answers went through
    assert Response.objects.get().endorsed_risk == []
    assert clinic.crisis_text not in page
    assert "If you are struggling right now" not in page


@pytest.mark.django_db
def test_the_therapist_sees_the_notice_at_the_top_of_the_client_page(
    client, client_a, login, therapist_a
):
    _, token = make_link(client_a)
    open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "2"})
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Risk answer to follow up" in page
    assert "More than half the days" in page
    assert page.index("Risk answer to follow up") < page.index("Current episode")
    assert AuditEvent.objects.filter(target="risk-notices", client_id=client_a.pk).exists()


@pytest.mark.django_db
def test_the_notice_shows_on_the_caseload_row(client, client_a, client_b, login, therapist_a):
    _, token = make_link(client_a)
    open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"})
    page = login(therapist_a).get("/caseload/").content.decode()
    row = page[page.index(client_a.display_name) :]
    row = row[: row.index("</tr>")]
    assert "Risk answer" in row


@pytest.mark.django_db
def test_following_up_clears_the_notice_and_is_audited(client, client_a, login, therapist_a):
    _, token = make_link(client_a)
    open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"})
    response = Response.objects.get()
    http = login(therapist_a)
    http.post(f"/responses/{response.pk}/risk-reviewed/", {"note": "Phoned; no current intent."})
    response.refresh_from_db()
    assert response.risk_reviewed_by == therapist_a and response.risk_reviewed_at
    assert "Risk answer to follow up" not in http.get(f"/clients/{client_a.pk}/").content.decode()
    review = AuditEvent.objects.get(target=f"response:{response.pk}", action="update")
    assert review.actor == therapist_a and review.client_id == client_a.pk


@pytest.mark.django_db
def test_another_therapist_can_neither_see_nor_clear_the_notice(
    client, client_a, login, therapist_b
):
    _, token = make_link(client_a)
    open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"})
    response = Response.objects.get()
    http = login(therapist_b)
    note = {"note": "Phoned; no current intent."}
    assert http.post(f"/responses/{response.pk}/risk-reviewed/", note).status_code == 404
    response.refresh_from_db()
    assert response.risk_reviewed_at is None
    assert "Risk answer" not in http.get("/caseload/").content.decode()


@pytest.mark.django_db
def test_an_unanswered_item_9_asks_the_therapist_to_ask_about_it(login, therapist_a, client_a):
    # An imported PHQ-9 with a severe total and item 9 left blank: no answer is not no risk.
    from django.utils import timezone

    from rapport.measures.services import response_record

    answers = {f"phq9_{n}": 3 for n in range(1, 9)}
    response, _ = response_record(
        client=client_a,
        instrument_id="phq9",
        answers=answers,
        source="import",
        idempotency_key="import-1",
        administered_at=timezone.now(),
    )
    assert response.risk_flags == ["phq9_9"] and response.endorsed_risk == []
    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert "item 9 was not answered" in page and "ask about it directly" in page
    assert "calls for a direct conversation about safety" not in page  # for answers given
    http.post(f"/responses/{response.pk}/risk-reviewed/", {"note": "Asked: no thoughts of harm."})
    assert "item 9 was not answered" not in http.get(f"/clients/{client_a.pk}/").content.decode()


@pytest.mark.django_db
def test_the_audit_log_does_not_tell_who_gave_a_risk_answer(
    client, client_a, client_b, login, therapist_a, therapist_b
):
    # Clinic admins read the audit log and see no client data: the rows written when a
    # therapist opens a client with a risk answer must look like those of any client.
    _, token = make_link(client_a)
    open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "2"})
    _, token = make_link(client_b)
    open_and_answer(client, token, PHQ9_ZERO)
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for therapist, person in ((therapist_a, client_a), (therapist_b, client_b)):
        http = login(therapist)
        http.get("/caseload/")
        http.get(f"/clients/{person.pk}/")

    def targets(person):
        events = AuditEvent.objects.filter(client_id=person.pk, pk__gt=start).order_by("pk")
        return [(e.action, e.target) for e in events]

    assert targets(client_a) == targets(client_b)
    assert ("view", "risk-notices") in targets(client_a)
