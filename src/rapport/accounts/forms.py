from __future__ import annotations

from typing import cast

from allauth.account.forms import (
    ChangePasswordForm,
    PasswordVerificationMixin,
    ReauthenticateForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
)
from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rapport.accounts import services
from rapport.accounts.models import Role, User
from rapport.accounts.selectors import (
    ClientCounts,
    LeftBehind,
    SupervisorsOf,
    left_behind_by_deactivation,
    supervising_links,
    supervision_links_reopened_by_reactivation,
    supervisors_in,
    supervisors_of,
)
from rapport.audit.selectors import ACTION_FILTER_CHOICES
from rapport.core.forms import ConfirmTick


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    # Therapist first: most new accounts are, and a slip to "Clinic admin" would hand
    # someone user management while hiding every client from them.
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.THERAPIST)
    is_trainee = forms.BooleanField(label=_("Trainee therapist"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "At least 12 characters. Give it to them privately: at their first sign-in they "
            "must choose their own before anything else opens."
        ),
    )

    def clean_email(self) -> str:
        # Checked here as well as by services.user_create, so that a taken address is
        # reported in the same round as a weak password, not one round after it.
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this email address already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            # The service checks it again; here its refusal comes next to the field, with
            # the form's other errors. The name and email typed are what "too like the
            # user's name or email" compares with.
            candidate = User(
                email=cleaned.get("email") or self.data.get("email", ""),
                full_name=cleaned.get("full_name") or "",
            )
            try:
                services.user_password_check(password, candidate)
            except forms.ValidationError as error:
                self.add_error(None, error)
        if self.errors and "password" not in self.errors:
            # The password is never sent back to the page: say so, or it looks lost.
            again = _("Type it again: a password is not shown back on the page. %(rules)s") % {
                "rules": self.fields["password"].help_text
            }
            # The bound field read the help text when validation made it: both are set.
            self.fields["password"].help_text = self["password"].help_text = again
        return cleaned


class TemporaryPasswordForm(forms.Form):
    """The password a clinic admin sets for a colleague who cannot sign in: the rules of
    any password, each refusal next to the field; the colleague chooses their own at their
    next sign-in (``services.user_set_password`` with ``temporary``)."""

    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=_(
            "At least 12 characters, and not like their name or email. Give it to them "
            "privately: when they next sign in they must choose their own before anything "
            "else opens."
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        try:
            services.user_password_check(password, self.user)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["password"]) from None
        return password


class UserEditForm(ConfirmTick, forms.Form):
    """A staff account's details. When the chosen role ends supervision links, a box to
    tick appears with whom they link (staff names and a count, never clients), as on the
    clients move page. Unticking "Active" over clients in an open episode of care asks for
    a tick too, with how many are left behind (a count, never who, nor what waits for
    them) and who still sees them."""

    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_trainee = forms.BooleanField(label=_("Trainee therapist"), required=False)
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.supervision_ending: list = []
        self.supervision_reopening: list = []
        self.left_behind: LeftBehind | None = None
        if self.is_bound and user.is_active and not self["is_active"].data:
            self._ask_about_deactivation(user)
        chosen = self.data.get(self.add_prefix("role"))
        if chosen not in Role.values:  # not sent yet, or refused by the field itself
            return
        role = Role(chosen)
        self.supervision_ending = services.supervision_links_ended_by_role_change(
            user=user, role=role
        )
        # A role change ends the links a reactivation would reopen, so at most one of the
        # two asks for a tick.
        self.supervision_reopening = supervision_links_reopened_by_reactivation(
            user=user, role=role, is_active=bool(self["is_active"].data)
        )
        if self.supervision_reopening:
            self._ask_to_confirm(
                "supervision_reopen_accepted",
                forms.BooleanField(
                    label=_("Open these supervision links again"),
                    required=False,
                    help_text=supervision_reopen_warning(user, self.supervision_reopening),
                ),
                about=",".join(str(link.pk) for link in self.supervision_reopening),
            )
        if not self.supervision_ending:
            return
        # Which links the warning named: a tick given for them must not end others (a link
        # added meanwhile, or the admin's own switch to a role that ends more).
        self._ask_to_confirm(
            "supervision_end_accepted",
            forms.BooleanField(
                label=_("End these supervision links"),
                required=False,
                help_text=supervision_end_warning(user, self.supervision_ending, role=role),
            ),
            about=",".join(str(link.pk) for link in self.supervision_ending),
        )

    def _ask_about_deactivation(self, user: User) -> None:
        left = left_behind_by_deactivation(user)
        if not left:
            return
        self.left_behind = left
        self._ask_to_confirm(
            "deactivation_accepted",
            forms.BooleanField(
                label=_("Make inactive anyway"),
                required=False,
                help_text=deactivation_warning(user, left),
            ),
            # The count the warning named: a tick given for it must not hold once more
            # clients are left behind (an episode opened meanwhile).
            about=left.key,
            carried_by="deactivation_confirmed_for",
        )

    def service_fields(self) -> dict:
        """The cleaned fields ``services.user_update`` takes."""
        data = dict(self.cleaned_data)
        data.pop("confirmed_for", None)
        data.pop("deactivation_confirmed_for", None)
        data["supervision_end_accepted"] = data.get("supervision_end_accepted", False)
        data["supervision_reopen_accepted"] = data.get("supervision_reopen_accepted", False)
        data["deactivation_accepted"] = data.get("deactivation_accepted", False)
        return data


