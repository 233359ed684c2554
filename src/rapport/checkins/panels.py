"""Sections of the client page: risk notices at the top, and check-ins with scores over time.

Providers get an already-scoped client (the page 404s outside scope) and audit what they
read. Free-text comments are decrypted here, for the people the scoped selectors let in:
the client's therapist and their supervisor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.audit.services import Action, audit_record
from rapport.checkins import selectors
from rapport.checkins.instruments import (
    COMMENT_ITEM,
    GOALS,
    PUSHED_ITEM,
    SESSION_CHECKIN,
)
from rapport.checkins.models import RefusedReason, Timing
from rapport.clinic.models import MISSED, Appointment
from rapport.core import hooks
from rapport.core.panels import Latest, latest, memoized, page_now
from rapport.core.people import name_with_role
from rapport.lib.charts import (
    Chart,
    Line,
    Threshold,
    every_session,
    line_chart_svg,
    no_value_note,
    svg_data_uri,
)
from rapport.measures import selectors as measure_selectors
from rapport.measures.definitions import Instrument
from rapport.measures.errors import InstrumentNotFound
from rapport.measures.registry import get_instrument
from rapport.measures.services import RISK_NOTE_MAX

__all__ = [
    "checkins_panel",
    "clinic_instrument",
    "follow_up",
    "refused_follow_up",
    "refused_risk_answer",
    "risk_answer",
    "risk_panel",
]

RISK_ORDER = 1
CHECKINS_ORDER = 30
_LATEST_COMMENTS = 5


def clinic_instrument(clinic, instrument_id: str) -> Instrument:
    """The instrument as this clinic shows it (``measures.selectors.instrument_for_clinic``),
    read once a page view: which instruments have a wording file is one query for the page,
    and only one with a file loaded is read again, once. Not the shipped definition
    (``get_instrument``): with the published C-NIP wording loaded ("verbatim": true), the
    clinic's C-NIP is the validated inventory, with its published source, and the pages
    must not keep calling it "adapted" and "not a validated measure" (docs/instruments.md).

    Raises :class:`~rapport.measures.errors.InstrumentNotFound` for an unknown id."""
    worded = memoized(
        ("clinic-worded-instruments", clinic.pk),
        lambda: frozenset(
            status.instrument.id
            for status in measure_selectors.instrument_statuses(clinic)
            if status.wording is not None
        ),
    )
    if instrument_id not in worded:
        return get_instrument(instrument_id)
    return memoized(
        ("clinic-instrument", clinic.pk, instrument_id),
        lambda: measure_selectors.instrument_for_clinic(clinic, instrument_id),
    )


def _unvalidated(instrument: Instrument) -> str:
    """What the score table says about an instrument that is not a validated measure:
    "adapted" for a published instrument Rapport ships in its own paraphrase (it has
    published labels to take once the clinic loads the published wording: the C-NIP),
    "own" for a tool Rapport wrote (the session check-in), "" for a validated measure."""
    if instrument.validated:
        return ""
    return "adapted" if instrument.verbatim_labelling is not None else "own"


def _option_label(instrument: Instrument, item_id: str, value) -> str:
    try:
        item = instrument.item(item_id)
    except KeyError:
        return str(value)
    for option in item.options:
        if option.value == value:
            return option.label
    return str(value)


def _guidance(instrument: Instrument, item_id: str) -> str:
    """What the notice tells the clinician about an answer at risk on ``item_id``, the same
    line for every risk item, its threshold read from the instrument's definition
    (``risk_items``): any answer from the first one at risk calls for a conversation about
    safety, whatever the total (PHQ-9 item 9: Kroenke, Spitzer & Williams 2001; CORE-10
    item 6: Barkham et al. 2013, as each definition's ``source`` says)."""
    risk = next((r for r in instrument.risk_items if r.item == item_id), None)
    if risk is None:
        return ""
    below = [
        option.label for option in _options(instrument, item_id) if option.value < risk.at_or_above
    ]
    if below:
        return _(
            "Any answer above “%(answer)s” calls for a direct conversation about safety and a "
            "risk assessment, whatever the total score."
        ) % {"answer": below[-1]}
    return _(
        "Any answer to this question calls for a direct conversation about safety and a risk "
        "assessment, whatever the total score."
    )


def _options(instrument: Instrument, item_id: str) -> list:
    try:
        return sorted(instrument.item(item_id).options, key=lambda option: option.value)
    except KeyError:
        return []


def _risk_items(response, instrument: Instrument) -> list[dict]:
    """Each risk item of one response as the notice words it: the answer, or that none was
    given (no answer is not the same as no risk), and for an answer the guidance line."""
    items = []
    for item_id in response.risk_flags:
        known = item_id in instrument.item_ids
        answered = item_id in response.item_values
        items.append(
            {
                "number": instrument.item_ids.index(item_id) + 1 if known else None,
                "wording": instrument.item(item_id).wording if known else item_id,
                "answered": answered,
                "answer": _option_label(instrument, item_id, response.item_values.get(item_id))
                if answered
                else "",
                "guidance": _guidance(instrument, item_id) if answered else "",
            }
        )
    return items


def _worded(clinic, instrument_id: str) -> Instrument | None:
    """The instrument whose wording the risk notices quote: the clinic's
    (:func:`clinic_instrument`, read once a page), so a clinic that loaded its own wording
    (a translation, licensed wording) sees in the notice the question and answer its client
    was shown, as the score table beside it does. A wording file changes words only: which
    items are risk items, and from which answer, stay the definition's."""
    try:
        return clinic_instrument(clinic, instrument_id)
    except InstrumentNotFound:
        return None


def risk_answer(response, clinic=None) -> dict | None:
    """One open risk answer in words, quoting the clinic's wording of the instrument
    (``clinic``, else the client's: the follow-up page passes none)."""
    instrument = _worded(
        clinic if clinic is not None else response.client.clinic, response.instrument_id
    )
    if instrument is None:
        return None
    return {
        "response": response,
        "instrument": instrument,
        "items": _risk_items(response, instrument),
    }


def follow_up(response, clinic=None) -> dict | None:
    """A followed-up risk answer with who recorded the follow-up (name and role: a
    therapist must see when their supervisor closed it), when, and their note."""
    answer = risk_answer(response, clinic)
    if answer is None:
        return None
    return answer | {
        "by": name_with_role(response.risk_reviewed_by),
        "on": response.risk_reviewed_at,
        "note": response.risk_review_note,
    }


#: Why a link could not take a form, in words for the clinician (``RefusedRiskAnswer.reason``).
_REFUSED_BECAUSE = {
    RefusedReason.USED: _("the link had already been used for earlier answers"),
    RefusedReason.EXPIRED: _("the link had expired"),
    RefusedReason.REVOKED: _("the link had been revoked or replaced"),
    RefusedReason.EPISODE_ENDED: _("the episode of care had ended"),
    RefusedReason.SESSION_MISSED: _("the session had been recorded as not attended"),
    RefusedReason.CHANGED: _(
        "the same form had already been sent with other answers, and the link keeps the first ones"
    ),
}


def refused_risk_answer(notice, clinic=None) -> dict:
    """A risk answer sent on a link that could no longer be used, in words: when, which
    question (never the answer: none was kept), and why the link refused it. The question
    in the clinic's wording (``clinic``, else the client's), as :func:`risk_answer`."""
    instrument = _worded(
        clinic if clinic is not None else notice.client.clinic, notice.instrument_id
    )
    items: list[dict[str, object]] = []
    for item_id in notice.items:
        if instrument is None or item_id not in instrument.item_ids:
            items.append({"number": None, "wording": "", "guidance": ""})
            continue
        items.append(
            {
                "number": instrument.item_ids.index(item_id) + 1,
                "wording": instrument.item(item_id).wording,
                "guidance": _guidance(instrument, item_id),
            }
        )
    return {
        "notice": notice,
        "name": instrument.short_title if instrument is not None else notice.instrument_id,
        "items": items,
        "because": _REFUSED_BECAUSE.get(notice.reason, _("the link could no longer be used")),
    }


def refused_follow_up(notice, clinic=None) -> dict:
    return refused_risk_answer(notice, clinic) | {
        "by": name_with_role(notice.reviewed_by) if notice.reviewed_by else "",
        "on": notice.reviewed_at,
        "note": notice.review_note,
    }


def risk_panel(request, client) -> dict | None:
    """Open risk answers (a red notice, each with the form to record its follow-up) and
    the record of those followed up (a quiet list: it stays, it is not an alarm)."""
    open_answers = measure_selectors.unreviewed_risk_responses(client)
    followed_up = measure_selectors.followed_up_risk_responses(client)
    # Audited whether or not there is a notice: a row written only for clients with a risk
    # answer would tell anyone who reads the audit log (clinic admins do) who has one.
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="risk-notices",
        client_id=client.pk,
        request=request,
    )
    clinic = client.clinic
    notices = [n for n in (risk_answer(r, clinic) for r in open_answers) if n is not None]
    history = [f for f in (follow_up(r, clinic) for r in followed_up) if f is not None]
    # Risk answers sent on a link that could no longer be used: nothing of them was stored,
    # so this notice is the only way they reach anyone (read under the same audit row).
    refused_open, refused_done = selectors.refused_risk_answers_for_user(request.user, client)
    refused = [refused_risk_answer(n, clinic) for n in refused_open]
    refused_history = [refused_follow_up(n, clinic) for n in refused_done]
    if not notices and not history and not refused and not refused_history:
        return None
    return {
        "template": "checkins/panels/risk.html",
        "notices": notices,
        "followed_up": history,
        "refused": refused,
        "refused_followed_up": refused_history,
        "note_max": RISK_NOTE_MAX,
    }


