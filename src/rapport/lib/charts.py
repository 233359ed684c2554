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
import functools
import hashlib
import io
import math
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

# SVG ids (marker and hatch definitions) are hashes salted with a random uuid unless a salt
# is set, so the same chart drew different text each time; with a fixed salt a drawing is
# the same bytes every time, which the chart cache relies on (a hit equals a fresh draw).
# Set once at import: rcParams are process-wide and must not be switched per call from
# several threads. Nothing else in Rapport draws with matplotlib.
matplotlib.rcParams["svg.hashsalt"] = "rapport-charts"

__all__ = [
    "Band",
    "Chart",
    "Event",
    "LINE_STYLES",
    "Line",
    "LineStyle",
    "Marker",
    "Threshold",
    "chart_cache_clear",
    "chart_cache_info",
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
class Event:
    """Something done on a day, not a score: a vertical line across the plot at ``x`` (a
    session, or between two when done between them), in the legend as ``label``. Drawn as
    a point it needed a height: under the scale it read as a score below 0, and at a
    score's height it hid the rupture it was logged for."""

    label: str
    x: float


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
    events: Sequence[Event] = ()
    y_range: tuple[float, float] | None = None
    # Lines told apart where they share values: each line's points moved sideways by this
    # many x units times its place from the middle (-1, 0, +1 for three lines). Goals,
    # tasks and bond all 9 at a session were one point; moved a tenth of a session apart,
    # each is seen, at its own height, still over its session.
    dodge: float = 0.0
    # Width and height of the plot and its title, in inches; the legend, under the plot
    # so that a narrow chart keeps its width for the data, adds its own height.
    size: tuple[float, float] = (CHART_WIDTH_IN, PLOT_HEIGHT_IN)
    extra: dict = field(default_factory=dict)


# Rendered charts, by content. A client page draws five charts and a transcript report
# one, and the same numbers are drawn again on every view until a new score comes in:
# the cache keeps the SVG text, keyed by a hash of every input of the drawing, so a
# changed score, label, marker or size is a new key and is drawn afresh (a hit can never
# show stale data), and unused entries age out.
#
# It lives in this process only, on purpose: the SVGs carry clients' scores, and a shared
# cache (the database cache, a cache server) would store them unencrypted outside the
# process. Bounded by the size of the text it holds (a client page's five charts are
# about 0.4 MB) and by entry count; least recently used goes first.
CACHE_MAX_BYTES = 32 * 1024 * 1024
CACHE_MAX_ENTRIES = 2048
# Bump when the drawing code changes in a way no input or constant in the key shows.
# Matplotlib's rcParams are not in the key: Rapport sets none after import, and the
# cache lives no longer than the process that read them.
_DRAWING_VERSION = 3


class _ChartCache:
    """A thread-safe LRU of SVG text, bounded in characters (ASCII: bytes) and entries."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> str | None:
        with self._lock:
            svg = self._entries.get(key)
            if svg is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return svg

    def put(self, key: str, svg: str) -> None:
        size = len(svg)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._entries[key] = svg
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def info(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": len(self._entries),
                "bytes": self._bytes,
                "hits": self.hits,
                "misses": self.misses,
                "max_bytes": self.max_bytes,
                "max_entries": self.max_entries,
            }


_CACHE = _ChartCache(CACHE_MAX_BYTES, CACHE_MAX_ENTRIES)


def chart_cache_clear() -> None:
    """Empty this process's chart cache (tests, benchmarks)."""
    _CACHE.clear()


def chart_cache_info() -> dict[str, int]:
    """Entries, size in characters, hits and misses of this process's chart cache."""
    return _CACHE.info()


def _number(value) -> float | None:
    # Floats by value: repr() is exact, so two values that differ never share a key
    # (1 and 1.0 draw the same; None and NaN are both a gap but keep their own keys).
    return None if value is None else float(value)


def _numbers(values) -> tuple[float | None, ...]:
    return tuple(_number(v) for v in values)


def _chart_key(chart: Chart) -> str:
    """A hash of everything that decides the drawing: the chart's every field (labels as
    the text drawn, so a translated label is its own key), the styles and sizes of this
    module, and matplotlib's version."""
    content = (
        _DRAWING_VERSION,
        matplotlib.__version__,
        PALETTE,
        LINE_STYLES,
        _EXPECTED_DASHES,
        _LEGEND_HANDLE_LENGTH,
        SMALLEST_FONT_PT,
        TITLE_FONT_PT,
        _TITLE_CHARS,
        _LEGEND_CHARS,
        _LAYOUT,
        str(chart.title),
        str(chart.x_label),
        str(chart.y_label),
        tuple(
            (str(line.label), _numbers(line.x), _numbers(line.y), bool(line.dashed))
            for line in chart.lines
        ),
        tuple(
            (str(band.label), _numbers(band.x), _numbers(band.low), _numbers(band.high))
            for band in chart.bands
        ),
        tuple((str(t.label), _number(t.value)) for t in chart.thresholds),
        tuple((str(m.label), _number(m.x), _number(m.y), str(m.symbol)) for m in chart.markers),
        tuple((str(e.label), _number(e.x)) for e in chart.events),
        _number(chart.dodge),
        _numbers(chart.y_range) if chart.y_range is not None else None,
        _numbers(chart.size),
        repr(chart.extra),
    )
    return hashlib.sha256(repr(content).encode("utf-8")).hexdigest()


def line_chart_svg(chart: Chart) -> str:
    """The chart as SVG text, drawn once for each distinct content (see ``_ChartCache``)."""
    key = _chart_key(chart)
    svg = _CACHE.get(key)
    if svg is None:
        svg = _render(chart)
        _CACHE.put(key, svg)
    return svg


def _render(chart: Chart) -> str:
    """Draw the chart as SVG text (no cache): one pass, no layout engine."""
    buffer = io.StringIO()
    _figure(chart).savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _figure(chart: Chart) -> Figure:
    """The chart laid out, not yet drawn. A fresh Figure every call, through matplotlib's
    object API only: pyplot's global figure manager is not thread-safe, and a server
    draws charts for several requests at once."""
    # 72 dpi: one pixel a point, as the SVG is written (savefig sets it so anyway).
    fig = Figure(figsize=chart.size, dpi=72)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))  # placed by _place, once the texts are known
    _draw(ax, chart)
    _x_axis(ax, chart)
    ax.tick_params(labelsize=SMALLEST_FONT_PT)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _place(fig, ax, chart)
    return fig