def left_behind_in_words(left: LeftBehind) -> str:
    """ "12 clients in an open episode of care": a count of clients, never of their alerts
    or risk answers (``selectors.LeftBehind`` says why)."""
    return ngettext(
        "%(count)d client in an open episode of care",
        "%(count)d clients in an open episode of care",
        left.open_clients,
    ) % {"count": left.open_clients}


def still_seeing(supervisors) -> str:
    """Who sees a colleague's clients once the colleague is inactive: their active
    supervisors (from ``supervisors_of``), and that nobody else does."""
    if not supervisors.seeing:
        return str(
            _(
                "No supervisor is linked: nobody else sees these clients, their alerts or their "
                "risk answers."
            )
        )
    return ngettext(
        "%(names)s (supervisor) still sees these clients; nobody else does.",
        "%(names)s (supervisors) still see these clients; nobody else does.",
        len(supervisors.seeing),
    ) % {"names": staff_names(supervisors.seeing)}


def deactivation_warning(user: User, left: LeftBehind) -> str:
    """What making ``user`` inactive leaves behind, before it is done, with the way to
    avoid it: the clients' move to a colleague (linked)."""
    names = {"user": user, "left": left_behind_in_words(left)}
    text = " ".join(
        (
            _("%(user)s's caseload has %(left)s.") % names,
            _(
                "Made inactive, %(user)s can no longer sign in, and these clients are left "
                "without their therapist."
            )
            % names,
            still_seeing(supervisors_of(user)),
            str(_("Any API tokens they have stop working.")),
        )
    )
    return format_html(
        '{} <a href="{}">{}</a>',
        text,
        reverse("manage_clients_move", args=[user.pk]),
        _("Move their clients to a colleague first."),
    )


def deactivation_done(user: User, left: LeftBehind) -> str:
    """What the deactivation left behind, once done: the clients still need a therapist."""
    names = {"user": user, "left": left_behind_in_words(left)}
    return " ".join(
        (
            _("%(user)s is inactive now, leaving %(left)s without their therapist.") % names,
            still_seeing(supervisors_of(user)),
            str(_("Move their clients to a colleague under Users, Move clients.")),
        )
    )


def _supervision_sides(user: User, links) -> tuple[list[User], list[User]]:
    """Whom ``user`` supervises, and who supervises them, in ``links``."""
    supervising = [link.supervisee for link in links if link.supervisor_id == user.pk]
    supervised_by = [link.supervisor for link in links if link.supervisee_id == user.pk]
    return supervising, supervised_by