@dataclass(frozen=True)
class Series:
    instrument: Instrument
    #: The table's rows, latest first: the latest few of a long history (``shown``).
    rows: list
    chart_uri: str
    chart_alt: str
    subscale_labels: list
    shown: Latest | None = None
    #: Not a validated measure: "own" (Rapport's tool) or "adapted" (a paraphrase of a
    #: published one); "" for a validated measure (``_unvalidated``).
    unvalidated: str = ""


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _in_session_order(
    responses,
    starts: dict[int, dt.datetime],
    *,
    now: dt.datetime,
    not_held: dict[int, str] | None = None,
) -> list:
    """The responses in the order monitoring puts them on its session axis, each dated by
    the session it is about.

    ``rapport.monitoring.series`` numbers sessions by their appointment's start (then id)
    and places an answer given for an appointment at that appointment's session, however
    late it came: a check-in about 22 Nov answered on the tablet after the one about 6 Dec
    comes before it. Ordered by submission instead, a rupture (32 then 12) would read as an
    improvement (12 then 32) next to a monitoring section saying the opposite. An answer
    given for no appointment is placed by the day it was given, as monitoring places it.
    Two answers for one appointment stay oldest first, as monitoring compares them (the
    newer counts).

    ``starts`` maps the appointments the answers were given for to their start. Each
    response gets ``session_date`` (the appointment's day, else the day it was given),
    ``answered_on`` (the day it was given when that is another day, else None) and
    ``session_to_come`` (its appointment has not started by ``now``: a PHQ-9 answered a
    week early must not read as a session that took place) and ``session_not_held`` (the
    attendance of a session marked missed or cancelled, from ``not_held``, else ""): a
    PHQ-9 answered before a session the client then missed is about a session that never
    happened, not one still to come or held. Plain attributes for the template, like the
    panel's other row decorations.
    """
    not_held = not_held or {}

    def position(response) -> tuple:
        starts_at = starts.get(response.appointment_id)
        if starts_at is None:
            return (response.administered_at, 0, response.administered_at, response.pk)
        return (starts_at, response.appointment_id, response.administered_at, response.pk)

    ordered = sorted(responses, key=position)
    for response in ordered:
        answered = _local_date(response.administered_at)
        starts_at = starts.get(response.appointment_id)
        response.session_date = _local_date(starts_at) if starts_at else answered
        response.answered_on = answered if answered != response.session_date else None
        response.session_not_held = not_held.get(response.appointment_id, "")
        response.session_to_come = (
            starts_at is not None and starts_at > now and not response.session_not_held
        )
    return ordered


