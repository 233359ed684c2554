"""Server-side SVG charts (matplotlib), shown as <img> with an accessible table beside them.

Framework-free. Charts are returned as SVG text; pages embed them as a data: URI image so
the strict Content-Security-Policy (no inline styles) still holds, and every chart has a
text alternative plus a table of the same numbers in the template.

A ``None`` in a line's values is a gap: the line breaks there instead of joining the
values either side, which would suggest a score at a session where none was measured
(a session without a check-in). A value with gaps on both sides still shows as its
marker. ``every_session`` lays a measure's values out one a session for that, and
``no_value_note`` says in words where the gaps are, for the alt text.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

__all__ = [
    "Band",
    "Chart",
    "LINE_STYLES",
    "Line",
    "LineStyle",
    "Marker",
    "Threshold",
    "every_session",
    "line_chart_svg",
    "no_value_note",
    "padded",
    "session_list",
    "sparkline_svg",
    "svg_data_uri",
]

PALETTE = ["#0b5c6b", "#b35900", "#5a3d99", "#1a6b36", "#a40e26"]

# Pages show a chart at its own size, scaled down to fit a narrower column, and the SVG's
# units are points, as are matplotlib's font sizes. A 360 CSS px phone gives a chart about
# 294 px (measured, tests/browser/test_charts_on_a_phone.py): a chart 4 inches (288 pt)
# wide is drawn there at about 1 px per point, so its smallest text, 11 pt, stays at about
# 11 CSS px, where a 7-inch chart's 7-8 pt labels shrank to 4-5 px and could not be read.
# On a desktop the same chart is 384 px wide with 15 px text.
CHART_WIDTH_IN = 4.0
PLOT_HEIGHT_IN = 2.8
SMALLEST_FONT_PT = 11
TITLE_FONT_PT = 12
# Characters per line that fit the chart's width at these sizes (DejaVu Sans averages
# about 0.55 em a character): longer titles and legend labels wrap rather than run off.
_TITLE_CHARS = 40
_LEGEND_CHARS = 34
# One legend line's height in inches: matplotlib spaces legend lines about 1.45 font sizes apart.
_LEGEND_LINE_IN = SMALLEST_FONT_PT * 1.45 / 72


@dataclass(frozen=True)
class LineStyle:
    marker: str  # matplotlib marker
    marker_size: float
    dashes: str | tuple[float, tuple[float, ...]]  # matplotlib linestyle


# Each line of a chart has its own marker shape and dash pattern as well as its colour, so
# that lines are told apart without colour (WCAG 1.4.1), in the legend too. Lines that
# share values (goals and tasks both 9 at a session) must both stay visible without
# moving a value: each later line is drawn on top, dashed, with a smaller marker of
# another shape, so the line beneath shows around its marker and through its dash gaps.
# The shapes avoid v, ^ and D, which mark ruptures, repairs and actions on the same charts.
LINE_STYLES = (
    LineStyle("o", 9.0, "-"),  # circle, solid
    LineStyle("s", 6.0, (0, (4, 1.5))),  # square (fits inside the circle), dashed
    LineStyle("P", 6.5, (0, (6, 1.5, 1.5, 1.5))),  # plus (square's corners show), dash-dot
    LineStyle("X", 6.0, (0, (6, 1.5, 1.5, 1.5, 1.5, 1.5))),  # cross, dash-dot-dot
    LineStyle("h", 4.5, (0, (1, 1.2))),  # hexagon, dotted
)
# A model line (the expected course) keeps a long dash of its own: it is not a score.
_EXPECTED_DASHES = (0, (8, 3))
# Legend samples long enough to show a whole dash-dot-dot pattern, in font sizes.
_LEGEND_HANDLE_LENGTH = 4.0


@dataclass(frozen=True)
class Line:
    label: str
    x: Sequence[float]
    y: Sequence[float | None]  # None (or NaN): no value there, the line breaks
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    label: str
    x: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


@dataclass(frozen=True)
class Threshold:
    label: str
    value: float


@dataclass(frozen=True)
class Marker:
    label: str
    x: float
    y: float
    symbol: str = "v"  # matplotlib marker: v rupture, ^ repair, D action, o other


@dataclass(frozen=True)
class Chart:
    title: str
    x_label: str
    y_label: str
    lines: Sequence[Line] = ()
    bands: Sequence[Band] = ()
    thresholds: Sequence[Threshold] = ()
    markers: Sequence[Marker] = ()
    y_range: tuple[float, float] | None = None
    # Width and height of the plot and its title, in inches; the legend, under the plot
    # so that a narrow chart keeps its width for the data, adds its own height.
    size: tuple[float, float] = (CHART_WIDTH_IN, PLOT_HEIGHT_IN)
    extra: dict = field(default_factory=dict)


def line_chart_svg(chart: Chart) -> str:
    fig, ax = plt.subplots(figsize=chart.size, dpi=100, layout="constrained")
    try:
        _draw(ax, chart)
        _x_axis(ax, chart)
        ax.set_title(textwrap.fill(chart.title, _TITLE_CHARS), fontsize=TITLE_FONT_PT, loc="left")
        ax.set_xlabel(chart.x_label, fontsize=SMALLEST_FONT_PT)
        ax.set_ylabel(chart.y_label, fontsize=SMALLEST_FONT_PT)
        ax.tick_params(labelsize=SMALLEST_FONT_PT)
        ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _legend(fig, ax)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _draw(ax, chart: Chart) -> None:
    for band in chart.bands:
        ax.fill_between(
            band.x,
            band.low,
            band.high,
            color="#9ec1f7",
            alpha=0.35,
            label=band.label,
            linewidth=0,
        )
    for i, line in enumerate(chart.lines):
        # matplotlib breaks a line at NaN and still marks a value between two gaps.
        ys = [math.nan if y is None else float(y) for y in line.y]
        if all(math.isnan(y) for y in ys):
            continue  # nothing to draw: no legend entry for an empty line
        style = LINE_STYLES[i % len(LINE_STYLES)]
        ax.plot(
            line.x,
            ys,
            marker=style.marker,
            markersize=style.marker_size,
            markeredgecolor="white",
            markeredgewidth=0.8,
            linewidth=1.8,
            label=line.label,
            color=PALETTE[i % len(PALETTE)],
            linestyle=_EXPECTED_DASHES if line.dashed else style.dashes,
        )
    for threshold in chart.thresholds:
        ax.axhline(
            threshold.value,
            color="#57606a",
            linestyle=":",
            linewidth=1.2,
            label=threshold.label,
            zorder=1.5,  # under the data lines: a score on the threshold stays whole
        )
    seen: set[str] = set()
    for marker in chart.markers:
        ax.plot(
            [marker.x],
            [marker.y],
            marker=marker.symbol,
            markersize=9,
            linestyle="none",
            color="#a40e26"
            if marker.symbol == "v"
            else "#1a6b36"
            if marker.symbol == "^"
            else "#b35900",
            label=None if marker.label in seen else marker.label,
        )
        seen.add(marker.label)
    if chart.y_range:
        ax.set_ylim(*padded(chart.y_range))
        if all(float(v).is_integer() for v in chart.y_range):
            # A scale of whole points (0-10, 0-40, 0-27): ticks on whole points, not 2.5.
            ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))


def _x_axis(ax, chart: Chart) -> None:
    """Whole-number ticks for sessions and administrations, and room around a lone point.

    A single point left matplotlib a range of a few hundredths around it, where no second
    whole number fits and the locator fell back to "2.84, 2.88 ... 3.16" sessions.
    """
    if not _all_whole(chart):
        return
    ax.xaxis.set_major_locator(
        MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10], min_n_ticks=1)
    )
    # Half a session either side: the first and last points clear the axes, and no tick
    # falls outside the sessions there are (matplotlib's margin showed a "session 0").
    xs = _xs(chart) + [float(m.x) for m in chart.markers]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)


def _legend(fig, ax) -> None:
    """The legend under the plot, one entry a line, wrapped to the chart's width.

    Beside the plot it took a third of a narrow chart's width from the data.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    labels = [textwrap.fill(label, _LEGEND_CHARS) for label in labels]
    lines = sum(label.count("\n") + 1 for label in labels)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + lines * _LEGEND_LINE_IN)
    fig.legend(
        handles,
        labels,
        loc="outside lower left",
        fontsize=SMALLEST_FONT_PT,
        frameon=False,
        ncols=1,
        handlelength=_LEGEND_HANDLE_LENGTH,
    )


