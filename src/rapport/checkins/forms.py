"""Forms for check-ins. The client's questionnaire is built from the instrument's data.

Forms validate input and turn it into answers for the scoring engine; services write.
Field names are item ids, so the engine's per-item errors land next to their question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rapport.checkins.instruments import GOALS
from rapport.checkins.models import NONE, Mode, Timing
from rapport.clinic.services import CLIENT_GOAL_MAX_LENGTH
from rapport.measures.definitions import DECLINED, Instrument, Item
from rapport.measures.services import RISK_NOTE_MAX

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "FORM_EXPIRED",
    "CheckinCreateForm",
    "ClinicScheduleForm",
    "EpisodeScheduleForm",
    "Question",
    "QuestionnaireForm",
    "RiskFollowUpForm",
    "WordingUploadForm",
]

# Radio groups for whole-number sliders up to this many points (0-10 is 11); finer scales
# (ORS/SRS read to 0.1) get a number field instead of a hundred radio buttons.
_MAX_SCALE_POINTS = 11
MAX_TEXT = 2000

#: Shown when a submission carries no usable idempotency key (a page kept open from an
#: older version, a tampered form): the answers are kept and a fresh key is issued.
#: The "Your goals" page with nothing written: each goal is optional, but not all of them.
NO_GOAL = _("Please write at least one goal, in your own words.")
FORM_EXPIRED = _(
    "This form has expired. Your answers are still here: please check them and send them again."
)


def _is_whole(value) -> bool:
    return float(value) == int(value)


def _scale_values(item: Item) -> list[int] | None:
    slider = item.slider
    if slider is None or not all(_is_whole(v) for v in (slider.min, slider.max, slider.step)):
        return None
    values = list(range(int(slider.min), int(slider.max) + 1, int(slider.step)))
    return values if len(values) <= _MAX_SCALE_POINTS else None


def _kind(item: Item) -> str:
    if item.response == "text":
        return "text"
    if item.response == "options":
        return "choices"
    return "scale" if _scale_values(item) is not None else "number"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    anchor: str = ""
    checked: bool = False
    decline: bool = False


@dataclass(frozen=True)
class Question:
    """One item as the template shows it: numbered, with its choices and errors."""

    id: str
    number: int
    total: int
    wording: str
    kind: str  # "choices", "scale", "number" or "text"
    required: bool
    choices: tuple[Choice, ...]
    anchors: tuple[tuple[str, str], ...]
    value: str
    errors: tuple[str, ...]
    hint: str = ""
    #: A text answer's length limit, as the textarea's maxlength (a goal is shorter).
    max_length: int = MAX_TEXT
    #: Whether "(optional)" follows the number of an item the client may leave out. Not on
    #: the "Your goals" page: each box is optional but one is needed, as its instructions
    #: and wording say ("One is enough", "Another goal, if you have one"); "(optional)"
    #: under the first contradicted the "write at least one goal" refusal.
    says_optional: bool = True


#: A bipolar item (the C-NIP's "structure the sessions, or allow them to be unstructured")
#: answered -3..+3: how strongly, by distance from the middle.
_STRENGTHS = {3: _("Strongly"), 2: _("Moderately"), 1: _("Slightly")}


def _sides(item: Item) -> tuple[str, str] | None:
    """The labels of a bipolar item's two ends, when its options run -3..+3 and its anchors
    name both ends: each option can then say which side it leans to in the item's own words
    ("Strongly: Structure the therapy sessions") instead of "for the first", which sends a
    client back up to a long two-part item to work out which part was first."""
    values = [o.value for o in item.options]
    if not values or min(values) != -3 or max(values) != 3:
        return None
    anchors = {a.value: a.label for a in item.anchors}
    if -3 not in anchors or 3 not in anchors:
        return None
    return anchors[-3], anchors[3]


def _side_label(value, sides: tuple[str, str] | None) -> str:
    if sides is None or value == 0 or abs(value) not in _STRENGTHS:
        return ""
    return f"{_STRENGTHS[abs(value)]}: {sides[0] if value < 0 else sides[1]}"


def _prefer_not() -> str:
    return str(_("Prefer not to answer"))


# Digits with an optional decimal point or comma: what a person types on a slider's
# keyboard fallback. Decimal() alone would also take "Infinity", "NaN" and "1e99999", which
# crash the conversion to a score or take seconds of CPU on a public page.
_PLAIN_NUMBER = re.compile(r"^\s*-?\d{1,4}(?:[.,]\d{1,3})?\s*$")


def _plain_number(raw: str) -> Decimal | None:
    if not _PLAIN_NUMBER.match(raw):
        return None
    # Many clients write a decimal comma ("7,5"): it means the same number.
    return Decimal(raw.strip().replace(",", "."))


def _decimals(step) -> int:
    """How many decimals a slider's step allows: 0.1 -> 1, 1 -> 0."""
    exponent = Decimal(str(step)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _on_scale(slider, number: Decimal) -> bool:
    low, high, step = (Decimal(str(v)) for v in (slider.min, slider.max, slider.step))
    return low <= number <= high and (number - low) % step == 0


def _example(slider) -> Decimal:
    """Three quarters up the scale, 7.5 on a 0-10 one read to 0.1: an example answer."""
    low, high = Decimal(str(slider.min)), Decimal(str(slider.max))
    example = (low + (high - low) * Decimal("0.75")).quantize(
        Decimal(1).scaleb(-_decimals(slider.step))
    )
    return example if _on_scale(slider, example) else low


def _number_hint(slider) -> str:
    """Shown under a number question before anything is typed."""
    return str(
        _("A number from %(min)s to %(max)s, e.g. %(example)s")
        % {"min": f"{slider.min:g}", "max": f"{slider.max:g}", "example": _example(slider)}
    )


def _number_message(slider) -> str:
    """One plain sentence for every wrong number: the scoring engine's own messages
    ("7.55 is not a multiple of 0.1 from 0") are for developers, not for clients."""
    low, high = f"{slider.min:g}", f"{slider.max:g}"
    decimals = _decimals(slider.step)
    if decimals == 0:
        return str(_("Give a whole number from %(min)s to %(max)s.") % {"min": low, "max": high})
    example = _example(slider)
    if decimals == 1:
        text = _(
            "Give a number from %(min)s to %(max)s, with at most one decimal, e.g. %(example)s."
        )
    else:
        text = _(
            "Give a number from %(min)s to %(max)s, with at most %(decimals)s decimals, "
            "e.g. %(example)s."
        )
    return str(text % {"min": low, "max": high, "decimals": decimals, "example": example})


class FreeTextField(forms.CharField):
    """Free text whose line breaks count as one character, as the browser counts them.

    A textarea's ``maxlength`` counts a line break as one character, but the browser sends
    it as CRLF: a comment the page accepted at 2000 characters would arrive as 2017 and be
    refused. Every line break becomes a single line feed before the length is checked (and
    is stored that way).
    """

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return super().to_python(value)


class QuestionnaireForm(forms.Form):
    """All of an instrument's items on one page, plus the hidden idempotency key."""

    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, instrument: Instrument, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        # The "Your goals" page (goals.json): each goal becomes a clinic Goal, shorter than
        # a comment, and at least one must be written.
        self._goals = instrument.id == GOALS
        self._text_limit = CLIENT_GOAL_MAX_LENGTH if self._goals else MAX_TEXT
        for item in instrument.items:
            self.fields[item.id] = self._field(item)

    def _field(self, item: Item) -> forms.Field:
        required_message = (
            _("Please choose an answer, or “Prefer not to answer”.")
            if item.allow_decline
            else _("Please answer this question.")
        )
        messages: dict[str, StrOrPromise] = {
            "required": required_message,
            "invalid_choice": _("Please choose an answer."),
        }
        kind = _kind(item)
        if kind == "text":
            messages["max_length"] = (
                _(
                    "Please shorten this goal to %(limit_value)d characters or fewer "
                    "(it has %(show_value)d)."
                )
                if self._goals
                else _(
                    "Please shorten your answer to %(limit_value)d characters or fewer "
                    "(it has %(show_value)d)."
                )
            )
            return FreeTextField(
                required=item.required,
                max_length=self._text_limit,
                strip=True,
                error_messages=messages,
            )
        if kind == "number":
            assert item.slider is not None
            messages["max_length"] = _number_message(item.slider)
            return forms.CharField(required=item.required, max_length=10, error_messages=messages)
        values = (
            [str(o.value) for o in item.options]
            if kind == "choices"
            else [str(v) for v in _scale_values(item) or []]
        )
        if item.allow_decline:
            values.append(DECLINED)
        return forms.ChoiceField(
            required=item.required, choices=[(v, v) for v in values], error_messages=messages
        )

    def clean(self):
        cleaned = super().clean()
        for item in self.instrument.items:
            if _kind(item) != "number" or not cleaned.get(item.id):
                continue
            number = _plain_number(cleaned[item.id])
            slider = item.slider
            assert slider is not None
            if number is None or not _on_scale(slider, number):
                self.add_error(item.id, _number_message(slider))
            else:
                cleaned[item.id] = str(number)
        if (
            self._goals
            and not self.errors
            and not any(cleaned.get(item.id) for item in self.instrument.items)
        ):
            # On the first goal, so the page's summary leads to it.
            self.add_error(self.instrument.items[0].id, NO_GOAL)
        return cleaned

    def answers(self) -> dict[str, object]:
        """The cleaned answers in the engine's terms (ints, floats, text, DECLINED)."""
        answers: dict[str, object] = {}
        for item in self.instrument.items:
            value = self.cleaned_data.get(item.id)
            if value in (None, ""):
                continue
            if value == DECLINED or item.response == "text":
                answers[item.id] = value
            elif _kind(item) == "number":
                number = Decimal(value)
                answers[item.id] = int(number) if number == number.to_integral() else float(number)
            else:
                answers[item.id] = int(value)
        return answers

    def endorsed_risk(self) -> list[str]:
        """The risk items (PHQ-9 item 9, CORE-10 item 6) answered at risk in what was sent,
        whatever else the form holds: read from the fields that validated."""
        if not hasattr(self, "cleaned_data"):
            return []
        answers = self.answers()
        return [
            risk.item
            for risk in self.instrument.risk_items
            if isinstance(answers.get(risk.item), int | float)
            and Decimal(str(answers[risk.item])) >= Decimal(str(risk.at_or_above))
        ]

    def questions(self) -> list[Question]:
        total = len(self.instrument.items)
        return [self._question(n, total, item) for n, item in enumerate(self.instrument.items, 1)]

    def _hint(self, kind: str, slider) -> str:
        if kind == "number" and slider:
            return _number_hint(slider)
        if kind == "text" and self._goals:
            return str(_("Up to %(limit)d characters.") % {"limit": self._text_limit})
        return ""

    def _question(self, number: int, total: int, item: Item) -> Question:
        bound = self[item.id]
        value = "" if bound.value() is None else str(bound.value())
        kind = _kind(item)
        anchors = {a.value: a.label for a in item.anchors}
        choices: list[Choice] = []
        if kind == "choices":
            sides = _sides(item)
            choices = [
                Choice(
                    str(o.value),
                    _side_label(o.value, sides) or o.label,
                    checked=value == str(o.value),
                )
                for o in item.options
            ]
        elif kind == "scale":
            choices = [
                Choice(str(v), str(v), anchor=anchors.get(v, ""), checked=value == str(v))
                for v in _scale_values(item) or []
            ]
        if item.allow_decline and kind in ("choices", "scale"):
            choices.append(Choice(DECLINED, _prefer_not(), checked=value == DECLINED, decline=True))
        slider = item.slider
        return Question(
            id=item.id,
            number=number,
            total=total,
            wording=item.wording,
            kind=kind,
            required=item.required,
            choices=tuple(choices),
            anchors=tuple((str(v), label) for v, label in sorted(anchors.items())),
            value=value,
            errors=tuple(str(e) for e in bound.errors),
            hint=self._hint(kind, slider),
            max_length=self._text_limit,
            says_optional=not self._goals,
        )


#: Under an instrument field offering a questionnaire whose licensed wording is not loaded.
NOT_LOADED_HELP = _(
    "Greyed-out questionnaires cannot be sent yet: their wording is not loaded. A clinic admin "
    "can load the clinic's licensed wording file under Check-in settings."
)
#: The same, on the Check-in settings page itself, read by the admin who loads the file
#: there: sending them to "Check-in settings" would point to the page they are on.
NOT_LOADED_HERE_HELP = _(
    "Greyed-out questionnaires cannot be sent yet: their wording is not loaded. Load the "
    "clinic's licensed wording file under “Licensed wording” below."
)


class _InstrumentSelect(forms.Select):
    """A select whose questionnaires without their licensed wording are shown but disabled:
    picked, they could only be refused after the form was sent. One already chosen (the
    schedule saved before the wording was removed) stays selectable, so saving the form
    does not silently drop it; the server refuses it with its reason
    (``services._sendable_instrument``, ``services._check_schedule_choice``)."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = frozenset(disabled_values)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled_values and not selected:
            option["attrs"]["disabled"] = True
        return option


def _instrument_choices(statuses, *, blank_label=None, none_label=None, for_admin=False):
    choices = []
    if blank_label is not None:
        choices.append(("", blank_label))
    if none_label is not None:
        choices.append((NONE, none_label))
    for status in statuses:
        label = status.instrument.short_title
        if not status.sendable and for_admin:
            label = _("%(name)s (wording not loaded)") % {"name": label}
        elif not status.sendable:
            label = _(
                "%(name)s (wording not loaded: an admin can load the clinic's licensed file)"
            ) % {"name": label}
        choices.append((status.instrument.id, label))
    return choices


def _offer(field, statuses, choices, *, help_text=NOT_LOADED_HELP) -> None:
    """Give ``field`` its ``choices``, the questionnaires without their wording disabled and
    the reason said under the field (``help_text``)."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
    not_loaded = [s.instrument.id for s in statuses if not s.sendable]
    field.widget = _InstrumentSelect(choices=field.choices, disabled_values=not_loaded)
    if not_loaded:
        field.help_text = " ".join(filter(None, [str(field.help_text or ""), str(help_text)]))


def _schedulable(statuses):
    """What can be sent before or after every appointment: not the "Your goals" page,
    which is sent once, when goals are set (by hand, from the check-in form)."""
    return [status for status in statuses if status.instrument.id != GOALS]


class ClinicScheduleForm(forms.Form):
    """The clinic's default schedule, on the Check-in settings page, where the admin also
    loads the licensed wording (so its help points below, not to another page)."""

    before_instrument = forms.ChoiceField(label=_("Before each appointment"))
    after_instrument = forms.ChoiceField(label=_("After each appointment"))

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = _schedulable(statuses)
        choices = _instrument_choices(statuses, blank_label=_("Nothing"), for_admin=True)
        for name in ("before_instrument", "after_instrument"):
            _offer(self.fields[name], statuses, choices, help_text=NOT_LOADED_HERE_HELP)


class EpisodeScheduleForm(forms.Form):
    before_instrument = forms.ChoiceField(label=_("Before each appointment"), required=False)
    after_instrument = forms.ChoiceField(label=_("After each appointment"), required=False)

    def __init__(self, *args, statuses, defaults, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = _schedulable(statuses)
        for name, default in zip(("before_instrument", "after_instrument"), defaults, strict=True):
            choices = _instrument_choices(
                statuses,
                blank_label=_("Clinic default (%(name)s)") % {"name": default or _("nothing")},
                none_label=_("Nothing for this episode"),
            )
            _offer(self.fields[name], statuses, choices)


class CheckinCreateForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"))
    timing = forms.ChoiceField(
        label=_("When"),
        # "Other" alone left the therapist guessing (staff review 17): the label says it is
        # neither, the help says what each does (services._check_sendable and the client
        # page's heading, views._session_line). The stored value stays "other".
        choices=[
            (value, _("Other (neither before nor after)") if value == Timing.OTHER else label)
            for value, label in Timing.choices
        ],
        initial=Timing.AFTER,
        # The goals link is stored as "other" whatever is chosen (services.checkin_create):
        # said here too, so "After the session" is not read as recording a rating of it.
        help_text=format_lazy(
            "{} {}",
            _(
                "Before the session: how the client has been coming into it; it can be sent "
                "until the session ends. After the session: the client’s view of the session, "
                "once it has started. Other: neither, for a questionnaire that is not about "
                "the session (the client’s preferences, say): the client’s page names the "
                "appointment without saying before or after."
            ),
            _("Client’s goals are not about a session: for them this is not used."),
        ),
    )
    mode = forms.ChoiceField(
        label=_("How"),
        choices=Mode.choices,
        initial=Mode.LINK,
        widget=forms.RadioSelect,
        help_text=_("Tablet mode signs you out and hands this device to the client."),
    )
    email = forms.BooleanField(
        label=_("Also email the link to the client"), required=False, initial=False
    )

    def __init__(self, *args, statuses, email_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        _offer(self.fields["instrument"], statuses, _instrument_choices(statuses))
        if not email_available:
            del self.fields["email"]


class WordingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Licensed wording file (JSON)"),
        help_text=_("The file your licence holder gave you, in Rapport's wording format."),
    )
    MAX_BYTES = 512 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 512 KB)."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file must be UTF-8 text.")) from None


class WordingDeleteForm(forms.Form):
    instrument = forms.CharField(max_length=50)


class RiskFollowUpForm(forms.Form):
    """What a clinician did about a risk answer (PHQ-9 item 9), and what came of it.

    Required: the note is the record that a risk assessment was done, and what the client's
    therapist reads when someone else followed the answer up.
    """

    note = FreeTextField(
        label=_("What did you do to follow this up, and what came of it?"),
        max_length=RISK_NOTE_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: phoned the client, asked about safety, no current plan or intent, "
            "safety plan reviewed. Kept encrypted; the client's therapist and their supervisor "
            "see it with your name and the date."
        ),
        error_messages={
            "required": _("Say what you did to follow this up."),
            "max_length": _(
                "Please shorten the note to %(limit_value)d characters or fewer "
                "(it has %(show_value)d)."
            ),
        },
    )
