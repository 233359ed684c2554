"""When the periodic recompute (``rapport recompute-alerts``) last completed, and what the
pages say about it.

Some alerts depend on time alone (a check-in becoming overdue, a snooze that ended,
dropout risk by elapsed time): no answer or attendance change raises them, only the
periodic run (``tasks.recompute_alerts``, from cron; docs/operations.md). If cron was never
set up or stopped, those alerts silently never appear; so a completed run records itself,
one audit row per clinic it covered, as the system (``alerts-recompute:clinic:<id>``), and
the clinic settings page (a ``core.hooks`` note) and the caseload say when a run is missing.
An audit row, not a model of its own: the run already audits what it reads, the log is
append-only, and the admin's audit page then shows the runs too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import audit_record

__all__ = [
    "STALE_AFTER",
    "caseload_notice",
    "last_recompute",
    "record_recompute",
    "settings_note",
]

#: The run is hourly (docs/operations.md); a day and two hours without one is no missed
#: hour or slow run but a job that is not running.
STALE_AFTER = dt.timedelta(hours=26)

#: An install younger than this (no episode created before it) is not nagged on the
#: caseload: a brand-new clinic has no time-based alert to miss yet.
NEW_INSTALL = dt.timedelta(days=1)

_CRON_DOC = "docs/operations.md"


def _target(clinic_id: int) -> str:
    return f"alerts-recompute:clinic:{clinic_id}"


def record_recompute(*, clinic_ids: Iterable[int]) -> None:
    """A completed recompute of every open episode of these clinics (``tasks``)."""
    for clinic_id in clinic_ids:
        audit_record(actor=None, action=Action.UPDATE, target=_target(clinic_id))


def last_recompute(clinic_id: int, *, since: dt.datetime | None = None) -> dt.datetime | None:
    """When the last completed recompute of this clinic was recorded (after ``since`` if
    given: a bounded read through the (clinic, client, time) index), else None."""
    rows = AuditEvent.objects.filter(
        clinic_id=clinic_id, client_id__isnull=True, target=_target(clinic_id)
    )
    if since is not None:
        rows = rows.filter(at__gte=since)
    return rows.order_by("-at").values_list("at", flat=True).first()


def _when(at: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(at), "j M Y, H:i")


def settings_note(clinic) -> str:
    """The clinic settings page's note (registered in ``apps.py``): when alerts that depend
    on time alone were last checked, or a warning that the periodic job is not running."""
    last = last_recompute(clinic.pk)
    if last is None:
        return _(
            "Warning: alerts that depend on time alone (overdue check-ins, snoozes that "
            "ended, dropout risk by elapsed time) have never been checked: the periodic job "
            "rapport recompute-alerts has not run. Set up its cron line (%(doc)s)."
        ) % {"doc": _CRON_DOC}
    if timezone.now() - last > STALE_AFTER:
        return _(
            "Warning: alerts that depend on time alone (overdue check-ins, snoozes that "
            "ended, dropout risk by elapsed time) were last checked on %(when)s, over 26 "
            "hours ago: the periodic job rapport recompute-alerts is not running. Check its "
            "cron line (%(doc)s)."
        ) % {"when": _when(last), "doc": _CRON_DOC}
    return _(
        "Alerts that depend on time alone were last checked on %(when)s (rapport recompute-alerts)."
    ) % {"when": _when(last)}


def caseload_notice(user, *, now: dt.datetime) -> str:
    """The caseload's notice for a therapist or supervisor when the periodic run is over 26
    hours old, or never ran in a clinic that has had episodes for over a day; "" otherwise.
    One query while runs are on time (bounded to the last 26 hours)."""
    if not (user.is_therapist or user.is_supervisor) or user.clinic_id is None:
        return ""
    if last_recompute(user.clinic_id, since=now - STALE_AFTER) is not None:
        return ""
    last = last_recompute(user.clinic_id)
    if last is None:
        from rapport.clinic.models import Episode

        old = Episode.objects.filter(
            client__clinic_id=user.clinic_id, created_at__lt=now - NEW_INSTALL
        )
        if not old.exists():
            return ""
        return _(
            "Overdue check-ins and other time-based alerts may be missing: the periodic "
            "check has never run; tell the person who runs Rapport."
        )
    return _(
        "Overdue check-ins and other time-based alerts may be missing: the periodic check "
        "last ran on %(when)s; tell the person who runs Rapport."
    ) % {"when": _when(last)}
