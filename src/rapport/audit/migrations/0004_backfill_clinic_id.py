"""Each audit row already stored gets the clinic whose admin's page showed it, by the rule
that page applied (rapport.audit.scope): the actor's clinic (the row's label is the email
of one of its users), else the client's, else, for the command line and the system, the
clinic of the user the target names or the clinic it names. Rows none of these place
keep no clinic: the installation's own work.

The log is append-only for the application (AuditEvent's queryset and save() refuse to
change a row). A migration works on the historical model, which has Django's plain
manager and none of those guards: the guarantee is the application's, and this one-off
fill of a column the application never wrote is made here, as a schema change would be.
The app's own model keeps its guards.

Batches of ids, each its own transaction (the migration is not atomic), so a large log
is not one long write lock; a batch only fills rows still empty, so a run broken off
and started again carries on. The reverse empties the column again.

The parsing of targets is copied here as it stood (not imported), so the migration
keeps meaning what it meant when later code changes.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.db import migrations, transaction
from django.db.models import OuterRef, Subquery

BATCH = 5000
OPERATOR_LABELS = ("cli", "system")
_CLINIC_PART = re.compile(r"(?=:clinic:([^:]*)(?::|$))")
_ID = re.compile(r"[1-9][0-9]*")


def _as_id(ref):
    return int(ref) if ref is not None and _ID.fullmatch(ref) else None


def _subject_user_ref(target):
    if target.startswith("user:"):
        return target[len("user:") :].split(":", 1)[0]
    if target.startswith("api-token:") and ":user:" in target:
        return target.split(":user:", 1)[1].split(":", 1)[0]
    return None


def _named_clinic_id(target):
    for match in _CLINIC_PART.finditer(target):
        clinic_id = _as_id(match.group(1))
        if clinic_id is not None:
            return clinic_id
    return None


def _batches(AuditEvent):
    ids = AuditEvent.objects.order_by("pk").values_list("pk", flat=True)
    first, last = ids.first(), ids.last()
    if first is None:
        return
    for start in range(first, last + 1, BATCH):
        yield AuditEvent.objects.filter(pk__gte=start, pk__lt=start + BATCH)


def _fill_batch(rows, User, Client, Clinic):
    empty = rows.filter(clinic_id__isnull=True)
    # 1. The actor's clinic: the label is the email of a user with a clinic.
    staff = User.objects.filter(clinic__isnull=False)
    empty.filter(actor_label__in=staff.values("email")).update(
        clinic_id=Subquery(staff.filter(email=OuterRef("actor_label")).values("clinic_id")[:1])
    )
    # 2. The client's clinic.
    empty.filter(client_id__in=Client.objects.values("pk")).update(
        clinic_id=Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("clinic_id")[:1])
    )
    # 3. The command line's and the system's work on a user of a clinic, or on a clinic.
    operators = list(
        empty.filter(actor_label__in=OPERATOR_LABELS).values_list("pk", "target").iterator()
    )
    refs = {_as_id(_subject_user_ref(target)) for _, target in operators} - {None}
    user_clinics = dict(
        User.objects.filter(pk__in=refs, clinic__isnull=False).values_list("pk", "clinic_id")
    )
    named = {_named_clinic_id(target) for _, target in operators} - {None}
    clinics = set(Clinic.objects.filter(pk__in=named).values_list("pk", flat=True))
    by_clinic = defaultdict(list)
    for pk, target in operators:
        clinic_id = user_clinics.get(_as_id(_subject_user_ref(target)))
        if clinic_id is None and _named_clinic_id(target) in clinics:
            clinic_id = _named_clinic_id(target)
        if clinic_id is not None:
            by_clinic[clinic_id].append(pk)
    for clinic_id, pks in by_clinic.items():
        rows.filter(pk__in=pks).update(clinic_id=clinic_id)


def fill_clinic_ids(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model("accounts", "User")
    Client = apps.get_model("clinic", "Client")
    Clinic = apps.get_model("clinic", "Clinic")
    for rows in _batches(AuditEvent):
        with transaction.atomic(using=schema_editor.connection.alias):
            _fill_batch(rows, User, Client, Clinic)


def empty_clinic_ids(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for rows in _batches(AuditEvent):
        with transaction.atomic(using=schema_editor.connection.alias):
            rows.filter(clinic_id__isnull=False).update(clinic_id=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0003_auditevent_clinic_id"),
        ("accounts", "0003_must_change_password"),
        ("clinic", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill_clinic_ids, empty_clinic_ids, elidable=False)]
