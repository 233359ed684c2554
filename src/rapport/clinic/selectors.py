"""Reads of client data, always scoped to the requesting user (DESIGN §3, §5).

A therapist sees their own clients; a supervisor sees their supervisees' clients (and
their own, if they also carry a caseload); a clinic admin manages users and settings but
sees no client data. Views reach a client's objects only through the ``get_*_for_user``
helpers, which raise 404 for anything outside the user's scope, so an id in a URL never
reveals whether someone else's client exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from rapport.accounts.models import Role, SupervisionLink, User
from rapport.audit.context import current_request_id
from rapport.clinic.models import Appointment, Attendance, Client, Episode, Goal, Phase
from rapport.core import hooks

__all__ = [
    "BookingClash",
    "CaseloadLine",
    "CaseloadRow",
    "CaseloadTag",
    "EndingPreview",
    "NotAttended",
    "appointment_clashes_for",
    "appointments_cancelled_by_ending",
    "cancelled_by_ending_target",
    "caseload_for",
    "caseload_lines",
    "caseload_short_list",
    "clashing_appointments",
    "clients_for",
    "ending_preview",
    "get_appointment_for_user",
    "get_client_for_user",
    "get_episode_for_user",
    "get_goal_for_user",
    "needs_attention",
    "therapists_visible_to",
    "visible_therapist_ids",
]


# Where a supervisor's visible therapists are kept for the rest of the request.
_VISIBLE_MEMO = "_rapport_visible_therapist_ids"


def visible_therapist_ids(user) -> list[int]:
    """Ids of the staff whose clients ``user`` may see.

    A supervisor's are read once per request: a page asks for them several times (the
    caseload, its risk and follow-up reads, the team figures, the therapist filter). They
    are kept on the user object, tagged with the id of the request (or ``rapport``
    command) under way, :func:`rapport.audit.context.current_request_id`, new for every
    request: a supervision link added or removed takes effect on the next request, even
    where the same user object outlives a request. Outside any, nothing is kept.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.role == Role.THERAPIST:
        return [user.pk]
    if user.role == Role.SUPERVISOR:
        unit = current_request_id()
        key = (unit, user.pk, user.clinic_id)
        memo = getattr(user, _VISIBLE_MEMO, None)
        if unit is not None and memo is not None and memo[0] == key:
            return list(memo[1])
        supervisees = SupervisionLink.objects.filter(
            supervisor=user, supervisee__clinic_id=user.clinic_id
        ).values_list("supervisee_id", flat=True)
        ids = [user.pk, *supervisees]
        if unit is not None:
            setattr(user, _VISIBLE_MEMO, (key, tuple(ids)))
        return ids
    return []


def therapists_visible_to(user) -> QuerySet[User]:
    return User.objects.filter(pk__in=visible_therapist_ids(user), clinic=user.clinic)


def clients_for(user) -> QuerySet[Client]:
    ids = visible_therapist_ids(user)
    if not ids:
        return Client.objects.none()
    return Client.objects.filter(therapist_id__in=ids, clinic_id=user.clinic_id)


def get_client_for_user(user, client_id) -> Client:
    try:
        return clients_for(user).select_related("therapist").get(pk=int(client_id))
    except (Client.DoesNotExist, ValueError, TypeError):
        raise Http404("No such client") from None


def get_episode_for_user(user, episode_id) -> Episode:
    try:
        return Episode.objects.select_related("client", "client__therapist").get(
            pk=int(episode_id), client__in=clients_for(user)
        )
    except (Episode.DoesNotExist, ValueError, TypeError):
        raise Http404("No such episode") from None


def get_goal_for_user(user, goal_id) -> Goal:
    try:
        return Goal.objects.select_related("episode", "episode__client").get(
            pk=int(goal_id), episode__client__in=clients_for(user)
        )
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such goal") from None


def get_appointment_for_user(user, appointment_id) -> Appointment:
    try:
        return Appointment.objects.select_related("episode", "episode__client").get(
            pk=int(appointment_id), episode__client__in=clients_for(user)
        )
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appointment") from None


@dataclass(frozen=True)
class NotAttended:
    """The client's most recent past appointment, when it came after the last session they
    attended and they did not attend it: missed (``no_show``), cancelled, or not recorded yet
    (still ``scheduled``)."""

    starts_at: datetime
    attendance: str