# A fixed layout, in points (the SVG's unit). Matplotlib's constrained layout measured
# every text of the chart and solved for the margins on every draw, then drew the chart a
# second time: most of a chart's cost. Here each margin is the sum of what sits in it:
# the texts around the plot (the title, the axis labels, the widest tick label and the
# legend, measured alone with the SVG output's own metrics), matplotlib's default tick
# and label spacing, and the 3 pt padding at the figure's edges that constrained layout
# kept. tests/lib/test_chart_layout.py checks every text lands inside the chart, apart.
_OUTER = 3.0
_TICK = 3.5 + 3.5  # tick length + the gap to its label (rcParams x/ytick.major.size, .pad)
_LABEL_PAD = 4.0  # axis label to tick labels (rcParams axes.labelpad)
_TITLE_PAD = 6.0  # title to the plot (rcParams axes.titlepad)
_LEGEND_GAP = 6.0  # the x axis's label to the legend under it
# The legend's inner padding and the gap from its sample line to its text (rcParams
# legend.borderpad, legend.handletextpad), in font sizes.
_LEGEND_BORDER = 0.4
_LEGEND_TEXT_PAD = 0.8
# The plot's least height, in points, however long the title and the legend.
_MIN_PLOT = 48.0
_LAYOUT = (
    _OUTER,
    _TICK,
    _LABEL_PAD,
    _TITLE_PAD,
    _LEGEND_GAP,
    _LEGEND_BORDER,
    _LEGEND_TEXT_PAD,
    _MIN_PLOT,
)
# Text metrics need a renderer but no drawing: the base renderer measures with the font
# alone, at one pixel a point, as the SVG renderer does. Widths are cached (tick labels
# and legend labels repeat from chart to chart); matplotlib keeps a font per thread.
_METRICS = RendererBase()


