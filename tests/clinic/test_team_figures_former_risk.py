"""A risk answer waiting is counted wherever it is listed.

A former client with a risk answer nobody has followed up (a check-in link answered after
the episode ended) is on the current caseload, first, tagged "Risk answer". The team figures
read "Clients with an open risk answer: 0" above that row. ``team_figures`` now takes the
caseload's rows, former ones included: a former client counts in that figure while the
current list shows them for it, and in no other (not under Clients, nor the alliance or
not-on-track figures); a former client without one counts in none.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role, SupervisionLink
from rapport.checkins.models import RefusedRiskAnswer
from rapport.clinic.models import EndReason
from rapport.clinic.selectors import caseload_for
from rapport.clinic.services import episode_end
from rapport.monitoring.selectors import team_figures

pytestmark = pytest.mark.django_db

RISKY = {**PHQ9_ZERO, "phq9_9": "1"}  # "Several days"


def end(client, therapist) -> None:
    episode_end(
        actor=therapist,
        episode=client.episodes.get(),
        ended_on=timezone.localdate() - timedelta(days=2),
        end_reason=EndReason.PLANNED,
    )


def refused_after_the_end(http, client, therapist) -> None:
    """The client answers a link (item 9 at "Several days") after their episode ended."""
    _, token = make_link(client)
    key = form_key(http.get(f"/c/{token}/").content.decode())
    end(client, therapist)
    http.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert RefusedRiskAnswer.objects.filter(client=client, reviewed_at=None).exists()


def figures_for(user):
    now = timezone.now()
    return team_figures(user, caseload_for(user, now=now, include_closed=True), now=now)


def test_a_former_client_listed_for_a_risk_answer_counts_in_that_figure_only(
    client, client_a, therapist_a
):
    make_client(therapist_a, "Carl Current")
    make_client(therapist_a, "Dora Current")
    end(make_client(therapist_a, "Fay Former"), therapist_a)  # no risk answer: in no figure
    refused_after_the_end(client, client_a, therapist_a)

    (mine,) = figures_for(therapist_a).therapists
    assert (mine.clients, mine.open_risk) == (2, 1)


def test_a_therapist_whose_only_listed_client_is_such_a_former_client_has_a_row(
    client, clinic, client_a, supervisor, therapist_a
):
    other = make_user(clinic, "therapist.c@test.invalid", Role.THERAPIST)
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=other)
    make_client(therapist_a, "Carl Current")
    gone = make_client(other, "Gil Gone")
    refused_after_the_end(client, gone, other)

    figures = figures_for(supervisor)
    rows = {item.therapist_id: (item.clients, item.open_risk) for item in figures.therapists}
    assert rows == {therapist_a.pk: (2, 0), other.pk: (0, 1)}
    assert (figures.total.clients, figures.total.open_risk) == (2, 1)


def test_once_followed_up_the_former_client_counts_in_no_figure(
    client, client_a, login, therapist_a
):
    make_client(therapist_a, "Carl Current")
    refused_after_the_end(client, client_a, therapist_a)
    notice = RefusedRiskAnswer.objects.get()
    done = login(therapist_a).post(
        f"/refused-risk-answers/{notice.pk}/followed-up/", {"note": "Phoned; no current plan."}
    )
    assert done.status_code == 302

    (mine,) = figures_for(therapist_a).therapists
    assert (mine.clients, mine.open_risk) == (1, 0)