@dataclass(frozen=True)
class CaseloadRow:
    client: Client
    episode: Episode | None
    # The last session the client attended: on a caseload "last appointment" means when the
    # clinician last saw them. A missed or cancelled session in its place would hide a client
    # not seen for weeks, a warning sign of dropout (19.7% of clients leave early, Swift &
    # Greenberg 2012); such a session is shown beside it instead (``not_attended``).
    last_seen: datetime | None
    next_appointment: datetime | None
    not_attended: NotAttended | None = None
    # Filled in by monitoring's triage: open alerts that ask for action (most severe first),
    # good news, whether check-ins are overdue, the sort key, and the trend lines.
    alerts: tuple = ()
    good_news: tuple = ()
    # Every alert still in play whatever the therapist did with it (open, acknowledged,
    # action logged, snoozed): a snoozed signal still holds, so the kind filter and the
    # team figures count it; ``alerts`` alone decides the order.
    active_alerts: tuple = ()
    # Active alerts snoozed until a later date: shown, not counted as needing action.
    snoozed: tuple = ()
    # A risk answer (PHQ-9 item 9, CORE-10 item 6) nobody has followed up yet.
    risk_unreviewed: bool = False
    # The latest follow-up of a risk answer in the last week, when someone other than the
    # client's therapist recorded it (measures.selectors.RiskFollowUpByOther).
    risk_followed_up_by_other: Any = None
    feedback_overdue: bool = False
    need: tuple[int, ...] = (-1, 0, 0)
    alliance_trend: Any = None
    outcome_trend: Any = None

    @property
    def is_former(self) -> bool:
        """A former client: they had an episode and none is open now (the current episode
        is the open one when there is one, so a closed current episode means none is)."""
        return self.episode is not None and self.episode.phase == Phase.CLOSED


def caseload_for(
    user,
    *,
    now: datetime | None = None,
    include_closed: bool = False,
    former: bool = False,
    kind: str = "",
    therapist_id: int | None = None,
) -> list[CaseloadRow]:
    """The triage caseload: the user's clients ordered by need, with their current episode,
    last session attended (and a later one missed, cancelled or not recorded), next
    appointment, open alerts and alliance/outcome trends, and for a week after it, a risk
    answer's follow-up recorded by someone other than the client's therapist.

    Runs a fixed number of queries whatever the caseload size (annotations and one query
    each for episodes, alerts and trends; no per-row lookups): the caseload is the page
    therapists open most. By default it lists current clients (an open episode, or none
    started yet); ``former`` lists instead those whose episodes have all ended, so a
    returning client can be found, and ``include_closed`` lists both. ``kind`` keeps
    clients with an active alert of that kind whatever its workflow state (a snoozed
    signal still holds); ``therapist_id`` (supervisors) keeps one supervisee's clients.

    A client with a risk answer not yet followed up comes first, whatever their alerts:
    any positive answer on PHQ-9 item 9 calls for a risk assessment whatever the total
    (Kroenke, Spitzer & Williams 2001), so it cannot wait below a low alliance score.
    """
    from rapport.measures.selectors import clients_with_unreviewed_risk, risk_follow_ups_by_others
    from rapport.monitoring.selectors import triage

    now = now or timezone.now()
    latest_episode = Episode.objects.filter(client=OuterRef("pk")).order_by("-started_on", "-pk")
    # The open episode is the current one even if a closed one started later (a new
    # episode can be back-dated): otherwise such a client would be on neither list.
    open_episode = latest_episode.exclude(phase=Phase.CLOSED)
    appointments = Appointment.objects.filter(episode__client=OuterRef("pk"))
    past = appointments.filter(starts_at__lte=now)
    latest_past = past.order_by("-starts_at", "-pk")
    scope = clients_for(user)
    if therapist_id is not None:
        scope = scope.filter(therapist_id=therapist_id)
    clients = (
        scope.select_related("therapist")
        # Contact details are encrypted and not shown here: not read, not decrypted.
        .defer("email", "phone")
        .annotate(
            current_episode_id=Coalesce(
                Subquery(open_episode.values("pk")[:1]), Subquery(latest_episode.values("pk")[:1])
            ),
            last_seen=Subquery(
                past.filter(attendance=Attendance.ATTENDED)
                .order_by("-starts_at", "-pk")
                .values("starts_at")[:1]
            ),
            latest_past_at=Subquery(latest_past.values("starts_at")[:1]),
            latest_past_attendance=Subquery(latest_past.values("attendance")[:1]),
            next_appointment=Subquery(
                appointments.filter(starts_at__gt=now, attendance=Attendance.SCHEDULED)
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
        )
    )
    # The referral source and ending summary are encrypted and not shown here: not read,
    # not decrypted (two decryptions a row were a tenth of a supervisor's caseload view).
    episodes = Episode.objects.defer("referral_source", "ending_summary").in_bulk(
        [c.current_episode_id for c in clients if c.current_episode_id]
    )
    rows = [
        CaseloadRow(
            client=client,
            episode=episodes.get(client.current_episode_id),
            last_seen=client.last_seen,
            next_appointment=client.next_appointment,
            not_attended=_not_attended_since(
                client.last_seen, client.latest_past_at, client.latest_past_attendance
            ),
        )
        for client in clients
    ]
    if former:
        rows = [row for row in rows if row.is_former]
    elif not include_closed:
        rows = [row for row in rows if not row.is_former]
    rows = triage(rows, now=now)
    # Risk notices other apps keep besides stored answers (check-ins: a risk answer refused on
    # a link that could no longer be used, nothing of it stored) come first the same way,
    # asked through the hook: clinic code imports no check-ins model (DESIGN §2).
    at_risk = clients_with_unreviewed_risk(user) | hooks.clients_with_open_risk_notices(
        clients_for(user)
    )
    followed_up = risk_follow_ups_by_others(user, now=now)
    rows = [
        replace(
            row,
            risk_unreviewed=row.client.pk in at_risk,
            risk_followed_up_by_other=followed_up.get(row.client.pk),
        )
        for row in rows
    ]
    rows.sort(key=lambda row: not row.risk_unreviewed)  # stable: by need within each group
    if kind:
        rows = [r for r in rows if any(a.kind == kind for a in r.active_alerts)]
    return rows


def _not_attended_since(
    last_seen: datetime | None, latest_past_at: datetime | None, latest_past_attendance: str
) -> NotAttended | None:
    """The latest past appointment if the client did not attend it after the last session
    they did (None when they attended the latest, or have had none)."""
    if latest_past_at is None or latest_past_attendance == Attendance.ATTENDED:
        return None
    if last_seen is not None and latest_past_at <= last_seen:
        return None  # a cancelled slot at the very time of the session they came to
    return NotAttended(starts_at=latest_past_at, attendance=latest_past_attendance)


def client_episodes(client: Client) -> list[Episode]:
    """Episodes of an already-scoped client, newest first, with goals and appointments."""
    return list(
        client.episodes.prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("created_at", "pk")),
            Prefetch("appointments", queryset=Appointment.objects.order_by("starts_at", "pk")),
        )
    )