@functools.lru_cache(maxsize=4096)
def _line_width(text: str, size: float) -> float:
    return _METRICS.get_text_width_height_descent(text, FontProperties(size=size), False)[0]


def _text_width(text: str, size: float) -> float:
    return max((_line_width(line, size) for line in text.split("\n")), default=0.0)


def _wrapped(text: str, chars: int, size: float, room: float) -> str:
    """``text`` wrapped at ``chars`` characters, or at fewer where a line of wide letters
    would still be wider than ``room`` points: a fixed layout cannot shrink the plot to
    make room, as constrained layout did."""
    text = str(text)
    wrapped = textwrap.fill(text, chars)
    while chars > 12 and _text_width(wrapped, size) > room:
        chars -= 2
        wrapped = textwrap.fill(text, chars)
    return wrapped


def _visible_tick_labels(axis, low: float, high: float) -> list[str]:
    """The tick labels the axis will draw between ``low`` and ``high``."""
    locs = [v for v in axis.get_major_locator()() if low - 1e-9 <= v <= high + 1e-9]
    return [label for label in axis.get_major_formatter().format_ticks(locs) if label]


def _place(fig, ax, chart: Chart) -> None:
    """The texts around the plot at fixed places, the margins from their sizes, and the
    plot in what is left."""
    width = chart.size[0] * 72
    renderer = RendererSVG(width, width, io.StringIO())
    title = ax.set_title(
        _wrapped(chart.title, _TITLE_CHARS, TITLE_FONT_PT, width - 2 * _OUTER),
        fontsize=TITLE_FONT_PT,
        loc="left",
        y=1.0,  # a given height: matplotlib does not measure the plot to place it
        pad=_TITLE_PAD,
    )
    x_label = ax.set_xlabel(chart.x_label, fontsize=SMALLEST_FONT_PT)
    ax.set_ylabel(chart.y_label, fontsize=SMALLEST_FONT_PT)
    # One line of the small text: the tick labels', and the axis labels' (the y label's
    # width, turned on its side).
    line = x_label.get_window_extent(renderer).height
    legend = _legend(fig, ax, width)
    legend_height = legend.get_window_extent(renderer).height + _LEGEND_GAP if legend else 0.0
    top = _OUTER + title.get_window_extent(renderer).height + _TITLE_PAD
    bottom = _OUTER + legend_height + line + _LABEL_PAD + line + _TICK
    # The plot and its title keep the chart's height; the legend adds its own under it.
    height = max(chart.size[1] * 72 + legend_height, top + _MIN_PLOT + bottom)
    fig.set_size_inches(chart.size[0], height / 72)
    plot_height = height - top - bottom
    # The plot's height is all the y axis's tick locator needs to choose its ticks.
    ax.set_position((0.1, bottom / height, 0.8, plot_height / height))
    y_labels = _visible_tick_labels(ax.yaxis, *sorted(ax.get_ylim()))
    y_ticks = max((_text_width(label, SMALLEST_FONT_PT) for label in y_labels), default=0.0)
    left = _OUTER + line + _LABEL_PAD + y_ticks + _TICK
    # A tick label at the plot's right end reaches half its width beyond it.
    x_labels = _visible_tick_labels(ax.xaxis, *sorted(ax.get_xlim()))
    right = _OUTER + max(
        (_text_width(label, SMALLEST_FONT_PT) / 2 for label in x_labels), default=0.0
    )
    plot_width = width - left - right
    ax.set_position((left / width, bottom / height, plot_width / width, plot_height / height))
    # Axis labels at given places: matplotlib otherwise measures every tick label, at
    # each draw, to place them.
    ax.xaxis.set_label_coords(0.5, -(_TICK + line + _LABEL_PAD) / plot_height)
    ax.yaxis.set_label_coords(-(_TICK + y_ticks + _LABEL_PAD) / plot_width, 0.5)
    # The title starts over the plot's left edge unless it would then run off the chart:
    # it moves left, at most to the chart's edge, to fit.
    overflow = _text_width(title.get_text(), TITLE_FONT_PT) - (width - _OUTER - left)
    title.set_x(-min(max(overflow, 0.0), left - _OUTER) / plot_width)
    if legend:
        legend.set_bbox_to_anchor((_OUTER / width, _OUTER / height), fig.transFigure)


