"""Check-in pages: the client's questionnaire behind a link, and the staff pages around it.

The client's page (``/c/<token>/``) needs no account: the token is the credential. A
tampered, expired, used or revoked link (or one of an ended episode) gets one calm page that
names nobody, so a link reveals nothing about anyone. Staff pages reach objects only through
the scoped selectors.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rapport.audit.services import Action, audit_page_view, audit_record
from rapport.checkins import selectors, services
from rapport.checkins.forms import (
    FORM_EXPIRED,
    CheckinCreateForm,
    ClinicScheduleForm,
    EpisodeScheduleForm,
    QuestionnaireForm,
    RiskFollowUpForm,
    WordingDeleteForm,
    WordingUploadForm,
)
from rapport.checkins.instruments import GOALS
from rapport.checkins.models import Mode, Timing
from rapport.checkins.panels import (
    follow_up,
    refused_follow_up,
    refused_risk_answer,
    risk_answer,
)
from rapport.checkins.qr import qr_images
from rapport.checkins.tokens import hash_token, looks_like_token
from rapport.clinic import selectors as clinic_selectors
from rapport.clinic.models import SHIPPED_CRISIS_TEXTS
from rapport.core.decorators import admin_required, clinician_required
from rapport.core.fields import keyring
from rapport.core.forms import add_service_errors
from rapport.core.people import name_with_role
from rapport.lib.crypto import CryptoError
from rapport.measures import selectors as measure_selectors
from rapport.measures import services as measure_services
from rapport.measures.errors import InstrumentNotFound

# -- the client's page --------------------------------------------------------------------


def _unavailable(request, status: int, *, checkin=None, risk: bool = False, unreadable=False):
    """The calm "cannot be used" page. With ``risk`` (a refused submission of ``checkin``
    that answered a risk item at risk) it also holds the crisis section naming the clinic.
    With ``unreadable`` (a refused form without a usable key, :func:`_refused`) it says the
    form must be filled in again, and where to get help, whatever the form answered.
    For a tablet link it also offers the therapist's way back (:func:`_tablet_context`):
    tablet mode signed them out, and this page otherwise left them with no way to any staff
    page. It names nobody, as on the thank-you page."""
    context = {"risk": risk, "unreadable": unreadable, **_tablet_context(checkin)}
    if risk or unreadable:
        context |= _help_context(checkin.client.clinic)
    response = render(request, "checkins/unavailable.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _thanks(request, checkin, response, *, stored_now: bool):
    """The thank-you page. Every one shows the clinic's crisis contacts, which depend on no
    answer (as the "already sent" page does): a client who answered a risk item at risk and
    pressed Send twice (a double click, a second tap on a slow connection) is shown the
    second request's page, a repeat, and must still see where to turn today.

    Only the submission that stored the answers shows anything drawn from them (the "If you
    are struggling right now" section after a risk answer, which names the clinic). A
    repeat (same form key: Reload or Forward re-posting the form, a retry, a double click)
    gets the page a submission without a risk answer gets, byte for byte: on a shared
    tablet or phone the next person to press Reload must not learn that the last client
    reported thoughts of self-harm (docs/checkins.md, "Exactly once")."""
    risk = stored_now and bool(response.endorsed_risk)
    context = {
        "risk": risk,
        "crisis_text": _crisis_contacts(checkin.client.clinic),
        "clinic_name": checkin.client.clinic.name if risk else "",
        **_tablet_context(checkin),
    }
    page = render(request, "checkins/thanks.html", context)
    page["X-Robots-Tag"] = "noindex"
    return page


def _tablet_context(checkin) -> dict:
    """Whether the page is on the clinic's tablet and, if so, the therapist's way back
    ("Therapist: sign in again", checkins/includes/staff_return.html). The thank-you page,
    the "already sent" page a client reaches with Back or Reload, and the "cannot be used"
    page of a tablet link (expired or revoked while the client held the device) all end the
    client's turn on the tablet, so all carry it; a phone link's pages never do, nor does
    the page of a token that matches no check-in (which says nothing about any link)."""
    tablet = checkin is not None and checkin.mode == Mode.TABLET
    return {"tablet": tablet, "staff_return_url": _staff_return_url() if tablet else ""}


def _crisis_contacts(clinic) -> str:
    """The clinic's own crisis text, or "" while it is still one Rapport shipped: those name
    no line or number (the first even asked the client to tell their therapist today, who
    may not read the answers before the next session). The thank-you page words that case
    itself (translatable) and does not point to crisis contacts the clinic never gave."""
    text = clinic.crisis_text.strip()
    return "" if text in SHIPPED_CRISIS_TEXTS else text


# No CSRF check on the client's page: the token in the URL is the credential (256 bits,
# single use, expiring, stored only as a hash), so a forger on another site cannot build
# a request to it without already holding the link, and whoever holds the link can answer
# anyway. The check would only hurt: a phone that blocks cookies, or a cookie that expired
# while the client was answering, would get Django's 403 page and lose every answer. The
# form's own single-use key (``form_key``) still makes each submission count once.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def answer(request, token):
    lookup = selectors.checkin_for_token(token)
    checkin = lookup.checkin
    if checkin is None:
        return _unavailable(request, 404)
    now = timezone.now()
    usable = lookup.usable and _episode_is_open(checkin)
    if not usable and request.method == "GET":
        if lookup.status == "used":
            return _already_sent(request, checkin)
        return _unavailable(request, 410, checkin=checkin)
    try:
        instrument = measure_selectors.instrument_for_clinic(
            checkin.client.clinic, checkin.instrument_id
        )
    except InstrumentNotFound:
        return _unavailable(request, 410, checkin=checkin)
    if not instrument.sendable:
        return _unavailable(request, 410, checkin=checkin)
    if request.method == "GET":
        form = QuestionnaireForm(
            instrument, initial={"form_key": services.new_form_key(checkin, now=now)}
        )
        # The page shows the clinic's name and the session's time: a read of the client's
        # record (DESIGN §5). One row per opening, not per day: a link lives a few days
        # and is opened a few times, and each opening (a phone found, a link forwarded) is
        # what an admin reading the log wants to see. The path is redacted (no token).
        audit_record(
            actor="client-link",
            action=Action.VIEW,
            target=f"checkin:{checkin.pk}:opened",
            client_id=checkin.client_id,
            request=request,
        )
        return _questionnaire(request, instrument, form, checkin, status=200)
    posted_key = request.POST.get("form_key", "")
    # A form opened while the link worked can still be sent for a while after the link
    # expired or was replaced by a new one (services.FORM_GRACE): the client was halfway
    # through, and may have answered the risk item.
    open_form = usable or (
        _episode_is_open(checkin) and services.in_grace(checkin, posted_key, now)
    )
    form = QuestionnaireForm(instrument, request.POST)
    if form.is_valid():
        try:
            response, created = services.checkin_submit(
                checkin=checkin,
                answers=form.answers(),
                form_key=form.cleaned_data["form_key"],
                request=request,
                now=now,
            )
        except services.CheckinUnavailable as refused:
            return _refused(request, checkin, form, refused.status)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not created:
                # The stored form sent again: the page stays the plain thank-you page, but
                # a risk answer it now carries that the stored answers lack must reach staff.
                services.checkin_resent(
                    checkin=checkin,
                    form_key=form.cleaned_data["form_key"],
                    risk_items=form.endorsed_risk(),
                    request=request,
                    now=now,
                )
            return _thanks(request, checkin, response, stored_now=created)
    if not open_form:
        return _refused(request, checkin, form, lookup.status)
    if not services.valid_form_key(posted_key):
        # Keep the answers but issue a fresh key, so the next submit can be stored, and say
        # why the page came back: without a message the client sees nothing wrong. (Only
        # while the link works: a form in its grace period keeps the key it was served.)
        data = request.POST.copy()
        data["form_key"] = services.new_form_key(checkin, now=now)
        form = QuestionnaireForm(instrument, data)
        form.is_valid()
        form.add_error(None, FORM_EXPIRED)
    return _questionnaire(request, instrument, form, checkin, status=400)


#: What a messaging app or a sentence glues onto a link: "(see /c/<token>/)." Not the
#: token's own alphabet (letters, digits, "-" and "_"), so nothing of a token is stripped.
_TRAILING_PUNCTUATION = ".,;:!?)]}>'\"*\u2019\u201d\u00bb\u2026"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def answer_mangled(request, rest):
    """A client link with something glued on (``/c/<token>/).``, ``/c/<token>.``) or cut
    short: the token is the first path segment with trailing punctuation stripped. One of
    the right shape gets the questionnaire at its own address (a GET is redirected there, so
    the form posts to it); anything else gets the calm "cannot be used" page, decided on the
    shape alone, before any database query (``tokens.looks_like_token``)."""
    token = rest.split("/", 1)[0].rstrip(_TRAILING_PUNCTUATION)
    if not looks_like_token(token):
        return _unavailable(request, 404)
    if request.method == "POST":
        return answer(request, token)
    return redirect("checkin_answer", token=token)


def _refused(request, checkin, form, status: str):
    """A submission the link no longer takes: nothing of it is stored.

    The same form as the one whose answers the link stored (same form key: a double click,
    Reload) is no loss, and gets the calm "already sent" page. Any other form sent on a used
    link (a second tab, another device) is told plainly that *these* answers were not sent
    (``checkins/not_sent.html``); an expired or revoked link gets the "cannot be used" page.
    When what was just sent answers a risk item at risk (the instrument's ``risk_items``,
    read from the answers that validated), both pages open with the crisis section, and a
    notice for the client's therapist is recorded (``services.checkin_refused``): the client
    who wrote it must not be left with nothing, nor the answer reach nobody.

    Only the first send of a form shows the crisis section: the same form sent again (same
    key: Reload or Forward re-posting it) gets the page a form without a risk answer gets,
    byte for byte, as a repeat on the thank-you page does (:func:`_thanks`): on a shared
    device the next person to press Reload must not learn that the last one answered a risk
    item at risk.

    A form without a usable key (missing or malformed: a tampered or very old page) cannot
    be told apart from its own Reload, so its page never shows the crisis section: every
    send of it got it, and the next person to press Reload on a shared device learnt that
    the last one answered a risk item at risk. Its page is the same whatever it answered
    (the clinic's crisis contacts, which depend on no answer, and a plain word that the
    form must be filled in again); its risk answer still reaches the therapist as a notice.
    """
    form_key = request.POST.get("form_key", "")
    risk_items = form.endorsed_risk()
    if status == "used" and services.is_stored_submission(checkin, form_key):
        services.checkin_resent(
            checkin=checkin, form_key=form_key, risk_items=risk_items, request=request
        )
        return _already_sent(request, checkin)
    refusal = services.checkin_refused(
        checkin=checkin, form_key=form_key, risk_items=risk_items, reason=status, request=request
    )
    unreadable = not services.valid_form_key(form_key)
    risk = bool(risk_items) and not refusal.repeat and not unreadable
    if status == "used":
        return _not_sent(request, checkin, risk=risk, unreadable=unreadable)
    return _unavailable(request, 410, checkin=checkin, risk=risk, unreadable=unreadable)


def _not_sent(request, checkin, *, risk: bool, unreadable: bool = False):
    """Another form sent on a link already used for other answers (a second tab or device):
    say honestly that these answers were not sent. With ``risk`` (this form answered a risk
    item at risk, and this is its first send) the crisis section names the clinic, as the
    "cannot be used" page does; only this request shows it, drawn from what it carried.
    With ``unreadable`` (no usable form key) it also says the form could not be checked."""
    page = render(
        request,
        "checkins/not_sent.html",
        {
            "risk": risk,
            "unreadable": unreadable,
            **_help_context(checkin.client.clinic),
            **_tablet_context(checkin),
        },
        status=410,
    )
    page["X-Robots-Tag"] = "noindex"
    return page


#: How long after its answers came a used link still says "already sent", even past expiry.
ALREADY_SENT_SHOWN_AFTER_USE = timedelta(hours=1)


def _already_sent(request, checkin):
    """The link was used for a stored submission (Back or Reload after sending, a second
    tab): say the answers arrived. The clinic's crisis contacts are always there, never
    depending on the answers: on a shared tablet the next person must learn nothing.

    Only while the link would still have worked (before its expiry), or for
    ``ALREADY_SENT_SHOWN_AFTER_USE`` after the answers came (a client who sent them in the
    grace after expiry and pressed Back must still read that they arrived): after that, the
    page told anyone holding the link, a year later, that its holder sees a therapist, and
    at which clinic. Later, a used link gets the generic "cannot be used" page."""
    shown_until = max(
        checkin.expires_at, (checkin.used_at or checkin.expires_at) + ALREADY_SENT_SHOWN_AFTER_USE
    )
    if shown_until <= timezone.now():
        return _unavailable(request, 410, checkin=checkin)
    page = render(
        request,
        "checkins/already_sent.html",
        {**_help_context(checkin.client.clinic), **_tablet_context(checkin)},
        status=410,
    )
    page["X-Robots-Tag"] = "noindex"
    return page


def _help_context(clinic) -> dict:
    return {"crisis_text": _crisis_contacts(clinic), "clinic_name": clinic.name}


def _episode_is_open(checkin) -> bool:
    """A link of an ended episode cannot be answered (checkin_submit refuses it): offer no
    questions the client would answer in vain."""
    return checkin.appointment.episode.is_open


def _questionnaire(request, instrument, form, checkin, *, status):
    questions = form.questions()
    # A question left blank is "not answered yet"; one answered with something that cannot
    # be stored (out of range, too long) "needs correcting": telling someone who answered
    # that they did not is confusing, and points them at the wrong fix.
    missing = [q for q in questions if q.errors and not q.value.strip()]
    invalid = [q for q in questions if q.errors and q.value.strip()]
    # The page is no-store, so a reload or leaving and coming back clears every answer: on
    # a questionnaire of about 3 minutes or more (the C-NIP, about 5) the page says so near
    # the top, with the time the link's message gives. Not on the session check-in or the
    # PHQ-9 (about 1 and 2 minutes), where it would be one more thing to read. The "Your
    # goals" page says it too (without a time: its boxes are optional and free text): what
    # a client types in their own words is the most to lose and the hardest to type again.
    minutes = services.minutes_to_answer(instrument)
    session_line = _session_line(checkin, instrument)
    # The session check-in's title is "About your session": the page read "About your
    # session today" above the heading "About your session". When the line naming the
    # session begins with the title, it is the heading itself, and not said twice.
    heading = ""
    title = (instrument.client_title or "").strip()
    if title and session_line.casefold().startswith(title.casefold()):
        heading, session_line = session_line, ""
    response = render(
        request,
        "checkins/answer.html",
        {
            "instrument": instrument,
            "form": form,
            "questions": questions,
            "missing": missing,
            "invalid": invalid,
            # On the tablet, "I'd rather not answer now" leads to the therapist's way back.
            **_tablet_context(checkin),
            "clinic_name": checkin.client.clinic.name,
            "session_line": session_line,
            "heading": heading,
            # Said on every page of a measure with a risk item, whatever is answered.
            "risk_instrument": bool(instrument.risk_items),
            # A line of help under each risk item itself (from the instrument's definition).
            "risk_item_ids": [risk.item for risk in instrument.risk_items],
            "crisis_text": _crisis_contacts(checkin.client.clinic),
            # Under the privacy line: the clinic's word on sharing beyond it ("" = none).
            "sharing_text": checkin.client.clinic.sharing_text.strip(),
            "long_minutes": minutes if minutes >= 3 else 0,
            "keep_note": minutes >= 3 or instrument.id == GOALS,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _session_line(checkin, instrument, now=None) -> str:
    """Which session the questions are about, in the clinic's time zone: "About your
    session on Mon 23 Nov" (asked after it, or an alliance measure), "Before your session
    on Mon 30 Nov at 14:00" (asked before it). A check-in answered a week late must not
    read as if it were about today. None for the "Your goals" page: goals are not about a
    session, and "For your session on Mon 30 Nov" above them read as if they were."""
    if checkin.instrument_id == GOALS:
        return ""
    starts = timezone.localtime(checkin.appointment.starts_at)
    today = timezone.localdate(now)
    values = {"day": date_format(starts, "D j M"), "time": date_format(starts, "H:i")}
    if starts.year != today.year:
        values["day"] = date_format(starts, "D j M Y")
    is_today = starts.date() == today
    if checkin.timing == Timing.AFTER or instrument.kind == "alliance":
        if is_today:
            return _("About your session today")
        return _("About your session on %(day)s") % values
    if checkin.timing == Timing.BEFORE:
        if is_today:
            return _("Before your session today at %(time)s") % values
        return _("Before your session on %(day)s at %(time)s") % values
    if is_today:
        return _("For your session today at %(time)s") % values
    return _("For your session on %(day)s at %(time)s") % values


# -- therapist pages ----------------------------------------------------------------------


def _email_available() -> bool:
    return bool(settings.EMAIL_CONFIGURED)


@clinician_required
@require_http_methods(["GET", "POST"])
def checkin_new(request, appointment_id):
    appointment = clinic_selectors.get_appointment_for_user(request.user, appointment_id)
    client = appointment.episode.client
    statuses = measure_selectors.instrument_statuses(client.clinic)
    schedule = selectors.episode_schedule(appointment.episode)
    timing = request.GET.get("timing")
    if timing not in Timing.values:
        timing = Timing.BEFORE if appointment.starts_at > timezone.now() else Timing.AFTER
    initial = {"timing": timing, "instrument": schedule.for_timing(timing), "mode": Mode.LINK}
    form = CheckinCreateForm(
        request.POST or None,
        initial=initial,
        statuses=statuses,
        email_available=_email_available(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["mode"] == Mode.TABLET:
                # Tablet mode never shows the link page, which says what a new link undoes:
                # ask here, before the link the client holds stops working (and only about
                # a link that would be made).
                services.checkin_create_check(
                    appointment=appointment,
                    instrument_id=form.cleaned_data["instrument"],
                    timing=form.cleaned_data["timing"],
                    mode=Mode.TABLET,
                )
                hand_over = selectors.hand_over_for(appointment, form.cleaned_data["instrument"])
                if hand_over.needs_confirming and (
                    request.POST.get("confirm") != hand_over.fingerprint
                ):
                    return _ask_to_confirm_hand_over(request, form, appointment)
            checkin, token = services.checkin_create(
                actor=request.user,
                appointment=appointment,
                instrument_id=form.cleaned_data["instrument"],
                timing=form.cleaned_data["timing"],
                mode=form.cleaned_data["mode"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if checkin.mode == Mode.TABLET:
                return _hand_over(request, token, client)
            if form.cleaned_data.get("email"):
                emailed = services.checkin_email(
                    actor=request.user, checkin=checkin, token=token, request=request
                )
                if not emailed:
                    messages.error(
                        request,
                        _("The email could not be sent. Share the link or QR code instead."),
                    )
            # POST/redirect/GET: reloading the page that shows the link must never create
            # another one, which would revoke the link the client already holds.
            _remember_link(request, checkin, token)
            return redirect("checkin_link", checkin_id=checkin.pk)
    audit_page_view(request, client.pk)
    return render(
        request,
        "checkins/new.html",
        {"form": form, "client": client, "appointment": appointment},
        status=400 if form.errors else 200,
    )


#: Tablet mode's *Hand the tablet over?* questions waiting for an answer, by an opaque key
#: (the ``for`` of its address): the appointment, questionnaire and timing each is about.
#: Kept in the server-side session, so the page's address names nobody, and dropped with
#: the session when the hand-over signs the therapist out.
_HAND_OVERS = "checkin_tablet_hand_overs"
_HAND_OVERS_KEPT = 5


def _ask_to_confirm_hand_over(request, form, appointment):
    """Before tablet mode revokes the link already sent for this session and questionnaire,
    or takes a second answer to it: ask first, on a page of its own (POST/redirect/GET).

    The question used to be the response to the *Tablet* button's POST, so Back from the
    client's questions (or their thank-you page) reached a page the browser could only show
    by sending the form again ("Confirm Form Resubmission", net::ERR_CACHE_MISS) on the
    device the client holds. Each question has its own key, so two tabs each keep theirs."""
    key = secrets.token_urlsafe(9)
    pending = dict(request.session.get(_HAND_OVERS, {}))
    pending[key] = {
        "appointment": appointment.pk,
        "instrument": form.cleaned_data["instrument"],
        "timing": form.cleaned_data["timing"],
    }
    for stale in list(pending)[:-_HAND_OVERS_KEPT]:
        del pending[stale]
    request.session[_HAND_OVERS] = pending
    return redirect(f"{reverse('checkin_tablet_confirm')}?{urlencode({'for': key})}")


@clinician_required
@require_http_methods(["GET"])
def tablet_confirm(request):
    """*Hand the tablet over?*: what handing over would undo, worked out afresh at each
    showing (a link made meanwhile is named, and confirming covers what the page shows);
    the form posts to :func:`checkin_new`, which checks it all again before handing over.

    The address names nobody (the question is kept in this session, :data:`_HAND_OVERS`):
    after the hand-over, Back on the tablet leads here signed out, so to the sign-in page;
    signing in there, or a question this session no longer holds, goes where signing in
    from the tablet's pages goes (:func:`tablet_return`). The appointment is read through
    the scoped helper: a client the user may no longer see is not found."""
    pending = request.session.get(_HAND_OVERS, {}).get(request.GET.get("for", ""))
    if pending is None:
        return redirect("checkin_tablet_return")
    appointment = clinic_selectors.get_appointment_for_user(request.user, pending["appointment"])
    client = appointment.episode.client
    hand_over = selectors.hand_over_for(appointment, pending["instrument"])
    audit_page_view(request, client.pk)
    return render(
        request,
        "checkins/tablet_confirm.html",
        {
            "client": client,
            "appointment": appointment,
            "instrument_label": selectors.instrument_label(pending["instrument"]),
            "open_links": hand_over.open_links,
            "earlier": hand_over.earlier,
            "grace_hours": int(services.FORM_GRACE.total_seconds() // 3600),
            "fields": {
                "instrument": pending["instrument"],
                "timing": pending["timing"],
                "mode": Mode.TABLET,
                "confirm": hand_over.fingerprint,
            },
        },
    )


#: Tablet mode: the client whose page the therapist left, kept (as its id) in the anonymous
#: session that signing out starts, so that signing in again from the thank-you page leads
#: back to that client without the page holding anything that names them.
_TABLET_RETURN = "checkin_tablet_return"


def _hand_over(request, token, client):
    """Tablet mode: sign the therapist out before the client holds the device, so the only
    way back to any staff page is a fresh login. The new (anonymous) session remembers
    which client the therapist was with, for :func:`tablet_return`.

    The therapist's pending messages are dropped first: logging out ends the session but
    not the messages cookie, so the "You are signed in as <name>." message (queued at
    sign-in, shown on the next page rendered) appeared on the client's questionnaire."""
    for _message in messages.get_messages(request):
        pass  # read, so none is kept for the next page
    logout(request)
    request.session[_TABLET_RETURN] = client.pk
    return redirect("checkin_answer", token=token)


