"""``rapport checkin-link`` and ``rapport import-responses``; at every start, the refused
forms' keys no longer needed are deleted (``services.refused_forms_purge``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rapport.cli import CommandError, _check_database, _setup_django, on_start, register

__all__ = ["add_commands"]


def cmd_checkin_link(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from django.core.exceptions import ValidationError

    from rapport.checkins.models import Timing
    from rapport.checkins.selectors import appointment_current_or_next
    from rapport.checkins.services import checkin_create, checkin_url
    from rapport.clinic.models import Client
    from rapport.measures.errors import InstrumentNotFound
    from rapport.measures.registry import all_instruments, get_instrument

    try:
        instrument = get_instrument(args.instrument)
    except InstrumentNotFound:
        known = ", ".join(i.id for i in all_instruments())
        raise CommandError(
            f"unknown instrument {args.instrument!r}: the instrument ids are {known}"
        ) from None
    client = Client.objects.filter(pk=args.client).first()
    if client is None:
        raise CommandError(f"no client with id {args.client}")
    # A check-in about the session can only rate one that has begun: after today's session,
    # today's appointment, not next week's (which checkin_create would refuse).
    about_the_session = args.timing == Timing.AFTER or instrument.kind == "alliance"
    appointment = appointment_current_or_next(client, about_the_session=about_the_session)
    if appointment is None:
        raise CommandError(_no_appointment(client))
    timing = args.timing or (Timing.BEFORE if appointment.starts_at > _now() else Timing.AFTER)
    try:
        checkin, token = checkin_create(
            actor="cli",  # an operator's hand-run command, told apart from scheduled work
            appointment=appointment,
            instrument_id=args.instrument,
            timing=timing,
            valid_for=_hours(args.hours),
        )
    except ValidationError as error:
        raise CommandError("; ".join(error.messages)) from None
    # What the link is for, on standard error: the operator must be able to tell the client
    # which session it asks about and until when it works, and standard output stays the URL
    # alone for scripts that read it (`URL=$(rapport checkin-link ...)`).
    print(_described(checkin, instrument), file=sys.stderr)
    print(checkin_url(token))


def _no_appointment(client) -> str:
    """Why there is no appointment to send a link for, and what can be done. An ended
    episode's booked sessions were cancelled when it ended, and no link can be made for its
    appointments (``checkin_create`` refuses them, as the client page offers none): booking
    one would not help, a new episode of care would."""
    from rapport.clinic.models import Phase

    if client.episodes.exclude(phase=Phase.CLOSED).exists():
        return f"client {client.pk} has no current or upcoming appointment: book one first"
    ended = client.episodes.filter(phase=Phase.CLOSED).order_by("-ended_on", "-pk").first()
    if ended is None:
        return (
            f"client {client.pk} has no current or upcoming appointment and no episode of "
            "care: start an episode and book an appointment first"
        )
    when = f" on {ended.ended_on.isoformat()}" if ended.ended_on else ""
    return (
        f"client {client.pk}'s episode of care ended{when}: no check-in link can be sent "
        "for an ended episode (start a new episode of care to send check-ins again)"
    )


def _described(checkin, instrument) -> str:
    """Labelled lines saying which appointment, questionnaire and timing the link is for,
    and when it stops working, in the clinic's time zone (named)."""
    from rapport.checkins.models import Timing

    timing = {Timing.BEFORE: "before the session", Timing.AFTER: "after the session"}
    rows = [
        ("client", str(checkin.client_id)),
        ("appointment", _moment(checkin.appointment.starts_at)),
        ("timing", timing.get(checkin.timing, "other (not tied to before or after)")),
        ("instrument", f"{instrument.short_title} ({instrument.id})"),
        ("expires", _moment(checkin.expires_at)),
    ]
    return "\n".join(f"{label + ':':<13}{value}" for label, value in rows)


def _moment(value) -> str:
    from django.utils import dateformat, timezone

    return dateformat.format(timezone.localtime(value), "D j M Y, H:i T")


def _now():
    from django.utils import timezone

    return timezone.now()


def _hours(hours: int | None):
    """None: the clinic's configured default (RAPPORT_CHECKIN_LINK_HOURS)."""
    from datetime import timedelta

    from rapport.checkins.services import MAX_VALID_FOR

    if hours is None:
        return None
    most = int(MAX_VALID_FOR / timedelta(hours=1))
    if not 1 <= hours <= most:
        raise CommandError(f"--hours must be from 1 to {most} (two weeks)")
    return timedelta(hours=hours)


