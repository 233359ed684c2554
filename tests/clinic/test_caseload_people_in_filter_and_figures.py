"""Who the caseload names, and how: a supervisor's own clients are theirs in the filter and
the team figures alike (and neither offers the supervisor when they carry no clients); a
deactivated therapist is marked inactive wherever their name appears; an unknown filter value
is refused with a message naming it, and the caseload is shown unfiltered."""

from __future__ import annotations

import re

import pytest
from tests.conftest import make_client

from rapport.accounts.models import SupervisionLink

pytestmark = pytest.mark.django_db


def options(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.DOTALL)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))


def caseload_table(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""


def figures_names(page: str) -> list[str]:
    figures = page[page.index('id="figures-h"') :]
    names = re.findall(r'<tr><th scope="row">(.*?)</th>', figures)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", n)).strip() for n in names]


def test_a_supervisor_without_clients_is_neither_in_the_filter_nor_in_the_figures(
    login, therapist_a, therapist_b, supervisor
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    make_client(therapist_a, "Ada A.")
    make_client(therapist_b, "Bo B.")
    page = login(supervisor).get("/caseload/").content.decode()
    assert [label for _, label in options(page, "therapist")] == [
        "Everyone",
        "Therapist.A",
        "Therapist.B",
    ]
    assert figures_names(page) == ["Therapist.A", "Therapist.B", "Team"]


def test_a_supervisors_own_clients_are_theirs_in_the_filter_the_table_and_the_figures(
    login, therapist_a, supervisor
):
    make_client(therapist_a, "Ada A.")
    make_client(supervisor, "Walk M.", with_episode=False)  # no episode yet: still current
    http = login(supervisor)
    page = http.get("/caseload/").content.decode()
    assert (str(supervisor.pk), "Supervisor (you)") in options(page, "therapist")
    assert figures_names(page) == ["Supervisor (you)", "Therapist.A", "Team"]
    assert "Your own and your supervisees' clients" in page
    # Choosing them lists their own clients, not "No clients match".
    page = http.get("/caseload/", {"therapist": supervisor.pk}).content.decode()
    table = caseload_table(page)
    assert "Walk M." in table and "Ada A." not in table
    assert '<td data-label="Therapist">Supervisor (you)</td>' in table


def test_an_inactive_therapist_is_marked_inactive_in_the_table_the_filter_and_the_figures(
    login, therapist_a, supervisor
):
    make_client(therapist_a, "Ada A.")
    make_client(supervisor, "Walk M.")
    therapist_a.is_active = False
    therapist_a.save(update_fields=["is_active"])
    page = login(supervisor).get("/caseload/").content.decode()
    row = next(r for r in caseload_table(page).split("</tr>") if "Ada A." in r)
    assert (
        '<td data-label="Therapist">Therapist.A <span class="tag muted">inactive</span></td>' in row
    )
    assert (str(therapist_a.pk), "Therapist.A (inactive)") in options(page, "therapist")
    assert "Therapist.A inactive" in figures_names(page)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "bogus"}, "Unknown alert kind &#x27;bogus&#x27;; showing all clients."),
        (
            {"therapist": "abc"},
            "No therapist &#x27;abc&#x27; among the people whose clients you see; "
            "showing all clients.",
        ),
    ],
)
def test_an_unknown_filter_value_is_named_and_the_caseload_is_shown_unfiltered(
    login, therapist_a, therapist_b, supervisor, query, message
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    make_client(therapist_a, "Ada A.")
    make_client(therapist_b, "Bo B.")
    response = login(supervisor).get("/caseload/", query)
    page = response.content.decode()
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', page, re.DOTALL)
    assert message in summary.group(1)
    table = caseload_table(page)
    assert "Ada A." in table and "Bo B." in table


def test_an_unknown_alert_kind_on_the_former_list_keeps_to_the_former_list(login, therapist_a):
    from django.utils import timezone

    from rapport.clinic.models import EndReason, Phase

    make_client(therapist_a, "Carl Current")
    rita = make_client(therapist_a, "Rita Returning")
    rita.episodes.update(
        phase=Phase.CLOSED, ended_on=timezone.localdate(), end_reason=EndReason.PLANNED
    )
    response = login(therapist_a).get("/caseload/", {"clients": "former", "kind": "bogus"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Unknown alert kind &#x27;bogus&#x27;; showing all clients." in page
    table = caseload_table(page)
    assert "Rita Returning" in table and "Carl Current" not in table
