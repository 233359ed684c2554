"""An alert shows only strategies of its own kind that fit the client: when a clinic disabled
or narrowed most of a kind's own, it shows fewer (and says so), never another kind's in their
place (before, a dropout-risk alert could show "Ask whether the check-in link works", written
for missing check-ins). When the clinic turned off every strategy of a kind, its alerts show
none and say so. The library page warns the admin for as long as a kind is left short or
turned off, not only once after the save."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from rapport.guidance.library import (
    CONDITIONS,
    MAX_SHOWN,
    MIN_SHOWN,
    POSITIVE_KINDS,
    choose,
    fewer_than_needed,
    kind_turned_off,
    kinds_short_of_own,
    kinds_turned_off,
    load_library,
)
from rapport.guidance.models import Strategy
from rapport.guidance.selectors import suggestions
from rapport.guidance.services import library_load
from rapport.monitoring.signals.model import KINDS

LIBRARY = load_library()
WARNING = "fewer than 2 strategies of their own that fit every client: "


def without(*slugs):
    return [replace(s, enabled=False) if s.slug in slugs else s for s in LIBRARY]


def slugs(strategies):
    return [s.slug for s in strategies]


def test_a_kind_left_short_shows_only_its_own_and_borrows_nothing_from_other_kinds():
    # Dropout risk left with one strategy of its own for every client: before, "Ask whether
    # the check-in link works", written for missing check-ins, filled the second place.
    general = [s.slug for s in LIBRARY if "dropout_risk" in s.kinds and not s.conditions]
    library = without(*general[1:])
    chosen = choose(library, kind="dropout_risk", context={"has_goals"})
    assert slugs(chosen) == general[:1]
    assert all("dropout_risk" in s.kinds for s in chosen)
    assert fewer_than_needed(library, chosen, "dropout_risk")
    # Left with none that fits this client (not turned off: its conditional ones remain).
    library = without(*general)
    assert choose(library, kind="dropout_risk", context={"has_goals"}) == []
    assert fewer_than_needed(library, [], "dropout_risk")
    assert not kind_turned_off(library, "dropout_risk")


def test_a_kind_left_with_one_strategy_keeps_it_and_gains_none():
    library = without("name-the-rupture", "take-your-share", "rupture-withdrawal-or-confrontation")
    chosen = choose(library, kind="alliance_rupture", context=())
    assert slugs(chosen) == ["invite-feedback-every-session"]


def test_a_kinds_own_strategy_whose_condition_fails_is_not_shown_in_place_of_another():
    # The whole relationship group's general strategies disabled: "consider referral"
    # without a poor fit, or "revisit the goals" without low goals, is wrong for this client.
    group = {"alliance_rupture", "alliance_low", "pushed_or_overridden"}
    general = [s.slug for s in LIBRARY if not s.conditions and set(s.kinds) & group]
    chosen = choose(without(*general), kind="alliance_rupture", context={"has_goals"})
    assert chosen == []


def test_good_news_and_trouble_each_keep_their_own():
    good = [s.slug for s in LIBRARY if set(s.kinds) <= POSITIVE_KINDS]
    kept = "review-goals-after-progress"  # needs has_goals
    assert choose(without(*(set(good) - {kept})), kind="recovered", context=()) == []
    assert slugs(
        choose(without(*(set(good) - {kept})), kind="recovered", context={"has_goals"})
    ) == [kept]


def test_a_kind_whose_strategies_are_all_turned_off_shows_none_rather_than_borrow():
    for kind in KINDS:
        library = without(*[s.slug for s in LIBRARY if kind in s.kinds])
        assert kind_turned_off(library, kind) and kind in kinds_turned_off(library)
        # Before, missing check-ins borrowed dropout risk's moves, and reliably worse
        # scores "strengthen hope" and "name the rupture".
        assert choose(library, kind=kind, context={"has_goals"}) == [], kind
    assert kinds_turned_off(LIBRARY) == []
    # One strategy of the kind left: not turned off, so the alert shows it and says there
    # are fewer, rather than that the clinic turned them all off.
    others = [s.slug for s in LIBRARY if "feedback_missing" in s.kinds]
    library = without(*(set(others) - {"check-the-link-works"}))
    assert not kind_turned_off(library, "feedback_missing")
    chosen = choose(library, kind="feedback_missing", context=())
    assert slugs(chosen) == ["check-the-link-works"]
    assert fewer_than_needed(library, chosen, "feedback_missing")


def test_another_kinds_safety_step_is_never_borrowed():
    engagement = {"feedback_missing", "dropout_risk"}
    general = [s.slug for s in LIBRARY if not s.conditions and set(s.kinds) & engagement]
    chosen = choose(without(*general), kind="feedback_missing", context={"has_goals"})
    assert "check-safety" not in slugs(chosen) and not any(s.safety for s in chosen)
    # Where it is the kind's own, it still leads.
    assert slugs(choose(LIBRARY, kind="reliable_deterioration", context=()))[0] == "check-safety"


def test_whatever_a_clinic_disables_only_the_kinds_own_that_fit_are_shown():
    rng = random.Random(7)
    names = sorted(CONDITIONS)
    for _ in range(400):
        off = {s.slug for s in LIBRARY if rng.random() < 0.7}
        library = without(*off)
        context = frozenset(c for c in names if rng.random() < 0.3)
        for kind in KINDS:
            chosen = choose(library, kind=kind, context=context)
            fitting = [s for s in library if s.fits(kind, context)]
            assert len(chosen) == min(len(fitting), MAX_SHOWN)
            assert all(s.fits(kind, context) for s in chosen)
            assert len(set(slugs(chosen))) == len(chosen)
            short = fewer_than_needed(library, chosen, kind)
            assert short == (len(chosen) < MIN_SHOWN and not kind_turned_off(library, kind))


def test_the_shipped_library_leaves_no_kind_short_and_disabling_names_the_kind():
    assert kinds_short_of_own(LIBRARY) == []
    assert kinds_short_of_own(without("check-the-link-works")) == ["feedback_missing"]
    # A strategy with conditions does not count: it does not fit every client.
    assert kinds_short_of_own(without("plan-the-ending")) == []


@pytest.mark.django_db
def test_a_clinics_rows_are_chosen_the_same_way(clinic):
    library_load(clinic=clinic)
    Strategy.objects.filter(clinic=clinic, slug="check-the-link-works").update(enabled=False)
    rows = Strategy.objects.filter(clinic=clinic, enabled=True)
    chosen = suggestions(rows, kind="feedback_missing", context=())
    assert slugs(chosen) == ["explain-why-you-ask"]


def said(page) -> str:
    return " ".join(page.content.decode().split())


@pytest.mark.django_db
def test_disabling_a_kinds_second_general_strategy_warns_the_admin_until_it_is_covered(
    login, admin_user, clinic
):
    http = login(admin_user)
    http.get("/manage/guidance/")
    plan = Strategy.objects.get(clinic=clinic, slug="plan-the-ending")
    page = said(http.post(f"/manage/guidance/{plan.pk}/toggle/", follow=True))
    assert "Strategy disabled." in page and "fewer than 2 strategies" not in page
    link = Strategy.objects.get(clinic=clinic, slug="check-the-link-works")
    page = said(http.post(f"/manage/guidance/{link.pk}/toggle/", follow=True))
    assert "Strategy disabled." in page
    assert WARNING + "Check-ins missing." in page
    assert "strategies written for other alerts are not shown in their place" in page
    link.refresh_from_db()
    assert not link.enabled  # a warning, not a refusal: the clinic decides
    # Lasting: the library page says it every time it is opened while it holds.
    for _ in range(2):
        page = said(http.get("/manage/guidance/"))
        assert "Some alerts have fewer strategies than they need" in page
        assert WARNING + "Check-ins missing." in page
    page = said(http.post(f"/manage/guidance/{link.pk}/toggle/", follow=True))
    assert "Strategy enabled." in page and "fewer than 2 strategies" not in page
    assert "fewer strategies than they need" not in said(http.get("/manage/guidance/"))


@pytest.mark.django_db
def test_an_edit_that_narrows_a_kinds_strategy_warns_the_admin(login, admin_user, clinic):
    http = login(admin_user)
    http.get("/manage/guidance/")
    link = Strategy.objects.get(clinic=clinic, slug="check-the-link-works")
    form = {
        "title": link.title,
        "text": link.text,
        "sources": link.sources,
        "kinds": ["feedback_missing"],
        "conditions": ["missed_sessions"],
        "priority": str(link.priority),
    }
    page = said(http.post(f"/manage/guidance/{link.pk}/", form, follow=True))
    assert "Strategy saved." in page and WARNING + "Check-ins missing." in page
    assert WARNING + "Check-ins missing." in said(http.get("/manage/guidance/"))


@pytest.mark.django_db
def test_turning_off_a_kinds_last_strategy_tells_the_admin_its_alerts_show_none(
    login, admin_user, clinic
):
    http = login(admin_user)
    http.get("/manage/guidance/")
    rows = [s for s in Strategy.objects.filter(clinic=clinic) if "feedback_missing" in s.kinds]
    for row in rows[:-1]:
        page = said(http.post(f"/manage/guidance/{row.pk}/toggle/", follow=True))
        assert "no strategies at all" not in page
    http.post(f"/manage/guidance/{rows[-1].pk}/toggle/")
    page = said(http.get("/manage/guidance/"))
    assert (
        "These alerts have no strategies at all: Check-ins missing. Therapists will see "
        "none with them, only a line saying that your clinic has turned them off" in page
    )
    # Not also listed among the kinds left short: it is named once, as turned off.
    assert WARNING + "Check-ins missing" not in page
    assert kinds_turned_off(Strategy.objects.filter(clinic=clinic)) == ["feedback_missing"]
