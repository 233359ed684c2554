"""The access log: who saw or changed which client's data, when, from where (DESIGN §5).

Append-only from the application: rows cannot be updated or deleted through the ORM.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Audit rows are never changed or removed by the application."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def delete(self):
        raise AppendOnlyError("the audit log is append-only")


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    SUBMIT = "submit", _("Client submitted")


#: The rows that create or change something, as a filter: the partial index on ``target``
#: covers exactly these, and a query uses that index only when its own filter is written
#: the same way (SQLite matches the index's condition term for term: ``action IN (...)``
#: would read the whole log), so ``audit.selectors`` filters with this very expression.
CREATED_OR_CHANGED = models.Q(action=Action.CREATE) | models.Q(action=Action.UPDATE)


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Kept as plain values so the record survives the deletion of the user or client.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=254)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    # What was touched, e.g. "client", "caseload", "goal:12". Never client free text.
    target = models.CharField(max_length=100)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    # The HTTP request, command or run that wrote the row (rapport.audit.context): the
    # rows one caseload view writes, one per client, share it. Empty on rows written
    # before it was kept.
    request_id = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    # The clinic whose admin sees the row, set once when it is written (audit.scope): the
    # actor's clinic, else the client's, else, for the command line and the system, the
    # clinic of the user or the clinic its target names. Empty for the installation's own
    # work (a key rotation, the shipped guidance library), which no clinic's admin sees.
    # A plain value like client_id, so the row outlives the clinic; the admin's page reads
    # one clinic's rows newest first through the index on (clinic_id, at).
    clinic_id = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # The admin's page: one clinic's rows, newest first.
            models.Index(fields=["clinic_id", "at"], name="audit_clinic_at"),
            # The page filtered on one client: that client's rows, newest first, found at
            # once however rarely the client appears in the clinic's log (SQLite, without
            # statistics, would otherwise walk the clinic's index to find them).
            models.Index(fields=["clinic_id", "client_id", "at"], name="audit_clinic_client_at"),
            # Who other than a clinician read their clients' records lately ("Who can see
            # your clients": audit.selectors.client_record_readers): each client's rows of
            # the last 90 days found at once, not every row the client ever had (the index
            # on client_id alone: the time grew with the log, 3 times for a year of it
            # against its last quarter; bench/bench_audit_readers.py).
            # The action and the actor are in it too, so the clinician's own reads, most of
            # those rows, are passed over in the index (SQLite reads a row from the table
            # only for the readers it counts).
            models.Index(
                fields=["client_id", "at", "action", "actor_id"], name="audit_client_at_reads"
            ),
            # Who created or reopened a supervision link, by its target ("Who can see your
            # clients": audit.selectors.supervision_link_grants): found at once, not by
            # reading the whole log. Only the rows that create or change something, a small
            # part of a log that is mostly reads.
            models.Index(
                fields=["target"], condition=CREATED_OR_CHANGED, name="audit_target_changed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")
