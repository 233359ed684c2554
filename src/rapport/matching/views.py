"""Matching pages: a clinician's own profile, finding a better-matched colleague for a
client, and the referrals offered to and made by the clinician.

Views translate HTTP into selector and service calls: the client comes from a scoped
helper (404 outside scope, 403 for a supervisor who is not the client's therapist), a
referral offered to someone else is a 404, writes are POST only (CSRF), and every read of
client data is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.selectors import supervisors_of_each
from rapport.accounts.services import supervision_change
from rapport.audit.services import Action, audit_page_view, audit_record_each
from rapport.core.decorators import clinician_required
from rapport.core.forms import add_service_errors
from rapport.matching import selectors, services
from rapport.matching.choices import labels
from rapport.matching.forms import DecisionForm, NeedsForm, ProfileForm, ProposeForm
from rapport.matching.models import STYLE_FIELDS, ReferralStatus

__all__ = ["profile_edit", "referral_find", "referral_respond", "referral_withdraw", "referrals"]


@clinician_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = selectors.profile_of(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.profile_save(
                    actor=request.user,
                    focus_areas=data["focus_areas"],
                    approaches=data["approaches"],
                    languages=data["languages"],
                    style=form.style(),
                    accepting_referrals=data["accepting_referrals"],
                    capacity=data["capacity"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your matching profile is saved."))
                return redirect("matching_profile")
    else:
        initial = {"accepting_referrals": True}
        if profile is not None:
            initial = {
                "focus_areas": profile.focus_areas,
                "approaches": profile.approaches,
                "languages": profile.languages,
                "accepting_referrals": profile.accepting_referrals,
                "capacity": profile.capacity,
                **{name: getattr(profile, name) for name in STYLE_FIELDS.values()},
            }
        form = ProfileForm(initial=initial)
    return render(
        request,
        "matching/profile.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def referral_find(request, client_id):
    client = selectors.get_client_for_own_therapist(request.user, client_id)
    open_referral = selectors.open_referral(client)
    propose_form = None
    if request.method == "POST":
        propose_form = ProposeForm(request.POST)
        needs = NeedsForm(request.POST)
        if propose_form.is_valid():
            data = propose_form.cleaned_data
            try:
                referral = services.referral_propose(
                    actor=request.user,
                    client=client,
                    to_therapist_id=data["to_therapist"],
                    focus_areas=data["focus_areas"],
                    approaches=data["approaches"],
                    language=data["language"] or None,
                    consent=data["consent"],
                    request=request,
                )
            except ValidationError as error:
                same = selectors.open_referral(client)
                if same is not None and same.to_therapist_id == data["to_therapist"]:
                    # The same offer sent twice (a double click, a resent form): it stands
                    # once, and the second sending is told so, not shown an error.
                    messages.info(
                        request,
                        _("The referral to %(name)s was already offered: nothing changed.")
                        % {"name": same.to_therapist.full_name or same.to_therapist.email},
                    )
                    return redirect("client_detail", client_id=client.pk)
                add_service_errors(propose_form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Referral offered to %(name)s. They see the client's name, your name "
                        "and the reasons for the fit, and nothing of the record until they "
                        "accept."
                    )
                    % {"name": referral.to_therapist.full_name or referral.to_therapist.email},
                )
                return redirect("client_detail", client_id=client.pk)
    else:
        needs = NeedsForm(request.GET or None)
    needs_data = needs.cleaned_data if needs.is_bound and needs.is_valid() else {}
    focus = needs_data.get("focus_areas", [])
    approaches = needs_data.get("approaches", [])
    language = needs_data.get("language") or None
    match, without_profile, preferences = selectors.rank_colleagues(
        client, focus_areas=focus, language=language, approaches=approaches
    )
    audit_page_view(request, client.pk)
    return render(
        request,
        "matching/find.html",
        {
            "client": client,
            "needs": needs,
            "focus": focus,
            "approaches": approaches,
            "language": language or "",
            "match": match,
            "without_profile": without_profile,
            "preferences": preferences,
            "open_referral": open_referral,
            "propose_form": propose_form,
            "chosen": str(request.POST.get("to_therapist", "")),
            "labels": labels(),
        },
        status=400 if propose_form is not None and propose_form.errors else 200,
    )


@clinician_required
def referral_withdraw(request, client_id):
    # Scope first, then the method: outside the scope a GET is a 404 like any client URL.
    try:
        client = selectors.get_client_for_own_therapist(request.user, client_id)
    except (Http404, PermissionDenied):
        # The colleague accepted meanwhile (a page left open): the client is theirs now,
        # which the referrer was told on their caseload; say so rather than "not found"
        # (or "forbidden", for a referrer who supervises the colleague).
        accepted = selectors.accepted_referral_made(request.user, client_id)
        if accepted is None or request.method != "POST":
            raise
        messages.info(
            request,
            _("%(name)s had already accepted the referral: the client is with them now.")
            % {"name": accepted.to_therapist.full_name or accepted.to_therapist.email},
        )
        return redirect("referrals")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    referral = selectors.open_referral(client)
    if referral is None:
        messages.info(request, _("There is no open referral to withdraw: nothing changed."))
        return redirect("client_detail", client_id=client.pk)
    try:
        services.referral_withdraw(actor=request.user, referral=referral, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Referral withdrawn. The client stays with you."))
    return redirect("client_detail", client_id=client.pk)


#: How many referrals of each list the page shows before "Show all": the offers made to
#: someone and those they made only grow, and each one shown is an audited read.
REFERRALS_SHOWN = 50


def _latest(queryset, *, show_all: bool) -> tuple[list, int]:
    """The first ``REFERRALS_SHOWN`` rows of ``queryset`` (all of them with ``show_all``)
    and how many there are in all, counted only when some are left out."""
    if show_all:
        rows = list(queryset)
        return rows, len(rows)
    rows = list(queryset[: REFERRALS_SHOWN + 1])
    if len(rows) <= REFERRALS_SHOWN:
        return rows, len(rows)
    return rows[:REFERRALS_SHOWN], queryset.count()


@clinician_required
@require_http_methods(["GET"])
def referrals(request):
    show_all_offered = request.GET.get("offered") == "all"
    show_all_made = request.GET.get("made") == "all"
    incoming, incoming_total = _latest(
        selectors.incoming_referrals(request.user), show_all=show_all_offered
    )
    # As an admin's move says it (accounts.services.clients_move): accepting changes who
    # supervises the client, and the colleague should know before they accept. Every
    # supervisor is read at once: the user's own, and those of each referring colleague.
    supervisors = supervisors_of_each(
        {request.user.pk, *(referral.from_therapist_id for referral in incoming)}
    )
    after = supervisors[request.user.pk]
    for referral in incoming:
        change = supervision_change(before=supervisors[referral.from_therapist_id], after=after)
        referral.supervisors_losing = change.no_longer_seeing(request.user) if change else ()
        referral.supervisors_gaining = (
            tuple(u for u in change.after.seeing if u not in change.before.seeing) if change else ()
        )
    outgoing, outgoing_total = _latest(
        selectors.outgoing_referrals(request.user), show_all=show_all_made
    )
    # The "Made by you" list shows each decline and its reason: read, so the caseload
    # stops saying a colleague declined.
    services.declines_seen(actor=request.user, referrals=outgoing)
    # Each offer names a client: a read of their data (their name, the fit's reasons). One
    # row each, as before, written together.
    audit_record_each(
        actor=request.user,
        action=Action.VIEW,
        rows=[(f"referral:{r.pk}", r.client_id) for r in (*incoming, *outgoing)],
        request=request,
    )
    return render(
        request,
        "matching/referrals.html",
        {
            "incoming": incoming,
            "incoming_total": incoming_total,
            "incoming_all": show_all_offered and incoming_total > REFERRALS_SHOWN,
            "outgoing": outgoing,
            "outgoing_total": outgoing_total,
            "outgoing_all": show_all_made and outgoing_total > REFERRALS_SHOWN,
            "shown": REFERRALS_SHOWN,
            "show_all_offered": show_all_offered,
            "show_all_made": show_all_made,
            "profile": selectors.profile_of(request.user),
            "labels": labels(),
        },
    )


#: What an answer to an offer no longer open says (a double click, two tabs, a page left
#: open while the referrer withdrew): what became of it, and that nothing changed.
_ANSWERED = {
    ReferralStatus.ACCEPTED: _lazy("You already accepted this referral: nothing changed."),
    ReferralStatus.DECLINED: _lazy("You already declined this referral: nothing changed."),
    ReferralStatus.WITHDRAWN: _lazy(
        "The referring colleague withdrew this referral before you answered: nothing changed. "
        "The client stays with them."
    ),
}


def _answered(request, referral_id):
    """A redirect saying what became of an offer no longer open, or None."""
    answered = selectors.answered_offer(request.user, referral_id)
    if answered is None:
        return None
    messages.info(request, str(_ANSWERED[answered.status]))
    return redirect("referrals")


@clinician_required
@require_POST
def referral_respond(request):
    if done := _answered(request, request.POST.get("referral")):
        return done
    form = DecisionForm(request.POST)
    if not form.is_valid():
        # The referral is looked up first: nobody learns anything of someone else's offer.
        selectors.get_incoming_referral(request.user, request.POST.get("referral"))
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("referrals")
    try:
        referral = selectors.get_incoming_referral(request.user, form.cleaned_data["referral"])
    except Http404:
        # Answered in the meantime (two tabs sent together): said, as above.
        if done := _answered(request, form.cleaned_data["referral"]):
            return done
        raise
    try:
        if form.cleaned_data["decision"] == DecisionForm.ACCEPT:
            services.referral_accept(actor=request.user, referral=referral, request=request)
        else:
            services.referral_decline(
                actor=request.user,
                referral=referral,
                reason=form.cleaned_data["reason"],
                request=request,
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("referrals")
    if form.cleaned_data["decision"] == DecisionForm.ACCEPT:
        messages.success(request, _("Referral accepted: the client is on your caseload now."))
        return redirect("client_detail", client_id=referral.client_id)
    messages.success(request, _("Referral declined. The client stays with their therapist."))
    return redirect("referrals")