def supervision_end_warning(user: User, links, *, role: Role) -> str:
    """What a role change ends, before it is made: the therapists left without this
    supervisor, and that nothing brings the links back but making them again."""
    supervising, supervised_by = _supervision_sides(user, links)
    parts = []
    if supervising and user.is_supervisor:
        parts.append(
            ngettext(
                "%(user)s supervises %(count)d therapist: %(names)s.",
                "%(user)s supervises %(count)d therapists: %(names)s.",
                len(supervising),
            )
            % {"user": user, "count": len(supervising), "names": staff_names(supervising)}
        )
    elif supervising:
        parts.append(
            ngettext(
                "%(user)s is still linked as the supervisor of %(count)d therapist "
                "(%(names)s), a link that opens nothing while they are not a supervisor.",
                "%(user)s is still linked as the supervisor of %(count)d therapists "
                "(%(names)s), links that open nothing while they are not a supervisor.",
                len(supervising),
            )
            % {"user": user, "count": len(supervising), "names": staff_names(supervising)}
        )
    if supervised_by:
        parts.append(
            str(
                _("%(user)s is supervised by %(names)s.")
                % {"user": user, "names": staff_names(supervised_by)}
            )
        )
    parts.append(
        ngettext(
            "Changed to %(role)s, the link ends now and no later role change restores it: "
            "make it again under Supervision if the supervision should go on.",
            "Changed to %(role)s, these %(count)d links end now and no later role change "
            "restores them: make them again under Supervision if the supervision should go on.",
            len(links),
        )
        % {"role": role.label, "count": len(links)}
    )
    if supervising and user.is_supervisor:
        parts.append(
            str(_("%(user)s stops seeing their clients, alerts and risk answers.") % {"user": user})
        )
    return " ".join(parts)


def supervision_end_done(user: User, links) -> str:
    """What the role change ended, once made: the people concerned should hear it."""
    supervising, supervised_by = _supervision_sides(user, links)
    parts = [
        ngettext(
            "%(count)d supervision link ended:",
            "%(count)d supervision links ended:",
            len(links),
        )
        % {"count": len(links)}
    ]
    if supervising:
        parts.append(
            str(
                _("%(user)s no longer supervises %(names)s.")
                % {"user": user, "names": staff_names(supervising)}
            )
        )
    if supervised_by:
        parts.append(
            str(
                _("%(names)s no longer supervise %(user)s.")
                % {"user": user, "names": staff_names(supervised_by)}
            )
        )
    parts.append(str(_("Let them know; link whoever should supervise under Supervision.")))
    return " ".join(parts)


def other_supervisors_of(link) -> SupervisorsOf:
    """Who supervises ``link``'s supervisee besides ``link``'s supervisor."""
    others = supervisors_of(link.supervisee)
    return SupervisorsOf(
        seeing=tuple(u for u in others.seeing if u.pk != link.supervisor_id),
        suspended=tuple(u for u in others.suspended if u.pk != link.supervisor_id),
    )


def _left_supervised_by(link, others: SupervisorsOf) -> str:
    """Who still supervises ``link``'s supervisee once the link ends. Said plainly when
    nobody does, and more so for a trainee, whose clients then have no supervisor's eyes
    on them (a trainee therapist is one of the known risks of dropout, DESIGN §4)."""
    names = {
        "supervisee": link.supervisee,
        "names": staff_names(others.seeing),
        "suspended": staff_names(others.suspended),
    }
    if others.seeing:
        text = str(_("%(supervisee)s is still supervised by %(names)s.") % names)
    elif link.supervisee.is_trainee:
        text = str(
            _(
                "%(supervisee)s is a trainee therapist with no other supervisor: without this "
                "link, no supervisor sees their clients, their alerts or their risk answers."
            )
            % names
        )
    else:
        text = str(
            _(
                "%(supervisee)s has no other supervisor: without this link, no supervisor "
                "sees their clients, their alerts or their risk answers."
            )
            % names
        )
    if others.suspended:
        text += " " + str(
            _(
                "Suspended, account inactive: %(suspended)s, who sees none of the clients now "
                "and will again once made active."
            )
            % names
        )
    return text


def supervision_link_end_warning(link, others: SupervisorsOf) -> list[str]:
    """What removing one supervision link does, said before it is done (each a paragraph):
    what the supervisor stops seeing, that the supervisee is told, and who supervises the
    supervisee afterwards. ``link`` comes from ``supervision_links_in_clinic_of`` (with
    ``opens_clients``), ``others`` from ``other_supervisors_of``. Staff names only, never
    a client."""
    names = {"supervisor": link.supervisor, "supervisee": link.supervisee}
    if link.opens_clients:
        first = _(
            "%(supervisor)s will no longer see %(supervisee)s's clients, their alerts or "
            "their risk answers."
        )
    elif not link.supervisor.is_supervisor:
        first = _(
            "This link opens nothing now (%(supervisor)s is not a supervisor): removing it "
            "takes no access away."
        )
    elif not link.supervisor.is_active:
        first = _(
            "%(supervisor)s's account is inactive, so they see none of %(supervisee)s's "
            "clients now. Once the link is removed, they will not see them again if the "
            "account is made active."
        )
    else:
        first = _(
            "This link opens nothing now (the two are in different clinics): removing it "
            "takes no access away."
        )
    return [
        str(first % names),
        str(
            _(
                "%(supervisee)s is told, on their caseload and on their page “Who can see "
                "your clients”. The removal is recorded in the audit log."
            )
            % names
        ),
        _left_supervised_by(link, others),
    ]