@dataclass(frozen=True)
class Counting:
    """Which of one instrument's answers the chart plots (``counted``: one a session, the
    one that counts) and which the table marks as replaced. ``placed_at``: where monitoring
    put each counted answer, (episode pk, session number); empty without monitoring."""

    counted: frozenset[int]
    replaced: frozenset[int]
    placed_at: Mapping[int, tuple[int, int]] = field(default_factory=dict)


def _counting(instrument_id: str, instrument: Instrument | None, responses, provided) -> Counting:
    """Monitoring's answer when it counts this instrument (``core.hooks.counted_responses``,
    ``provided``), so the chart plots exactly the scores Monitoring's chart and alerts use:
    an answer given for no appointment, placed at a session by its date, never replaces that
    session's own link answer there, which a rule of the panel's own got wrong. Otherwise
    (monitoring not installed, or an instrument it does not count) the panel's own rule."""
    pks = {r.pk for r in responses}
    if provided is not None and instrument_id in provided.instruments:
        counted = provided.counted & pks
        placed_at = {pk: provided.placed_at[pk] for pk in counted if pk in provided.placed_at}
        return Counting(frozenset(counted), frozenset(provided.replaced & pks), placed_at)
    superseded = _superseded(instrument, responses) if instrument else set()
    scored = {r.pk for r in responses if r.total is not None}
    return Counting(frozenset(scored - superseded), frozenset(superseded))


