"""Alert pages and the client page's monitoring panel.

Views translate HTTP into selector and service calls: every alert comes from
``selectors.get_alert_for_user`` (404 outside the user's scope) and every read of client
data is audited. Invalid input re-renders the form with status 400 and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.audit.services import Action, audit_record
from rapport.core.decorators import clinician_required
from rapport.core.forms import add_service_errors
from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from rapport.monitoring import selectors, services
from rapport.monitoring.answered import alert_answered_apart
from rapport.monitoring.charts import build_charts
from rapport.monitoring.forms import AcknowledgeForm, DismissForm, LogActionForm, SnoozeForm
from rapport.monitoring.panel_queries import PanelFacts, alert_history, panel_facts
from rapport.monitoring.series import load_episode_series

__all__ = ["alert_acknowledge", "alert_action", "alert_dismiss", "alert_snooze", "client_panel"]


#: Each clinic whose guidance library this process brought up to the shipped one, with how
#: its strategies stood then (``_strategies_as_they_stand``). A cache, not state: a clinic
#: missing here (a new process, a new release) is brought up to date on its next page.
_library_checked: dict[int, tuple] = {}


def _strategies_as_they_stand(clinic) -> tuple:
    """How many strategies the clinic has, its last one, and its last change (one query)."""
    stand = Strategy.objects.filter(clinic=clinic).aggregate(
        count=Count("pk"), last=Max("pk"), changed=Max("updated_at")
    )
    return (stand["count"], stand["last"], stand["changed"])


def _library_up_to_date(clinic) -> None:
    """``library_load`` (the shipped strategies the clinic lacks added, unedited copies
    following the release), run when it may have something to do: the first page of the
    clinic in this process (a release starts new processes), or after the clinic's
    strategies changed since (added, removed or edited). It read every strategy and parsed
    the shipped library on every view of a client page; now one small query does."""
    stand = _strategies_as_they_stand(clinic)
    if _library_checked.get(clinic.pk) == stand:
        return
    if library_load(clinic=clinic):
        stand = _strategies_as_they_stand(clinic)
    _library_checked[clinic.pk] = stand


def _back(alert) -> str:
    return reverse("client_detail", args=[alert.client_id]) + f"#alert-{alert.pk}"


def _view_for(alert):
    """The alert as the client page shows it, with the strategies that fit it."""
    _library_up_to_date(alert.client.clinic)
    monitoring = selectors.client_monitoring(alert.client)
    for view in (*monitoring.alerts, *monitoring.good_news, *monitoring.snoozed):
        if view.alert.pk == alert.pk:
            return view, monitoring
    return None, monitoring


def _page(request, alert, form, title, *, view=None, goals=(), series=None):
    # Audited here, where the page is rendered: a form sent back with errors shows the
    # client's alert (and goals) again, and that read is recorded too.
    _audit_view(request, alert)
    if series is None or series.episode.pk != alert.episode_id:
        series = load_episode_series(alert.episode)
    return render(
        request,
        "monitoring/alert_form.html",
        {
            "alert": alert,
            "client": alert.client,
            "form": form,
            "title": title,
            "view": view,
            "goals": goals,
            # Its scores answered on another day than their session's, as on the client page.
            "answered": alert_answered_apart(alert, series),
            # Who acknowledged, snoozed or dismissed it, read here: templates do not query.
            "facts": PanelFacts(history=alert_history([alert])),
        },
        status=400 if form.errors else 200,
    )


def _audit_view(request, alert) -> None:
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target=f"alert:{alert.pk}",
        client_id=alert.client_id,
        request=request,
    )


def _refused(form, alert, error: ValidationError) -> None:
    """The service's errors on the form. When it refused because the alert changed since
    the page was shown, the page shows the alert as it is now with the therapist's input
    kept, and the form carries this version: choosing again acts on what they now see."""
    add_service_errors(form, error)
    if isinstance(error, services.AlertChanged):
        form.show_version(services.alert_version(alert))


def _sent(form, alert, run) -> bool:
    """Send a valid form to the service (``run``); True when it acted. A form with input
    errors is not sent, but if the open alert also changed since its page was shown, the page
    says so now, beside the input errors, and carries the alert as it is now: otherwise the
    therapist corrects the field, sends again, and only then learns the alert changed (the
    service says both at once for the errors it finds, ``services._require_as_shown``)."""
    if not form.is_valid():
        shown = form.cleaned_data.get("shown", "")
        if alert.is_active and not services.alert_is_as_shown(alert, shown):
            form.add_error(None, services.CHANGED)
            form.show_version(services.alert_version(alert))
        return False
    try:
        run(alert, form.cleaned_data)
    except ValidationError as error:
        _refused(form, alert, error)
        return False
    return True


def _alert_form_view(request, alert_id, *, form_class, title, run, success, form_kwargs=None):
    alert = selectors.get_alert_for_user(request.user, alert_id)
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial={"shown": services.alert_version(alert)},
        **(form_kwargs or {}),
    )
    if request.method == "POST" and _sent(form, alert, run):
        messages.success(request, success)
        return redirect(_back(alert))
    # The alert is shown in full here, so with what the therapist could do about it, as on
    # the client page: an alert always comes with a strategy (de Jong et al. 2021).
    view, monitoring = _view_for(alert)
    return _page(
        request,
        alert,
        form,
        title,
        view=view,
        goals=monitoring.goals,
        series=monitoring.episode_series,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request, alert_id):
    return _alert_form_view(
        request,
        alert_id,
        form_class=AcknowledgeForm,
        title=_("Acknowledge this alert"),
        run=lambda alert, data: services.alert_acknowledge(
            actor=request.user, alert=alert, request=request, shown=data["shown"]
        ),
        success=_("Alert acknowledged."),
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def alert_dismiss(request, alert_id):
    return _alert_form_view(
        request,
        alert_id,
        form_class=DismissForm,
        title=_("Dismiss this alert"),
        run=lambda alert, data: services.alert_dismiss(
            actor=request.user,
            alert=alert,
            reason=data["reason"],
            request=request,
            shown=data["shown"],
        ),
        success=_("Alert dismissed."),
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def alert_snooze(request, alert_id):
    return _alert_form_view(
        request,
        alert_id,
        form_class=SnoozeForm,
        title=_("Snooze this alert"),
        run=lambda alert, data: services.alert_snooze(
            actor=request.user,
            alert=alert,
            until=data["until"],
            request=request,
            shown=data["shown"],
        ),
        success=_("Alert snoozed."),
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def alert_action(request, alert_id):
    alert = selectors.get_alert_for_user(request.user, alert_id)
    view, monitoring = _view_for(alert)
    strategies = view.strategies if view is not None else []
    form = LogActionForm(
        request.POST if request.method == "POST" else None,
        strategies=strategies,
        initial={"shown": services.alert_version(alert)},
    )

    def run(alert, data):
        services.alert_log_action(
            actor=request.user,
            alert=alert,
            strategy=data["strategy"],
            note=data["note"],
            performed_on=data["performed_on"],
            request=request,
            shown=data["shown"],
        )

    if request.method == "POST" and _sent(form, alert, run):
        messages.success(request, _("Action logged."))
        return redirect(_back(alert))
    return _page(
        request,
        alert,
        form,
        _("Log what you did"),
        view=view,
        goals=monitoring.goals,
        series=monitoring.episode_series,
    )


def client_panel(request, client):
    """The client page's monitoring section: alerts with strategies, charts, table."""
    if not getattr(request.user, "is_authenticated", False):
        return None
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="monitoring",
        client_id=client.pk,
        request=request,
    )
    _library_up_to_date(client.clinic)
    monitoring = selectors.client_monitoring(client)
    if monitoring.episode is None:
        return None
    charts = build_charts(monitoring.episode_series, monitoring.config, monitoring.actions)
    for view in (*monitoring.alerts, *monitoring.good_news, *monitoring.snoozed):
        # Field names stay plain (the alert pages read them); ids are unique on the page.
        auto_id = f"id_a{view.alert.pk}_%s"
        view.answered = alert_answered_apart(view.alert, monitoring.episode_series)
        # Each form carries the alert as shown here (``services.alert_version``).
        shown = {"shown": services.alert_version(view.alert)}
        view.forms = {
            "acknowledge": AcknowledgeForm(auto_id=auto_id, initial=dict(shown)),
            "action": LogActionForm(
                strategies=view.strategies, auto_id=auto_id, initial=dict(shown)
            ),
            "dismiss": DismissForm(auto_id=auto_id, initial=dict(shown)),
            "snooze": SnoozeForm(auto_id=auto_id, initial=dict(shown)),
        }
    return {
        "template": "monitoring/panel.html",
        "monitoring": monitoring,
        "facts": _facts(client, monitoring),
        "charts": charts,
        "today": timezone.localdate(),
    }


def _facts(client, monitoring) -> PanelFacts:
    """Who acted on the panel's alerts, and whether a risk answer waits: read here, in a
    fixed number of queries for the whole panel (``panel_queries``), so that the template
    reads only what it is given."""
    views = (*monitoring.alerts, *monitoring.good_news, *monitoring.snoozed)
    alerts = list({view.alert.pk: view.alert for view in views}.values())
    return panel_facts(client, alerts, monitoring.actions)
