"""The client page's charts and the accessible table of the same numbers.

* Outcome: each outcome measure's scores with the expected course and its tolerance band
  (the pure library's trajectory model for the client's intake band: the middle 80%, whose
  worse edge is the not-on-track limit) and the clinical cut-off.
* Alliance: the check-in total per session with the alert threshold, and markers for
  ruptures (▼) and repairs (▲) at their scores, and the therapist's logged actions as
  dashed vertical lines on their day (``Event``): not a point, which needed a height (in a
  lane under the scale it read as a score below 0), and under the markers, so an action on
  a rupture's or a repair's day never hides it.
* Parts: goals, tasks and bond (the check-in's subscales) with the "low part" line, each
  line moved a little sideways (``Chart.dodge``) so parts with the same rating all show.

Every threshold's legend label gives its value and what it is: "Clinical cut-off (10)",
"Alert threshold (36)", "Low part: below 9 (a quarter of the alert threshold)".

Charts are SVG images (``rapport.lib.charts``) with alt text; the table carries every
number, so nothing is only visible in a picture.

A score answered on another day than its session's (a check-in sent days later, a PHQ-9
answered before the session) says so in its table cell and in the alt text, "12 (answered
2 Dec)": the table's Date is the session's (``answered``).

The x axis counts sessions, and a session where a measure was not given (no check-in
after it, no PHQ-9 before it) is a gap in that measure's line, named in the alt text ("no
rating at session 4") and kept as a row of the table: a line drawn across it suggested a
score nobody measured.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

from rapport.lib.charts import (
    Band,
    Chart,
    Event,
    Line,
    Marker,
    Threshold,
    every_session,
    line_chart_svg,
    no_value_note,
    svg_data_uri,
)
from rapport.monitoring.answered import answered_note
from rapport.monitoring.current import late_answers, repair_held_back, unseen_late
from rapport.monitoring.instruments import CHECKIN, CHECKIN_PARTS, PART_LOW_BELOW
from rapport.monitoring.selectors import passed_over
from rapport.monitoring.series import EpisodeSeries
from rapport.monitoring.signals import (
    DetectorConfig,
    Observation,
    RuptureEpisode,
    rupture_episodes,
)
from rapport.monitoring.signals._util import apart
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.model import PUSHED_ANSWERS
from rapport.monitoring.signals.trajectory import expected_severity, tolerance_severity

__all__ = ["ChartImage", "TableRow", "build_charts"]


@dataclass(frozen=True)
class ChartImage:
    title: str
    uri: str
    alt: str


@dataclass
class TableRow:
    session: int
    date: str = ""
    outcome: dict[str, str] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)
    alliance: str = ""
    parts: dict[str, str] = field(default_factory=dict)
    pushed: str = ""
    events: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


@dataclass
class Charts:
    images: list[ChartImage]
    outcome_instruments: list[tuple[str, str]]  # (id, short title)
    part_labels: list[tuple[str, str]]
    rows: list[TableRow]
    alliance_title: str = ""
    columns: list[str] = field(default_factory=list)


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _title(instrument_id: str) -> str:
    try:
        return find_instrument(instrument_id).short_title
    except Exception:  # noqa: BLE001 - an unknown id still gets a readable label
        return instrument_id


def _range(instrument_id: str) -> tuple[float, float] | None:
    try:
        total = find_instrument(instrument_id).total
    except Exception:  # noqa: BLE001
        return None
    return (float(total.min), float(total.max)) if total else None


def _band_label(z: float, sign: int) -> str:
    """The band is expected +/- z * spread. The not-on-track rule uses only its worse edge,
    a one-sided 90% limit for z = 1.2816 (docs/monitoring.md, Not on track), but drawn on
    both sides it holds the middle 2 * Phi(z) - 1 of clients on the expected course: 80%."""
    middle = round(100 * (2 * NormalDist().cdf(z) - 1))
    worse = "above" if sign > 0 else "below"
    return f"Expected range (middle {middle}%; off track {worse} it)"


def _outcome_chart(
    data: EpisodeSeries, config: DetectorConfig, instrument: str, rows: dict[int, TableRow]
) -> ChartImage | None:
    observations = data.series.of(instrument)
    if not observations:
        return None
    criteria = config.change.get(instrument)
    model = config.trajectories.get(instrument)
    title = _title(instrument)
    xs, ys = every_session({o.session: o.score for o in observations})
    for o in observations:
        rows[o.session].outcome[instrument] = _fmt(o.score) + answered_note(data, o)
    bands, lines, thresholds = [], [Line(title, xs, ys)], []
    intake = observations[0]
    if model is not None:
        sign = model.sign
        severity = sign * intake.score
        band = model.bands[model.band_index(severity)]
        z = float(model.tolerance_z.value)
        last = max(xs[-1] + 2, intake.session + 4)
        grid = list(range(intake.session, last + 1))
        score_at = {o.session: o.score for o in observations}
        expected, low, high = [], [], []
        for session in grid:
            index = session - intake.session + 1
            centre = expected_severity(band, severity, index)
            edge = tolerance_severity(band, severity, index, z)
            spread = edge - centre
            expected.append(sign * centre)
            low.append(min(sign * (centre - spread), sign * (centre + spread)))
            high.append(max(sign * (centre - spread), sign * (centre + spread)))
            if session in rows or session <= xs[-1]:
                worse = "above" if sign > 0 else "below"
                # A score and its limit must not read the same when they lie on either
                # side of it (17.9 against a limit of 17.918).
                limit = (
                    apart(score_at[session], sign * edge)[1]
                    if session in score_at
                    else _fmt(sign * edge)
                )
                rows[session].expected[instrument] = (
                    f"{_fmt(sign * centre)} (off track {worse} {limit})"
                    if index >= int(model.first_session_index.value)
                    else _fmt(sign * centre)
                )
        bands.append(Band(_band_label(z, sign), grid, low, high))
        lines.append(Line("Expected course", grid, expected, dashed=True))
    if criteria is not None and criteria.clinical_cutoff is not None:
        thresholds.append(
            Threshold(
                f"Clinical cut-off ({_fmt(float(criteria.clinical_cutoff.value))})",
                float(criteria.clinical_cutoff.value),
            )
        )
    chart = Chart(
        title=f"{title}: scores and expected course",
        x_label="Session",
        y_label="Score",
        lines=lines,
        bands=bands,
        thresholds=thresholds,
        y_range=_range(instrument),
    )
    direction = "lower is better" if (criteria and criteria.sign > 0) else "higher is better"
    alt = (
        f"{title} by session ({direction}): "
        + ", ".join(
            f"session {o.session}: {_fmt(o.score)}{answered_note(data, o)}" for o in observations
        )
        + _gap_sentence(xs, ys, "score")
        + ". The table below gives the expected course for each session."
    )
    return ChartImage(chart.title, svg_data_uri(line_chart_svg(chart)), alt)


def _gap_sentence(xs: Sequence[int], ys: Sequence[float | None], noun: str) -> str:
    note = no_value_note(xs, ys, noun)
    return f"; {note}" if note else ""


#: How far apart, in sessions, the parts chart draws goals, tasks and bond (``Chart.dodge``).
PARTS_DODGE = 0.12


def _between(x: float, day: dt.date) -> str:
    """Where an action falls, for the alt text: "on 3 Dec (session 7)" or "on 5 Dec
    (between sessions 7 and 8)"; the chart's x of 7.5 is no session."""
    whole = float(x).is_integer()
    where = f"session {int(x)}" if whole else f"between sessions {int(x)} and {int(x) + 1}"
    if x < 1:
        where = "before session 1"
    return f"on {day.day} {day:%b} ({where})"