def _superseded(instrument: Instrument, responses) -> set[int]:
    """Without monitoring's answer (:func:`_counting`): the responses (pks) replaced by a
    later answer to the same questionnaire for the same session.

    As monitoring places answers (``rapport.monitoring.series``): one given for an
    appointment belongs to that appointment's session, where a later one replaces it (a
    second link answered); one given for no appointment (an import, the API) is placed by
    the day it was given, its session date in the table, where a later one given for no
    appointment replaces it, and where it never replaces one given for an appointment that
    day (the session's own answer counts). Two answers placed by date on one day were both
    counted and neither marked, though monitoring counts one.

    ``responses`` are in session order (``_in_session_order``, which sets ``session_date``).
    An answer without a total replaces nothing; for an instrument without a total (C-NIP)
    the latest answer counts.
    """
    latest: dict[object, int] = {}
    days_of_own_answers: set[dt.date] = set()
    for index, response in enumerate(responses):
        if not _can_count(instrument, response):
            continue
        latest[_session_of(response)] = index
        if response.appointment_id is not None:
            days_of_own_answers.add(response.session_date)
    return {
        r.pk
        for index, r in enumerate(responses)
        if index < latest.get(_session_of(r), -1)
        or (
            r.appointment_id is None
            and r.session_date in days_of_own_answers
            and _can_count(instrument, r)
        )
    }


def _can_count(instrument: Instrument, response) -> bool:
    return instrument.total is None or response.total is not None


def _session_of(response) -> object:
    """Where :func:`_superseded` places an answer: its appointment, else the day given."""
    if response.appointment_id is not None:
        return response.appointment_id
    return ("given on", response.session_date)


