"""Clinician pages: caseload, client, episode, goals, appointments.

Views only translate HTTP into selector and service calls: every object comes from a
``get_*_for_user`` helper (404 outside scope) and every read of client data is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.audit.services import Action, audit_record, audit_record_many
from rapport.clinic import selectors, services
from rapport.clinic.forms import (
    AppointmentForm,
    AttendanceForm,
    ClientForm,
    EndEpisodeForm,
    EpisodeEditForm,
    EpisodeForm,
    GoalEditForm,
    GoalForm,
)
from rapport.core.decorators import clinician_required
from rapport.core.forms import add_service_errors
from rapport.core.panels import client_panels


def home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.user.is_clinic_admin:
        return redirect("manage_users")
    return redirect("caseload")


@clinician_required
def caseload(request):
    """The triage caseload: clients who need attention first, filterable by alert kind
    (and, for supervisors, by therapist), with the team's figures. A fixed number of
    queries whatever the caseload size."""
    from rapport.monitoring.forms import TriageFilterForm
    from rapport.monitoring.selectors import team_figures

    now = timezone.now()
    therapists = list(selectors.therapists_visible_to(request.user))
    form = TriageFilterForm(request.GET or None, therapists=therapists)
    valid = form.is_valid() if form.is_bound else True
    filters = form.cleaned_data if form.is_bound and valid else {}
    rows = selectors.caseload_for(request.user, now=now)
    figures = team_figures(request.user, rows, now=now)
    kind = filters.get("kind") or ""
    therapist_id = filters.get("therapist")
    shown = [
        row
        for row in rows
        if (not kind or any(a.kind == kind for a in (*row.alerts, *row.good_news)))
        and (therapist_id is None or row.client.therapist_id == therapist_id)
    ]
    audit_record_many(
        actor=request.user,
        action=Action.VIEW,
        target="caseload",
        client_ids=[row.client.pk for row in shown],
        request=request,
    )
    context = {
        "rows": shown,
        "now": now,
        "filter_form": form,
        "filtered": bool(kind or therapist_id),
        "figures": figures,
        "show_therapist": len(therapists) > 1,
    }
    return render(request, "clinic/caseload.html", context, status=200 if valid else 400)


@clinician_required
def client_detail(request, client_id):
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
    context = {
        "client": client,
        "episodes": episodes,
        "current": episodes[0] if episodes and episodes[0].is_open else None,
        "now": timezone.now(),
        "notices": notices,
        "panels": sections,
    }
    return render(request, "clinic/client_detail.html", context)


def _form_page(request, template, form, **context):
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


@clinician_required
@require_http_methods(["GET", "POST"])
def client_create(request):
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                actor=request.user, therapist=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client added."))
            return redirect("client_detail", client_id=client.pk)
    return _form_page(request, "clinic/form.html", form, title=_("New client"))


@clinician_required
@require_http_methods(["GET", "POST"])
def client_edit(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    initial = {f: getattr(client, f) for f in ("display_name", "birth_year", "email", "phone")}
    if request.method == "GET":
        audit_record(
            actor=request.user,
            action=Action.VIEW,
            target="client-edit",
            client_id=client.pk,
            request=request,
        )
    form = ClientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(
                actor=request.user, client=client, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client details saved."))
            return redirect("client_detail", client_id=client.pk)
    return _form_page(request, "clinic/form.html", form, title=_("Edit client"), client=client)


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_create(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    form = EpisodeForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_create(
                actor=request.user, client=client, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode started."))
            return redirect("client_detail", client_id=client.pk)
    return _form_page(
        request, "clinic/form.html", form, title=_("Start an episode of care"), client=client
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_edit(request, episode_id):
    episode = selectors.get_episode_for_user(request.user, episode_id)
    initial = {
        "started_on": episode.started_on,
        "attendance_basis": episode.attendance_basis,
        "referral_source": episode.referral_source,
        "phase": episode.phase,
    }
    form = EpisodeEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_update(
                actor=request.user, episode=episode, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode saved."))
            return redirect("client_detail", client_id=episode.client_id)
    return _form_page(
        request, "clinic/form.html", form, title=_("Edit episode"), client=episode.client
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_end(request, episode_id):
    episode = selectors.get_episode_for_user(request.user, episode_id)
    form = EndEpisodeForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_end(
                actor=request.user,
                episode=episode,
                request=request,
                ended_on=form.cleaned_data["ended_on"],
                end_reason=form.cleaned_data["end_reason"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode ended."))
            return redirect("client_detail", client_id=episode.client_id)
    return _form_page(
        request, "clinic/form.html", form, title=_("End this episode"), client=episode.client
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def goal_create(request, episode_id):
    episode = selectors.get_episode_for_user(request.user, episode_id)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_create(
                actor=request.user, episode=episode, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal added."))
            return redirect("client_detail", client_id=episode.client_id)
    return _form_page(
        request, "clinic/form.html", form, title=_("Add a goal"), client=episode.client
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, goal_id):
    goal = selectors.get_goal_for_user(request.user, goal_id)
    client = goal.episode.client
    if request.method == "GET":
        audit_record(
            actor=request.user,
            action=Action.VIEW,
            target=f"goal:{goal.pk}",
            client_id=client.pk,
            request=request,
        )
    form = GoalEditForm(request.POST or None, initial={"text": goal.text, "status": goal.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_update(
                actor=request.user, goal=goal, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal saved."))
            return redirect("client_detail", client_id=client.pk)
    return _form_page(request, "clinic/form.html", form, title=_("Edit goal"), client=client)


@clinician_required
@require_http_methods(["GET", "POST"])
def appointment_create(request, episode_id):
    episode = selectors.get_episode_for_user(request.user, episode_id)
    form = AppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_create(
                actor=request.user, episode=episode, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Appointment booked."))
            return redirect("client_detail", client_id=episode.client_id)
    return _form_page(
        request, "clinic/form.html", form, title=_("Book an appointment"), client=episode.client
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def appointment_attendance(request, appointment_id):
    appointment = selectors.get_appointment_for_user(request.user, appointment_id)
    client = appointment.episode.client
    form = AttendanceForm(request.POST or None, initial={"attendance": appointment.attendance})
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_record_attendance(
                actor=request.user, appointment=appointment, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect("client_detail", client_id=client.pk)
    return _form_page(
        request,
        "clinic/form.html",
        form,
        title=_("Record attendance"),
        client=client,
        appointment=appointment,
    )