def _xs(chart: Chart) -> list[float]:
    return [float(x) for line in chart.lines for x in line.x] + [
        float(x) for band in chart.bands for x in band.x
    ]


def _all_whole(chart: Chart) -> bool:
    xs = _xs(chart)
    return bool(xs) and all(x.is_integer() for x in xs)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def every_session(
    values: Mapping[int, float | None],
) -> tuple[list[int], list[float | None]]:
    """Each session from the first to the last in ``values``, with its value or None.

    A measure's scores come only for the sessions where it was given; drawn as they come,
    scores at sessions 3 and 5 were joined by a line across session 4, as if it had been
    measured there. Laid out one a session, the missing session is a gap on the x axis.
    """
    if not values:
        return [], []
    sessions = list(range(min(values), max(values) + 1))
    return sessions, [values.get(session) for session in sessions]


def _runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive numbers as (first, last) pairs: 2, 3, 4, 7 -> (2, 4), (7, 7)."""
    runs: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def session_list(numbers: Sequence[int]) -> str:
    """ "session 4", "sessions 4 and 6", "sessions 2 to 4 and 7", for alt text."""
    parts = []
    for first, last in _runs(numbers):
        if last - first >= 2:
            parts.append(f"{first} to {last}")
        else:
            parts.extend(str(n) for n in range(first, last + 1))
    if len(numbers) == 1:
        return f"session {parts[0]}"
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"sessions {listed}"


def no_value_note(xs: Sequence[float], ys: Sequence[float | None], noun: str) -> str:
    """Where a line has no value, in words ("no rating at session 4"); "" when it has
    one at every session. The alt text says what the picture shows as a gap."""
    missing = [int(x) for x, y in zip(xs, ys, strict=True) if y is None or math.isnan(y)]
    return f"no {noun} at {session_list(missing)}" if missing else ""


def sparkline_svg(
    values: Sequence[float | None],
    *,
    low: float,
    high: float,
    threshold: float | None = None,
    width: int = 96,
    height: int = 24,
    color: str = PALETTE[0],
) -> str:
    """A tiny trend line (no axes, no text) for tables: plain SVG, no matplotlib, so a
    caseload of hundreds of rows renders in milliseconds. The page gives the numbers in
    the image's alt text.

    One value a session, evenly spaced; None where a session has no value. The line
    breaks there (it drew straight across, as if the session had been rated), a value
    between two gaps is a dot of its own, and the latest value a bigger dot.
    """
    pad = 2.0
    scale = (height - 2 * pad) / ((high - low) or 1.0)
    bottom = height - pad

    def y(value: float) -> float:
        return bottom - (min(max(value, low), high) - low) * scale

    count = len(values)
    step = (width - 2 * pad) / (count - 1) if count > 1 else 0.0

    def point(i: int) -> str:
        return f"{pad + i * step:.1f},{y(values[i]):.1f}"  # type: ignore[arg-type]

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    if threshold is not None:
        ty = f"{y(threshold):.1f}"
        parts.append(
            f'<line x1="0" y1="{ty}" x2="{width}" y2="{ty}" stroke="#8c959f" '
            f'stroke-width="1" stroke-dasharray="2,2"/>'
        )
    present = [i for i, value in enumerate(values) if value is not None]
    latest = present[-1] if present else None
    for first, last in _runs(present):
        if last > first:
            points = " ".join(point(i) for i in range(first, last + 1))
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" '
                f'stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round"/>'
            )
        elif first != latest:
            x, y_ = point(first).split(",")
            parts.append(f'<circle cx="{x}" cy="{y_}" r="1.8" fill="{color}"/>')
    if latest is not None:
        x, y_ = point(latest).split(",")
        parts.append(f'<circle cx="{x}" cy="{y_}" r="2.2" fill="{color}"/>')
    parts.append("</svg>")
    return "".join(parts)


def padded(y_range: tuple[float, float], share: float = 0.04) -> tuple[float, float]:
    """``y_range`` widened a little at both ends: a score at the scale's maximum (a PHQ-9
    of 27) sat on the plot's edge with half its marker cut off."""
    low, high = y_range
    pad = (high - low) * share
    return low - pad, high + pad
