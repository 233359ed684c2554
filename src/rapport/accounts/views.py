"""Clinic admin pages: users, supervision links, clinic settings and the audit log."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from allauth.account.views import password_reset as allauth_password_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rapport.accounts import services
from rapport.accounts.forms import (
    AuditFilterForm,
    ClientsMoveForm,
    ClinicSettingsForm,
    SupervisionForm,
    TemporaryPasswordForm,
    UserCreateForm,
    UserEditForm,
    client_counts_text,
    deactivation_done,
    other_supervisors_of,
    staff_names,
    still_seeing,
    supervision_change_done,
    supervision_end_done,
    supervision_link_end_done,
    supervision_link_end_warning,
    supervision_links_note,
    supervision_reopen_done,
)
from rapport.accounts.models import Role, SupervisionLink, User
from rapport.accounts.notices import access_notice_text, actor_name
from rapport.accounts.security_audit import (
    security_event_label,
    security_event_user_id,
    security_event_words,
)
from rapport.accounts.selectors import (
    ACCESS_HISTORY_DAYS,
    ClientCounts,
    access_notices_recent,
    client_counts_by_therapist,
    client_counts_of,
    supervision_links_in_clinic_of,
    supervision_links_seeing_clients_of,
    supervision_links_suspended_over,
    supervisors_of,
    user_names_in_clinic_of,
)
from rapport.audit.selectors import (
    AdminAuditPage,
    AdminAuditRow,
    admin_audit_lines,
    admin_audit_page,
    client_record_readers,
    is_client_data,
    supervision_link_grants,
)
from rapport.audit.services import Action, audit_record
from rapport.clinic.services import clinic_update
from rapport.core.decorators import admin_required, clinician_required
from rapport.core.forms import add_service_errors, service_form_page
from rapport.core.hooks import clinic_settings_notes


def password_reset(request):
    """allauth's reset by email where mail can arrive; elsewhere, who can help. (Without
    a mail server the link would go nowhere, or into the server's logs.)"""
    if settings.PASSWORD_RESET_BY_EMAIL:
        return allauth_password_reset(request)
    return render(request, "account/password_reset_unavailable.html")


@require_safe
def accounts_root(request):
    """/accounts/ itself, which allauth leaves without a page: its middleware would send a
    signed-in user to the email page, closed here (``email_management_closed``). Signed in,
    the user's own security page (password and two-factor); signed out, the sign-in page."""
    if request.user.is_authenticated:
        return redirect("mfa_index")
    return redirect("account_login")


def email_management_closed(request):
    """allauth's page to add or change one's own email address, closed: a staff member's
    email is their sign-in and names them in the audit log, so the clinic admin sets it."""
    raise Http404


def _user_in_my_clinic(request, user_id) -> User:
    try:
        return User.objects.get(pk=int(user_id), clinic=request.user.clinic)
    except (User.DoesNotExist, ValueError):
        raise Http404("No such user") from None


@admin_required
def users(request):
    # How many clients each has (counts, no client data): someone leaving needs theirs
    # moved. Current and former apart, as the colleague's caseload counts them.
    counts = client_counts_by_therapist(request.user.clinic)
    staff = [
        (person, counts.get(person.pk, ClientCounts()))
        for person in User.objects.filter(clinic=request.user.clinic).order_by("role", "email")
    ]
    return render(
        request,
        "accounts/users.html",
        {"staff": staff, "mfa_notice": mfa_not_required_notice(request.user.clinic)},
    )