def open_episode(client: Client) -> Episode | None:
    return client.episodes.exclude(phase=Phase.CLOSED).order_by("-started_on", "-pk").first()


def appointments_cancelled_by_ending(
    episode: Episode, ended_on: date, *, now: datetime
) -> QuerySet[Appointment]:
    """The booked appointments that ending ``episode`` on ``ended_on`` cancels: still
    "Scheduled" and after the end date, or later today when it ends today. Those between
    the end date and now are included: left "Scheduled", they would count as sessions
    nobody recorded. ``services.episode_end`` cancels exactly these; the end page lists
    them first."""
    after_the_end = timezone.make_aware(datetime.combine(ended_on + timedelta(days=1), time.min))
    return episode.appointments.filter(
        attendance=Attendance.SCHEDULED, starts_at__gte=min(after_the_end, now)
    ).order_by("starts_at", "pk")


@dataclass(frozen=True)
class EndingPreview:
    """What ending an episode on ``ended_on`` does to its appointments, for the end page:
    ``cancelled`` are cancelled; ``unrecorded`` are past sessions nobody recorded that it
    leaves alone, but that an earlier end date would cancel as well."""

    ended_on: date
    cancelled: list[Appointment]
    unrecorded: list[Appointment]


def ending_preview(episode: Episode, ended_on: date, *, now: datetime) -> EndingPreview:
    cancelled = list(appointments_cancelled_by_ending(episode, ended_on, now=now))
    unrecorded = (
        episode.appointments.filter(attendance=Attendance.SCHEDULED, starts_at__lt=now)
        .exclude(pk__in=[appointment.pk for appointment in cancelled])
        .order_by("starts_at", "pk")
    )
    return EndingPreview(ended_on=ended_on, cancelled=cancelled, unrecorded=list(unrecorded))


