"""The referrals page reads the same number of times however many offers it lists, writes
the same audit rows as one read per offer, and says when a list shows only the latest."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.accounts.models import Role, SupervisionLink
from rapport.audit.models import AuditEvent
from rapport.matching.models import Referral
from rapport.matching.views import REFERRALS_SHOWN
from tests.conftest import make_client, make_user
from tests.matching._helpers import text

pytestmark = pytest.mark.django_db


def offer(client, from_therapist, to_therapist) -> Referral:
    return Referral.objects.create(
        client=client,
        from_therapist=from_therapist,
        to_therapist=to_therapist,
        consent_recorded_at=timezone.now(),
    )


def offers_to(therapist, count: int, start: int = 0) -> list[Referral]:
    """``count`` offers to ``therapist``, each from a colleague of their own, half of
    whom have a supervisor of their own (whose sight of the client the offer would end)."""
    made = []
    for n in range(start, start + count):
        colleague = make_user(therapist.clinic, f"colleague{n}@test.invalid", Role.THERAPIST)
        if n % 2:
            boss = make_user(therapist.clinic, f"boss{n}@test.invalid", Role.SUPERVISOR)
            SupervisionLink.objects.create(supervisor=boss, supervisee=colleague)
        client = make_client(colleague, f"Client {n:02d}", with_episode=False)
        made.append(offer(client, colleague, therapist))
    return made


def queries_of(http) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get("/referrals/").status_code == 200
    return len(queries)


def test_the_page_reads_as_often_for_30_offers_from_30_colleagues_as_for_3(
    login, therapist_b, supervisor
):
    # Therapist B is supervised too: every offer weighs B's supervisors against the
    # referring colleague's. They were read twice an offer, and each offer's audit row was
    # an INSERT of its own: 159 queries for 50 offers.
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    http = login(therapist_b)
    offers_to(therapist_b, 3)
    queries_of(http)  # the session, the caches
    few = queries_of(http)
    offers_to(therapist_b, 27, start=3)
    many = queries_of(http)
    assert many == few
    assert text(http.get("/referrals/")).count("Accepting changes who supervises") == 30


def test_each_offer_names_the_supervisors_it_changes(login, therapist_b, supervisor):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    same = make_user(therapist_b.clinic, "same@test.invalid", Role.THERAPIST)
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=same)
    other = make_user(therapist_b.clinic, "other@test.invalid", Role.THERAPIST)
    boss = make_user(therapist_b.clinic, "boss@test.invalid", Role.SUPERVISOR)
    SupervisionLink.objects.create(supervisor=boss, supervisee=other)
    unchanged = offer(make_client(same, "Una U.", with_episode=False), same, therapist_b)
    changed = offer(make_client(other, "Cai C.", with_episode=False), other, therapist_b)

    page = login(therapist_b).get("/referrals/").content.decode()

    assert f'id="supervision-change-{unchanged.pk}"' not in page
    notice = re.search(rf'id="supervision-change-{changed.pk}">([^<]*)</p>', page)
    assert notice is not None
    assert notice.group(1) == (
        "Accepting changes who supervises this client. No longer seeing them: Boss. "
        "Seeing them from then on: Supervisor."
    )


def test_the_audit_log_has_one_read_per_offer_shown_offered_first(login, therapist_a, therapist_b):
    incoming = offers_to(therapist_b, 3)
    mine = make_client(therapist_b, "Mo M.", with_episode=False)
    outgoing = offer(mine, therapist_b, therapist_a)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    login(therapist_b).get("/referrals/")

    rows = AuditEvent.objects.filter(pk__gt=last).order_by("pk")
    newest_first = sorted(incoming, key=lambda r: (r.created_at, r.pk), reverse=True)
    assert [(e.actor_id, e.action, e.target, e.client_id, e.path) for e in rows] == [
        (therapist_b.pk, "view", f"referral:{r.pk}", r.client_id, "/referrals/")
        for r in (*newest_first, outgoing)
    ]
    assert {e.clinic_id for e in rows} == {therapist_b.clinic_id}
    assert len({e.request_id for e in rows}) == 1


def test_a_long_list_of_referrals_made_says_how_many_and_shows_all_on_request(
    login, therapist_a, therapist_b
):
    total = REFERRALS_SHOWN + 3
    for n in range(total):
        offer(
            make_client(therapist_b, f"Made {n:02d}", with_episode=False), therapist_b, therapist_a
        )
    http = login(therapist_b)

    page = text(http.get("/referrals/"))
    assert page.count("waiting for their answer") == REFERRALS_SHOWN
    assert f"The latest {REFERRALS_SHOWN} of {total} referrals." in page
    assert f'<a href="?made=all#outgoing-h">Show all {total} referrals made by you</a>' in page
    assert "Made 00" not in page  # the oldest three are left out, newest first
    assert "Made 03" in page

    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    page = text(http.get("/referrals/?made=all"))
    assert page.count("waiting for their answer") == total
    assert f"All {total} referrals." in page
    assert "Show the latest" in page
    assert AuditEvent.objects.filter(pk__gt=last, target__startswith="referral:").count() == total


def test_a_long_list_of_offers_says_how_many_and_shows_all_on_request(login, therapist_b):
    total = REFERRALS_SHOWN + 2
    offers_to(therapist_b, total)
    http = login(therapist_b)

    page = text(http.get("/referrals/"))
    assert (
        page.count('class="primary">Accept<span class="sr-only"> the referral of')
        == REFERRALS_SHOWN
    )
    assert f"The latest {REFERRALS_SHOWN} of {total} offers." in page
    assert f"Show all {total} offers made to you" in page

    page = text(http.get("/referrals/?offered=all"))
    assert page.count('class="primary">Accept<span class="sr-only"> the referral of') == total
    assert f"All {total} offers." in page


def test_a_short_list_says_nothing_more(login, therapist_a, therapist_b):
    offers_to(therapist_b, 2)
    offer(make_client(therapist_b, "Mo M.", with_episode=False), therapist_b, therapist_a)
    page = text(login(therapist_b).get("/referrals/?made=all&offered=all"))
    assert "The latest" not in page and "Show all" not in page and "Show the latest" not in page
