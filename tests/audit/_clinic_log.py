"""A log of two clinics and the installation, written through the app's own code paths,
and the rule the admin's page applied before each row stored its clinic (a frozen copy,
so tests can hold the stored ``clinic_id`` and the migration's backfill to it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, StrIndex, Substr
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role, User
from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import audit_record, audit_record_many
from rapport.cli import main
from rapport.clinic.models import Client, Clinic


@dataclass
class Elsewhere:
    """Another clinic of the same installation: its admin, therapist and client."""

    admin: User
    therapist: User
    client: Client


def elsewhere() -> Elsewhere:
    clinic = Clinic.objects.create(name="Elsewhere")
    therapist = make_user(clinic, "their.therapist@test.invalid", Role.THERAPIST)
    return Elsewhere(
        admin=make_user(clinic, "their.admin@test.invalid", Role.ADMIN),
        therapist=therapist,
        client=make_client(therapist, "Theo There"),
    )


def write_a_log(http, *, admin, therapist, client, there: Elsewhere, monkeypatch, capsys) -> None:
    """Events of every kind the page sorts by clinic, in both clinics and of neither."""
    # Pages: a caseload (a row per client) and a client's page and panels, in each clinic.
    for user in (therapist, there.therapist):
        http.force_login(user)
        http.get("/caseload/")
    http.force_login(therapist)
    http.get(f"/clients/{client.pk}/")
    http.force_login(there.therapist)
    http.get(f"/clients/{there.client.pk}/")
    # The admins' work on their users.
    for who, whom in ((admin, therapist), (there.admin, there.therapist)):
        audit_record(actor=who, action=Action.UPDATE, target=f"user:{whom.pk}:full_name")
    # The command line on a user of each clinic: a password, a token made and revoked.
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-new-long-enough-passphrase")
    for user in (therapist, there.therapist):
        capsys.readouterr()
        assert main(["token", "create", "--email", user.email]) == 0
        raw = capsys.readouterr().out.splitlines()[0]
        assert main(["token", "revoke", "--prefix", raw[:12]]) == 0
        assert main(["set-password", "--email", user.email]) == 0
    # An operator's work naming a clinic, and a client's record, by the command line.
    for clinic_id in (admin.clinic_id, there.admin.clinic_id):
        audit_record(
            actor="cli", action=Action.UPDATE, target=f"dropout-calibration:clinic:{clinic_id}"
        )
    audit_record(actor="cli", action=Action.VIEW, target=f"report:clinic:{admin.clinic_id}:all")
    audit_record(
        actor="cli", action=Action.CREATE, target="checkin:3:phq9:link", client_id=client.pk
    )
    # The system's run over both clinics' clients: each row is its client's clinic's.
    audit_record_many(
        actor="system",
        action=Action.VIEW,
        target="signals-recompute",
        client_ids=[client.pk, there.client.pk],
    )
    # A client's own answers through their link.
    for someone in (client, there.client):
        audit_record(
            actor="client-link", action=Action.SUBMIT, target="response:1", client_id=someone.pk
        )
    # The installation's own work: no clinic's.
    audit_record(actor="cli", action=Action.UPDATE, target="encryption-key-rotation")
    audit_record(actor=None, action=Action.CREATE, target="guidance-library:12")
    audit_record(actor="cli", action=Action.UPDATE, target=f"dropout-calibration:clinic:{10**6}")
    audit_record(actor="client-link", action=Action.UPDATE, target=f"user:{therapist.pk}:y")


# The rule as audit.selectors.audit_events_for applied it before clinic_id was stored
# (commit 9dfd31c): three conditions ORed, one a subquery per row.
def _text_up_to_colon(text):
    rest = Concat(text, Value(":"))
    return Substr(rest, 1, StrIndex(rest, Value(":")) - 1, output_field=CharField())


def _subject_user_ref():
    after_user = Substr("target", len("user:") + 1)
    after_token_user = Substr("target", StrIndex("target", Value(":user:")) + len(":user:"))
    return Case(
        When(Q(target__startswith="user:"), then=_text_up_to_colon(after_user)),
        When(
            Q(target__startswith="api-token:") & Q(target__contains=":user:"),
            then=_text_up_to_colon(after_token_user),
        ),
        default=Value(None),
        output_field=CharField(),
    )


def old_rule_ids(admin) -> set[int]:
    """The ids of the rows the admin's page showed under the old rule."""
    name = (
        User.objects.filter(clinic_id=admin.clinic_id)
        .annotate(id_text=Cast("pk", CharField()))
        .filter(id_text=OuterRef("subject_user_ref"))
        .values_list(Coalesce(NullIf("full_name", Value("")), "email", output_field=CharField()))[
            :1
        ]
    )
    events = AuditEvent.objects.annotate(subject_user_ref=_subject_user_ref()).annotate(
        subject_user_name=Subquery(name, output_field=CharField())
    )
    part = f":clinic:{admin.clinic_id}"
    operators = Q(actor_label__in=("cli", "system")) & (
        Q(subject_user_name__isnull=False)
        | Q(target__endswith=part)
        | Q(target__contains=f"{part}:")
    )
    labels = User.objects.filter(clinic_id=admin.clinic_id).values_list("email", flat=True)
    clients = Client.objects.filter(clinic_id=admin.clinic_id).values_list("pk", flat=True)
    return set(
        events.filter(Q(actor_label__in=labels) | Q(client_id__in=clients) | operators).values_list(
            "pk", flat=True
        )
    )
