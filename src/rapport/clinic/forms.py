"""Input validation for clinic pages. Forms validate; services write."""

from __future__ import annotations

import secrets
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rapport.clinic import selectors, services
from rapport.clinic.models import (
    Attendance,
    AttendanceBasis,
    CancelledBy,
    EndReason,
    Goal,
    GoalStatus,
    Modality,
    Phase,
)
from rapport.core.forms import ConfirmTick
from rapport.monitoring.forms import TriageFilterForm


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class ClientForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("As the client likes to be called.")
    )
    # Django's own messages ("Ensure this value is greater than or equal to 1900.") are
    # replaced by the range in words, as the service says it (services._validate_birth_year).
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        error_messages={"invalid": _("Enter the birth year as four digits, such as 1985.")},
    )
    # Said for what they are used: check-in links can be emailed; no reminder is sent by
    # text message, and the phone is what a therapist dials after a risk answer.
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Check-in links can be sent here.")
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        error_messages={"max_length": services.PHONE_MESSAGE},
        help_text=_("Shown on the client's page, to call them (after a risk answer, say)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The year changes while the server runs: said when the form is made.
        self.fields["birth_year"].error_messages["min_value"] = birth_year_message()

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(birth_year_message())
        return year

    def clean_phone(self):
        # Checked here too, not only by the service: said at once with the form's other
        # problems, not on a second sending after they are put right.
        phone = self.cleaned_data.get("phone", "")
        try:
            services.validate_phone(phone)
        except ValidationError as problem:
            raise forms.ValidationError(problem.message_dict["phone"]) from None
        return phone


def birth_year_message() -> str:
    return _("Enter a birth year from 1900 to %(year)s.") % {"year": timezone.localdate().year}


class ClientCreateForm(ClientForm):
    # Set when the page is first shown (views.client_create); see Client.creation_key. Only
    # the new-client form has one: the edit form's fields are exactly what it updates.
    form_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    field_order = ["form_key", "display_name", "birth_year", "email", "phone"]


class EpisodeForm(forms.Form):
    started_on = forms.DateField(label=_("Start date"), widget=DateInput)
    attendance_basis = forms.ChoiceField(label=_("Attendance"), choices=AttendanceBasis.choices)
    referral_source = forms.CharField(label=_("Referral source"), required=False, max_length=200)


class EpisodeEditForm(EpisodeForm):
    phase = forms.ChoiceField(
        label=_("Phase"), choices=[c for c in Phase.choices if c[0] != Phase.CLOSED]
    )


class EndEpisodeForm(forms.Form):
    """End an episode, and say where each of its ``goals`` stands (one group of choices
    each, set to its current status): after the ending the goals can no longer be changed,
    so this is where they are reviewed, in the same transaction as the ending."""

    GOAL_PREFIX = "goal_"

    ended_on = forms.DateField(label=_("End date"), widget=DateInput)
    end_reason = forms.ChoiceField(
        label=_("Why did the episode end?"), choices=[("", "—"), *EndReason.choices]
    )
    summary = forms.CharField(
        label=_("Ending summary"),
        required=False,
        # A summary, not a record: a few pages at most (280,000 characters were accepted
        # and made a page 60,000 px long).
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Goals reviewed, progress made, how the relationship felt."),
    )

    def __init__(self, *args, goals=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        summary = self.fields.pop("summary")
        for number, goal in enumerate(goals):
            self.fields[f"{self.GOAL_PREFIX}{goal.pk}"] = forms.ChoiceField(
                # The client's words, quoted as on the client page (escaped: free text).
                label=format_html("{} <q>{}</q>", _("Goal:"), goal.text),
                # "To talk through" only for a goal still so (Goal.status_choices).
                choices=goal.status_choices(),
                initial=goal.status,
                widget=forms.RadioSelect,
                # Left out (a goal added in another tab since the page was shown, a form
                # sent by a script): the goal keeps its status.
                required=False,
                help_text=_(
                    "Where each goal stands as the episode ends: once it has ended, its "
                    "goals can no longer be changed."
                )
                if number == 0
                else "",
            )
        self.fields["summary"] = summary  # after the goals, whose review it sums up

    def ending(self) -> dict:
        """The cleaned data as ``services.episode_end`` takes it."""
        data = dict(self.cleaned_data)
        chosen = {name: data.pop(name) for name in list(data) if name.startswith(self.GOAL_PREFIX)}
        statuses = {
            int(name.removeprefix(self.GOAL_PREFIX)): status
            for name, status in chosen.items()
            if status
        }
        return {**data, "goal_statuses": statuses}


def new_form_key() -> str:
    """A one-time key for a create form, set when the page is first shown."""
    return secrets.token_urlsafe(16)


class GoalTextForm(forms.Form):
    text = forms.CharField(
        label=_("Goal, in the client's own words"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GoalForm(GoalTextForm):
    """Add a goal. Its key (see Goal.creation_key, as ClientCreateForm's) is made for each
    page shown, and kept when the page comes back with an error."""

    form_key = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=32, initial=new_form_key
    )

    field_order = ["form_key", "text"]


class GoalEditForm(GoalTextForm):
    """Edit ``goal``. A goal the client wrote and nobody agreed yet ("to talk through", the
    status shown first) is agreed here: Working on it, its words reworded together or not,
    or Set aside; one of theirs agreed by mistake is set back to "to talk through" here.
    Other goals are not offered "to talk through" (Goal.status_choices)."""

    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)

    def __init__(self, *args, goal: Goal, **kwargs) -> None:
        kwargs.setdefault("initial", {"text": goal.text, "status": goal.status})
        super().__init__(*args, **kwargs)
        status = cast(forms.ChoiceField, self.fields["status"])
        status.choices = goal.status_choices()
        if goal.is_to_agree:
            status.help_text = _(
                "The client wrote this goal; it is not agreed yet and counts as no agreed "
                "goal. Once you have talked it through together, choose Working on it "
                "(reword it with them if you like), or Set aside."
            )
        elif goal.written_by_client:
            status.help_text = _(
                "The client wrote this goal. Agreed or set aside by mistake? Choose “Written "
                "by the client: to talk through” to set it back: it then counts as no agreed "
                "goal until you talk it through together."
            )


class AppointmentForm(ConfirmTick, forms.Form):
    """Book an appointment. A time that clashes with another booking (the therapist's, or
    the client's own that day: ``selectors.appointment_clashes_for``) brings the page back with
    a warning naming them, and a box to tick to book it anyway: a group session or a double
    booking can be meant, a slip should be seen. The tick holds only for the bookings the
    warning named (``ConfirmTick``): one made meanwhile asks again."""

    TICK = "clash_accepted"

    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput)
    modality = forms.ChoiceField(label=_("Modality"), choices=Modality.choices)
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=5,
        max_value=480,
        initial=50,
        error_messages={
            "invalid": _("Enter the length in whole minutes, such as 50."),
            "min_value": _("A session lasts 5 to 480 minutes: enter a length in that range."),
            "max_value": _("A session lasts 5 to 480 minutes: enter a length in that range."),
        },
    )

    def __init__(self, *args, episode, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clashes: list[selectors.BookingClash] = []
        #: The clients the warning names (those ``user`` may see), for the page's audit.
        self.named_client_ids: list[int] = []
        self.already_booked = False
        asked = self._asked_time()
        if asked is None:
            return
        starts_at, duration = asked
        # A second booking of this episode at this very time is refused whatever is ticked:
        # said at once, not after a "Book it anyway" that could never book it.
        self.already_booked = selectors.bookings_at(episode, starts_at).exists()
        if self.already_booked:
            return
        self.clashes = selectors.appointment_clashes_for(user, episode, starts_at, duration)
        if not self.clashes:
            return
        self.named_client_ids = sorted(
            {c.client_id for c in self.clashes if c.client_id is not None}
        )
        self._ask_to_confirm(
            self.TICK,
            forms.BooleanField(
                label=_("Book it anyway"),
                required=False,
                help_text=clash_sentences(
                    self.clashes, user=user, therapist=episode.client.therapist
                ),
            ),
            about=",".join(str(c.appointment_id) for c in self.clashes),
        )

    def _asked_time(self):
        """The start and length sent, if both are valid; else None (nothing to check yet)."""
        if not self.is_bound:
            return None
        try:
            starts_at = self.fields["starts_at"].clean(self.data.get(self.add_prefix("starts_at")))
            duration = self.fields["duration_minutes"].clean(
                self.data.get(self.add_prefix("duration_minutes"))
            )
        except forms.ValidationError:
            return None
        if _care_date_problem(starts_at) is not None:
            return None  # refused by clean_starts_at, never looked up (it may not fit UTC)
        return starts_at, duration

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        problem = _care_date_problem(starts_at)
        if problem is not None:
            raise forms.ValidationError(problem)
        return starts_at

    def clean(self):
        data = super().clean()
        if self.already_booked:
            self.add_error("starts_at", _("This episode already has an appointment at this time."))
        elif self.clashes and not data.get(self.TICK):
            self.add_error(
                self.TICK,
                _(
                    "This time clashes with another booking: tick “Book it anyway” if you "
                    "mean it, or choose another time."
                ),
            )
        return data

    def booking(self) -> dict:
        """The cleaned fields ``services.appointment_create`` takes, with the bookings the
        page warned of and the user accepted (``accepted_clashes``; none when it warned of
        none): the service checks them again under its locks, so a booking made since this
        form checked is warned of, never saved beside unseen."""
        data = dict(self.cleaned_data)
        data.pop(self.TICK, None)
        data.pop("confirmed_for", None)
        return {**data, "accepted_clashes": [clash.appointment_id for clash in self.clashes]}


def _care_date_problem(starts_at) -> str | None:
    """What the booking service would say of this date (``services.validate_care_date``):
    asked first, and alone, so the page shows that and not another refusal."""
    try:
        services.validate_care_date("starts_at", starts_at.date())
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def clash_warning(clashes, *, visible: set[int], user, therapist) -> str:
    """:func:`clash_sentences` for clashing appointments already read, naming only the
    clients whose ids are in ``visible`` (those ``user`` may see)."""
    told = [selectors.booking_clash(appointment, visible=visible) for appointment in clashes]
    return clash_sentences(told, user=user, therapist=therapist)


def clash_sentences(clashes: list[selectors.BookingClash], *, user, therapist) -> str:
    """One sentence per clashing booking: "You already have Cleo S. at 09:00 on 13 Dec."
    A client the selector did not name (one ``user`` may not see: a supervisor booking for
    a supervisee may not see every client of theirs) is "another client"."""
    sentences = []
    for clash in clashes:
        local = timezone.localtime(clash.starts_at)
        values = {
            "who": clash.client_name if clash.client_name is not None else _("another client"),
            "time": date_format(local, "H:i"),
            "date": date_format(local, "j M"),
            "therapist": therapist,
        }
        if therapist.pk == user.pk:
            sentences.append(_("You already have %(who)s at %(time)s on %(date)s.") % values)
        else:
            sentences.append(
                _("%(therapist)s already has %(who)s at %(time)s on %(date)s.") % values
            )
    return " ".join(sentences)


#: Who may be said to have cancelled: "not recorded" is only kept where it is stored.
_CANCELLED_BY = [
    ("", "—"),
    (CancelledBy.CLIENT, _("The client")),
    (CancelledBy.CLINIC, _("The therapist or the clinic")),
]


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(label=_("What happened?"), choices=Attendance.choices)
    cancelled_by = forms.ChoiceField(
        label=_("If cancelled: who cancelled it?"),
        required=False,
        choices=_CANCELLED_BY,
        help_text=_(
            "Only the client's own cancellations, and sessions they did not attend, count "
            "towards the risk of dropping out."
        ),
    )

    def __init__(self, *args, upcoming: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.initial.get("cancelled_by") == CancelledBy.UNKNOWN:
            # Cancelled before Rapport asked: kept as not recorded unless the therapist says.
            by = cast(forms.ChoiceField, self.fields["cancelled_by"])
            by.choices = [*_CANCELLED_BY, (CancelledBy.UNKNOWN, _("Not recorded"))]
        if upcoming:
            # Attended or missed is refused before the start (services.
            # appointment_record_attendance): offered, they could only fail.
            field = cast(forms.ChoiceField, self.fields["attendance"])
            field.label = _("Keep or cancel this appointment?")
            # Said as what they do: "Scheduled / Cancelled" read as states, beside a page
            # link that used to say "Cancel" and only left the page.
            field.choices = [
                (Attendance.SCHEDULED, _("Keep")),
                (Attendance.CANCELLED, _("Cancel the appointment")),
            ]
            field.help_text = _(
                "It has not happened yet: it can be cancelled, or kept as booked. Whether "
                "the client came is recorded once it has started."
            )
        else:
            # A session that has started happened or did not: "Scheduled" is no answer to
            # "What happened?". Nothing is preselected, so a session nobody marked is not
            # saved as attended by a click on Save.
            field = cast(forms.ChoiceField, self.fields["attendance"])
            field.choices = [
                ("", _("Choose…")),
                *[choice for choice in Attendance.choices if choice[0] != Attendance.SCHEDULED],
            ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("attendance") == Attendance.CANCELLED and not cleaned.get("cancelled_by"):
            self.add_error(
                "cancelled_by",
                _("Say who cancelled: the client, or the therapist or the clinic."),
            )
        if cleaned.get("attendance") != Attendance.CANCELLED:
            cleaned["cancelled_by"] = ""
        return cleaned


class AppointmentDeleteForm(forms.Form):
    """Delete an appointment booked in error: the button on its confirmation page is the
    whole form (``services.appointment_delete`` decides whether it may go)."""


class CaseloadFilterForm(TriageFilterForm):
    """The caseload's filters: alert kind and therapist, within the list of clients shown.

    Former clients (every episode ended) are listed on request, so a client who comes
    back can be found without knowing their id. The list is switched by one link each way
    ("Show former clients", "Back to current clients"), not by a third filter: a link is one
    key press and says where it goes, and a second control doing the same was one too many.
    The form carries the list in a hidden field, so filtering keeps to the list shown.
    """

    CURRENT = ""
    FORMER = "former"
    field_order = ("clients", "kind", "therapist")

    clients = forms.ChoiceField(
        required=False,
        choices=[(CURRENT, _("Current clients")), (FORMER, _("Former clients"))],
        widget=forms.HiddenInput,
    )

    def clean(self):
        cleaned = super().clean()
        # A hidden field has no place to show its error: say it at the top of the form.
        if self.has_error("clients"):
            self.add_error(None, _("No such list of clients: choose current or former clients."))
        return cleaned