def supervision_link_end_done(link, others: SupervisorsOf) -> str:
    """What removing the link did, once done (``others`` read before the removal)."""
    names = {"supervisor": link.supervisor, "supervisee": link.supervisee}
    text = str(
        _("%(supervisor)s no longer supervises %(supervisee)s; %(supervisee)s has been told.")
        % names
    )
    if not others.seeing:
        if link.supervisee.is_trainee:
            text += " " + str(
                _("%(supervisee)s is a trainee therapist and now has no supervisor.") % names
            )
        else:
            text += " " + str(_("%(supervisee)s now has no supervisor.") % names)
    return text


def _therapists_with_client_counts(links) -> str:
    """ "Alex Rivera (3 clients), Sam Okafor (no clients)": staff names and counts only."""
    return ", ".join(
        ngettext("%(user)s (%(count)d client)", "%(user)s (%(count)d clients)", link.client_count)
        % {"user": link.supervisee, "count": link.client_count}
        if link.client_count
        else _("%(user)s (no clients)") % {"user": link.supervisee}
        for link in links
    )


def supervision_reopen_warning(user: User, links) -> str:
    """What making a deactivated supervisor active again opens, before it is done: whose
    clients they see again, and how many (the admin never sees the clients themselves)."""
    clients = sum(link.client_count for link in links)
    names = {
        "user": user,
        "count": len(links),
        "therapists": _therapists_with_client_counts(links),
        "clients": clients,
    }
    parts = [
        ngettext(
            "%(user)s's supervision of %(count)d therapist is suspended while the account is "
            "inactive, not ended: %(therapists)s.",
            "%(user)s's supervision of %(count)d therapists is suspended while the account is "
            "inactive, not ended: %(therapists)s.",
            len(links),
        )
        % names
    ]
    if clients:
        parts.append(
            ngettext(
                "Made active again, %(user)s sees %(clients)d client again, with their alerts "
                "and risk answers.",
                "Made active again, %(user)s sees these %(clients)d clients again, with their "
                "alerts and risk answers.",
                clients,
            )
            % names
        )
    else:
        parts.append(
            str(
                _("Made active again, %(user)s sees their clients as soon as they have any.")
                % names
            )
        )
    parts.append(
        ngettext(
            "If this supervision should not go on, remove the link under Supervision first.",
            "If any of it should not go on, remove those links under Supervision first.",
            len(links),
        )
    )
    return " ".join(parts)


def supervision_reopen_done(user: User, links) -> str:
    """What making the supervisor active again reopened, once done: the therapists
    concerned should hear that someone sees their clients again."""
    return (
        ngettext(
            "%(count)d supervision link is open again: %(user)s sees the clients of "
            "%(names)s again.",
            "%(count)d supervision links are open again: %(user)s sees the clients of "
            "%(names)s again.",
            len(links),
        )
        % {
            "count": len(links),
            "user": user,
            "names": staff_names(link.supervisee for link in links),
        }
        + " "
        + str(_("Let them know."))
    )


def supervision_links_note(user: User, links) -> str:
    """On a supervisor's edit page, before anything is changed: who they supervise, what
    deactivating does to it (kept, opening nothing until they are active again) and what
    a role change does (ended for good)."""
    supervising = [link.supervisee for link in links]
    if not supervising:
        return ""
    names = {"user": user, "count": len(supervising), "names": staff_names(supervising)}
    if not user.is_supervisor:
        return (
            ngettext(
                "%(user)s is still linked as the supervisor of %(count)d therapist (%(names)s): "
                "the link opens nothing while they are not a supervisor; remove it under "
                "Supervision.",
                "%(user)s is still linked as the supervisor of %(count)d therapists (%(names)s): "
                "the links open nothing while they are not a supervisor; remove them under "
                "Supervision.",
                len(supervising),
            )
            % names
        )
    if not user.is_active:
        return (
            ngettext(
                "%(user)s keeps a supervision link to %(count)d therapist (%(names)s) while "
                "inactive: made active again, they see that therapist's clients again.",
                "%(user)s keeps supervision links to %(count)d therapists (%(names)s) while "
                "inactive: made active again, they see these therapists' clients again.",
                len(supervising),
            )
            % names
        )
    return (
        ngettext(
            "%(user)s supervises %(count)d therapist: %(names)s. Made inactive, they see none "
            "of the clients until made active again; given another role, the link ends.",
            "%(user)s supervises %(count)d therapists: %(names)s. Made inactive, they see none "
            "of the clients until made active again; given another role, the links end.",
            len(supervising),
        )
        % names
    )


