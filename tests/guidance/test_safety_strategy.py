"""A safety step (a strategy that prompts asking about risk) is marked as such in the
library's data and on the clinic's copy, not known by its slug; it is disabled only after
an explicit confirmation, which the service checks too, and the change is audited. Other
strategies keep their one click."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rapport.audit.models import AuditEvent
from rapport.guidance.library import load_library, parse_library
from rapport.guidance.models import Origin, Strategy
from rapport.guidance.services import library_load, strategy_set_enabled

pytestmark = pytest.mark.django_db

CONFIRM = "I understand that therapists will no longer be prompted by this strategy"
TICK = "Tick the box to confirm you want to disable it."

#: A library release with a second safety step under a slug the app has never seen.
RISK_ENTRY = {
    "slug": "ask-about-risk-after-a-crisis",
    "title": "Ask about risk after a crisis",
    "text": "Ask directly about thoughts of self-harm and review the safety plan.",
    "sources": ["Lambert MJ, Whipple JL, Kleinstauber M (2018). Psychotherapy 55(4)."],
    "kinds": ["not_on_track"],
    "safety": True,
}

OWN = {
    "title": "Check the crisis plan",
    "text": "Go through the crisis plan and who the client can call tonight.",
    "sources": "Our clinic's risk policy (2024).",
    "kinds": ["reliable_deterioration", "not_on_track"],
    "priority": "60",
    "safety": "on",
}


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


def row_of(page: str, title: str) -> str:
    return page.split(title, 1)[1].split("</tr>", 1)[0]


def test_the_library_data_marks_check_safety_and_nothing_else_as_a_safety_step(clinic, safety):
    assert [s.slug for s in load_library() if s.safety] == ["check-safety"]
    assert safety.title == "Ask directly how they are coping and about safety"
    assert list(Strategy.objects.filter(clinic=clinic, safety=True)) == [safety]


def test_the_library_offers_no_one_click_disable_for_the_safety_strategy(login, admin_user, safety):
    page = login(admin_user).get("/manage/guidance/").content.decode()
    row = row_of(page, safety.title)
    assert "(safety)" in row
    assert (
        f'<a href="/manage/guidance/{safety.pk}/toggle/" aria-label="Disable strategy: '
        f'{safety.title}… (asks you to confirm)">Disable…</a>'
    ) in row
    assert "<form" not in row


@pytest.mark.usefixtures("second_safety_step")
def test_disabling_the_safety_strategy_without_confirming_changes_nothing(
    login, admin_user, safety
):
    http = login(admin_user)
    page = http.get(f"/manage/guidance/{safety.pk}/toggle/").content.decode()
    assert "This is a safety strategy." in page and CONFIRM in page
    response = http.post(f"/manage/guidance/{safety.pk}/toggle/")
    assert response.status_code == 400
    assert TICK in response.content.decode()
    safety.refresh_from_db()
    assert safety.enabled
    assert not AuditEvent.objects.filter(target__startswith=f"strategy:{safety.pk}").exists()


@pytest.mark.usefixtures("second_safety_step")
def test_a_confirmed_disable_is_done_and_audited_and_enabling_needs_no_confirmation(
    login, admin_user, safety
):
    http = login(admin_user)
    response = http.post(f"/manage/guidance/{safety.pk}/toggle/", {"understood": "on"})
    assert response.status_code == 302
    safety.refresh_from_db()
    assert not safety.enabled
    assert AuditEvent.objects.filter(
        actor=admin_user, action="update", target=f"strategy:{safety.pk}:disabled"
    ).exists()
    assert http.post(f"/manage/guidance/{safety.pk}/toggle/").status_code == 302
    safety.refresh_from_db()
    assert safety.enabled


def test_other_strategies_are_still_disabled_in_one_click(login, admin_user, clinic, safety):
    other = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    assert login(admin_user).post(f"/manage/guidance/{other.pk}/toggle/").status_code == 302
    other.refresh_from_db()
    assert not other.enabled


@pytest.mark.usefixtures("second_safety_step")
def test_a_strategy_the_library_file_marks_as_safety_needs_confirmation_whatever_its_slug(
    login, admin_user, clinic
):
    specs = parse_library({"strategies": [RISK_ENTRY]})
    library_load(clinic=clinic, specs=specs)
    risk = Strategy.objects.get(clinic=clinic, slug=RISK_ENTRY["slug"])
    assert risk.safety and risk.origin == Origin.LIBRARY
    http = login(admin_user)
    response = http.post(f"/manage/guidance/{risk.pk}/toggle/")
    assert response.status_code == 400 and TICK in response.content.decode()
    risk.refresh_from_db()
    assert risk.enabled
    assert http.post(f"/manage/guidance/{risk.pk}/toggle/", {"understood": "on"}).status_code == 302
    risk.refresh_from_db()
    assert not risk.enabled


def test_a_release_that_marks_a_strategy_the_clinic_has_marks_the_clinics_copy(clinic):
    unmarked = parse_library({"strategies": [{**RISK_ENTRY, "safety": False}]})
    library_load(clinic=clinic, specs=unmarked)
    copy = Strategy.objects.get(clinic=clinic, slug=RISK_ENTRY["slug"])
    copy.text = "Our clinic's wording."
    copy.edited = True
    copy.save()
    assert not copy.safety
    library_load(clinic=clinic, specs=parse_library({"strategies": [RISK_ENTRY]}))
    copy.refresh_from_db()
    assert copy.safety and copy.text == "Our clinic's wording."
    assert AuditEvent.objects.filter(target="guidance-library:safety:1").exists()


@pytest.mark.usefixtures("second_safety_step")
def test_a_clinic_marks_its_own_strategy_as_safety_and_it_then_needs_confirmation(
    login, admin_user, clinic
):
    http = login(admin_user)
    assert http.post("/manage/guidance/new/", OWN).status_code == 302
    own = Strategy.objects.get(clinic=clinic, title=OWN["title"])
    assert own.safety and own.origin == Origin.CLINIC
    row = row_of(http.get("/manage/guidance/").content.decode(), own.title)
    assert "(safety)" in row and "Disable…" in row and "<form" not in row
    response = http.post(f"/manage/guidance/{own.pk}/toggle/")
    assert response.status_code == 400 and TICK in response.content.decode()
    own.refresh_from_db()
    assert own.enabled
    assert http.post(f"/manage/guidance/{own.pk}/toggle/", {"understood": "on"}).status_code == 302
    own.refresh_from_db()
    assert not own.enabled
    assert AuditEvent.objects.filter(
        actor=admin_user, target=f"strategy:{own.pk}:disabled"
    ).exists()


def test_a_strategy_added_without_the_mark_is_not_a_safety_step(login, admin_user, clinic):
    http = login(admin_user)
    assert http.post("/manage/guidance/new/", {**OWN, "safety": ""}).status_code == 302
    own = Strategy.objects.get(clinic=clinic, title=OWN["title"])
    assert not own.safety
    assert http.post(f"/manage/guidance/{own.pk}/toggle/").status_code == 302
    own.refresh_from_db()
    assert not own.enabled


@pytest.mark.usefixtures("second_safety_step")
def test_the_service_refuses_to_disable_a_safety_step_without_confirmation(admin_user, safety):
    # The page's tick box is not the only guard: a caller of the service is refused too.
    with pytest.raises(ValidationError, match="Tick the box"):
        strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False)
    safety.refresh_from_db()
    assert safety.enabled
    assert not AuditEvent.objects.filter(target__startswith=f"strategy:{safety.pk}").exists()
    strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    safety.refresh_from_db()
    assert not safety.enabled


@pytest.mark.usefixtures("second_safety_step")
def test_the_service_checks_the_stored_strategy_not_one_changed_in_memory(admin_user, safety):
    safety.safety = False  # a caller cannot talk the service out of the rule
    with pytest.raises(ValidationError, match="Tick the box"):
        strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False)
    assert Strategy.objects.get(pk=safety.pk).enabled
