"""The audit log says what an admin changed in a staff account or the clinic's settings:
"user:2" for both a deactivation and a reactivation, and "clinic-settings" for any change
of settings, read the same on the admin's audit page. Field names only, never a value an
admin typed (a name, the crisis text)."""

from __future__ import annotations

import pytest
from tests.conftest import make_user

from rapport.accounts.models import Role
from rapport.accounts.services import user_create, user_update
from rapport.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def _last_target(action: str = Action.UPDATE) -> str:
    return AuditEvent.objects.filter(action=action).order_by("-pk").first().target


def test_deactivating_and_reactivating_read_differently(admin_user, therapist_b):
    user_update(actor=admin_user, user=therapist_b, is_active=False)
    assert _last_target() == f"user:{therapist_b.pk}:deactivated"
    user_update(actor=admin_user, user=therapist_b, is_active=True)
    assert _last_target() == f"user:{therapist_b.pk}:reactivated"


def test_a_role_change_names_the_old_and_new_role(admin_user, therapist_b):
    user_update(actor=admin_user, user=therapist_b, role=Role.SUPERVISOR)
    assert _last_target() == f"user:{therapist_b.pk}:role:therapist->supervisor"


def test_the_edit_page_records_only_what_was_changed_and_never_the_name(
    login, admin_user, therapist_b
):
    """The edit page sends every field: the ones left as they were are not named."""
    http = login(admin_user)
    form = {"full_name": "Bea Renamed-Canary", "role": "therapist", "is_active": "on"}
    assert http.post(f"/manage/users/{therapist_b.pk}/", form).status_code == 302
    assert _last_target() == f"user:{therapist_b.pk}:full_name"
    form = {**form, "is_trainee": "on"}
    assert http.post(f"/manage/users/{therapist_b.pk}/", form).status_code == 302
    assert _last_target() == f"user:{therapist_b.pk}:trainee:on"
    assert http.post(f"/manage/users/{therapist_b.pk}/", form).status_code == 302
    assert _last_target() == f"user:{therapist_b.pk}:unchanged"
    assert not AuditEvent.objects.filter(target__icontains="canary").exists()


def test_several_changes_at_once_are_all_named(admin_user, clinic):
    sam = make_user(clinic, "sam.supervisor@test.invalid", Role.SUPERVISOR)
    user_update(actor=admin_user, user=sam, is_active=False, role=Role.THERAPIST, full_name="S")
    assert _last_target() == f"user:{sam.pk}:deactivated,role:supervisor->therapist,full_name"


def test_a_new_account_is_recorded_with_its_role(admin_user, clinic):
    user = user_create(
        actor=admin_user,
        clinic=clinic,
        email="new.trainee@test.invalid",
        role=Role.THERAPIST,
        is_trainee=True,
    )
    assert _last_target(Action.CREATE) == f"user:{user.pk}:role:therapist,trainee"


def test_clinic_settings_name_the_fields_changed_never_their_values(login, admin_user, clinic):
    http = login(admin_user)
    form = {
        "name": clinic.name,
        "require_mfa": "",
        "crisis_text": "Call the Canary-line on 0000 000 000.",
        "transcript_retention_days": "90",
    }
    assert http.post("/manage/clinic/", form).status_code == 302
    assert _last_target() == "clinic-settings:crisis_text,transcript_retention_days"
    assert http.post("/manage/clinic/", form).status_code == 302
    assert _last_target() == "clinic-settings:unchanged"
    settings_targets = AuditEvent.objects.filter(target__startswith="clinic-settings")
    assert not [t for t in settings_targets.values_list("target", flat=True) if "90" in t]
    assert not AuditEvent.objects.filter(target__icontains="canary").exists()