def staff_names(users) -> str:
    """Colleagues named in a sentence ("nobody" when there are none)."""
    return ", ".join(str(u) for u in users) or str(_("nobody"))


class _ColleagueWithSupervisorsField(forms.ModelChoiceField):
    """Each colleague with who supervises them: the supervisors see the moved clients too,
    and a suspended one (inactive account) will once made active again."""

    def label_from_instance(self, obj):
        return _("%(user)s (%(supervision)s)") % {
            "user": obj,
            "supervision": supervision_in_brief(supervisors_in(obj.supervisor_links.all())),
        }


def supervision_in_brief(supervisors) -> str:
    """What to put after a colleague's name in a list: "supervised by A; suspended,
    inactive: B", or "no supervisor"."""
    parts = [
        str(_("supervised by %(names)s") % {"names": staff_names(supervisors.seeing)})
        if supervisors.seeing
        else str(_("no supervisor"))
    ]
    if supervisors.suspended:
        parts.append(
            str(_("suspended, inactive: %(names)s") % {"names": staff_names(supervisors.suspended)})
        )
    return "; ".join(parts)


class ClientsMoveForm(ConfirmTick, forms.Form):
    """Where a colleague's clients go. When the move changes who supervises them, a box
    to tick appears with what changes (names of staff and a count, never clients)."""

    to_user = _ColleagueWithSupervisorsField(label=_("Move them to"), queryset=User.objects.none())

    def __init__(self, *args, from_user, client_counts: ClientCounts, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to_user"]).queryset = (
            User.objects.filter(
                clinic=from_user.clinic_id,
                is_active=True,
                role__in=(Role.THERAPIST, Role.SUPERVISOR),
            )
            .exclude(pk=from_user.pk)
            .prefetch_related(Prefetch("supervisor_links", supervising_links()))
            .order_by("email")
        )
        target = self._chosen_target()
        self.supervision_change = (
            services.clients_move_supervision_change(from_user=from_user, to_user=target)
            if target is not None
            else None
        )
        if self.supervision_change is not None and target is not None:
            # Which colleague the warning was about: a tick given for one colleague must not
            # carry over when the admin then picks another (whose supervision differs).
            self._ask_to_confirm(
                "supervision_change_accepted",
                forms.BooleanField(
                    label=_("Move them anyway"),
                    required=False,
                    help_text=supervision_change_warning(
                        self.supervision_change, to_user=target, counts=client_counts
                    ),
                ),
                about=str(target.pk),
            )

    def _chosen_target(self) -> User | None:
        """The colleague picked in the submitted data, if it is one of the choices."""
        try:
            return self.fields["to_user"].clean(self.data.get(self.add_prefix("to_user")))
        except forms.ValidationError:
            return None


def client_counts_text(counts: ClientCounts) -> str:
    """ "12 current and 3 former clients", "1 current client", "no clients": how many of a
    colleague's clients their caseload lists and how many it lists as former, as the users
    list counts them. One total ("15 clients") read as a caseload larger than theirs."""
    if counts.current and counts.former:
        return ngettext(
            "%(current)d current and %(former)d former client",
            "%(current)d current and %(former)d former clients",
            # The noun agrees with the number next to it: "12 current and 1 former client".
            counts.former,
        ) % {"current": counts.current, "former": counts.former}
    if counts.current:
        return ngettext("%(count)d current client", "%(count)d current clients", counts.current) % {
            "count": counts.current
        }
    if counts.former:
        return ngettext("%(count)d former client", "%(count)d former clients", counts.former) % {
            "count": counts.former
        }
    return str(_("no clients"))