def _chart(instrument: Instrument, responses, counting: Counting) -> tuple[str, str]:
    # What monitoring's chart plots, one answer a session, in the table's session order.
    # Plotting the replaced ones too drew a client's corrected 37 and both later 20s as
    # three points beside a monitoring chart showing one (20); the table lists them all,
    # marked.
    scored = [r for r in responses if r.total is not None and r.pk in counting.counted]
    by_session = _by_session(scored, counting.placed_at)
    if by_session is not None:
        # Monitoring's session numbers: a session without an answer is a gap in the line,
        # where numbering the answers 1, 2, 3 drew it straight across the missed session.
        xs, ys = every_session(by_session)
        x_label = _("Session (dates in the table)")
    else:
        xs, ys = list(range(1, len(scored) + 1)), [float(r.total) for r in scored]
        x_label = _("Answer (dates in the table)")
    thresholds = []
    if instrument.clinical_cutoff is not None:
        thresholds.append(Threshold(_("Clinical cut-off"), float(instrument.clinical_cutoff.value)))
    if instrument.alert_threshold is not None:
        thresholds.append(Threshold(_("Alert threshold"), float(instrument.alert_threshold.value)))
    total = instrument.total
    chart = Chart(
        title=instrument.short_title,
        x_label=x_label,
        y_label=_("Total"),
        lines=[Line(_("Total"), xs, ys)],
        thresholds=thresholds,
        y_range=(float(total.min), float(total.max)) if total else None,
    )
    gaps = no_value_note(xs, ys, instrument.short_title) if by_session is not None else ""
    return svg_data_uri(line_chart_svg(chart)), _chart_alt(
        instrument, scored, counting.replaced, gaps
    )


def _by_session(scored: list, placed_at: Mapping[int, tuple[int, int]]) -> dict[int, float] | None:
    """The plotted totals by monitoring's session number, or None when the panel cannot
    number them so: an answer monitoring did not place (monitoring not installed, an
    instrument it does not count), or answers from more than one episode, whose session
    numbers each start again at 1 (monitoring charts one episode at a time)."""
    places = [placed_at.get(r.pk) for r in scored]
    if not scored or None in places or len({place[0] for place in places if place}) > 1:
        return None
    return {place[1]: float(r.total) for r, place in zip(scored, places, strict=True) if place}


def _chart_alt(instrument: Instrument, scored: list, replaced: frozenset[int], gaps: str) -> str:
    if not scored:
        return _("No scored %(name)s totals yet.") % {"name": instrument.short_title}
    first, last = scored[0], scored[-1]
    alt = ngettext(
        "%(name)s total over %(count)s session, from %(first)s on %(first_date)s "
        "to %(last)s on %(last_date)s.",
        "%(name)s total over %(count)s sessions, from %(first)s on %(first_date)s "
        "to %(last)s on %(last_date)s.",
        len(scored),
    ) % {
        "name": instrument.short_title,
        "count": len(scored),
        "first": f"{first.total:g}",
        "first_date": date_format(first.session_date, "j M Y"),
        "last": f"{last.total:g}",
        "last_date": date_format(last.session_date, "j M Y"),
    }
    if gaps:
        # The picture's gap in words ("No PHQ-9 at session 3."): the line breaks there.
        alt += " " + gaps[0].upper() + gaps[1:] + "."
    alt += " " + _("The same numbers are in the table below.")
    if replaced:
        alt += " " + _(
            "The table also lists the answers not counted because another counts for the "
            "same session."
        )
    return alt


def _session_numbers(
    responses, counting: Counting, episode_starts: Mapping[int, dt.date]
) -> dict[int, str]:
    """The session number of each row, as monitoring numbers it (``Counting.placed_at``):
    the number the alerts ("at session 4") and the chart's axis use. A replaced answer
    sits at the session of the answer counted there (same appointment, or same day for
    answers given for none). Numbers start again at 1 in each episode, so when the rows
    span more than one, each says which ("4 (episode from 3 Mar 2025)"). Rows monitoring
    did not place (monitoring not installed, an instrument it does not count, a session
    still to come) get none."""
    places = dict(counting.placed_at)
    at_session = {_session_of(r): places[r.pk] for r in responses if r.pk in places}
    for r in responses:
        if r.pk not in places and r.pk in counting.replaced and _session_of(r) in at_session:
            places[r.pk] = at_session[_session_of(r)]
    if len({episode for episode, _number in places.values()}) <= 1:
        return {pk: str(number) for pk, (_episode, number) in places.items()}
    return {
        pk: _("%(number)s (episode from %(start)s)")
        % {"number": number, "start": date_format(episode_starts[episode], "j M Y")}
        if episode in episode_starts
        else str(number)
        for pk, (episode, number) in places.items()
    }


