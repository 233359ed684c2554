"""One way to the former clients: the "Show former clients" link (and "Back to current
clients"), no second control in the filter form doing the same. The filter form narrows the
list shown and keeps to it; its Clear clears the filters and stays on that list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from tests.conftest import make_client

from rapport.accounts.models import SupervisionLink
from rapport.audit.models import AuditEvent
from rapport.clinic.models import EndReason, Phase

pytestmark = pytest.mark.django_db


def former_of(therapist, name):
    client = make_client(therapist, name)
    client.episodes.update(
        phase=Phase.CLOSED,
        ended_on=timezone.localdate() - timedelta(days=3),
        end_reason=EndReason.PLANNED,
    )
    return client


def table(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""


def filter_form(page: str) -> str:
    return re.search(r'<form method="get" class="filters".*?</form>', page, re.DOTALL).group(0)


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def audited_after(mark: int) -> list[tuple[str, int]]:
    """(target, client id) of each read logged since ``mark``: the log is append-only."""
    return list(
        AuditEvent.objects.filter(pk__gt=mark, client_id__isnull=False)
        .order_by("pk")
        .values_list("target", "client_id")
    )


def test_the_former_clients_are_reached_by_one_link_only(login, therapist_a):
    rita = former_of(therapist_a, "Rita Returning")
    make_client(therapist_a, "Carl Current")
    http = login(therapist_a)
    current = http.get("/caseload/").content.decode()
    links = re.findall(r'<a href="([^"]*)">Show former clients</a>', current)
    assert links == ["/caseload/?clients=former"]
    # The filter form has no "Clients" choice repeating the link.
    form = filter_form(current)
    assert '<select name="clients"' not in form and 'for="id_clients"' not in form
    assert "Former clients" not in form
    mark = last_event()

    page = http.get(links[0]).content.decode()
    assert "Former clients</h2>" in page
    assert "Rita Returning" in table(page) and "Carl Current" not in table(page)
    assert '<a href="/caseload/">Back to current clients</a>' in page
    assert audited_after(mark) == [("caseload:former", rita.pk)]  # Carl was not shown


def test_filtering_the_former_clients_keeps_to_them_and_clear_returns_to_them(
    login, therapist_a, therapist_b, supervisor
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    former_of(therapist_a, "Rita Returning")
    bea = former_of(therapist_b, "Bea Former")
    make_client(therapist_a, "Carl Current")
    http = login(supervisor)
    page = http.get("/caseload/", {"clients": "former"}).content.decode()
    form = filter_form(page)
    # The list travels with the form, so Filter narrows the former clients.
    assert '<input type="hidden" name="clients" value="former" id="id_clients">' in form
    assert "Clear" not in form  # nothing to clear yet

    mark = last_event()
    page = http.get(
        "/caseload/", {"clients": "former", "therapist": therapist_b.pk}
    ).content.decode()
    assert "Former clients</h2>" in page
    assert "Bea Former" in table(page)
    assert "Rita Returning" not in table(page) and "Carl Current" not in table(page)
    assert '<a href="/caseload/?clients=former">Clear</a>' in filter_form(page)
    assert audited_after(mark) == [("caseload:former", bea.pk)]

    # On the current list the form carries no list, and Clear goes back to everyone current.
    page = http.get("/caseload/", {"clients": "", "therapist": therapist_a.pk}).content.decode()
    form = filter_form(page)
    assert '<input type="hidden" name="clients" id="id_clients">' in form
    assert '<a href="/caseload/">Clear</a>' in form
    assert "Carl Current" in table(page) and "Rita Returning" not in table(page)


def test_a_filter_that_matches_no_former_client_offers_every_former_client(
    login, therapist_a, therapist_b, supervisor
):
    former_of(therapist_a, "Rita Returning")
    # A supervisee with no former client (the supervisor is offered only with clients of
    # their own on the list).
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    page = (
        login(supervisor)
        .get("/caseload/", {"clients": "former", "therapist": therapist_b.pk})
        .content.decode()
    )
    assert "No clients match this filter." in page
    assert '<a href="/caseload/?clients=former">Show every former client.</a>' in page


def test_an_unknown_list_is_refused_with_a_message_and_shows_the_current_clients(
    login, therapist_a
):
    former_of(therapist_a, "Rita Returning")
    make_client(therapist_a, "Carl Current")
    response = login(therapist_a).get("/caseload/", {"clients": "everyone"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "No such list of clients: choose current or former clients." in page
    assert "Carl Current" in table(page) and "Rita Returning" not in page