def supervision_change_warning(change, *, to_user: User, counts: ClientCounts) -> str:
    """What the move changes for supervision, before it is made."""
    text = ngettext(
        "This client is supervised now by %(before)s; once with %(to)s, by %(after)s.",
        "The %(clients)s are supervised now by %(before)s; once with %(to)s, by %(after)s.",
        counts.total,
    ) % {
        "clients": client_counts_text(counts),
        "before": staff_names(change.before.seeing),
        "to": to_user,
        "after": staff_names(change.after.seeing),
    }
    if change.before.suspended or change.after.suspended:
        text += " " + _(
            "Suspended supervisors (inactive accounts: they see nothing now, and will once "
            "made active again): %(before)s now; %(after)s once with %(to)s."
        ) % {
            "before": staff_names(change.before.suspended),
            "after": staff_names(change.after.suspended),
            "to": to_user,
        }
    losing = change.no_longer_seeing(to_user)
    if losing:
        text += " " + _("%(names)s will no longer see them, nor their alerts and risk answers.") % {
            "names": staff_names(losing)
        }
    not_back = change.no_longer_suspended_over(to_user)
    if not_back:
        text += " " + _("Made active again, %(names)s will not see them.") % {
            "names": staff_names(not_back)
        }
    return text


def supervision_change_done(
    change, *, to_user: User, count: int, counts: ClientCounts | None = None
) -> str:
    """What the move changed for supervision, once made: whoever lost sight of the
    clients should hear it from the admin. ``count`` clients moved; ``counts``, when it
    holds them, says how many were current and how many former."""
    clients = (
        client_counts_text(counts)
        if counts and counts.total == count
        else ngettext("%(count)d client", "%(count)d clients", count) % {"count": count}
    )
    text = ngettext(
        "The client is now supervised by %(after)s (before: %(before)s).",
        "The %(clients)s are now supervised by %(after)s (before: %(before)s).",
        count,
    ) % {
        "clients": clients,
        "before": staff_names(change.before.seeing),
        "after": staff_names(change.after.seeing),
    }
    losing = change.no_longer_seeing(to_user)
    if losing:
        text += " " + _("No longer seeing them: %(names)s; let them know.") % {
            "names": staff_names(losing)
        }
    not_back = change.no_longer_suspended_over(to_user)
    if not_back:
        text += " " + _(
            "Suspended, will not see them once made active again: %(names)s; let them know."
        ) % {"names": staff_names(not_back)}
    return text


