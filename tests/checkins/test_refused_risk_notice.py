"""A risk answer sent on a link that could no longer be used reaches the client's therapist.

Nothing of a refused submission is stored, so a risk answer sent on a link already used for
other answers, expired past its grace period, or of an ended episode reached no staff member.
Now a notice holding no answer values and no free text is recorded: it shows on the client
page (therapist and supervisor) and puts the client first on the caseload until a clinician
records the follow-up, as a stored risk answer does.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link, open_and_answer

from rapport.audit.models import AuditEvent
from rapport.checkins.models import CheckIn, RefusedRiskAnswer
from rapport.checkins.services import FORM_GRACE, checkin_revoke
from rapport.clinic.models import Episode, Phase
from rapport.clinic.services import episode_end
from rapport.measures.models import Response

NOTICE = "was sent on this client’s link, which could no longer take it"
RISKY = {**PHQ9_ZERO, "phq9_9": "1"}  # "Several days"


def caseload_row(page: str, name: str) -> str:
    row = page[page.index(name) :]
    return row[: row.index("</tr>")]


def first_row(page: str) -> str:
    body = page[page.index("<tbody") :]
    return body[: body.index("</tr>")]


def expire(checkin, *, ago=FORM_GRACE + timedelta(hours=1)):
    past = timezone.now() - ago
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=past)


def risk_answer_on_an_expired_link(client, client_a) -> tuple[CheckIn, RefusedRiskAnswer]:
    """Client A's page opened, the link expired, then a risk answer sent: (the link, the
    notice recorded for it)."""
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    expire(checkin)
    client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    return checkin, RefusedRiskAnswer.objects.get()


@pytest.mark.django_db
def test_a_risk_answer_on_an_expired_link_reaches_the_therapist(
    client, client_a, client_b, login, therapist_a
):
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    expire(checkin)
    refused = client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert (
        refused.status_code == 410 and "If you are struggling right now" in refused.content.decode()
    )
    assert not Response.objects.exists()

    notice = RefusedRiskAnswer.objects.get()
    # No answer values and no free text: which link, which question, when, why.
    assert notice.client_id == client_a.pk and notice.checkin_id == checkin.pk
    assert notice.items == ["phq9_9"] and notice.reason == "expired"
    assert notice.review_note == ""

    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert "Risk answer to follow up" in page and NOTICE in page
    assert "PHQ-9 item 9" in page and "the link had expired" in page
    assert "Several days" not in page[: page.index("Check-ins and scores")]
    assert "calls for a direct conversation about safety" in page
    caseload = http.get("/caseload/").content.decode()
    assert "Risk answer" in caseload_row(caseload, client_a.display_name)


@pytest.mark.django_db
def test_the_supervisor_sees_it_and_can_record_the_follow_up(
    client, client_a, login, supervisor, therapist_a
):
    checkin, notice = risk_answer_on_an_expired_link(client, client_a)

    http = login(supervisor)
    assert NOTICE in http.get(f"/clients/{client_a.pk}/").content.decode()
    note = "Phoned the client; safety plan reviewed, no current intent."
    done = http.post(f"/refused-risk-answers/{notice.pk}/followed-up/", {"note": note})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.reviewed_by == supervisor and notice.reviewed_at and notice.review_note == note
    audit = AuditEvent.objects.get(target=f"checkin:{checkin.pk}", action="update")
    assert audit.actor == supervisor and audit.client_id == client_a.pk

    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Risk answer to follow up" not in page
    assert "Risk answers followed up" in page and note in page and "(supervisor)" in page
    caseload = login(therapist_a).get("/caseload/").content.decode()
    assert "Risk answer" not in caseload_row(caseload, client_a.display_name)


@pytest.mark.django_db
def test_a_follow_up_is_recorded_once(client, client_a, login, supervisor, therapist_a):
    _, notice = risk_answer_on_an_expired_link(client, client_a)
    url = f"/refused-risk-answers/{notice.pk}/followed-up/"
    login(therapist_a).post(url, {"note": "Phoned; no current plan."})
    late = login(supervisor).post(url, {"note": "Called too, left a message."})
    assert late.status_code == 409
    page = late.content.decode()
    assert "already recorded a follow-up" in page and "Called too, left a message." in page
    # The supervisor's note can still reach the therapist, as on a stored answer's page.
    assert "pass it on to the client&#x27;s therapist" in page
    notice.refresh_from_db()
    assert notice.reviewed_by == therapist_a and notice.review_note == "Phoned; no current plan."


@pytest.mark.django_db
def test_a_follow_up_needs_a_note(client, client_a, login, therapist_a):
    _, notice = risk_answer_on_an_expired_link(client, client_a)
    reply = login(therapist_a).post(
        f"/refused-risk-answers/{notice.pk}/followed-up/", {"note": " "}
    )
    assert (
        reply.status_code == 400 and "Say what you did to follow this up" in reply.content.decode()
    )
    notice.refresh_from_db()
    assert notice.reviewed_at is None


@pytest.mark.django_db
def test_another_therapist_can_neither_see_nor_clear_it(client, client_a, login, therapist_b):
    _, notice = risk_answer_on_an_expired_link(client, client_a)
    http = login(therapist_b)
    url = f"/refused-risk-answers/{notice.pk}/followed-up/"
    assert http.post(url, {"note": "Phoned."}).status_code == 404
    notice.refresh_from_db()
    assert notice.reviewed_at is None
    assert "Risk answer" not in http.get("/caseload/").content.decode()


@pytest.mark.django_db
def test_a_risk_answer_on_a_used_link_reaches_the_therapist(client, client_a, login, therapist_a):
    _, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    open_and_answer(client, token, RISKY, key="t" * 22)  # a second tab, another device
    notice = RefusedRiskAnswer.objects.get()
    assert notice.reason == "used"
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert NOTICE in page and "already been used for earlier answers" in page


@pytest.mark.django_db
def test_a_risk_answer_after_the_episode_ended_reaches_the_therapist(
    client, client_a, login, therapist_a
):
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    episode_end(
        actor=therapist_a, episode=checkin.episode, ended_on=date.today(), end_reason="planned"
    )
    refused = client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert "If you are struggling right now" in refused.content.decode()
    notice = RefusedRiskAnswer.objects.get()
    assert notice.client_id == client_a.pk
    # Ending the episode revoked the link first; the reason is still the episode's end,
    # which is what the therapist did, not a revocation nobody made.
    checkin.refresh_from_db()
    assert checkin.revoked_at is not None and notice.reason == "episode_ended"
    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert NOTICE in page and "the episode of care had ended" in page
    assert "the link had been revoked or replaced" not in page
    # The client is on the caseload's list of former clients, marked there, and on the
    # current list too, first, saying the episode ended, until the answer is followed up
    # (tests/clinic/test_caseload_former_client_risk.py).
    caseload = http.get("/caseload/?clients=former").content.decode()
    assert "Risk answer" in caseload_row(caseload, client_a.display_name)
    current = first_row(http.get("/caseload/").content.decode())
    assert client_a.display_name in current and "Risk answer" in current
    assert "Episode ended" in current


@pytest.mark.django_db
def test_a_link_revoked_by_a_clinician_keeps_the_reason_revoked(client, client_a, therapist_a):
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    checkin_revoke(actor=therapist_a, checkin=checkin)
    client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert RefusedRiskAnswer.objects.get().reason == "revoked"


@pytest.mark.django_db
def test_a_link_revoked_then_its_episode_ended_says_the_episode_ended(
    client, client_a, therapist_a
):
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    checkin_revoke(actor=therapist_a, checkin=checkin)
    episode_end(
        actor=therapist_a, episode=checkin.episode, ended_on=date.today(), end_reason="planned"
    )
    client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert RefusedRiskAnswer.objects.get().reason == "episode_ended"


@pytest.mark.django_db
@pytest.mark.parametrize("blank", [None, "phq9_1"], ids=["whole-form", "a-question-blank"])
def test_a_link_expired_then_its_episode_ended_says_the_episode_ended(
    client, client_a, login, therapist_a, blank
):
    """Ending the episode does not revoke a link already expired; the reason is still the
    episode's end, as for a form sent in its grace period, not "the link had expired" (which
    reads as a late answer to ask for again, of someone no longer in care)."""
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    expire(checkin)
    episode_end(
        actor=therapist_a, episode=checkin.episode, ended_on=date.today(), end_reason="planned"
    )
    answers = {k: v for k, v in RISKY.items() if k != blank}
    refused = client.post(f"/c/{token}/", {**answers, "form_key": key})
    assert refused.status_code == 410 and "If you are struggling right now" in (
        refused.content.decode()
    )
    checkin.refresh_from_db()
    assert checkin.revoked_at is None
    assert RefusedRiskAnswer.objects.get().reason == "episode_ended"
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert NOTICE in page and "the episode of care had ended" in page
    assert "the link had expired" not in page


@pytest.mark.django_db
def test_a_used_link_of_an_ended_episode_keeps_the_reason_used(client, client_a, therapist_a):
    """Its answers are stored, and whoever sent others on it may not be the client: that
    comes first, as checkin_submit checks it first."""
    checkin, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    episode_end(
        actor=therapist_a, episode=checkin.episode, ended_on=date.today(), end_reason="planned"
    )
    open_and_answer(client, token, RISKY, key="u" * 22)
    assert RefusedRiskAnswer.objects.get().reason == "used"


@pytest.mark.django_db
def test_an_episode_closed_without_revoking_its_links_says_the_episode_ended(client, client_a):
    """Closed some other way (a shell, an import), the link is not revoked, and the answer is
    refused all the same: the reason is the episode's end."""
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    Episode.objects.filter(pk=checkin.episode.pk).update(phase=Phase.CLOSED)
    client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    checkin.refresh_from_db()
    assert checkin.revoked_at is None
    assert RefusedRiskAnswer.objects.get().reason == "episode_ended"