def mfa_not_required_notice(clinic) -> str:
    """What the clinic admin is told while the clinic lets staff sign in without a second
    factor (Clinic.require_mfa, off by default): a password alone then opens client
    records. Empty when it is required."""
    if clinic.require_mfa:
        return ""
    return _(
        "Two-factor authentication is not required for this clinic's staff. Anyone with a staff "
        "password can open client records; requiring it is recommended."
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    return service_form_page(
        request,
        UserCreateForm(request.POST or None),
        lambda data: services.user_create(
            actor=request.user, clinic=request.user.clinic, request=request, **data
        ),
        success=_("User created."),
        next_url=reverse("manage_users"),
        title=_("New user"),
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    user = _user_in_my_clinic(request, user_id)
    initial = {f: getattr(user, f) for f in ("full_name", "role", "is_trainee", "is_active")}
    counts = client_counts_of(user)
    # Read before the save changes them: the page and the message describe the account
    # as the admin found it.
    note = supervision_links_note(
        user, supervision_links_in_clinic_of(request.user).filter(supervisor=user)
    )
    form = UserEditForm(request.POST or None, initial=initial, user=user)

    def save(data):
        ending, reopening = form.supervision_ending, form.supervision_reopening
        left_behind = form.left_behind
        saved = services.user_update(
            actor=request.user, user=user, request=request, **form.service_fields()
        )
        if left_behind and not saved.is_active:
            messages.warning(request, deactivation_done(saved, left_behind))
        if ending:
            messages.warning(request, supervision_end_done(saved, ending))
        if reopening:
            messages.warning(request, supervision_reopen_done(saved, reopening))
        return saved

    # Unticking "Active" over clients in care asks for a tick whose text says all this
    # (the count, who still sees them, the move): said again above the form, it read twice.
    context = {} if form.left_behind else _clients_left_behind(user, counts)
    if note:
        context["intro"] = f"{context['intro']} {note}" if "intro" in context else note
    return service_form_page(
        request,
        form,
        save,
        success=_("User saved."),
        next_url=reverse("manage_users"),
        title=_("Edit %(email)s") % {"email": user.email},
        template="accounts/user_edit.html",
        person=user,
        own_account=user == request.user,
        has_mfa=_has_mfa(user),
        **context,
    )


def _has_mfa(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).exists()


def _colleague_in_my_clinic(request, user_id) -> User | None:
    """Someone else's account in the admin's clinic (404 for any other); None for the
    admin's own, which they change on their own password and two-factor pages, where their
    current password or code is asked for first."""
    user = _user_in_my_clinic(request, user_id)
    return None if user == request.user else user


@admin_required
@require_http_methods(["GET", "POST"])
def user_password(request, user_id):
    """A temporary password for a colleague who cannot sign in (forgotten, or paused after
    too many wrong ones): the same service as ``rapport set-password``, so the same audit
    row, the same notice to them, their sessions and API tokens ended; they choose their
    own at their next sign-in. Then the pause on their sign-in is lifted where it can be
    (``services.sign_in_pause_clear``)."""
    user = _colleague_in_my_clinic(request, user_id)
    if user is None:
        return redirect("account_change_password")
    form = TemporaryPasswordForm(request.POST or None, user=user)

    def save(data):
        services.user_set_password(
            actor=request.user, user=user, password=data["password"], request=request
        )
        if services.sign_in_pause_clear(user=user, request=request):
            # So the admin can tell the colleague they may sign in now, not in an hour.
            messages.info(
                request,
                _(
                    "Their sign-in was paused after too many wrong passwords: the pause is "
                    "lifted, so they can sign in now."
                ),
            )
        return user

    return service_form_page(
        request,
        form,
        save,
        success=_(
            "Temporary password set for %(email)s. Give it to them privately: when they next "
            "sign in they must choose their own. Their signed-in sessions and API tokens have "
            "ended."
        )
        % {"email": user.email},
        next_url=reverse("manage_user_edit", args=[user.pk]),
        template="accounts/user_password.html",
        title=_("Set a temporary password for %(email)s") % {"email": user.email},
        person=user,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_mfa_reset(request, user_id):
    """Turn off a colleague's two-factor authentication (a lost or replaced phone), after a
    page that says what it does (GET); only the POST from it does it. The same service as
    ``rapport reset-mfa``: audited, their sessions and API tokens ended, and they are told
    who did it."""
    user = _colleague_in_my_clinic(request, user_id)
    if user is None:
        return redirect("mfa_index")
    if request.method == "POST":
        removed = services.mfa_reset(actor=request.user, user=user, request=request)
        if removed:
            done = _(
                "Two-factor authentication is off for %(email)s. Their signed-in sessions "
                "and API tokens have ended. They set it up again when they next sign in (if "
                "the clinic requires it) or on their own security page."
            )
        else:
            done = _(
                "%(email)s had no two-factor authentication to turn off. Their signed-in "
                "sessions and API tokens have ended."
            )
        messages.success(request, done % {"email": user.email})
        return redirect("manage_user_edit", user.pk)
    has_mfa = _has_mfa(user)
    title = (
        _("Turn off two-factor authentication for %(email)s?")
        if has_mfa
        else _("Two-factor authentication of %(email)s")
    )
    return render(
        request,
        "accounts/user_mfa_reset.html",
        {
            "title": title % {"email": user.email},
            "person": user,
            "has_mfa": has_mfa,
            "mfa_required": user.clinic.require_mfa,
        },
    )


def _clients_left_behind(user: User, counts: ClientCounts) -> dict:
    """Made inactive, a therapist's clients have no therapist: say so where the admin
    unticks "Active", with who still sees them (their supervisors: clinic.selectors opens
    a supervisee's clients whether or not the supervisee is active) and the way to move
    them (counts, current and former apart as on the users list, never who)."""
    if not counts:
        return {}
    names = {"email": user.email, "clients": client_counts_text(counts)}
    if user.is_active:
        text = ngettext(
            "%(email)s has %(clients)s. Move the client to a colleague before making "
            "this account inactive: otherwise the client has no therapist.",
            "%(email)s has %(clients)s. Move them to a colleague before making this "
            "account inactive: otherwise they have no therapist.",
            counts.total,
        )
    else:
        text = ngettext(
            "%(email)s is inactive and still has %(clients)s, who has no therapist "
            "until moved to a colleague.",
            "%(email)s is inactive and still has %(clients)s, who have no therapist "
            "until moved to a colleague.",
            counts.total,
        )
    return {
        "intro": f"{text % names} {still_seeing(supervisors_of(user))}",
        "intro_link": {
            "url": reverse("manage_clients_move", args=[user.pk]),
            "label": _("Move clients"),
        },
    }


@admin_required
@require_http_methods(["GET", "POST"])
def clients_move(request, user_id):
    """Move all of a colleague's clients to another (someone leaving, a role change). The
    admin sees how many, never who (DESIGN §5), and who supervises them before and after:
    a supervisor who loses them would otherwise not know their alerts went elsewhere."""
    user = _user_in_my_clinic(request, user_id)
    counts = client_counts_of(user)
    form = ClientsMoveForm(request.POST or None, from_user=user, client_counts=counts)

    def move(data):
        moved = services.clients_move(
            actor=request.user,
            from_user=user,
            to_user=data["to_user"],
            supervision_change_accepted=data.get("supervision_change_accepted", False),
            request=request,
        )
        if form.supervision_change is not None:
            messages.warning(
                request,
                supervision_change_done(
                    form.supervision_change,
                    to_user=data["to_user"],
                    # As counted on the page, unless the move found another number.
                    counts=counts if counts.total == moved else ClientCounts(),
                    count=moved,
                ),
            )
        return moved

    intro = ngettext(
        "%(email)s has %(clients)s. Their new therapist sees their record, alerts "
        "and check-ins from now on; the move is in each client's audit trail.",
        "%(email)s has %(clients)s. Their new therapist sees their records, alerts "
        "and check-ins from now on; the move is in each client's audit trail.",
        counts.total,
    ) % {"email": user.email, "clients": client_counts_text(counts)}
    return service_form_page(
        request,
        form,
        move,
        success=_("Clients moved."),
        next_url=reverse("manage_users"),
        title=_("Move %(email)s's clients") % {"email": user.email},
        submit_label=_("Move clients"),
        intro=f"{intro} {_supervised_by(user)}",
    )


def _supervised_by(user: User) -> str:
    """Who supervises the leaving colleague: those who see the clients now, and apart
    those whose account is inactive, who see nothing now but will once made active."""
    supervisors = supervisors_of(user)
    names = {
        "email": user.email,
        "names": staff_names(supervisors.seeing),
        "suspended": staff_names(supervisors.suspended),
    }
    if supervisors.seeing:
        text = _("%(email)s is supervised by %(names)s.") % names
    elif supervisors.suspended:
        text = _("%(email)s has no supervisor who sees the clients now.") % names
    else:
        return _("%(email)s has no supervisor.") % names
    if supervisors.suspended:
        text += (
            " "
            + _(
                "Suspended, account inactive: %(suspended)s, who sees none of the clients now "
                "and will again once made active."
            )
            % names
        )
    return text


@admin_required
@require_http_methods(["GET", "POST"])
def supervision(request):
    form = SupervisionForm(request.POST or None, clinic=request.user.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_link_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Supervision link added."))
            return redirect("manage_supervision")
    links = list(supervision_links_in_clinic_of(request.user))
    return render(
        request,
        "accounts/supervision.html",
        {
            "form": form,
            "links": [link for link in links if link.opens_clients],
            # Listed apart, with why: shown among the others they would read as in force.
            "idle_links": [link for link in links if not link.opens_clients],
        },
        status=400 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def supervision_delete(request, link_id):
    """Remove a supervision link, after a page that says what it does (GET): the
    supervisor stops seeing the supervisee's clients, the supervisee is told, and whether
    anyone still supervises them (a trainee left without a supervisor is said plainly).
    Only the POST from that page removes it; "Remove" on the list was one click away."""
    try:
        link = supervision_links_in_clinic_of(request.user).get(pk=int(link_id))
    except (SupervisionLink.DoesNotExist, ValueError):
        raise Http404("No such link") from None
    others = other_supervisors_of(link)  # read before the link goes
    if request.method == "POST":
        services.supervision_link_delete(actor=request.user, link=link, request=request)
        done = supervision_link_end_done(link, others)
        if others.seeing:
            messages.success(request, done)
        else:
            messages.warning(request, done)
        return redirect("manage_supervision")
    return render(
        request,
        "accounts/supervision_end.html",
        {
            "title": _("Remove %(supervisor)s's supervision of %(supervisee)s?")
            % {"supervisor": link.supervisor, "supervisee": link.supervisee},
            "paragraphs": supervision_link_end_warning(link, others),
            "unsupervised": not others.seeing,
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    clinic = request.user.clinic
    fields = ("name", "require_mfa", "crisis_text", "sharing_text", "transcript_retention_days")
    return service_form_page(
        request,
        ClinicSettingsForm(request.POST or None, initial={f: getattr(clinic, f) for f in fields}),
        lambda data: clinic_update(actor=request.user, clinic=clinic, request=request, **data),
        success=_("Settings saved."),
        next_url=reverse("manage_clinic"),
        title=_("Clinic settings"),
        notices=_clinic_settings_notices(clinic),
    )


def _clinic_settings_notices(clinic) -> list[dict]:
    """The notices at the top of the clinic settings page, one block each (run together as
    one paragraph, each note ran on into the next): what other apps say about the settings
    they keep (the crisis text, when time-based alerts were last checked, the transcript
    retention rule at work), asked through a hook since accounts imports none of them;
    then whether a password alone opens client records here, with a link to the box."""
    notices: list[dict] = [{"text": note} for note in clinic_settings_notes(clinic)]
    mfa = mfa_not_required_notice(clinic)
    if mfa:
        link = {"url": "#id_require_mfa", "label": _("Require two-factor authentication")}
        notices.append({"text": mfa, "link": link})
    return notices


@admin_required
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A filter that cannot be applied lists nothing: every event under the error would
        # read as the filter's result (e.g. all events as one client's trail).
        page = AdminAuditPage(events=[])
        return render(
            request, "accounts/audit.html", _audit_context(request, form, page), status=400
        )
    filters = form.cleaned_data if form.is_bound else {}
    # Newer / Older by position in the log (the id of the event the page starts from),
    # never a page number: a count or an offset of a log that only grows would be read
    # row by row (audit.selectors.admin_audit_page). A cursor that is no id of the
    # clinic's events gives the newest page, as a page number out of range did.
    page = admin_audit_page(
        request.user,
        before=_cursor(request.GET.get("before")),
        after=_cursor(request.GET.get("after")),
        actor_email=filters.get("actor") or "",
        client_id=filters.get("client"),
        action=filters.get("action") or "",
    )
    return render(request, "accounts/audit.html", _audit_context(request, form, page))


def _cursor(value: str | None) -> int | None:
    """An event id from the pager's link; anything else (or an id past a 64-bit key) none."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _audit_context(request, form, page) -> dict:
    # The page lists rows as the admin may see them, never the events themselves: an
    # event about a client's record says only read or changed (audit.selectors), and one
    # request's reads of several clients (a caseload view) are one line with the rows in it.
    # The pager's links keep the filters.
    kept = request.GET.copy()
    for key in ("before", "after", "page"):
        kept.pop(key, None)

    def link(key, event_id):
        if event_id is None:
            return None
        query = kept.copy()
        query[key] = str(event_id)
        return "?" + query.urlencode()

    return {
        "form": form,
        "page": page,
        "rows": _security_labelled(request.user, admin_audit_lines(page.events), page.events),
        # Times are shown in the server's zone (RAPPORT_TIME_ZONE; a clinic has none of its
        # own), named on the page: an incident is matched against other clocks.
        "time_zone": settings.TIME_ZONE,
        "newer_url": link("after", page.newer),
        "older_url": link("before", page.older),
    }


def _security_labelled(admin, lines, events) -> list:
    """The page's lines, a sign-in's or an account-security change's in its own words,
    what happened and whose account ("Signed in — Alex Example", "Sign-in failed: wrong
    password — Deleted account"), where the stored action alone ("Created", "Changed")
    said little and "auth:user:12" nobody; the stored action and target stay on the
    line under them (audit.selectors.AdminAuditRow.detail). The names are read in one
    query for the page, never one per row.

    Each event that is not about a client's record is a line of its own, in the events'
    order (audit.selectors.admin_audit_lines groups client-record rows only), so the n-th
    such line is the n-th such event."""
    others = [event for event in events if not is_client_data(event)]
    names = user_names_in_clinic_of(
        admin, {pk for event in others if (pk := security_event_user_id(event.target))}
    )
    remaining = iter(others)
    labelled = []
    for line in lines:
        if isinstance(line, AdminAuditRow) and not line.is_client_data:
            target = next(remaining).target
            words = security_event_words(target, names)
            if words is not None:
                label = security_event_label(target) or line.action
                line = dataclasses.replace(line, action=label, what=words)
        labelled.append(line)
    return labelled


@clinician_required
@require_safe
def clients_access(request):
    """ "Who can see your clients", for the clinician asking, about their own clients only
    (no parameter names anyone else): their supervisors, since when and who linked them;
    who other than them read their clients' records in the last 90 days; and the changes
    an admin made to either. A clinic admin can make a supervisor account with a password
    they know and link it to any therapist (DESIGN §5 gives the admin users and settings):
    this page is where the therapist sees it, since the audit log is the admin's to read.
    The page shows no client, only staff and counts; its view is audited as one read."""
    user = request.user
    since = timezone.now() - timedelta(days=ACCESS_HISTORY_DAYS)
    links = supervision_links_seeing_clients_of(user)
    suspended = supervision_links_suspended_over(user)
    grants = supervision_link_grants([*links, *suspended])
    roles = dict(Role.choices)
    readers = [
        {
            "label": actor_name(reader.label),
            "role": roles.get(reader.role, _("command line or system")),
            "reads": reader.reads,
            "clients": reader.clients,
            "last_read": reader.last_read,
        }
        for reader in client_record_readers(user, since=since)
    ]

    def row(link):
        granted = grants.get(link.pk)
        return {
            "supervisor": link.supervisor,
            "since": link.created_at,
            "linked_by": actor_name(granted[0]) if granted else _("not recorded"),
        }

    audit_record(actor=user, action=Action.VIEW, target="page:clients_access", request=request)
    context = {"supervisor_scope": _supervisor_scope(user) if user.is_supervisor else ""}
    return render(
        request,
        "accounts/clients_access.html",
        {
            "links": [row(link) for link in links],
            "suspended": [row(link) for link in suspended],
            "readers": readers,
            "changes": [
                {"text": access_notice_text(n), "seen_at": n.seen_at}
                for n in access_notices_recent(user, since=since)
            ],
            "days": ACCESS_HISTORY_DAYS,
            **context,
        },
    )


def _supervisor_scope(user: User) -> str:
    """What "Who can see your clients" is about for a supervisor, who sees their
    supervisees' clients too: their own clients (a supervisor may hold a caseload) and
    their own account. Without it, a supervisor with no clients of their own read "No one
    supervises you" as being about the clients they oversee."""
    own = client_counts_by_therapist(user.clinic).get(user.pk, ClientCounts()).current
    if not own:
        text = _(
            "You have no clients of your own. The clients of the therapists you supervise "
            "are not counted here: who else sees them is on each therapist's own page. This "
            "page lists the changes an admin makes to your account, and who supervises you."
        )
    else:
        text = ngettext(
            "You have %(count)d current client of your own: this page is about them and your "
            "account. The clients of the therapists you supervise are not counted here: who "
            "else sees them is on each therapist's own page.",
            "You have %(count)d current clients of your own: this page is about them and your "
            "account. The clients of the therapists you supervise are not counted here: who "
            "else sees them is on each therapist's own page.",
            own,
        )
    return text % {"count": own}


@login_required
@require_POST
def access_notices_seen(request):
    """Mark the signed-in user's own notices seen: those their start page showed (the
    caseload; an admin's users list, about their own account); a notice that came meanwhile
    stays until its own turn. A clinician's remain on "Who can see your clients"."""
    ids = [int(v) for v in request.POST.getlist("notice") if v.isascii() and v.isdigit()]
    services.access_notices_mark_seen(user=request.user, ids=ids)
    return redirect("manage_users" if request.user.is_clinic_admin else "caseload")
