"""Template filters for monitoring pages: trend sparklines, labels, evidence."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rapport.clinic.models import Phase
from rapport.core.people import is_the_reader, marked_as_you, name_with_role
from rapport.lib.charts import PALETTE, every_session, no_value_note, sparkline_svg, svg_data_uri
from rapport.monitoring.forms import INACTIVE, YOU, therapist_mark
from rapport.monitoring.kinds import KIND_LABELS, KIND_SHORT
from rapport.monitoring.panel_queries import Deed, PanelFacts
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import MonitoringError
from rapport.monitoring.templatetags.evidence_text import evidence_rows, rule_as_computed

if TYPE_CHECKING:
    from rapport.monitoring.selectors import TherapistFigures

register = template.Library()


@lru_cache(maxsize=64)
def _better(instrument_id: str) -> str:
    """Which way is better on the measure's scale: "lower", "higher", or "" (unknown).
    An alliance measure has no direction in the registry: a higher rating is better."""
    try:
        instrument = find_instrument(instrument_id)
    except MonitoringError:
        return ""
    if instrument.direction == "higher_is_worse":
        return "lower"
    if instrument.direction == "higher_is_better" or instrument.kind == "alliance":
        return "higher"
    return ""


@lru_cache(maxsize=64)
def _scale(instrument_id: str) -> tuple[str, str, float, float, float | None, bool]:
    """(name, kind, low, high, reference line, reference is an alert threshold)."""
    try:
        instrument = find_instrument(instrument_id)
    except MonitoringError:
        return instrument_id, "", 0.0, 0.0, None, False
    figure = instrument.alert_threshold or instrument.clinical_cutoff
    total = instrument.total
    return (
        instrument.short_title,
        instrument.kind,
        float(total.min) if total else 0.0,
        float(total.max) if total else 0.0,
        float(figure.value) if figure is not None else None,
        instrument.alert_threshold is not None,
    )


# The caseload draws two trends a row, hundreds of rows a view, and the same trends again
# on the next view (they change only when a client answers): each drawing and its words
# are kept, keyed by everything they are made of, so a view draws only the new ones.
# Bounded: a few thousand small strings (about 1 KB a drawing).
_TREND_CACHE = 4096


@register.filter
def sparkline(trend) -> str:
    """A trend as a data: URI tiny SVG (empty string when there is nothing to draw)."""
    if trend is None or not trend.values:
        return ""
    return _sparkline(trend.instrument, tuple(trend.values), tuple(trend.sessions))


@lru_cache(maxsize=_TREND_CACHE)
def _sparkline(instrument: str, values: tuple[float, ...], sessions: tuple[int, ...]) -> str:
    _name, kind, low, high, reference, _alert = _scale(instrument)
    if low == high:
        low, high = min(values), max(values)
    color = PALETTE[0] if kind in ("alliance", "") else PALETTE[2]
    _sessions, slots = _by_session(values, sessions)
    svg = sparkline_svg(
        slots,
        low=low,
        high=high,
        threshold=reference,
        color=color,
        # No label drawn in the image: at the caseload's size it was about 8 px and did not
        # grow with the browser's text size (WCAG 1.4.4). The caseload writes the same as
        # HTML text under the line (trend_caption).
    )
    return svg_data_uri(svg)


@register.filter
def trend_caption(trend) -> str:
    """The latest value and which way is better, in words ("Latest 12; lower is better"),
    for a ``title`` or a caption beside the sparkline."""
    if trend is None or not trend.values:
        return ""
    better = _better(trend.instrument)
    text = f"Latest {_number(trend.values[-1])}"
    return f"{text}; {better} is better" if better else text


def _by_session(
    values: tuple[float, ...], sessions: tuple[int, ...]
) -> tuple[list[int], list[float | None]]:
    """The trend one slot a session, None where a session in between has no total, so
    ratings at sessions 1 and 5 are not drawn as neighbours. A trend stored without its
    sessions keeps one slot a total, as it was drawn before."""
    if not sessions:
        return list(range(1, len(values) + 1)), list(values)
    return every_session(dict(zip(sessions, values, strict=True)))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@register.filter
def trend_text(trend) -> str:
    """The same numbers as words, for the image's alt text."""
    if trend is None or not trend.values:
        return ""
    return _trend_text(trend.instrument, tuple(trend.values), tuple(trend.sessions))


