"""Narrowing a safety step (fewer alerts, or fewer clients, than it was shown for) on its
edit page needs the same explicit confirmation as disabling it: without it nothing changes
and the page says why; with it the change is saved and audited. The service enforces it,
and no priority or added strategy can push a safety step out of an alert it fits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError

from rapport.audit.models import AuditEvent
from rapport.guidance.library import MAX_SHOWN, choose, load_library, narrowing, parse_library
from rapport.guidance.models import Strategy
from rapport.guidance.services import strategy_create, strategy_update

TICK = "Tick the box to confirm the change."
CONFIRM = "I understand that therapists will no longer be prompted by this strategy"
LIBRARY = load_library()
#: A reliably-worse alert where three strategies for the client's context also fit.
CROWDED = frozenset({"trainee", "poor_fit", "no_goals"})


def edit_form(strategy, **change):
    """The edit form as the page posts it, with ``change`` applied."""
    form = {
        "title": strategy.title,
        "text": strategy.text,
        "sources": strategy.sources,
        "kinds": list(strategy.kinds),
        "conditions": list(strategy.conditions),
        "unless": list(strategy.unless),
        "priority": str(strategy.priority),
        "safety": "on" if strategy.safety else "",
    }
    return {**form, **change}


def stored(strategy):
    return Strategy.objects.filter(pk=strategy.pk).values().get()


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


NARROWINGS = [
    pytest.param(
        {"kinds": ["not_on_track"]},
        "it would no longer be shown with Reliably worse alerts",
        id="kind-removed",
    ),
    pytest.param(
        {"conditions": ["trainee"]},
        "it would be shown only when this also holds: The therapist is a trainee",
        id="condition-added",
    ),
    pytest.param(
        {"unless": ["ending_phase"]},
        "it would no longer be shown when: The episode is in its ending phase",
        id="exclusion-added",
    ),
]


@pytest.mark.usefixtures("second_safety_step")
@pytest.mark.django_db
@pytest.mark.parametrize(("change", "reason"), NARROWINGS)
def test_narrowing_the_safety_step_without_confirming_changes_nothing_and_says_why(
    login, admin_user, safety, change, reason
):
    http = login(admin_user)
    before = stored(safety)
    response = http.post(f"/manage/guidance/{safety.pk}/", edit_form(safety, **change))
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page and TICK in page and "Nothing was saved." in page
    assert stored(safety) == before
    assert not AuditEvent.objects.filter(target__startswith=f"strategy:{safety.pk}").exists()


@pytest.mark.usefixtures("second_safety_step")
@pytest.mark.django_db
@pytest.mark.parametrize(("change", "reason"), NARROWINGS)
def test_a_confirmed_narrowing_is_saved_and_audited_as_one(
    login, admin_user, safety, change, reason
):
    http = login(admin_user)
    form = edit_form(safety, understood="on", **change)
    assert http.post(f"/manage/guidance/{safety.pk}/", form).status_code == 302
    safety.refresh_from_db()
    for name, value in change.items():
        assert getattr(safety, name) == value
    assert safety.edited and safety.safety and safety.enabled
    assert AuditEvent.objects.filter(
        actor=admin_user, action="update", target=f"strategy:{safety.pk}:safety-narrowed"
    ).exists()


@pytest.mark.django_db
def test_the_edit_page_of_a_safety_step_says_so_and_offers_the_confirmation(
    login, admin_user, clinic, safety
):
    http = login(admin_user)
    page = http.get(f"/manage/guidance/{safety.pk}/").content.decode()
    assert "This is a safety strategy." in page and CONFIRM in page
    assert 'name="safety"' in page and "Marked as a safety step in the Rapport library." in page
    other = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    page = http.get(f"/manage/guidance/{other.pk}/").content.decode()
    assert "This is a safety strategy." not in page and CONFIRM not in page


@pytest.mark.django_db
def test_edits_that_take_nothing_away_need_no_confirmation(login, admin_user, safety):
    http = login(admin_user)
    form = edit_form(
        safety,
        text="Ask directly about thoughts of self-harm; go through the safety plan together.",
        kinds=["reliable_deterioration", "not_on_track"],
        priority="40",
    )
    assert http.post(f"/manage/guidance/{safety.pk}/", form).status_code == 302
    safety.refresh_from_db()
    assert safety.kinds == ["reliable_deterioration", "not_on_track"]
    assert safety.priority == 40 and safety.text.startswith("Ask directly about thoughts")
    assert AuditEvent.objects.filter(target=f"strategy:{safety.pk}").exists()


@pytest.mark.django_db
def test_the_librarys_safety_marking_cannot_be_removed(login, admin_user, safety):
    # The page shows the box fixed; a hand-made post cannot clear it either.
    http = login(admin_user)
    response = http.post(f"/manage/guidance/{safety.pk}/", edit_form(safety, safety=""))
    assert response.status_code == 302
    safety.refresh_from_db()
    assert safety.safety
    with pytest.raises(ValidationError, match="the marking stays"):
        strategy_update(actor=admin_user, strategy=safety, safety=False, confirmed=True)
    safety.refresh_from_db()
    assert safety.safety


@pytest.mark.usefixtures("second_safety_step")
@pytest.mark.django_db
def test_removing_a_clinics_own_safety_marking_needs_confirmation(login, admin_user, clinic):
    own = strategy_create(
        actor=admin_user,
        clinic=clinic,
        title="Check the crisis plan",
        text="Go through the crisis plan and who the client can call tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration"],
        safety=True,
    )
    http = login(admin_user)
    response = http.post(f"/manage/guidance/{own.pk}/", edit_form(own, safety=""))
    assert response.status_code == 400
    assert "it would no longer be marked as a safety step" in response.content.decode()
    own.refresh_from_db()
    assert own.safety
    form = edit_form(own, safety="", understood="on")
    assert http.post(f"/manage/guidance/{own.pk}/", form).status_code == 302
    own.refresh_from_db()
    assert not own.safety
    assert AuditEvent.objects.filter(target=f"strategy:{own.pk}:safety-narrowed").exists()


@pytest.mark.usefixtures("second_safety_step")
@pytest.mark.django_db
def test_the_service_refuses_an_unconfirmed_narrowing_from_any_caller(admin_user, safety):
    before = stored(safety)
    with pytest.raises(ValidationError, match="Tick the box") as refused:
        strategy_update(actor=admin_user, strategy=safety, kinds=["not_on_track"])
    assert refused.value.error_dict.keys() == {"understood"}
    assert stored(safety) == before
    # Narrowed in memory, then saved through an edit of something else: not saved either.
    safety.kinds = ["not_on_track"]
    strategy_update(actor=admin_user, strategy=safety, title="Ask how they are coping")
    assert Strategy.objects.get(pk=safety.pk).kinds == ["reliable_deterioration"]


def test_narrowing_names_only_what_an_edit_takes_away():
    check = next(s for s in LIBRARY if s.slug == "check-safety")
    wider = {"kinds": ["reliable_deterioration", "not_on_track"], "conditions": [], "unless": []}
    assert narrowing(check, wider) == ()
    assert narrowing(check, {"priority": 0, "title": "Other"}) == ()
    gated = replace(check, conditions=("trainee",), unless=("ending_phase",))
    assert narrowing(gated, {"conditions": [], "unless": []}) == ()
    assert len(narrowing(gated, {"conditions": ["trainee", "young"], "kinds": []})) == 2


def test_a_lowered_priority_does_not_push_the_safety_step_out_of_a_crowded_alert():
    lowered = [replace(s, priority=0) if s.slug == "check-safety" else s for s in LIBRARY]
    chosen = choose(lowered, kind="reliable_deterioration", context=CROWDED)
    assert len(chosen) == MAX_SHOWN
    assert chosen[0].slug == "check-safety"


def test_neither_do_a_clinics_strategies_that_outrank_it():
    louder = parse_library(
        {
            "strategies": [
                {
                    "slug": f"louder-{n}",
                    "title": f"Louder {n}",
                    "text": "Something else to do.",
                    "sources": ["A source long enough to cite (2020)."],
                    "kinds": ["reliable_deterioration"],
                    "conditions": conditions,
                    "priority": 100,
                }
                for n, conditions in enumerate([[], ["trainee"], ["poor_fit"], ["no_goals"]])
            ]
        }
    )
    chosen = choose([*LIBRARY, *louder], kind="reliable_deterioration", context=CROWDED)
    assert [s.slug for s in chosen][0] == "check-safety" and len(chosen) == MAX_SHOWN


def test_the_shipped_library_shows_the_same_strategies_for_a_reliably_worse_alert():
    # check-safety already led these alerts by its priority; showing safety steps first
    # changes nothing for the shipped library.
    chosen = choose(LIBRARY, kind="reliable_deterioration", context=CROWDED)
    assert [s.slug for s in chosen] == [
        "check-safety",
        "consider-referral",
        "ask-for-goals",
        "bring-to-supervision",
    ]
