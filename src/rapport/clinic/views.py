"""Clinician pages: caseload, client, episode, goals, appointments.

Views only translate HTTP into selector and service calls: every object comes from a
``get_*_for_user`` helper (404 outside scope) and every read of client data is audited.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from rapport.accounts.selectors import (
    supervision_links_seeing_clients_of,
    supervision_links_suspended_over,
)
from rapport.audit.services import (
    Action,
    audit_batch,
    audit_page_view,
    audit_record,
    audit_record_many,
)
from rapport.clinic import selectors, services
from rapport.clinic.forms import (
    AppointmentDeleteForm,
    AppointmentForm,
    AttendanceForm,
    CaseloadFilterForm,
    ClientCreateForm,
    ClientForm,
    EndEpisodeForm,
    EpisodeEditForm,
    EpisodeForm,
    GoalEditForm,
    GoalForm,
    clash_warning,
)
from rapport.clinic.models import MISSED, Attendance, GoalStatus
from rapport.core.decorators import clinician_required
from rapport.core.forms import add_service_errors, service_form_page
from rapport.core.panels import client_panels, latest
from rapport.monitoring.forms import RISK_ANSWER


def home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.user.is_clinic_admin:
        return redirect("manage_users")
    return redirect("caseload")


@clinician_required
def caseload(request):
    """The triage caseload: clients who need attention first, filterable by alert kind
    (and, for supervisors, by therapist), with the team's figures; or, on request, the
    former clients (every episode ended), scoped and audited the same way. A former client
    with a risk answer nobody has followed up is on the current list too, first, its row
    saying the episode ended (``_on_list``). A fixed number of queries whatever the
    caseload size."""
    from rapport.monitoring.selectors import team_figures

    now = timezone.now()
    # Current and former clients in one pass, so either list costs the same queries.
    rows = selectors.caseload_for(request.user, now=now, include_closed=True)
    # The figures take every row: a former client listed below for a risk answer counts in
    # the open risk answers (a risk answer waiting is counted wherever it is listed) and in
    # no other figure; they are not one of the therapist's clients again (team_figures).
    figures = team_figures(request.user, rows, now=now)
    visible = list(selectors.therapists_visible_to(request.user))
    # The form decides the list; an unknown list falls back to the current clients, as
    # the form does below.
    former_asked = _former_asked(request)
    listed = [row for row in rows if _on_list(row, former=former_asked)]
    form = CaseloadFilterForm(
        request.GET or None,
        therapists=_therapists_to_filter(request.user, visible, listed),
        you=request.user,
    )
    valid = form.is_valid() if form.is_bound else True
    # An unknown filter value is named in the form's message and dropped with the other
    # filter: the list asked for (current or former clients) is kept, unfiltered.
    filters: dict = {}
    if form.is_bound:
        filters = form.cleaned_data if valid else {"clients": form.cleaned_data.get("clients")}
    former = filters.get("clients") == CaseloadFilterForm.FORMER
    kind = filters.get("kind") or ""
    therapist_id = filters.get("therapist")
    shown = [
        row
        for row in rows
        if _on_list(row, former=former)
        and _has_kind(row, kind)
        and (therapist_id is None or row.client.therapist_id == therapist_id)
    ]
    # A long current caseload lists every client who needs attention and quiet ones up to a
    # short list (selectors.caseload_short_list); "Show all" lists everyone, and so does a
    # filter (it searches every client). The audit records exactly the clients listed.
    total = len(shown)
    hidden = 0
    if not (former or kind or therapist_id is not None or request.GET.get("show") == "all"):
        shown, hidden = selectors.caseload_short_list(shown)
    audit_record_many(
        actor=request.user,
        action=Action.VIEW,
        target="caseload:former" if former else "caseload",
        client_ids=[row.client.pk for row in shown],
        request=request,
    )
    show_therapist = len(visible) > 1
    context = {
        "rows": shown,
        "lines": selectors.caseload_lines(
            shown, viewer=request.user, former=former, show_therapist=show_therapist
        ),
        "hidden": hidden,
        "total": total,
        "now": now,
        "filter_form": form,
        "filtered": bool(kind or therapist_id),
        "former": former,
        "figures": figures,
        "show_therapist": show_therapist,
        "is_supervisor": request.user.is_supervisor,
        "own_clients_shown": any(row.client.therapist_id == request.user.pk for row in shown),
        "seen_by": _seen_by(request.user),
        "seen_by_suspended": supervision_links_suspended_over(request.user),
    }
    return render(request, "clinic/caseload.html", context, status=200 if valid else 400)


def _former_asked(request) -> bool:
    return request.GET.get("clients") == CaseloadFilterForm.FORMER


def _on_list(row, *, former: bool) -> bool:
    """Whether a caseload row belongs on the list asked for. The former clients' list has
    every client whose episodes have all ended. The current list has the others, and also a
    former client with a risk answer nobody has followed up (a check-in link answered after
    the episode ended, say): the therapist looks at the current list, and any positive
    answer on PHQ-9 item 9 calls for a risk assessment (Kroenke, Spitzer & Williams 2001),
    so it stays there, first with the other risk answers, until someone follows it up."""
    if former:
        return row.is_former
    return not row.is_former or row.risk_unreviewed


def _therapists_to_filter(user, visible, listed) -> list:
    """The therapists the caseload can be filtered by: every supervisee, and the supervisor
    only when they carry clients on the list shown (on the current list, the condition of
    their row in the team figures too), so the filter never offers the supervisor a name
    of their own that can only answer "No clients match"."""
    own = any(row.client.therapist_id == user.pk for row in listed)
    return [t for t in visible if t.pk != user.pk or own]


def _has_kind(row, kind: str) -> bool:
    """Whether a caseload row passes the alert filter: an open risk answer, or any active
    alert of the kind (snoozed or acknowledged too: the signal holds)."""
    if not kind:
        return True
    if kind == RISK_ANSWER:
        return row.risk_unreviewed
    return any(a.kind == kind for a in row.active_alerts)


@clinician_required
def client_detail(request, client_id):
    # The page's reads (its own and each panel's, seven rows) go to the log in one INSERT
    # when the block ends, however it ends: before the page is rendered, so a page that
    # fails to render, or a panel that fails after others read, leaves every read recorded.
    with audit_batch():
        context = _client_page(request, client_id)
    return render(request, "clinic/client_detail.html", context)


def _client_page(request, client_id):
    """What the client page shows, every read of it audited (inside ``audit_batch``)."""
    client = selectors.get_client_for_user(request.user, client_id)
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="client",
        client_id=client.pk,
        request=request,
    )
    episodes = selectors.client_episodes(client)
    notices, sections = client_panels(request, client)
    # The open episode, wherever it falls in the list: one back-dated before an ended
    # episode is still the current one (the page offered to start another).
    current = next((episode for episode in episodes if episode.is_open), None)
    for episode in episodes:
        # Each episode's latest appointments (every one on ``?all=``): a long history
        # drawn whole made the page grow with every session.
        episode.appointments_shown = latest(
            request,
            list(episode.appointments.all()),
            "appointments" if episode.is_open else f"appointments-{episode.pk}",
            anchor="appointments-h" if episode.is_open else f"past-{episode.pk}-h",
            newest_first=False,
        )
    context = {
        "client": client,
        "episodes": episodes,
        "current": current,
        # The goals panel's "let the client write them" says where: a "Client's goals" link
        # is made for an appointment (Check-ins' "Other…" beside it), one that did not
        # take place excepted; with none booked there is nowhere to send it from yet.
        "goals_link_possible": current is not None
        and any(a.attendance not in MISSED for a in current.appointments.all()),
        # Named at the top when none is open: its card is at the foot of a long page.
        "last_ended": max(
            (episode for episode in episodes if not episode.is_open),
            key=lambda episode: (episode.ended_on, episode.pk),
            default=None,
        ),
        "now": timezone.now(),
        "notices": notices,
        "panels": sections,
    }
    return context


def _client_url(client_id) -> str:
    return reverse("client_detail", kwargs={"client_id": client_id})


@clinician_required
@require_http_methods(["GET", "POST"])
def client_create(request):
    return service_form_page(
        request,
        ClientCreateForm(request.POST or None, initial={"form_key": secrets.token_urlsafe(16)}),
        lambda data: services.client_create(
            actor=request.user, therapist=request.user, request=request, **data
        ),
        success=_("Client added."),
        next_url=lambda client: _client_url(client.pk),
        title=_("New client"),
        # A supervisor's caseload lists their supervisees' clients beside their own, each
        # with a therapist: the same form gave no hint whose client the new one would be.
        intro=_(
            "The new client will be yours: they join your own caseload, with you as their "
            "therapist, not a supervisee's. A supervisee adds their own clients, and a clinic "
            "admin can move a client to another therapist."
        )
        if request.user.is_supervisor
        else "",
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def client_edit(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    initial = {f: getattr(client, f) for f in ("display_name", "birth_year", "email", "phone")}
    return service_form_page(
        request,
        ClientForm(request.POST or None, initial=initial),
        lambda data: services.client_update(
            actor=request.user, client=client, request=request, **data
        ),
        success=_("Client details saved."),
        next_url=_client_url(client.pk),
        title=_("Edit client"),
        client=client,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_create(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    already_open = selectors.open_episode(client)
    if already_open is not None:
        return _episode_already_open(request, client, already_open)
    return service_form_page(
        request,
        EpisodeForm(request.POST or None, initial={"started_on": timezone.localdate()}),
        lambda data: services.episode_create(
            actor=request.user, client=client, request=request, **data
        ),
        success=_("Episode started."),
        next_url=_client_url(client.pk),
        title=_("Start an episode of care"),
        client=client,
    )


def _episode_already_open(request, client, episode) -> HttpResponse:
    """Instead of a form that could only fail: the client has an open episode (one at a
    time, see services.episode_create), so say so and lead back to it. A form sent anyway
    (an old tab) is refused the same way, and nothing is saved."""
    audit_page_view(request, client.pk)
    return render(
        request,
        "clinic/episode_already_open.html",
        {"client": client, "episode": episode},
        status=400 if request.method == "POST" else 200,
    )


def _episode_ended(request, episode, title: str, goal=None) -> HttpResponse:
    """Instead of a form that could only fail: an ended episode is a closed record (see
    services._require_open), and so are its goals (``goal``, shown as it stands). A form
    sent anyway is refused the same way."""
    audit_page_view(request, episode.client_id)
    return render(
        request,
        "clinic/episode_ended.html",
        {"client": episode.client, "episode": episode, "title": title, "goal": goal},
        status=400 if request.method == "POST" else 200,
    )


def _seen_by(user):
    """Who else can open this clinician's own clients (their supervisors), so an account an
    admin made and linked cannot read them unseen. A supervisor can be supervised too (and
    hold clients); they are told when someone is linked to them. None: nothing to say."""
    links = supervision_links_seeing_clients_of(user)
    return links if user.is_therapist or links else None


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_edit(request, episode_id):
    episode = selectors.get_episode_for_user(request.user, episode_id)
    if not episode.is_open:
        return _episode_ended(request, episode, _("Edit episode"))
    fields = ("started_on", "attendance_basis", "referral_source", "phase")
    return service_form_page(
        request,
        EpisodeEditForm(request.POST or None, initial={f: getattr(episode, f) for f in fields}),
        lambda data: services.episode_update(
            actor=request.user, episode=episode, request=request, **data
        ),
        success=_("Episode saved."),
        next_url=_client_url(episode.client_id),
        title=_("Edit episode"),
        client=episode.client,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_end(request, episode_id):
    """End an episode: its goals are reviewed on the same form, and the page says which
    booked appointments the ending cancels before it is saved, and how many it did after.
    The flow of ``service_form_page``, whose fixed success message cannot carry the count."""
    episode = selectors.get_episode_for_user(request.user, episode_id)
    if not episode.is_open:
        return _episode_ended(request, episode, _("End episode"))
    goals = list(episode.goals.order_by("created_at", "pk"))
    form = EndEpisodeForm(
        request.POST or None, goals=goals, initial={"ended_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_end(
                actor=request.user, episode=episode, request=request, **form.ending()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _ended_message(episode))
            return redirect(_client_url(episode.client_id))
    audit_page_view(request, episode.client_id)
    # The date sent, if it was valid, else today: the list matches what saving would do.
    ended_on = form.cleaned_data.get("ended_on") if form.is_bound else None
    preview = selectors.ending_preview(
        episode, ended_on or timezone.localdate(), now=timezone.now()
    )
    context = {
        "form": form,
        "title": _("End this episode"),
        "client": episode.client,
        "episode": episode,
        "goals": goals,
        "preview": preview,
        "ends_today": ended_on in (None, timezone.localdate()),
        # Ending today also cancels a session later today, on the end date itself: often the
        # last session of a planned ending, whose check-in link the ending revokes.
        "later_today": [a.pk for a in preview.cancelled if _on_day(a, preview.ended_on)],
    }
    return render(request, "clinic/episode_end.html", context, status=400 if form.errors else 200)


def _on_day(appointment, day) -> bool:
    return timezone.localdate(appointment.starts_at) == day


def _ended_message(episode) -> str:
    cancelled_by_ending = list(episode.appointments.filter(cancelled_by_ending=True))
    cancelled = len(cancelled_by_ending)
    if not cancelled:
        return _("Episode ended.")
    if any(_on_day(a, episode.ended_on) for a in cancelled_by_ending):
        # Not "after the end date": one was later on the end date itself.
        return ngettext(
            "Episode ended. %(count)d booked appointment that had not started yet was cancelled.",
            "Episode ended. %(count)d booked appointments that had not started yet were cancelled.",
            cancelled,
        ) % {"count": cancelled}
    return ngettext(
        "Episode ended. %(count)d booked appointment after the end date was cancelled.",
        "Episode ended. %(count)d booked appointments after the end date were cancelled.",
        cancelled,
    ) % {"count": cancelled}


@clinician_required
@require_http_methods(["GET", "POST"])
def goal_create(request, episode_id):
    episode = selectors.get_episode_for_user(request.user, episode_id)
    if not episode.is_open:
        return _episode_ended(request, episode, _("Add a goal"))
    return service_form_page(
        request,
        GoalForm(request.POST or None),
        lambda data: services.goal_create(
            actor=request.user, episode=episode, request=request, **data
        ),
        success=_("Goal added."),
        next_url=_client_url(episode.client_id),
        title=_("Add a goal"),
        client=episode.client,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, goal_id):
    goal = selectors.get_goal_for_user(request.user, goal_id)
    client = goal.episode.client
    if not goal.episode.is_open:
        return _episode_ended(request, goal.episode, _("Edit goal"), goal=goal)
    return service_form_page(
        request,
        GoalEditForm(request.POST or None, goal=goal),
        lambda data: services.goal_update(actor=request.user, goal=goal, request=request, **data),
        success=_goal_saved_message(goal, request.POST.get("status")),
        next_url=_client_url(client.pk),
        title=_("Edit goal"),
        client=client,
    )


def _goal_saved_message(goal, status: str | None) -> str:
    """What the page says once the goal is saved (it is only said then). A client's goal
    set back to "to talk through" says what that changes: agreed by mistake, it no longer
    counts as an agreed goal (monitoring.selectors) until it is agreed again."""
    if status == GoalStatus.TO_AGREE and not goal.is_to_agree:
        return _(
            "Goal set back to “Written by the client: to talk through”: it counts as no agreed "
            "goal until you talk it through together and agree it."
        )
    return _("Goal saved.")


@clinician_required
@require_http_methods(["GET", "POST"])
def appointment_create(request, episode_id):
    """Book an appointment: the flow of ``service_form_page``, except that a booking the
    service refuses brings the form back as the bookings stand now (:func:`_booking_again`),
    so a clash made meanwhile is named and asks for its own tick."""
    episode = selectors.get_episode_for_user(request.user, episode_id)
    if not episode.is_open:
        return _episode_ended(request, episode, _("Book an appointment"))
    form = AppointmentForm(request.POST or None, episode=episode, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_create(
                actor=request.user, episode=episode, request=request, **form.booking()
            )
        except ValidationError as error:
            form = _booking_again(request, episode, error)
        else:
            messages.success(request, _booked_message(appointment))
            return redirect(_client_url(episode.client_id))
    audit_page_view(request, episode.client_id)
    # The clash warning names other clients and their times: a read of their data too.
    others = [pk for pk in form.named_client_ids if pk != episode.client_id]
    audit_record_many(
        actor=request.user,
        action=Action.VIEW,
        target="page:appointment_create",
        client_ids=others,
        request=request,
    )
    context = {"form": form, "title": _("Book an appointment"), "client": episode.client}
    return render(request, "clinic/form.html", context, status=400 if form.errors else 200)


def _when(appointment) -> str:
    """When an appointment starts, as the client page's appointment table shows it."""
    return date_format(timezone.localtime(appointment.starts_at), "D j M Y, H:i")