def _series(
    instrument: Instrument,
    responses,
    counting: Counting,
    episode_starts: Mapping[int, dt.date] | None = None,
    request=None,
) -> Series:
    """One instrument's chart (every answer) and table: its latest rows, all of them when
    the page asks (``?all=scores-<instrument>``), or with no ``request``."""
    subscales = [s for s in instrument.subscales if s.id != PUSHED_ITEM]
    numbers = _session_numbers(responses, counting, episode_starts or {})
    rows = [
        {
            "response": r,
            "session": numbers.get(r.pk, ""),
            # Each value at the precision its scale is scored to (the definition's
            # ``decimals``): C-NIP scale means as "0.00" here as on the preferences panel.
            "subscales": [
                {"value": r.subscales.get(s.id), "decimals": s.decimals} for s in subscales
            ],
            "superseded": r.pk in counting.replaced,
        }
        for r in reversed(responses)
    ]
    uri, alt = _chart(instrument, responses, counting) if instrument.total else ("", "")
    shown = latest(
        request,
        rows,
        f"scores-{instrument.id}",
        anchor=f"series-{instrument.id}",
        newest_first=True,
    )
    return Series(
        instrument,
        list(shown.rows),
        uri,
        alt,
        [s.label for s in subscales],
        shown,
        _unvalidated(instrument),
    )


def _comments(responses, superseded: frozenset[int]) -> list[dict]:
    """The latest comments of the answers that count: a client who answered twice for one
    session corrected themselves, and their first comment would repeat or contradict
    the one that counts. Only these answers' free text is read (one query)."""
    counted = [r for r in reversed(responses) if r.pk not in superseded]
    texts = measure_selectors.text_answers_of(counted)
    comments = []
    for response in counted:
        text = texts.get(response.pk, {}).get(COMMENT_ITEM)
        if text:
            comments.append({"response": response, "text": text})
        if len(comments) >= _LATEST_COMMENTS:
            break
    return comments


def _pushed(instrument: Instrument, responses, superseded: frozenset[int]) -> list[dict]:
    # A replaced "felt pushed" answer is kept, marked: the score table leaves this item out,
    # so hiding it here would hide that the client said it at all.
    rows = []
    for r in reversed(responses):
        # "Prefer not to answer" is shown too, as a plain "preferred not to say": it reached
        # the therapist nowhere (the item's value is missing, so no table or alert has it),
        # and a client who would not say is worth a gentle word, never an alarm. Monitoring
        # raises nothing for it; the template does not mark it as it marks "a little"/"yes".
        declined = PUSHED_ITEM in (r.declined or ())
        if not declined and r.item_values.get(PUSHED_ITEM, 0) < 1:
            continue
        label = (
            _("preferred not to say")
            if declined
            else _option_label(instrument, PUSHED_ITEM, r.item_values[PUSHED_ITEM])
        )
        rows.append(
            {
                "response": r,
                "label": label,
                "declined": declined,
                "superseded": r.pk in superseded,
            }
        )
    return rows


def _wording_of(instrument: Instrument | None, item_id: str) -> str:
    if instrument is None or item_id not in instrument.item_ids:
        return ""
    return instrument.item(item_id).wording


def _labelled(checkins):
    for checkin in checkins:
        checkin.instrument_label = selectors.instrument_label(checkin.instrument_id)
    return checkins