def _alliance_instrument(data: EpisodeSeries, config: DetectorConfig) -> str | None:
    present = [i for i in config.alliance if data.series.of(i)]
    if CHECKIN in present:
        return CHECKIN
    return present[0] if present else None


def _unseen_late(
    data: EpisodeSeries, config: DetectorConfig, episodes: Sequence[RuptureEpisode]
) -> list[Observation]:
    """The late low or pushed answers the therapist has not seen, which hold back a repair
    as they hold back the "Alliance repaired" alert (``current.repair_held_back``): the
    table said "Repaired" under an alert saying it was not. The seen ones are read only when
    a repair and a late answer are there to judge."""
    if not any(e.repaired_session is not None for e in episodes) or not late_answers(data.series):
        return []
    pk = getattr(data.episode, "pk", None)
    seen = passed_over([pk]).get(pk, set()) if pk is not None else set()
    return unseen_late(data.series, config, seen)


def _alliance_charts(
    data: EpisodeSeries,
    config: DetectorConfig,
    actions: Sequence,
    rows: dict[int, TableRow],
) -> tuple[list[ChartImage], list[tuple[str, str]], str]:
    instrument = _alliance_instrument(data, config)
    if instrument is None:
        return [], [], ""
    criteria = config.alliance[instrument]
    observations = data.series.of(instrument)
    title = _title(instrument)
    for o in observations:
        rows[o.session].alliance = _fmt(o.score) + answered_note(data, o)
        if o.pushed is not None:
            rows[o.session].pushed = PUSHED_ANSWERS[o.pushed]
    markers: list[Marker] = []
    episodes = rupture_episodes(observations, criteria)
    unseen = _unseen_late(data, config, episodes)
    for episode in episodes:
        markers.append(Marker("Rupture", episode.session, episode.score, "v"))
        rows[episode.session].events.append(
            f"Rupture: {_fmt(episode.score)}, {_fmt(episode.drop)} below {episode.baseline}"
        )
        if episode.repaired_session is not None and not repair_held_back(
            instrument, episode.repaired_session, unseen
        ):
            markers.append(
                Marker("Repair", episode.repaired_session, episode.repaired_score or 0, "^")
            )
            rows[episode.repaired_session].events.append(
                f"Repaired: back to {_fmt(episode.repaired_score)}"
            )
    y_range = _range(instrument)
    events: list[Event] = []
    action_text: list[str] = []
    for action in actions:
        x = data.session_on(action.performed_on)
        events.append(Event("Action logged", x))
        action_text.append(f"action logged {_between(x, action.performed_on)}")
        what = action.strategy_title or "Own words"
        at = int(x) if float(x).is_integer() else int(x)
        rows[at].events.append(f"Action ({action.performed_on:%d %b}): {what}")
    thresholds = []
    if criteria.low_threshold is not None:
        value = float(criteria.low_threshold.value)
        thresholds.append(Threshold(f"Alert threshold ({_fmt(value)})", value))
    xs, ys = every_session({o.session: o.score for o in observations})
    chart = Chart(
        title=f"Alliance: {title} total per session",
        x_label="Session",
        y_label="Total",
        lines=[Line(title, xs, ys)],
        thresholds=thresholds,
        markers=markers,
        events=events,
        y_range=y_range,
    )
    marker_text = (
        "; ".join([f"{m.label.lower()} at session {_fmt(m.x)}" for m in markers] + action_text)
        or "no ruptures, repairs or actions"
    )
    images = [
        ChartImage(
            chart.title,
            svg_data_uri(line_chart_svg(chart)),
            f"Alliance ({title}) by session: "
            + ", ".join(
                f"session {o.session}: {_fmt(o.score)}{answered_note(data, o)}"
                for o in observations
            )
            + _gap_sentence(xs, ys, "rating")
            + f". Markers: {marker_text}.",
        )
    ]
    parts = [
        (p, label) for p, label in CHECKIN_PARTS if any(p in o.subscales for o in observations)
    ]
    if parts:
        lines = []
        for part, label in parts:
            part_xs, part_ys = every_session(
                {o.session: o.subscales.get(part) for o in observations}
            )
            lines.append(Line(label, part_xs, part_ys))
            for session, part_value in zip(part_xs, part_ys, strict=True):
                if part_value is not None:
                    rows[session].parts[part] = _fmt(part_value)
        chart = Chart(
            title="Parts of the alliance: goals, tasks, bond",
            x_label="Session",
            y_label="0-10",
            lines=lines,
            thresholds=[
                Threshold(
                    f"Low part: below {PART_LOW_BELOW} (a quarter of the alert threshold)",
                    PART_LOW_BELOW,
                )
            ],
            y_range=(0, 10),
            dodge=PARTS_DODGE,
        )
        alt = (
            "Goals, tasks and bond by session: "
            + "; ".join(
                f"session {o.session}: "
                + ", ".join(_part_text(o.subscales.get(p), label) for p, label in parts)
                + answered_note(data, o)
                for o in observations
            )
            + _gap_sentence(xs, ys, "rating")
        )
        images.append(ChartImage(chart.title, svg_data_uri(line_chart_svg(chart)), alt))
    return images, parts, title