class SupervisionForm(forms.Form):
    # A meaningful empty choice, not Django's "---------" (read aloud as "dash dash dash").
    supervisor = forms.ModelChoiceField(
        label=_("Supervisor"),
        queryset=User.objects.none(),
        empty_label=_("Choose a supervisor"),
        error_messages={"required": _("Choose a supervisor.")},
    )
    supervisee = forms.ModelChoiceField(
        label=_("Supervisee"),
        queryset=User.objects.none(),
        empty_label=_("Choose a supervisee"),
        error_messages={"required": _("Choose a supervisee.")},
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(clinic=clinic, is_active=True)
        supervisors = staff.filter(role=Role.SUPERVISOR)
        self.fields["supervisor"].queryset = supervisors
        supervisees = staff.exclude(role=Role.ADMIN)
        if supervisors.count() < 2:
            # A supervisor can be supervised only by another one: with a single supervisor
            # in the clinic, offering her as a supervisee offers a link nobody may make.
            supervisees = supervisees.exclude(role=Role.SUPERVISOR)
        self.fields["supervisee"].queryset = supervisees

    def clean(self):
        data = super().clean()
        supervisor, supervisee = data.get("supervisor"), data.get("supervisee")
        if supervisor is not None and supervisor == supervisee:
            self.add_error(
                "supervisee", _("A supervisor cannot supervise themselves: choose someone else.")
            )
        return data


class ClinicSettingsForm(forms.Form):
    name = forms.CharField(label=_("Clinic name"), max_length=200)
    require_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for all staff"), required=False
    )
    crisis_text = forms.CharField(
        label=_("Crisis text shown to clients"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "Shown to a client who reports thoughts of self-harm, on the page after their "
            "answers. Enter your clinic's own crisis line or phone number, and when it is "
            "answered. While this is still Rapport's default text, clients are not shown it: "
            "the page asks them to contact the clinic (by its name) today, and to call their local "
            "emergency number if they are in immediate danger."
        ),
    )
    sharing_text = forms.CharField(
        label=_("What clients are told about sharing beyond the clinic"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        required=False,
        help_text=_(
            "Optional, plain text, up to 300 characters. Shown on every check-in page, under "
            "“Your answers go only to your therapist and the people who supervise their "
            "work.” Say whether anyone outside the clinic, such as a court, an employer or "
            "whoever referred the client, sees their answers, for example: “We do not share "
            "your answers with anyone who asked you to come here, such as a court or an "
            "employer, unless you agree or the law requires it.” Left empty, nothing is shown."
        ),
    )
    transcript_retention_days = forms.IntegerField(
        label=_("Delete transcript text after (days, 0 = keep)"),
        min_value=0,
        max_value=3650,
        error_messages={
            key: _("Enter a number of days from 0 (keep the text) to 3650 (ten years).")
            for key in ("invalid", "min_value", "max_value", "required")
        },
        help_text=_(
            "Counted from the upload. After that many days, what was said and the speakers' "
            "names are deleted the first time anyone opens the transcript, and by the daily "
            "job (rapport purge-transcripts) for the others. The codes and metrics are kept, "
            "so reports and trends still work. 0 keeps the text."
        ),
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("User email contains"), required=False, max_length=254)
    client = forms.IntegerField(
        label=_("Client id"),
        required=False,
        min_value=1,
        error_messages={
            key: _("A client id is a whole number, 1 or more.") for key in ("invalid", "min_value")
        },
    )
    # It holds kinds of event (sign-ins, settings changed...) as well as the stored actions.
    action = forms.ChoiceField(
        label=_("Kind of event"), required=False, choices=ACTION_FILTER_CHOICES
    )


def _in_the_apps_words(form: forms.Form, labels: dict) -> None:
    """allauth's fields with the app's sentence-case labels (no colon: the app's form
    template adds none), and without the placeholders allauth adds: a visible label
    already names each field."""
    for name, label in labels.items():
        form.fields[name].label = label
    for field in form.fields.values():
        field.widget.attrs.pop("placeholder", None)


class _NewPasswordTwice:
    """The new password typed twice, the second checked against the first whether or not
    the first meets the rules: allauth compared them only once the first passed, so a
    short password typed two different ways was reported as short alone, and the
    mismatch only on the next try. Its message is tied to the second field."""

    def clean(self):
        form = cast(forms.Form, self)
        # Past allauth's PasswordVerificationMixin, whose check this replaces.
        cleaned = super(PasswordVerificationMixin, self).clean()  # type: ignore[misc]
        first = form.data.get(form.add_prefix("password1"), "")
        second = form.data.get(form.add_prefix("password2"), "")
        if first and second and first != second and not form.has_error("password2"):
            form.add_error(
                "password2",
                _("This is not the same as the new password above. Type the same password twice."),
            )
        return cleaned


class OwnPasswordChangeForm(_NewPasswordTwice, ChangePasswordForm):
    """allauth's password change in the words of the app's other forms (settings
    ACCOUNT_FORMS): sentence-case labels, and the password rules as one help line under
    the field (allauth's is an HTML list, which a field's help line cannot hold). Refusing
    the password an admin set is the account adapter's ``clean_password``, so a reset
    by email refuses it too. A wrong current password is "not your current password"
    (the adapter's ``enter_current_password``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _in_the_apps_words(
            self,
            {
                "oldpassword": _("Current password"),
                "password1": _("New password"),
                "password2": _("New password again"),
            },
        )
        self.fields["password1"].help_text = " ".join(password_validators_help_texts())


class ResetPasswordByEmailForm(ResetPasswordForm):
    """allauth's "forgot your password" form (settings ACCOUNT_FORMS), its field in the
    app's words; what it does is allauth's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _in_the_apps_words(self, {"email": _("Email")})
        self.fields["email"].help_text = _("The address you sign in with.")


class ResetPasswordFromLinkForm(_NewPasswordTwice, ResetPasswordKeyForm):
    """allauth's form behind the emailed reset link (settings ACCOUNT_FORMS), with the
    labels and the one help line of the password change page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _in_the_apps_words(
            self, {"password1": _("New password"), "password2": _("New password again")}
        )
        self.fields["password1"].help_text = " ".join(password_validators_help_texts())


class ReauthenticateWithPasswordForm(ReauthenticateForm):
    """allauth's "confirm access" form (settings ACCOUNT_FORMS), in the app's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _in_the_apps_words(self, {"password": _("Your password")})