@pytest.mark.django_db
def test_every_refused_submission_is_audited_alike(client, client_a):
    """With or without a risk answer, the same neutral row: a row written only after a risk
    answer would tell clinic admins, who read the audit log, whose answers raised one."""
    _, token = make_link(client_a)
    open_and_answer(client, token, PHQ9_ZERO)
    open_and_answer(client, token, PHQ9_ZERO, key="t" * 22)
    open_and_answer(client, token, RISKY, key="u" * 22)
    rows = AuditEvent.objects.filter(client_id=client_a.pk, target__endswith=":refused")
    assert rows.count() == 2
    assert (
        not AuditEvent.objects.filter(target__icontains="risk")
        .exclude(target="risk-notices")
        .exists()
    )


@pytest.mark.django_db
def test_the_refused_risk_pages_say_the_therapist_will_be_told(client, client_a):
    """A notice is recorded for the therapist whenever a risk answer is refused: the pages
    say so, rather than "your therapist will not see them" as if nobody would know."""
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    expire(checkin)
    expired = client.post(f"/c/{token}/", {**RISKY, "form_key": key}).content.decode()
    assert RefusedRiskAnswer.objects.filter(checkin=checkin).exists()
    assert "Your therapist will be told that your answers could not be sent" in expired
    assert "so your therapist will not see them" not in expired
    # A second form on a used link (another tab): "not sent", with the same promise.
    _, used = make_link(client_a, "core10")
    other = form_key(client.get(f"/c/{used}/").content.decode())
    calm = {f"core10_{n}": "0" for n in range(1, 11)}
    open_and_answer(client, used, calm)
    risky = {**calm, "core10_6": "2"}
    page = client.post(f"/c/{used}/", {**risky, "form_key": other}).content.decode()
    assert "These answers were not sent" in page
    assert "will be told that the answers on this page could not be sent" in page
