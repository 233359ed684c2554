"""The last enabled safety step of an alert kind is not disabled or narrowed, confirmed or
not: the admin first enables or adds another safety step for those alerts, and the refusal
names the alerts that would be left without one.

Found in an exploratory walkthrough: after one tick the library's only safety step was
disabled, and a client reliably worse on the PHQ-9 then had an alert with no prompt to ask
about safety at all. The service enforces the rule (any caller), the page says so before
asking for the tick, and two admins disabling two safety steps at once cannot leave none.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.audit.models import AuditEvent
from rapport.guidance.library import (
    describe_safety_gaps,
    load_library,
    safety_gaps,
    safety_gaps_of_change,
)
from rapport.guidance.models import Strategy
from rapport.guidance.services import (
    library_load,
    strategy_create,
    strategy_set_enabled,
    strategy_update,
)
from rapport.monitoring.selectors import client_monitoring
from rapport.monitoring.tasks import recompute_alerts
from tests.clinic._races import first_held_then_second, real_concurrency
from tests.conftest import make_user
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

WITHOUT = "This change would leave these alerts without a safety step: Reliably worse."
SOME_ONLY = (
    "This change would leave these alerts with a safety step for some clients only: Reliably worse."
)
FIRST = "Enable or add another safety strategy shown with them for every client first"
CONFIRM = "I understand that therapists will no longer be prompted by this strategy"
LIBRARY = load_library()


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


def stored(strategy):
    return Strategy.objects.filter(pk=strategy.pk).values().get()


def strategy_events(strategy):
    return AuditEvent.objects.filter(target__startswith=f"strategy:{strategy.pk}")


# -- the service, for any caller ------------------------------------------------------


@pytest.mark.django_db
def test_the_last_safety_step_of_an_alert_is_not_disabled_even_when_confirmed(admin_user, safety):
    before = stored(safety)
    with pytest.raises(ValidationError) as refused:
        strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    assert refused.value.error_dict.keys() == {NON_FIELD_ERRORS}
    message = refused.value.messages[0]
    assert WITHOUT in message and FIRST in message and "Nothing was saved." in message
    assert stored(safety) == before
    assert not strategy_events(safety).exists()


NARROWINGS = [
    pytest.param({"kinds": ["not_on_track"]}, WITHOUT, id="kind-removed"),
    pytest.param({"conditions": ["trainee"]}, SOME_ONLY, id="condition-added"),
    pytest.param({"unless": ["ending_phase"]}, SOME_ONLY, id="exclusion-added"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "message"), NARROWINGS)
def test_nor_is_it_narrowed_even_when_confirmed(admin_user, safety, change, message):
    before = stored(safety)
    with pytest.raises(ValidationError, match=message):
        strategy_update(actor=admin_user, strategy=safety, confirmed=True, **change)
    assert stored(safety) == before
    assert not strategy_events(safety).exists()


@pytest.mark.django_db
def test_nor_does_a_clinic_remove_the_marking_from_its_last_safety_step(admin_user, clinic):
    own = strategy_create(
        actor=admin_user,
        clinic=clinic,
        title="Check the crisis plan",
        text="Go through the crisis plan and who the client can call tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration"],
        safety=True,
    )
    with pytest.raises(ValidationError, match=WITHOUT):
        strategy_update(actor=admin_user, strategy=own, confirmed=True, safety=False)
    assert Strategy.objects.get(pk=own.pk).safety


@pytest.mark.django_db
def test_with_another_safety_step_for_every_client_it_may_be_disabled(
    admin_user, safety, second_safety_step
):
    strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    assert not Strategy.objects.get(pk=safety.pk).enabled
    # Now the clinic's own step is the last one for reliably-worse alerts.
    with pytest.raises(ValidationError, match=WITHOUT):
        strategy_set_enabled(
            actor=admin_user, strategy=second_safety_step, enabled=False, confirmed=True
        )
    assert Strategy.objects.get(pk=second_safety_step.pk).enabled


@pytest.mark.django_db
def test_another_safety_step_for_some_clients_only_is_not_enough(admin_user, clinic, safety):
    strategy_create(
        actor=admin_user,
        clinic=clinic,
        title="Trainees: ask about risk with your supervisor",
        text="Ask about thoughts of self-harm, and call your supervisor the same day.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration"],
        conditions=["trainee"],
        safety=True,
    )
    with pytest.raises(ValidationError, match=SOME_ONLY):
        strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    assert Strategy.objects.get(pk=safety.pk).enabled


@pytest.mark.django_db
def test_enabling_or_changing_other_strategies_is_never_refused(admin_user, clinic, safety):
    other = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    strategy_set_enabled(actor=admin_user, strategy=other, enabled=False)
    strategy_set_enabled(actor=admin_user, strategy=other, enabled=True)
    # Widening the last safety step, or rewording it, takes nothing away.
    strategy_update(
        actor=admin_user,
        strategy=safety,
        kinds=["reliable_deterioration", "not_on_track"],
        text="Ask directly about thoughts of self-harm; go through the safety plan together.",
    )
    assert Strategy.objects.get(pk=safety.pk).kinds == ["reliable_deterioration", "not_on_track"]


def test_the_gaps_name_each_kind_left_without_its_step_in_the_library_order():
    check = next(s for s in LIBRARY if s.slug == "check-safety")
    assert not safety_gaps_of_change([], check, priority=0)
    wider = replace(check, kinds=("not_on_track", "reliable_deterioration"))
    gaps = safety_gaps_of_change([], wider, enabled=False)
    assert gaps.uncovered == ("reliable_deterioration", "not_on_track") and not gaps.partly
    assert describe_safety_gaps(gaps).startswith(
        "This change would leave these alerts without a safety step: Reliably worse, Not on track."
    )
    # A kind that never had a safety step is nobody's gap.
    assert not safety_gaps(LIBRARY, [s for s in LIBRARY if s.slug != "name-the-rupture"])


# -- the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_disable_page_says_up_front_that_the_last_safety_step_stays(login, admin_user, safety):
    page = login(admin_user).get(f"/manage/guidance/{safety.pk}/toggle/").content.decode()
    assert "This safety strategy stays enabled for now." in page
    assert WITHOUT in page and FIRST in page
    assert CONFIRM not in page and ">Disable</button>" not in page
    assert 'href="/manage/guidance/new/"' in page  # where to add the other one


@pytest.mark.django_db
def test_a_confirmed_post_to_disable_it_is_refused_and_says_why_once(login, admin_user, safety):
    response = login(admin_user).post(f"/manage/guidance/{safety.pk}/toggle/", {"understood": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(WITHOUT) == 1 and "Nothing was changed." in page
    assert Strategy.objects.get(pk=safety.pk).enabled
    assert not strategy_events(safety).exists()


@pytest.mark.django_db
def test_a_narrowing_edit_of_it_is_refused_on_its_page(login, admin_user, safety):
    form = {
        "title": safety.title,
        "text": safety.text,
        "sources": safety.sources,
        "kinds": ["not_on_track"],
        "priority": str(safety.priority),
        "safety": "on",
        "understood": "on",
    }
    response = login(admin_user).post(f"/manage/guidance/{safety.pk}/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(WITHOUT) == 1 and "Nothing was saved." in page
    assert Strategy.objects.get(pk=safety.pk).kinds == ["reliable_deterioration"]


@pytest.mark.django_db
def test_a_reliably_worse_client_keeps_the_prompt_to_ask_about_safety(
    login, admin_user, therapist_a, safety
):
    login(admin_user).post(f"/manage/guidance/{safety.pk}/toggle/", {"understood": "on"})
    now = timezone.now()
    client, _, held = make_episode(therapist_a, "Gus G.", sessions=4, now=now)
    outcomes(client, held, [8, 10, 14, 18], name="phq9")
    checkins(client, held, [38, 38, 38, 38])
    recompute_alerts(now=now)
    view = next(
        v for v in client_monitoring(client).alerts if v.alert.kind == "reliable_deterioration"
    )
    assert view.strategies[0].slug == "check-safety"


# -- two admins at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_admins_disabling_the_two_safety_steps_at_once_leave_one(clinic, admin_user):
    """Each admin's check saw the other step still enabled, and both committed: the
    alerts were left with none. The safety steps are now locked before the check, in one
    order, so the second admin waits and is refused."""
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")
    library_load(clinic=clinic)
    library_step = Strategy.objects.get(clinic=clinic, slug="check-safety")
    own_step = strategy_create(  # for the same alerts as the library's
        actor=admin_user,
        clinic=clinic,
        title="Go through the crisis plan",
        text="Ask about thoughts of self-harm and go through who the client can call tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration"],
        safety=True,
    )
    other_admin = make_user(clinic, "admin.two@test.invalid", Role.ADMIN)

    def disable(actor, strategy_id):
        def run():
            strategy = Strategy.objects.get(pk=strategy_id)
            return strategy_set_enabled(
                actor=actor, strategy=strategy, enabled=False, confirmed=True
            )

        return run

    results = first_held_then_second(
        Strategy, disable(admin_user, library_step.pk), disable(other_admin, own_step.pk)
    )
    enabled = Strategy.objects.filter(clinic=clinic, safety=True, enabled=True)
    assert list(enabled.values_list("pk", flat=True)) == [own_step.pk], results
    assert isinstance(results["first"], Strategy), results
    assert isinstance(results["second"], ValidationError), results
    assert WITHOUT in results["second"].messages[0]