def cmd_import_responses(args: argparse.Namespace) -> None:
    path = Path(args.file)
    # One line naming the file, as `rapport code` and `rapport signals --from-csv` say it,
    # not Python's "[Errno 2] No such file or directory: '...'".
    if path.is_dir():
        raise CommandError(f"{args.file}: this is a folder; give the CSV file to import")
    if not path.is_file():
        raise CommandError(f"{args.file}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{args.file}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as error:  # permission denied, a file that vanished, a read error
        raise CommandError(
            f"{args.file}: cannot read the file: {error.strerror or error}"
        ) from None
    _setup_django()
    _check_database()
    from rapport.checkins.csv_import import read_rows
    from rapport.checkins.services import responses_import
    from rapport.measures.registry import all_instruments

    known = {item_id for i in all_instruments() for item_id in i.item_ids}
    rows, file_errors = read_rows(text, known)
    if file_errors:
        raise CommandError("; ".join(str(e) for e in file_errors))
    report = responses_import(rows=rows, skip_invalid=args.skip_invalid, actor="cli")
    for problem in report.errors:
        print(f"{path.name}: {problem}")
    if not report.imported:
        raise CommandError(
            f"nothing imported: {len({e.row for e in report.errors})} of {len(rows)} rows are "
            "invalid (fix them, or use --skip-invalid to import the others)"
        )
    print(_import_summary(report))


def _import_summary(report) -> str:
    """ "Imported 1 response; 0 were already there; 1 invalid row skipped.": each count with
    its own plural (it said "1 responses … 1 invalid rows")."""
    from django.utils.translation import ngettext

    parts = (
        ngettext("Imported %(n)d response", "Imported %(n)d responses", report.created),
        ngettext("%(n)d was already there", "%(n)d were already there", report.existing),
        ngettext("%(n)d invalid row skipped", "%(n)d invalid rows skipped", report.skipped),
    )
    counts = (report.created, report.existing, report.skipped)
    return "; ".join(part % {"n": n} for part, n in zip(parts, counts, strict=True)) + "."


def add_commands(sub: argparse._SubParsersAction) -> None:
    link = sub.add_parser(
        "checkin-link",
        help="create a check-in link for a client's current or next appointment and print it",
        description=(
            "Create a single-use check-in link for the client's appointment under way, else "
            "the next one booked, else one from the last 24 hours, and print its URL (alone, "
            "on standard output; the appointment, timing, instrument and expiry go to standard "
            "error). A "
            "check-in about the session (--timing after, or an alliance questionnaire such as "
            "session-checkin) is for the appointment under way, else the latest one from the "
            "last 24 hours, else the next one. Cancelled and missed appointments are skipped. "
            "The URL is shown once: only a fingerprint of it is stored."
        ),
    )
    link.add_argument("--client", type=int, required=True, help="client id")
    link.add_argument("--instrument", required=True, help="instrument id, e.g. phq9")
    link.add_argument(
        "--timing",
        choices=["before", "after", "other"],
        help="before or after the session (default: from the appointment time)",
    )
    link.add_argument(
        "--hours",
        type=int,
        help="how long the link works, 1 to 336 (default: RAPPORT_CHECKIN_LINK_HOURS, 72)",
    )
    link.set_defaults(handler=cmd_checkin_link)

    imp = sub.add_parser(
        "import-responses",
        help="import historical responses from a CSV file (all or nothing)",
        description=(
            "Columns: client, date, instrument, then one column per item (phq9_1, ...). "
            "Every invalid row is reported; nothing is imported if any row is invalid unless "
            "--skip-invalid. Importing the same rows twice adds nothing."
        ),
    )
    imp.add_argument("file", help="CSV file (UTF-8)")
    imp.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows and skip the others"
    )
    imp.set_defaults(handler=cmd_import_responses)


def purge_at_start() -> None:
    """Run when ``rapport serve`` or ``rapport demo`` starts, with the database ready, as
    the transcript retention purge and the sign-in session clean-up are."""
    from rapport.checkins.services import refused_forms_purge

    refused_forms_purge()


register(add_commands)
on_start(purge_at_start)