def _staff_return_url() -> str:
    """The therapist's way back on a tablet link's pages (through :func:`_tablet_context`):
    "Therapist: sign in again" on the thank-you, "already sent", "not sent" and "cannot be
    used" pages, and the questionnaire's "I'd rather not answer now — hand the device back".
    The sign-in page, then :func:`tablet_return`. The same opaque address for every client
    and every tablet: the client holding the device learns nothing from it, and the target
    stays server-side."""
    return f"{reverse('account_login')}?{urlencode({'next': reverse('checkin_tablet_return')})}"


@login_required
@require_http_methods(["GET"])
def tablet_return(request):
    """Where signing in from the tablet's pages leads: the page of the client the therapist
    started tablet mode for, read (once) from this browser's session, through the scoped
    helper. With nothing remembered (another device, the session ended after 30 idle
    minutes), the user's landing page.

    Someone who may not see that client (a colleague who took the tablet, an admin) is told
    so plainly, with the way to their own work, instead of the bare "not found" of an
    unknown address: they did nothing wrong, and the page names no client and shows nothing
    of them (whether the client still exists is not looked up either). Nothing of the
    client is read, so, as for any refused request, nothing is written to the client's
    audit trail."""
    client_id = request.session.pop(_TABLET_RETURN, None)
    if client_id is None:
        return redirect("home")
    try:
        client = clinic_selectors.get_client_for_user(request.user, client_id)
    except Http404:
        return render(request, "checkins/tablet_not_yours.html", status=403)
    return redirect("client_detail", client_id=client.pk)