def _booked_message(appointment) -> str:
    """What was booked, by its date and time: the appointment table is screens below the
    message, and a year or a month mistyped is seen here or not at all. A time already past
    (a session entered afterwards, or a slip) is said to be one, with what it needs next."""
    values = {"when": _when(appointment), "how": appointment.get_modality_display()}
    if appointment.starts_at < timezone.now():
        return (
            _(
                "Appointment booked: %(when)s · %(how)s. That time has already passed: record "
                "whether the client came."
            )
            % values
        )
    return _("Appointment booked: %(when)s · %(how)s.") % values


def _booking_again(request, episode, error: ValidationError) -> AppointmentForm:
    """The booking form after the service refused it, checked again against what is booked
    now: a booking made since the page checked (the service re-checks under its locks) is
    named in the warning, with the box to tick left unticked, since it was ticked for
    others; one of this episode at the very time is refused without a box. The service's
    message is added unless the form already says it."""
    data = request.POST.copy()
    if isinstance(error, services.ClashNotConfirmed):
        data.pop(AppointmentForm.TICK, None)
    form = AppointmentForm(data, episode=episode, user=request.user)
    form.is_valid()
    shown = {message for messages_ in form.errors.values() for message in messages_}
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, messages_ in by_field.items():
        for message in messages_:
            if message not in shown:
                form.add_error(field if field in form.fields else None, message)
    return form