#: The audit target of an appointment that ending its episode cancelled (the row says so
#: too: ``Appointment.cancelled_by_ending``; the end date alone cannot tell, a session the
#: client had cancelled earlier may lie after it too).
_ENDING_CANCELLED = "cancelled:episode-ended"


def cancelled_by_ending_target(appointment: Appointment) -> str:
    return f"appointment:{appointment.pk}:{_ENDING_CANCELLED}"


@dataclass(frozen=True)
class BookingClash:
    """A booking that a new appointment would clash with, as the booking user may be told
    of it: when it starts, and whose it is only if the user may see that client
    (``client_id`` and ``client_name`` are None for anyone else's: "another client").
    ``appointment_id`` is what a tick to book anyway holds for (``forms.AppointmentForm``)."""

    appointment_id: int
    starts_at: datetime
    client_id: int | None
    client_name: str | None


def bookings_at(episode: Episode, starts_at: datetime) -> QuerySet[Appointment]:
    """The episode's appointments at exactly ``starts_at`` that hold the slot (not
    cancelled): a second one is refused (``services.appointment_create``), not warned of."""
    return episode.appointments.filter(starts_at=starts_at).exclude(attendance=Attendance.CANCELLED)


def appointment_clashes_for(
    user, episode: Episode, starts_at: datetime, duration_minutes: int
) -> list[BookingClash]:
    """The bookings a new appointment for ``episode`` would clash with, earliest first, as
    ``user`` may be told of them (:class:`BookingClash`): the same therapist's (any of
    their clients) whose time overlaps it, and the client's own on the same day (in the
    clinic's time zone). Cancelled ones hold no time; one that ends as the new one starts
    is no clash (back-to-back sessions).

    A reason to warn, not to refuse: a group session or a double booking can be meant, so
    the booking form asks for a tick (``forms.AppointmentForm``). The same episode at the
    same time is left out: ``services.appointment_create`` refuses that.

    A supervisor booking for a supervisee may not see every client in the supervisee's
    diary: those are told as "another client" with only the time, never by name."""
    clashing = clashing_appointments(episode, starts_at, duration_minutes)
    visible = set(
        clients_for(user)
        .filter(pk__in={a.episode.client_id for a in clashing})
        .values_list("pk", flat=True)
    )
    return [booking_clash(a, visible=visible) for a in clashing]


def booking_clash(appointment: Appointment, *, visible: Iterable[int]) -> BookingClash:
    """``appointment`` as a :class:`BookingClash`, naming its client only if their id is
    in ``visible`` (the clients the user may see)."""
    client = appointment.episode.client
    seen = client.pk in set(visible)
    return BookingClash(
        appointment_id=appointment.pk,
        starts_at=appointment.starts_at,
        client_id=client.pk if seen else None,
        client_name=client.display_name if seen else None,
    )


def clashing_appointments(
    episode: Episode, starts_at: datetime, duration_minutes: int
) -> list[Appointment]:
    """Every booking :func:`appointment_clashes_for` tells of, unscoped (with clients): what
    ``services.appointment_create`` checks again under its locks, against the ones the
    user was warned of. Never shown as it is (it names clients the user may not see)."""
    try:
        return _overlapping_or_same_day(episode, starts_at, duration_minutes)
    except OverflowError:
        # A time at the calendar's ends (year 1, 9999) overflows the sums: there is no
        # booking there to clash with, and ``services.appointment_create`` refuses it.
        return []


def _overlapping_or_same_day(
    episode: Episode, starts_at: datetime, duration_minutes: int
) -> list[Appointment]:
    day = timezone.localtime(starts_at).date()
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    booked = (
        Appointment.objects.exclude(attendance=Attendance.CANCELLED)
        .exclude(episode=episode, starts_at=starts_at)
        .select_related("episode__client")
    )
    therapists = booked.filter(
        episode__client__therapist_id=episode.client.therapist_id,
        episode__client__clinic_id=episode.client.clinic_id,
    )
    # Only the longest booking can reach back this far: the rest are checked one by one.
    longest = therapists.aggregate(longest=Max("duration_minutes"))["longest"] or 0
    reaching = therapists.filter(
        starts_at__lt=ends_at, starts_at__gt=starts_at - timedelta(minutes=longest)
    )
    overlapping = [
        a for a in reaching if a.starts_at + timedelta(minutes=a.duration_minutes) > starts_at
    ]
    same_day = booked.filter(
        episode__client_id=episode.client_id,
        starts_at__gte=timezone.make_aware(datetime.combine(day, time.min)),
        starts_at__lt=timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)),
    )
    clashes = {a.pk: a for a in [*overlapping, *same_day]}
    return sorted(clashes.values(), key=lambda a: (a.starts_at, a.pk))