#: The links this session created, by check-in id, so the page that shows a new link can be
#: reloaded. Sessions are server-side (Django's database backend; a signed-cookie session
#: would hand the credential to the browser), and each raw token is kept encrypted with the
#: at-rest key. It goes when the link can no longer be used, or with the session (sign-out,
#: 30 minutes idle, closing the browser).
_SHOWN_LINKS = "checkin_links"
_SHOWN_LINKS_KEPT = 5


def _remember_link(request, checkin, token: str) -> None:
    links = dict(request.session.get(_SHOWN_LINKS, {}))
    links[str(checkin.pk)] = keyring().encrypt(token)
    for stale in list(links)[:-_SHOWN_LINKS_KEPT]:
        del links[stale]
    request.session[_SHOWN_LINKS] = links


def _forget_link(request, checkin) -> None:
    links = dict(request.session.get(_SHOWN_LINKS, {}))
    if links.pop(str(checkin.pk), None) is not None:
        request.session[_SHOWN_LINKS] = links


def _shown_link(request, checkin) -> str | None:
    """The raw token of a link this user created in this session, while it can be used."""
    stored = request.session.get(_SHOWN_LINKS, {}).get(str(checkin.pk))
    if stored is None:
        return None
    token = None
    if checkin.created_by_id == request.user.pk and checkin.is_open(timezone.now()):
        try:
            token = keyring().decrypt(stored)
        except CryptoError:  # the key it was encrypted with has been retired
            token = None
        if token is not None and hash_token(token) != checkin.token_hash:
            token = None
    if token is None:
        _forget_link(request, checkin)
    return token