def threshold_label(threshold: Threshold) -> str:
    """A threshold's legend label with its value: "Clinical cut-off (10)". Charts drawn
    from different pages labelled one threshold "Alert threshold (36)" and another "Alert
    below", without its number; a label already giving the number is kept."""
    value = _fmt_value(threshold.value)
    label = str(threshold.label)
    return label if value in label else f"{label} ({value})"


def _fmt_value(value: float) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _draw(ax, chart: Chart) -> None:
    seen_events: set[str] = set()
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
    middle = (len(chart.lines) - 1) / 2
    for i, line in enumerate(chart.lines):
        # matplotlib breaks a line at NaN and still marks a value between two gaps.
        ys = [math.nan if y is None else float(y) for y in line.y]
        if all(math.isnan(y) for y in ys):
            continue  # nothing to draw: no legend entry for an empty line
        style = LINE_STYLES[i % len(LINE_STYLES)]
        shift = (i - middle) * chart.dodge
        ax.plot(
            [float(x) + shift for x in line.x],
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
            label=threshold_label(threshold),
            zorder=1.5,  # under the data lines: a score on the threshold stays whole
        )
    for event in chart.events:
        ax.axvline(
            float(event.x),
            color="#b35900",
            linestyle=(0, (3, 2)),
            linewidth=1.4,
            label=event.label if event.label not in seen_events else None,
            zorder=1.4,  # under the data and its markers: a rupture on that day shows
        )
        seen_events.add(event.label)
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
    xs = _xs(chart) + [float(m.x) for m in chart.markers] + [float(e.x) for e in chart.events]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)


def _legend(fig, ax, width: float):
    """The legend under the plot, one entry a line, wrapped to the chart's width (None
    without entries). Beside the plot it took a third of a narrow chart's width from the
    data."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    size = SMALLEST_FONT_PT
    room = (
        width - 2 * _OUTER - (2 * _LEGEND_BORDER + _LEGEND_HANDLE_LENGTH + _LEGEND_TEXT_PAD) * size
    )
    return fig.legend(
        handles,
        [_wrapped(label, _LEGEND_CHARS, size, room) for label in labels],
        loc="lower left",
        borderaxespad=0,
        fontsize=size,
        frameon=False,
        ncols=1,
        handlelength=_LEGEND_HANDLE_LENGTH,
        handletextpad=_LEGEND_TEXT_PAD,
        borderpad=_LEGEND_BORDER,
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
    label: str = "",
) -> str:
    """A tiny trend line (no axes) for tables: plain SVG, no matplotlib, so a caseload of
    hundreds of rows renders in milliseconds. The page gives the numbers in the image's
    alt text; ``label`` (the latest value and which way is better, "12 ↓ better") is
    written under the line, so sighted readers see more than a shape: a PHQ-9 falling
    and an alliance rating falling looked alike. Under it, not beside it: the caseload's
    columns narrow the image to 72-96 px on a tablet, and a wider image shrank its text.

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

    total = height + _SPARK_LABEL_PX if label else height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" '
        f'viewBox="0 0 {width} {total}">'
    ]
    if label:
        parts.append(
            f'<text x="{pad:g}" y="{total - 3}" font-family="sans-serif" '
            f'font-size="{_SPARK_FONT_PX}" fill="#1f2328">{_xml_text(label)}</text>'
        )
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


# The sparkline's label under its line: 12 px text (at the 96 px the caseload draws it;
# about 9 px where a narrow table takes it to 72 px), in a band of 15 px. "27 ↓ better"
# is about 75 px wide.
_SPARK_FONT_PX = 12
_SPARK_LABEL_PX = 15


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def padded(y_range: tuple[float, float], share: float = 0.04) -> tuple[float, float]:
    """``y_range`` widened a little at both ends: a score at the scale's maximum (a PHQ-9
    of 27) sat on the plot's edge with half its marker cut off."""
    low, high = y_range
    pad = (high - low) * share
    return low - pad, high + pad
