"""Clinic admins edit their copy of the guidance library; therapists see the result."""

from __future__ import annotations

import pytest

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Clinic
from rapport.guidance.library import load_library
from rapport.guidance.models import Origin, Strategy
from rapport.guidance.services import library_load
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Ask about the commute",
    "text": "Ask whether getting to sessions is hard, and offer video.",
    "sources": "Swift JK, Greenberg RP (2015). Premature Termination in Psychotherapy.\n",
    "kinds": ["dropout_risk", "feedback_missing"],
    "conditions": ["missed_sessions"],
    "priority": "60",
}


def test_the_library_is_copied_into_a_clinic_once_and_edits_survive_a_reload(clinic):
    assert library_load(clinic=clinic) == len(load_library())
    strategy = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    strategy.text = "Our clinic's own wording."
    strategy.edited = True  # as an admin's edit marks it (services.strategy_update)
    strategy.save()
    assert library_load(clinic=clinic) == 0
    strategy.refresh_from_db()
    assert strategy.text == "Our clinic's own wording."
    assert Strategy.objects.filter(clinic=clinic, origin=Origin.LIBRARY).count() == len(
        load_library()
    )


def test_an_admin_lists_edits_disables_and_adds_strategies(login, admin_user, clinic):
    http = login(admin_user)
    page = http.get("/manage/guidance/").content.decode()
    assert "Guidance library" in page and "Name what you noticed" in page
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert nav.count(">Guidance</a>") == 1  # the menu names each page once
    strategy = Strategy.objects.get(clinic=clinic, slug="mandated-own-goal")
    response = http.post(
        f"/manage/guidance/{strategy.pk}/",
        {
            **FORM,
            "title": "Name the obligation",
            "kinds": ["alliance_low"],
            "conditions": ["mandated"],
            "unless": ["trainee"],
        },
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.title == "Name the obligation" and strategy.edited
    assert strategy.kinds == ["alliance_low"] and strategy.unless == ["trainee"]
    assert strategy.source_list == [
        "Swift JK, Greenberg RP (2015). Premature Termination in Psychotherapy."
    ]
    assert http.post(f"/manage/guidance/{strategy.pk}/toggle/").status_code == 302
    strategy.refresh_from_db()
    assert not strategy.enabled
    response = http.post("/manage/guidance/new/", FORM)
    assert response.status_code == 302
    added = Strategy.objects.get(clinic=clinic, title="Ask about the commute")
    assert added.origin == Origin.CLINIC and added.slug == "ask-about-the-commute"
    assert AuditEvent.objects.filter(target=f"strategy:{added.pk}", actor=admin_user).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"sources": "   "},
        {"kinds": []},
        {"title": ""},
        {"conditions": ["mandated"], "unless": ["mandated"]},
        {"priority": "101"},
        {"kinds": ["not_a_kind"]},
    ],
)
def test_an_invalid_strategy_re_renders_with_400_and_saves_nothing(login, admin_user, change):
    http = login(admin_user)
    http.get("/manage/guidance/")
    before = list(Strategy.objects.values_list("pk", "title", "sources", "kinds", "updated_at"))
    strategy = Strategy.objects.order_by("pk").first()
    assert http.post(f"/manage/guidance/{strategy.pk}/", {**FORM, **change}).status_code == 400
    assert http.post("/manage/guidance/new/", {**FORM, **change}).status_code == 400
    after = list(Strategy.objects.values_list("pk", "title", "sources", "kinds", "updated_at"))
    assert after == before


def test_only_admins_of_the_same_clinic_reach_the_library(login, therapist_a, admin_user, clinic):
    library_load(clinic=clinic)
    strategy = Strategy.objects.filter(clinic=clinic).first()
    assert login(therapist_a).get("/manage/guidance/").status_code == 403
    assert login(therapist_a).post(f"/manage/guidance/{strategy.pk}/toggle/").status_code == 403
    other = Clinic.objects.create(name="Other clinic")
    outsider = make_user(other, "admin@other.invalid", "admin")
    assert login(outsider).get(f"/manage/guidance/{strategy.pk}/").status_code == 404
    assert login(outsider).post(f"/manage/guidance/{strategy.pk}/toggle/").status_code == 404
    strategy.refresh_from_db()
    assert strategy.enabled