@clinician_required
@require_http_methods(["GET"])
def checkin_link(request, checkin_id):
    """The page that shows a new link (GET only: reloading it creates nothing)."""
    checkin = selectors.get_checkin_for_user(request.user, checkin_id)
    token = _shown_link(request, checkin)
    audit_page_view(request, checkin.client_id)
    return _created_page(request, checkin, token)


def _created_page(request, checkin, token: str | None):
    """The link, its QR codes and its status. Without the raw token (another session,
    another user, or a link that can no longer be used) it says the link was shown once and
    offers a new one."""
    status = checkin.status(timezone.now())
    context = {
        "checkin": checkin,
        "client": checkin.client,
        "appointment": checkin.appointment,
        "instrument_label": selectors.instrument_label(checkin.instrument_id),
        "status": status,
        "emailed": checkin.emailed_at is not None,
        # Another answer to this questionnaire for this appointment: the client may be
        # correcting themselves, so it is allowed, but the therapist should know.
        "earlier": selectors.answered_before(checkin) if status == "open" else None,
        "url": "",
        # Pressing Link again revoked the link sent before: say so (a form the client
        # already opened can still be sent for a while, services.FORM_GRACE).
        "replaced": selectors.replaced_link(checkin) is not None,
        "grace_hours": int(services.FORM_GRACE.total_seconds() // 3600),
        "crisis_missing": selectors.crisis_text_missing(
            checkin.client.clinic, checkin.instrument_id
        ),
    }
    if token is not None:
        url = services.checkin_url(token)
        svg, png = qr_images(url)
        # Share… sends how many questions and about how long, as the email says.
        share_text = services.checkin_share_text(checkin)
        context |= {"url": url, "qr_svg": svg, "qr_png": png, "share_text": share_text}
    return render(request, "checkins/created.html", context)


@clinician_required
@require_http_methods(["GET", "POST"])
def checkin_revoke(request, checkin_id):
    checkin = selectors.get_checkin_for_user(request.user, checkin_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.checkin_revoke(actor=request.user, checkin=checkin, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The link no longer works."))
    return redirect("client_detail", client_id=checkin.client_id)


@clinician_required
@require_http_methods(["GET", "POST"])
def response_risk_reviewed(request, response_id):
    """Record the follow-up of a risk answer, with the clinician's note. The form sits in
    the notice on the client page; this page shows only when the note needs correcting,
    or when someone else recorded a follow-up first (their note stays, and the sender's
    own text is shown back so it is not lost)."""
    response = measure_selectors.get_response_for_user(request.user, response_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RiskFollowUpForm(request.POST)
    if not form.is_valid():
        return _risk_follow_up_page(request, response, form, status=400)
    note = form.cleaned_data["note"]
    try:
        stored, recorded = measure_services.response_risk_review(
            actor=request.user, response=response, note=note, request=request
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # no risk notice on this response
            messages.error(request, " ".join(error.messages))
            return redirect("client_detail", client_id=response.client_id)
        add_service_errors(form, error)
        return _risk_follow_up_page(request, response, form, status=400)
    if not recorded and not _same_follow_up(stored, request.user, note):
        return _risk_follow_up_page(request, stored, form, status=409)
    # A double click sends the same note again: it was recorded once, and all is well.
    messages.success(
        request, _("Follow-up recorded. It stays on this page under “Risk answers followed up”.")
    )
    # To the top of the client page, where the message and the follow-up's record are.
    return redirect("client_detail", client_id=response.client_id)


def _same_follow_up(stored, user, note: str) -> bool:
    return stored.risk_reviewed_by_id == user.pk and stored.risk_review_note == note


def _already_followed_up(reviewed_at, person) -> str:
    """Why the note was not saved: someone followed the risk answer (stored, or a refused
    one's notice) up first."""
    day = date_format(timezone.localtime(reviewed_at), "j M Y")
    if person is None:
        return _(
            "This risk answer was already followed up on %(day)s, so your note was not "
            "saved. It is below, so you can copy it into the client's notes."
        ) % {"day": day}
    return _(
        "%(person)s already recorded a follow-up of this risk answer on %(day)s, "
        "so your note was not saved. It is below, so you can copy it into the client's "
        "notes or pass it on to the client's therapist."
    ) % {"person": name_with_role(person), "day": day}


def _risk_follow_up_page(request, response, form, *, status):
    if response.risk_reviewed_at is not None and not form.non_field_errors():
        form.add_error(
            None,
            _already_followed_up(response.risk_reviewed_at, response.risk_reviewed_by),
        )
    # A read of the client's record; the target names no risk, as the follow-up's own
    # row does not (clinic admins read the audit log).
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target=f"response:{response.pk}",
        client_id=response.client_id,
        request=request,
    )
    return render(
        request,
        "checkins/risk_follow_up.html",
        {
            "client": response.client,
            "answer": risk_answer(response),
            "follow_up": follow_up(response) if response.risk_reviewed_at else None,
            "form": form,
        },
        status=status,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def refused_risk_reviewed(request, notice_id):
    """Record the follow-up of a risk answer sent on a link that could no longer be used
    (``RefusedRiskAnswer``), as :func:`response_risk_reviewed` does for a stored one: with
    the clinician's note, once; the page comes back only when the note needs correcting or
    someone else recorded a follow-up first (their note stays, the sender's text is shown
    back). Reached through the user's scope: a notice of a client outside it is a 404."""
    notice = selectors.get_refused_risk_answer_for_user(request.user, notice_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RiskFollowUpForm(request.POST)
    if not form.is_valid():
        return _refused_follow_up_page(request, notice, form, status=400)
    note = form.cleaned_data["note"]
    try:
        stored, recorded = services.refused_risk_review(
            actor=request.user, notice=notice, note=note, request=request
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused_follow_up_page(request, notice, form, status=400)
    if not recorded and not (
        stored.reviewed_by_id == request.user.pk and stored.review_note == note
    ):
        return _refused_follow_up_page(request, stored, form, status=409)
    messages.success(
        request, _("Follow-up recorded. It stays on this page under “Risk answers followed up”.")
    )
    return redirect("client_detail", client_id=notice.client_id)


def _refused_follow_up_page(request, notice, form, *, status):
    if notice.reviewed_at is not None and not form.non_field_errors():
        form.add_error(None, _already_followed_up(notice.reviewed_at, notice.reviewed_by))
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target=f"checkin:{notice.checkin_id}",
        client_id=notice.client_id,
        request=request,
    )
    return render(
        request,
        "checkins/risk_follow_up.html",
        {
            "client": notice.client,
            "refused": refused_risk_answer(notice),
            "refused_follow_up": refused_follow_up(notice) if notice.reviewed_at else None,
            "form": form,
        },
        status=status,
    )


def _labels(statuses) -> dict[str, str]:
    return {s.instrument.id: s.instrument.short_title for s in statuses}


@clinician_required
@require_http_methods(["GET", "POST"])
def episode_schedule(request, episode_id):
    episode = clinic_selectors.get_episode_for_user(request.user, episode_id)
    client = episode.client
    statuses = measure_selectors.instrument_statuses(client.clinic)
    labels = _labels(statuses)
    default = selectors.clinic_schedule(client.clinic)
    override = selectors.episode_override(episode)
    form = EpisodeScheduleForm(
        request.POST or None,
        initial=override,
        statuses=statuses,
        defaults=(labels.get(default.before, ""), labels.get(default.after, "")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_schedule_update(
                actor=request.user, episode=episode, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Check-in schedule saved for this episode."))
            return redirect("client_detail", client_id=client.pk)
    audit_page_view(request, client.pk)
    return render(
        request,
        "checkins/episode_schedule.html",
        {"form": form, "client": client, "episode": episode},
        status=400 if form.errors else 200,
    )


# -- clinic admin -------------------------------------------------------------------------


def _settings_page(request, *, schedule_form=None, upload_form=None, status=200):
    clinic = request.user.clinic
    statuses = measure_selectors.instrument_statuses(clinic)
    if schedule_form is None:
        current = selectors.clinic_schedule(clinic)
        schedule_form = ClinicScheduleForm(
            initial={"before_instrument": current.before, "after_instrument": current.after},
            statuses=statuses,
        )
    return render(
        request,
        "checkins/settings.html",
        {
            "schedule_form": schedule_form,
            "upload_form": upload_form or WordingUploadForm(),
            "licensed": [s for s in statuses if s.instrument.requires_licensed_wording],
            "translations": [
                s for s in statuses if s.wording and not s.instrument.requires_licensed_wording
            ],
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    if request.method == "GET":
        return _settings_page(request)
    clinic = request.user.clinic
    statuses = measure_selectors.instrument_statuses(clinic)
    form = ClinicScheduleForm(request.POST, statuses=statuses)
    if form.is_valid():
        try:
            services.clinic_schedule_update(
                actor=request.user, clinic=clinic, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Check-in schedule saved."))
            return redirect("manage_checkins")
    return _settings_page(request, schedule_form=form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def wording_upload(request):
    if request.method == "GET":
        return redirect("manage_checkins")
    form = WordingUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            wording = measure_services.wording_upload(
                actor=request.user,
                clinic=request.user.clinic,
                text=form.cleaned_data["file"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Wording loaded for %(name)s: it can now be sent to clients.")
                % {"name": selectors.instrument_label(wording.instrument_id)},
            )
            return redirect("manage_checkins")
    return _settings_page(request, upload_form=form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def wording_delete(request):
    if request.method == "GET":
        return redirect("manage_checkins")
    form = WordingDeleteForm(request.POST)
    if form.is_valid():
        measure_services.wording_delete(
            actor=request.user,
            clinic=request.user.clinic,
            instrument_id=form.cleaned_data["instrument"],
            request=request,
        )
        messages.success(request, _("Wording removed."))
    return redirect("manage_checkins")
