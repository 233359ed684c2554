"""A long caseload lists every client who needs attention (a risk answer, an alert, a
session not attended since they were last seen) and quiet clients up to a short list;
"Show all N clients" lists everyone, and so does any filter. The audit records exactly the
clients listed; the team figures still count every client. Hundreds of rows made a page
of 700 KB that took seconds to render, with the clients who need something at its top."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.accounts.models import SupervisionLink
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Appointment, Attendance, Client, Episode
from rapport.clinic.selectors import (
    CASELOAD_SHORT_LIST,
    CASELOAD_SHORT_LIST_SLACK,
    CaseloadRow,
    NotAttended,
    caseload_short_list,
)
from rapport.measures.models import Response
from rapport.monitoring.models import Alert
from rapport.monitoring.signals.adapter import find_instrument

pytestmark = pytest.mark.django_db

QUIET = 70


def _client(therapist, name: str, *, missed: bool = False) -> Client:
    """A client seen a week ago (attended) with a session booked next week; ``missed``: a
    session since, not attended."""
    now = timezone.now()
    client = Client.objects.create(
        clinic=therapist.clinic, therapist=therapist, display_name=name, birth_year=1990
    )
    episode = Episode.objects.create(client=client, started_on=timezone.localdate() - timedelta(60))
    Appointment.objects.create(
        episode=episode, starts_at=now - timedelta(days=14), attendance=Attendance.ATTENDED
    )
    if missed:
        Appointment.objects.create(
            episode=episode, starts_at=now - timedelta(days=7), attendance=Attendance.NO_SHOW
        )
    Appointment.objects.create(episode=episode, starts_at=now + timedelta(days=7))
    return client


@pytest.fixture
def long_caseload(therapist_a) -> dict[str, Client]:
    """70 quiet clients, and three who need attention and sort after them by name: Zed
    missed a session, Zoe has an open alert, Zia an open risk answer (PHQ-9 item 9)."""
    people = {f"Quiet {i:03d}": _client(therapist_a, f"Quiet {i:03d}") for i in range(QUIET)}
    people["Zed Missed"] = _client(therapist_a, "Zed Missed", missed=True)
    zoe = people["Zoe Alert"] = _client(therapist_a, "Zoe Alert")
    now = timezone.now()
    Alert.objects.create(
        client=zoe,
        episode=zoe.episodes.get(),
        kind="alliance_low",
        severity="medium",
        signal_key="alliance_low:test",
        first_detected_at=now,
        last_detected_at=now,
    )
    zia = people["Zia Risk"] = _client(therapist_a, "Zia Risk")
    Response.objects.create(
        client=zia,
        episode=zia.episodes.get(),
        instrument_id=find_instrument("phq9").id,
        instrument_version="1",
        administered_at=now - timedelta(hours=1),
        source="tablet",
        idempotency_key="short-list-risk",
        total=6,
        item_values={"phq9_9": 1},
        risk_flags=["phq9_9"],
    )
    return people


def listed(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r'<th scope="row"><a href="/clients/\d+/">([^<]+)</a>', body)


def audited(people: dict[str, Client]) -> list[str]:
    by_pk = {client.pk: name for name, client in people.items()}
    events = AuditEvent.objects.filter(target="caseload")
    return sorted(by_pk[pk] for pk in events.values_list("client_id", flat=True))


def figures_clients(page: str) -> str:
    figures = page[page.index('id="figures-h"') :]
    return re.search(r'<tr><th scope="row">[^<]*</th><td>(\d+)</td>', figures).group(1)


def test_a_long_caseload_lists_everyone_needing_attention_and_quiet_clients_up_to_the_short_list(
    login, therapist_a, long_caseload
):
    page = login(therapist_a).get("/caseload/").content.decode()
    names = listed(page)
    # Those needing attention first (triage), the missed session wherever triage put it.
    assert names[:2] == ["Zia Risk", "Zoe Alert"]
    assert "Zed Missed" in names
    assert len(names) == CASELOAD_SHORT_LIST
    quiet = [name for name in names if name.startswith("Quiet")]
    assert quiet == [f"Quiet {i:03d}" for i in range(CASELOAD_SHORT_LIST - 3)]
    hidden = QUIET + 3 - CASELOAD_SHORT_LIST
    note = re.search(r'<p class="help" id="caseload-short">(.*?)</p>', page, re.DOTALL).group(1)
    assert f"{hidden} others, with nothing to act on now, are not." in note
    assert '<a href="/caseload/?show=all">Show all 73 clients</a>' in note
    assert '<p id="caseload-show-all"><a href="/caseload/?show=all">Show all 73 clients</a>' in page
    # The audit names exactly the clients listed; the figures count every client.
    assert audited(long_caseload) == sorted(names)
    assert figures_clients(page) == "73"


def test_show_all_lists_and_audits_every_client(login, therapist_a, long_caseload):
    page = login(therapist_a).get("/caseload/", {"show": "all"}).content.decode()
    names = listed(page)
    assert sorted(names) == sorted(long_caseload)
    assert names[:2] == ["Zia Risk", "Zoe Alert"]
    assert 'id="caseload-short"' not in page and "Show all" not in page
    assert audited(long_caseload) == sorted(long_caseload)
    assert figures_clients(page) == "73"


def test_a_filter_searches_every_client_and_lists_all_it_finds(
    login, therapist_a, therapist_b, supervisor, long_caseload
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    _client(therapist_b, "Bea B.")
    http = login(supervisor)
    assert len(listed(http.get("/caseload/").content.decode())) == CASELOAD_SHORT_LIST
    page = http.get("/caseload/", {"therapist": therapist_a.pk}).content.decode()
    assert sorted(listed(page)) == sorted(long_caseload)
    assert "Show all" not in page
    page = http.get("/caseload/", {"kind": "alliance_low"}).content.decode()
    assert listed(page) == ["Zoe Alert"]


def test_a_caseload_a_little_longer_than_the_short_list_is_shown_whole(login, therapist_a):
    total = CASELOAD_SHORT_LIST + CASELOAD_SHORT_LIST_SLACK
    for i in range(total):
        _client(therapist_a, f"Quiet {i:03d}")
    page = login(therapist_a).get("/caseload/").content.decode()
    assert len(listed(page)) == total
    assert "Show all" not in page


def _row(name: str, **kw) -> CaseloadRow:
    return CaseloadRow(
        client=Client(display_name=name),
        episode=None,
        last_seen=None,
        next_appointment=None,
        **kw,
    )


def test_every_row_needing_attention_is_kept_in_order_even_past_the_short_list():
    missed = NotAttended(starts_at=timezone.now(), attendance=Attendance.SCHEDULED)
    rows = [_row(f"risk {i}", risk_unreviewed=True) for i in range(5)]
    rows += [_row(f"quiet {i}") for i in range(30)]
    rows += [_row("missed", not_attended=missed), _row("followed up", risk_followed_up_by_other=1)]
    kept, left_out = caseload_short_list(rows, limit=10)
    names = [row.client.display_name for row in kept]
    assert names == [*(f"risk {i}" for i in range(5)), *(f"quiet {i}" for i in range(3)),
                     "missed", "followed up"]  # fmt: skip
    assert left_out == 27
    # More rows needing attention than the short list holds: all of them, no quiet one.
    kept, left_out = caseload_short_list(rows, limit=3)
    assert [r.client.display_name for r in kept] == [*(f"risk {i}" for i in range(5)),
                                                     "missed", "followed up"]  # fmt: skip
    assert left_out == 30