def _part_text(value: float | None, label: str) -> str:
    # A check-in that left a part unanswered: "Bond not rated", not "Bond " with nothing.
    return f"{label} {_fmt(value)}" if value is not None else f"{label} not rated"


def build_charts(data: EpisodeSeries, config: DetectorConfig, actions: Sequence) -> Charts:
    rows: dict[int, TableRow] = defaultdict(lambda: TableRow(session=0))
    images: list[ChartImage] = []
    outcome = [i for i in config.change if data.series.of(i)]
    for instrument in outcome:
        image = _outcome_chart(data, config, instrument, rows)
        if image is not None:
            images.append(image)
    alliance_images, parts, alliance_title = _alliance_charts(data, config, actions, rows)
    images.extend(alliance_images)
    dates = {s.number: s.date for s in data.sessions}
    observed = {o.session for o in data.series.observations} | {
        s for s, r in rows.items() if r.events
    }
    table = []
    # Every session from the first to the last with a value, so a session where nothing
    # was answered is a row of dashes, as it is a gap in the charts, not a missing row.
    for session in range(min(observed), max(observed) + 1) if observed else ():
        row = rows[session]
        row.session = session
        day = dates.get(session)
        if day is None:
            dated = [o.date for o in data.series.observations if o.session == session and o.date]
            day = min(dated) if dated else None
        row.date = f"{day:%d %b %Y}" if day else ""
        row.cells = [
            *[
                cell
                for instrument in outcome
                for cell in (row.outcome.get(instrument, ""), row.expected.get(instrument, ""))
            ],
            *([row.alliance] if alliance_title else []),
            *[row.parts.get(part, "") for part, _ in parts],
            *([row.pushed] if alliance_title else []),
        ]
        table.append(row)
    columns = [
        *[
            heading
            for _, title in ((i, _title(i)) for i in outcome)
            for heading in (title, f"{title} expected")
        ],
        *([f"Alliance ({alliance_title})"] if alliance_title else []),
        *[label for _, label in parts],
        *(["Felt pushed or overridden"] if alliance_title else []),
    ]
    return Charts(
        columns=columns,
        images=images,
        outcome_instruments=[(i, _title(i)) for i in outcome],
        part_labels=parts,
        rows=table,
        alliance_title=alliance_title,
    )
