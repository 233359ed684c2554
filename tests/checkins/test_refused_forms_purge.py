"""The keys of refused forms (``RefusedForm``) do not pile up for ever.

Review finding: one row was kept per distinct form key posted to a refused link, and
nothing ever deleted them. They are needed only to keep a repeat (Reload) of a form that
answered a risk item at risk from showing the crisis section again, and every such form
leaves a refused risk answer on its link: the keys of links without one go
``REFUSED_FORMS_KEPT`` after the link expired and the form was refused, at every start of
``rapport serve`` or ``rapport demo``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

from rapport import cli
from rapport.checkins.models import CheckIn, RefusedForm, RefusedRiskAnswer
from rapport.checkins.services import FORM_GRACE, REFUSED_FORMS_KEPT, refused_forms_purge

CRISIS_SECTION = "If you are struggling right now"
RISKY = {**PHQ9_ZERO, "phq9_9": "2"}


def refused_send(http, client, answers, *, key=None):
    """A link of ``client`` opened, expired past its grace period, then ``answers`` sent:
    (the link, its token, the form key, the refusal page)."""
    checkin, token = make_link(client)
    key = key or form_key(http.get(f"/c/{token}/").content.decode())
    CheckIn.objects.filter(pk=checkin.pk).update(
        expires_at=timezone.now() - FORM_GRACE - timedelta(hours=1)
    )
    page = http.post(f"/c/{token}/", {**answers, "form_key": key})
    assert page.status_code == 410
    return checkin, token, key, page.content.decode()


def age(checkin, by: timedelta) -> None:
    """As if the link had expired, and its forms been refused, ``by`` earlier."""
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=timezone.now() - by)
    RefusedForm.objects.filter(checkin=checkin).update(refused_at=timezone.now() - by)


@pytest.mark.django_db
def test_old_keys_of_a_link_without_a_risk_answer_are_deleted(client, client_a):
    old, *_ = refused_send(client, client_a, PHQ9_ZERO)
    recent, *_ = refused_send(client, client_a, PHQ9_ZERO)
    age(old, REFUSED_FORMS_KEPT + timedelta(days=1))
    age(recent, REFUSED_FORMS_KEPT - timedelta(days=1))

    assert refused_forms_purge() == 1

    assert list(RefusedForm.objects.values_list("checkin_id", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_a_key_refused_lately_on_a_long_expired_link_is_kept(client, client_a):
    checkin, *_ = refused_send(client, client_a, PHQ9_ZERO)
    CheckIn.objects.filter(pk=checkin.pk).update(
        expires_at=timezone.now() - REFUSED_FORMS_KEPT - timedelta(days=10)
    )
    assert refused_forms_purge() == 0 and RefusedForm.objects.count() == 1


@pytest.mark.django_db
def test_the_keys_of_a_link_with_a_risk_answer_stay_so_reload_shows_no_crisis_section(
    client, client_a, crisis_line
):
    checkin, token, key, first = refused_send(client, client_a, RISKY)
    assert CRISIS_SECTION in first and RefusedRiskAnswer.objects.count() == 1
    age(checkin, REFUSED_FORMS_KEPT + timedelta(days=60))

    assert refused_forms_purge() == 0

    # Reload on the shared device, long after: still the page of a form without a risk answer.
    again = client.post(f"/c/{token}/", {**RISKY, "form_key": key}).content.decode()
    assert CRISIS_SECTION not in again
    assert RefusedRiskAnswer.objects.count() == 1


@pytest.mark.django_db
def test_serve_and_demo_run_the_purge_at_start(client, client_a):
    import rapport.commands  # noqa: F401 - registers the packages' commands and tasks
    from rapport.checkins.cli import purge_at_start

    assert purge_at_start in cli._START_TASKS
    checkin, *_ = refused_send(client, client_a, PHQ9_ZERO)
    age(checkin, REFUSED_FORMS_KEPT + timedelta(days=1))
    purge_at_start()
    assert not RefusedForm.objects.exists()


@pytest.mark.django_db
def test_the_daily_clear_sessions_command_runs_the_purge(client, client_a, capsys):
    """The daily cron job (docs/operations.md) runs ``clear-sessions``: a server that runs for
    months without a restart still gets the keys deleted."""
    checkin, *_ = refused_send(client, client_a, PHQ9_ZERO)
    age(checkin, REFUSED_FORMS_KEPT + timedelta(days=1))
    kept, *_ = refused_send(client, client_a, PHQ9_ZERO)

    assert cli.main(["clear-sessions", "--quiet"]) == 0

    assert list(RefusedForm.objects.values_list("checkin_id", flat=True)) == [kept.pk]
    assert capsys.readouterr().out == ""
