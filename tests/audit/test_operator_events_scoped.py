"""What the command line ("cli") and the system do to a clinic's users is shown on that
clinic's audit page, and on no other clinic's: a token of one of its users revoked by an
operator, a password set with ``rapport set-password``, was on nobody's page. An
operator's work that names no clinic (a key rotation) is the installation's, shown to no
clinic's admin; the command line's work on a client's record is shown coarsely, as any."""

from __future__ import annotations

import pytest
from tests.conftest import make_user

from rapport.accounts.models import Role
from rapport.accounts.services import user_create
from rapport.audit.models import Action, AuditEvent
from rapport.audit.selectors import admin_audit_row, audit_events_for
from rapport.audit.services import audit_record
from rapport.cli import main
from rapport.clinic.models import Clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(db):
    """The admin of another clinic of the same installation, with a therapist of theirs."""
    elsewhere = Clinic.objects.create(name="Elsewhere")
    make_user(elsewhere, "their.therapist@test.invalid", Role.THERAPIST)
    return make_user(elsewhere, "their.admin@test.invalid", Role.ADMIN)


def _shown(admin) -> list[tuple[str, str, str]]:
    """Each row's actor, words, and the event as stored under them."""
    return [
        (row.actor_label, row.what, row.detail)
        for row in map(admin_audit_row, audit_events_for(admin))
    ]


def test_token_commands_on_a_clinics_user_reach_only_that_clinics_admin(
    admin_user, other_admin, therapist_a, capsys
):
    assert main(["token", "create", "--email", therapist_a.email]) == 0
    raw = capsys.readouterr().out.splitlines()[0]
    assert main(["token", "revoke", "--prefix", raw[:12]]) == 0
    token = AuditEvent.objects.get(action=Action.CREATE).target  # api-token:<n>:user:<id>
    assert _shown(admin_user) == [
        ("cli", "Revoked an API token — Therapist.A", f"Changed · {token}:revoked"),
        ("cli", "Created an API token — Therapist.A", f"Created · {token}"),
    ]
    assert _shown(other_admin) == []


def test_set_password_at_the_command_line_reaches_the_clinics_admin_as_cli(
    admin_user, other_admin, therapist_a, monkeypatch, capsys
):
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-new-long-enough-passphrase")
    assert main(["set-password", "--email", therapist_a.email]) == 0
    assert _shown(admin_user) == [
        (
            "cli",
            "Set a new password — Therapist.A",
            f"Changed · user:{therapist_a.pk}:password",
        ),
    ]
    assert _shown(other_admin) == []


def test_an_account_made_by_the_system_reaches_its_clinics_admin(admin_user, other_admin):
    theirs = user_create(
        actor=None, clinic=other_admin.clinic, email="new.there@test.invalid", role="therapist"
    )
    assert _shown(admin_user) == []
    assert _shown(other_admin) == [
        (
            "system",
            "Created account — new.there@test.invalid",
            f"Created · user:{theirs.pk}:role:therapist",
        )
    ]


def test_an_operators_work_naming_the_clinic_reaches_only_its_admin(admin_user, other_admin):
    ours, theirs = admin_user.clinic_id, other_admin.clinic_id
    for clinic_id in (ours, theirs):
        audit_record(
            actor="cli", action=Action.UPDATE, target=f"dropout-calibration:clinic:{clinic_id}"
        )
    # A clinic whose id begins with ours is not ours.
    audit_record(actor="cli", action=Action.UPDATE, target=f"dropout-calibration:clinic:{ours}0")
    audit_record(actor="cli", action=Action.VIEW, target=f"report:clinic:{ours}:all")
    assert _shown(admin_user) == [
        ("cli", "Viewed a clinic report", f"Viewed · report:clinic:{ours}:all"),
        (
            "cli",
            "Recalibrated the dropout-risk model",
            f"Changed · dropout-calibration:clinic:{ours}",
        ),
    ]
    assert _shown(other_admin) == [
        (
            "cli",
            "Recalibrated the dropout-risk model",
            f"Changed · dropout-calibration:clinic:{theirs}",
        )
    ]


def test_an_installations_event_reaches_no_clinics_admin(admin_user, other_admin):
    audit_record(actor="cli", action=Action.UPDATE, target="encryption-key-rotation")
    audit_record(actor=None, action=Action.CREATE, target="guidance-library:12")
    assert _shown(admin_user) == _shown(other_admin) == []


def test_only_operators_events_are_scoped_by_whom_they_name(admin_user, other_admin, therapist_a):
    """Another clinic's admin writing about one of our users (which no page lets them do)
    is their clinic's event, shown to them only; nor does a client link's label count as
    an operator's."""
    audit_record(actor=other_admin, action=Action.UPDATE, target=f"user:{therapist_a.pk}:x")
    audit_record(actor="client link", action=Action.UPDATE, target=f"user:{therapist_a.pk}:y")
    assert _shown(admin_user) == []
    assert _shown(other_admin) == [
        # Not named: no user of that admin's clinic.
        (
            other_admin.email,
            "Changed account — Deleted account",
            f"Changed · user:{therapist_a.pk}:x",
        ),
    ]


def test_the_command_lines_work_on_a_client_record_stays_coarse(admin_user, other_admin, client_a):
    audit_record(
        actor="cli", action=Action.CREATE, target="checkin:3:phq9:link", client_id=client_a.pk
    )
    assert _shown(admin_user) == [("cli", "Changed client record", "")]
    assert _shown(other_admin) == []