# -- the caseload as the page shows it --------------------------------------------------

#: A long current caseload lists every client who needs attention and, after them, quiet
#: clients up to this many rows in all; "Show all" lists everyone. Hundreds of rows made a
#: page of 700 KB that took seconds to render, and the clients who need something were at
#: its top anyway (``triage``).
CASELOAD_SHORT_LIST = 50
#: Not worth a "Show all" link: a list this much longer than the short list is shown whole.
CASELOAD_SHORT_LIST_SLACK = 10


def needs_attention(row: CaseloadRow) -> bool:
    """Whether a caseload row is always listed, however long the caseload: an open risk
    answer, an alert that asks for action (check-ins overdue among them), a risk answer
    followed up by someone else this week (the therapist learns of it here), or a session
    the client did not attend since they were last seen (missed, cancelled or not recorded:
    not being seen for weeks is a warning sign of dropout, Swift & Greenberg 2012)."""
    return bool(
        row.risk_unreviewed
        or row.alerts
        or row.risk_followed_up_by_other
        or row.not_attended
        or row.is_former  # on the current list only for a risk answer (clinic.views._on_list)
    )


def caseload_short_list(
    rows: list[CaseloadRow], *, limit: int = CASELOAD_SHORT_LIST
) -> tuple[list[CaseloadRow], int]:
    """The rows a long caseload lists first, in their order, and how many it leaves out:
    every row that :func:`needs_attention`, and the others in triage order while the list
    is shorter than ``limit``. A list at most ``CASELOAD_SHORT_LIST_SLACK`` rows longer than
    ``limit`` is left whole (0 left out)."""
    if len(rows) <= limit + CASELOAD_SHORT_LIST_SLACK:
        return rows, 0
    quiet_room = max(0, limit - sum(1 for row in rows if needs_attention(row)))
    listed = []
    for row in rows:
        if needs_attention(row):
            listed.append(row)
        elif quiet_room:
            listed.append(row)
            quiet_room -= 1
    return listed, len(rows) - len(listed)


@dataclass(frozen=True)
class CaseloadTag:
    """One tag of a row's "Needs attention" cell. ``spoken`` is the priority a screen reader
    says before it ("High priority:"), ``marked`` the visible "!" of a high priority: not
    by colour alone (WCAG 1.4.1)."""

    css: str
    title: str
    text: str
    spoken: str = ""
    marked: bool = False


@dataclass(frozen=True)
class TrendImage:
    src: str
    alt: str
    title: str


@dataclass(frozen=True)
class CaseloadLine:
    """A caseload row with every word and date it shows made once, in Python: the same per
    row translations, date filters and tags in the template were most of a long caseload's
    time (about 2 ms a row). ``row`` is the row it shows."""

    row: CaseloadRow
    url: str
    name: str
    therapist: str
    tags: tuple[CaseloadTag, ...]
    followed_up: str
    followed_up_url: str
    former_note: str
    alliance: TrendImage | None
    outcome: TrendImage | None
    phase: str
    phase_label: str
    ended: str
    last_seen: str
    next_appointment: str