@clinician_required
@require_http_methods(["GET", "POST"])
def appointment_attendance(request, appointment_id):
    appointment = selectors.get_appointment_for_user(request.user, appointment_id)
    client = appointment.episode.client

    def record(data):
        try:
            return services.appointment_record_attendance(
                actor=request.user, appointment=appointment, request=request, **data
            )
        except services.RestoreClashes as error:
            raise ValidationError(
                {"attendance": _restore_clash_message(request.user, client, error)}
            ) from None

    upcoming = appointment.starts_at > timezone.now()
    return service_form_page(
        request,
        AttendanceForm(
            request.POST or None,
            initial={
                "attendance": appointment.attendance,
                "cancelled_by": appointment.cancelled_by,
            },
            upcoming=upcoming,
        ),
        record,
        success=_attendance_saved(appointment, request.POST.get("attendance"), upcoming),
        next_url=_client_url(client.pk),
        title=_("Keep or cancel this appointment") if upcoming else _("Record attendance"),
        template="clinic/appointment_attendance.html",
        client=client,
        appointment=appointment,
        # Deleting a booking made in error is the booking therapist's act (a supervisor
        # may still cancel it above): the link is for the client's own therapist only.
        deletable=upcoming
        and request.user.pk == client.therapist_id
        and not services.appointment_deletion_refusal(appointment),
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def appointment_delete(request, appointment_id):
    """Delete an appointment booked in error, after a confirmation page (GET shows it, only
    a POST deletes): for one still to come with nothing sent or given for it
    (``services.appointment_deletion_refusal``), which the page says when it cannot be.
    Only the client's own therapist may delete one: anyone else who sees the client (a
    supervisor) gets 403, and may still cancel it on the attendance page."""
    appointment = selectors.get_appointment_for_user(request.user, appointment_id)
    client = appointment.episode.client
    if request.user.pk != client.therapist_id:
        raise PermissionDenied
    when = {"when": _when(appointment)}
    return service_form_page(
        request,
        AppointmentDeleteForm(request.POST if request.method == "POST" else None),
        lambda data: services.appointment_delete(
            actor=request.user, appointment=appointment, request=request
        ),
        success=_("Appointment on %(when)s deleted: it was booked in error.") % when,
        next_url=_client_url(client.pk),
        title=_("Delete an appointment booked in error"),
        template="clinic/appointment_delete.html",
        client=client,
        appointment=appointment,
        refusal=services.appointment_deletion_refusal(appointment),
    )


def _attendance_saved(appointment, attendance: str | None, upcoming: bool) -> str:
    """What the page says once saved: for an appointment still to come (kept or cancelled,
    the only choices offered) what was done to it, not "attendance recorded"."""
    when = {"when": _when(appointment)}
    if not upcoming:
        return _("Attendance recorded for %(when)s.") % when
    if attendance == Attendance.CANCELLED:
        return _("Appointment on %(when)s cancelled.") % when
    return _("Appointment on %(when)s kept as booked.") % when


def _restore_clash_message(user, client, error) -> str:
    """The service's refusal to bring a cancelled session back, and the bookings it would
    clash with, naming only the clients ``user`` may see (as the booking page does)."""
    ids = {a.episode.client_id for a in error.appointments}
    visible = set(selectors.clients_for(user).filter(pk__in=ids).values_list("pk", flat=True))
    named = clash_warning(
        error.appointments, visible=visible, user=user, therapist=client.therapist
    )
    return f"{services.RESTORE_CLASHES} {named}"