def _open_episodes_appointments(client, episode) -> list:
    """The *Send a check-in* rows: only the open episode's appointments. An ended episode's
    sessions are over and its booked ones were cancelled when it ended, so a link for one
    would ask about care that has finished (and its answers would land in a closed episode).
    No open episode, no rows: the panel keeps the past scores and offers nothing to send."""
    if episode is None:
        return []
    return [a for a in selectors.appointments_for_checkins(client) if a.episode_id == episode.pk]


def checkins_panel(request, client) -> dict:
    by_instrument = measure_selectors.responses_by_instrument(client)
    linked = {r.appointment_id for rs in by_instrument.values() for r in rs if r.appointment_id}
    sessions = list(
        Appointment.objects.filter(pk__in=linked).values_list("pk", "starts_at", "attendance")
    )
    starts = {pk: starts_at for pk, starts_at, _attendance in sessions}
    not_held = {pk: attendance for pk, _starts_at, attendance in sessions if attendance in MISSED}
    now = page_now()
    grouped = {
        instrument_id: _in_session_order(responses, starts, now=now, not_held=not_held)
        for instrument_id, responses in by_instrument.items()
    }
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="responses",
        client_id=client.pk,
        request=request,
    )
    provided = hooks.counted_responses(client) if grouped else None
    # The client's episodes, read once for the session numbers' "(episode from …)" and the
    # open episode below (the clinic's C-NIP wording costs the page a query: not this one).
    episodes = list(client.episodes.order_by("-started_on", "-pk"))
    episode_starts = {e.pk: e.started_on for e in episodes} if grouped else {}
    series = []
    for instrument_id, responses in sorted(grouped.items()):
        if instrument_id == GOALS:
            # Not a measure: no score, and not about a session. The goals panel shows what
            # the client wrote, "in the client's words, <date>"; a table here would read
            # as a questionnaire with "scores" to discuss.
            continue
        try:
            instrument = clinic_instrument(client.clinic, instrument_id)
        except InstrumentNotFound:
            continue
        series.append(
            _series(
                instrument,
                responses,
                _counting(instrument_id, instrument, responses, provided),
                episode_starts,
                request,
            )
        )
    checkin_responses = grouped.get(SESSION_CHECKIN, [])
    # The clinic's check-in, as the score table above reads it: the "felt pushed" answers
    # are labelled in the words the client chose from (a translation, say).
    session_checkin = _worded(client.clinic, SESSION_CHECKIN)
    replaced = _counting(SESSION_CHECKIN, session_checkin, checkin_responses, provided).replaced
    episode = next((e for e in episodes if e.phase != "closed"), None)
    schedule = selectors.episode_schedule(episode) if episode else None
    pushed = latest(
        request,
        _pushed(session_checkin, checkin_responses, replaced) if session_checkin else [],
        "pushed",
        anchor="pushed-h",
        newest_first=True,
    )
    return {
        "template": "checkins/panels/checkins.html",
        "series": series,
        "comments": _comments(checkin_responses, replaced),
        # The comments' heading quotes the question as the clinic asks it (its wording file).
        "comment_question": _wording_of(session_checkin, COMMENT_ITEM),
        "pushed": list(pushed.rows),
        "pushed_shown": pushed,
        "appointments": _open_episodes_appointments(client, episode),
        "schedule": schedule,
        "before_label": selectors.instrument_label(schedule.before) if schedule else "",
        "after_label": selectors.instrument_label(schedule.after) if schedule else "",
        "episode": episode,
        # Tablet mode goes straight to the questionnaire, past the link page's warning: the
        # panel warns too, while a scheduled measure asks about risk and the clinic has not
        # set its own crisis contacts (the client would be given no line or number).
        "crisis_missing": [
            selectors.instrument_label(instrument_id)
            for instrument_id in dict.fromkeys((schedule.before, schedule.after))
            if instrument_id and selectors.crisis_text_missing(client.clinic, instrument_id)
        ]
        if schedule
        else [],
        "checkins": _labelled(selectors.checkins_for_client(client)),
        "now": now,
        "timing": Timing,
    }