def caseload_lines(
    rows: Iterable[CaseloadRow], *, viewer, former: bool, show_therapist: bool
) -> list[CaseloadLine]:
    """The caseload's rows as ``clinic/caseload.html`` shows them (see there for why each
    cell says what it says): the same words as the template's filters and tags made them."""
    from django.urls import reverse
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    from rapport.monitoring.templatetags import monitoring_tags as tags

    marker = 987654321
    url_start, url_end = reverse("client_detail", args=[marker]).split(str(marker))
    zone, language = timezone.get_current_timezone_name(), get_language()

    def day(moment: Any, fmt: str) -> str:
        return _formatted(moment, fmt, zone, language) if moment else ""

    words = {
        "high": _("High priority:"),
        "medium": _("Medium priority:"),
        "low": _("Low priority:"),
    }
    risk = CaseloadTag(
        "sev sev-high",
        _("A risk answer nobody has followed up yet"),
        _("Risk answer"),
        words["high"],
        True,
    )
    therapists: dict[int, str] = {}
    lines = []
    for row in rows:
        client = row.client
        url = f"{url_start}{client.pk}{url_end}"
        therapist = ""
        if show_therapist:
            if client.therapist_id not in therapists:
                therapists[client.therapist_id] = tags.therapist_name(client.therapist, viewer)
            therapist = therapists[client.therapist_id]
        found: list[CaseloadTag] = [risk] if row.risk_unreviewed else []
        for alert in row.alerts:
            found.append(
                CaseloadTag(
                    f"sev sev-{alert.severity}",
                    alert.label,
                    tags.kind_short(alert.kind),
                    words.get(alert.severity, words["low"]),
                    alert.severity == "high",
                )
            )
        if not row.risk_unreviewed:
            found.extend(
                CaseloadTag("sev good", alert.label, tags.kind_short(alert.kind))
                for alert in row.good_news
            )
        found.extend(
            CaseloadTag(
                "sev muted",
                alert.label,
                _("%(kind)s (snoozed)") % {"kind": tags.kind_short(alert.kind)},
            )
            for alert in row.snoozed
        )
        done = row.risk_followed_up_by_other
        followed_up = followed_up_url = ""
        if done:
            followed_up_url = f"{url}#risk-answer-{done.response_id}"
            if done.by:
                followed_up = _("Risk answer followed up by %(person)s, %(day)s") % {
                    "person": done.by_with_role,
                    "day": day(done.on, "j M"),
                }
            else:
                followed_up = _("Risk answer followed up by an account since removed, %(day)s") % {
                    "day": day(done.on, "j M")
                }
        episode = row.episode
        former_note = ""
        if row.is_former and not former:
            assert episode is not None  # a former client has an ended episode
            if episode.ended_on:
                former_note = _(
                    "Episode ended %(day)s: a former client, listed here until the risk answer"
                    " is followed up."
                ) % {"day": day(episode.ended_on, "j M Y")}
            else:
                former_note = _(
                    "Episode ended: a former client, listed here until the risk answer is"
                    " followed up."
                )
        ended = "—"
        if former and episode is not None and episode.ended_on:
            ended = day(episode.ended_on, "j M Y")
            if episode.end_reason:
                ended = f"{ended}: {episode.get_end_reason_display()}"
        lines.append(
            CaseloadLine(
                row=row,
                url=url,
                name=client.display_name,
                therapist=therapist,
                tags=tuple(found),
                followed_up=followed_up,
                followed_up_url=followed_up_url,
                former_note=former_note,
                alliance=_trend_image(row.alliance_trend, tags),
                outcome=_trend_image(row.outcome_trend, tags),
                phase=episode.phase if episode is not None else "",
                phase_label=tags.phase_label(episode.phase) if episode is not None else "",
                ended=ended,
                last_seen=_last_seen_words(row, day),
                next_appointment=day(row.next_appointment, "D j M Y, H:i") or "—",
            )
        )
    return lines


def _trend_image(trend: Any, tags: Any) -> TrendImage | None:
    src = tags.sparkline(trend)
    if not src:
        return None
    return TrendImage(src=src, alt=tags.trend_text(trend), title=tags.trend_caption(trend))


def _last_seen_words(row: CaseloadRow, day: Any) -> str:
    """The last session attended and, in words, a later one the client did not attend: a
    missed session shown as the last one would hide a client not seen for weeks."""
    from django.utils.translation import gettext as _

    gap = row.not_attended
    if row.last_seen:
        words = day(row.last_seen, "j M Y")
    elif gap:
        words = _("Not seen yet")
    else:
        words = "—"
    if gap is None:
        return words
    same_year = row.last_seen is not None and day(gap.starts_at, "Y") == day(row.last_seen, "Y")
    when = day(gap.starts_at, "j M" if same_year else "j M Y")
    if gap.attendance == Attendance.NO_SHOW:
        note = _("(missed %(day)s)") % {"day": when}
    elif gap.attendance == Attendance.CANCELLED:
        note = _("(cancelled %(day)s)") % {"day": when}
    else:
        note = _("(%(day)s: attendance not recorded)") % {"day": when}
    return f"{words} {note}"


@lru_cache(maxsize=4096)
def _formatted(moment: Any, fmt: str, zone: str, language: str) -> str:
    """``moment`` as the template's ``date`` filter writes it in ``fmt`` (local time for a
    moment), kept: a caseload repeats the same days, and ``zone`` and ``language`` are part
    of the key, so a change of either formats anew."""
    from django.utils.formats import date_format

    if isinstance(moment, datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)  # as the filter does (``template_localtime``)
    return date_format(moment, fmt)