@lru_cache(maxsize=_TREND_CACHE)
def _trend_text(instrument: str, values: tuple[float, ...], sessions: tuple[int, ...]) -> str:
    name, kind, _low, _high, reference, alert = _scale(instrument)
    numbered, slots = _by_session(values, sessions)
    gaps = no_value_note(numbered, slots, "rating" if kind == "alliance" else "score")
    if sessions and gaps:
        # With gaps the numbers alone read as consecutive sessions: name each one's session.
        numbers = ", ".join(
            f"session {s}: {_number(v)}" for s, v in zip(sessions, values, strict=True)
        )
        text = f"{name}, last {len(values)}: {numbers}; {gaps}"
    else:
        text = f"{name}, last {len(values)}: " + ", ".join(_number(v) for v in values)
    if reference is not None:
        text += (
            f" (below {_number(reference)} is low)" if alert else f" (cut-off {_number(reference)})"
        )
    better = _better(instrument)
    text += f"; latest {_number(values[-1])}"
    return f"{text}; {better} is better" if better else text


@register.filter
def phase_label(phase: str) -> str:
    """An episode's phase in words, as ``Episode.get_phase_display`` says it, without
    rebuilding the field's choices for each of the caseload's rows."""
    return str(_PHASE_LABELS.get(phase, phase))


_PHASE_LABELS = dict(Phase.choices)


@register.filter
def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@register.filter
def kind_short(kind: str) -> str:
    return KIND_SHORT.get(kind, kind)


@register.filter
def evidence_items(alert) -> list[tuple[str, str]]:
    """An alert's evidence as (plain label, readable value) pairs (``evidence_text``).

    Takes the alert, not only its evidence: the same key reads differently for each kind
    of signal (a threshold is a total for a low alliance, a drop for a rupture)."""
    if isinstance(alert, dict):
        return evidence_rows(alert)
    return evidence_rows(getattr(alert, "evidence", None), getattr(alert, "kind", ""))


@register.filter
def rule_formula(alert) -> str:
    """The detector's rule as it computed it, for "The rule as computed" under the evidence;
    "" when the "Rule" row already says it in the detector's own words."""
    return rule_as_computed(getattr(alert, "evidence", None), getattr(alert, "kind", ""))


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


# -- who did what -------------------------------------------------------------------------


@register.filter
def history_of(facts: PanelFacts | None, alert) -> tuple[Deed, ...]:
    if facts is None:
        return ()
    return facts.history.get(alert.pk, ())


@register.filter
def done_by(person, viewer) -> str:
    """ "you" for the reader, else the person's name and role: "Morgan Lee (supervisor)"."""
    if is_the_reader(person, viewer):
        return _("you")  # "Acknowledged by you, 6 Dec."
    return name_with_role(person)


@register.filter
def therapist_name(therapist, you) -> str:
    """A therapist in the caseload's table, marked as the filter's options are
    (``monitoring.forms.therapist_label``): "Sam Lee (you)"; an inactive account's mark a
    tag."""
    mark = therapist_mark(is_you=is_the_reader(therapist, you), active=therapist.is_active)
    return _marked(str(therapist), mark)


@register.filter
def figures_therapist_name(item: TherapistFigures, you_marked: bool) -> str:
    """A therapist's row of the team figures, named as in the table; the reader is marked
    only where the page names several therapists (``you_marked``)."""
    mark = therapist_mark(is_you=item.is_you and you_marked, active=not item.inactive)
    return _marked(item.name, mark)


def _marked(name: str, mark: str) -> str:
    if mark == INACTIVE:
        return format_html('{} <span class="tag muted">{}</span>', name, _("inactive"))
    return marked_as_you(name) if mark == YOU else name


@register.filter
def short_day(moment) -> str:
    """ "6 Dec" this year, "6 Dec 2025" before it (local time for a moment)."""
    if moment is None:
        return ""
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    return date_format(day, "j M" if day.year == timezone.localdate().year else "j M Y")


_DEED_WORDS = {
    "acknowledged": (
        gettext_noop("Acknowledged by {person}, {day}."),
        gettext_noop("Acknowledged {day}."),
    ),
    "noted": (gettext_noop("Noted by {person}, {day}."), gettext_noop("Noted {day}.")),
    "snoozed": (gettext_noop("Snoozed by {person}, {day}."), gettext_noop("Snoozed {day}.")),
    "dismissed": (gettext_noop("Dismissed by {person}, {day}."), gettext_noop("Dismissed {day}.")),
}


@register.filter
def deed_line(deed: Deed, viewer) -> str:
    """ "Acknowledged by Morgan Lee (supervisor), 6 Dec." (without a name when the account
    is gone or the command line did it)."""
    with_person, without = _DEED_WORDS.get(
        deed.what, ("{what} by {person}, {day}.", "{what} {day}.")
    )
    person = done_by(deed.by, viewer)
    text = _(with_person) if person else _(without)
    return text.format(person=person, day=short_day(deed.on), what=deed.what.capitalize())


@register.filter
def all_by(actions, viewer) -> bool:
    """Whether every one of these actions was logged by the reader ("What you did")."""
    viewer_pk = getattr(viewer, "pk", None)
    return viewer_pk is not None and all(a.created_by_id == viewer_pk for a in actions)
