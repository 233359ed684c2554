"""Server-side SVG charts (matplotlib), shown as <img> with an accessible table beside them.

Framework-free. Charts are returned as SVG text; pages embed them as a data: URI image so
the strict Content-Security-Policy (no inline styles) still holds, and every chart has a
text alternative plus a table of the same numbers in the template.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

__all__ = [
    "Band",
    "Chart",
    "Line",
    "Marker",
    "Threshold",
    "line_chart_svg",
    "padded",
    "sparkline_svg",
    "svg_data_uri",
]

PALETTE = ["#0b5c6b", "#b35900", "#5a3d99", "#1a6b36", "#a40e26"]


@dataclass(frozen=True)
class Line:
    label: str
    x: Sequence[float]
    y: Sequence[float | None]
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
    size: tuple[float, float] = (7.0, 2.8)
    extra: dict = field(default_factory=dict)


def line_chart_svg(chart: Chart) -> str:
    fig, ax = plt.subplots(figsize=chart.size, dpi=100)
    try:
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
            points = [(x, y) for x, y in zip(line.x, line.y, strict=True) if y is not None]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            ax.plot(
                xs,
                ys,
                marker="o",
                markersize=3.5,
                linewidth=1.8,
                label=line.label,
                color=PALETTE[i % len(PALETTE)],
                linestyle="--" if line.dashed else "-",
            )
        for threshold in chart.thresholds:
            ax.axhline(
                threshold.value,
                color="#57606a",
                linestyle=":",
                linewidth=1.2,
                label=threshold.label,
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
        if _all_whole(chart):
            # Sessions and days are counted in whole numbers: no "2.25" ticks.
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(chart.title, fontsize=10, loc="left")
        ax.set_xlabel(chart.x_label, fontsize=9)
        ax.set_ylabel(chart.y_label, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _all_whole(chart: Chart) -> bool:
    xs = [x for line in chart.lines for x in line.x] + [x for band in chart.bands for x in band.x]
    return bool(xs) and all(float(x).is_integer() for x in xs)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def sparkline_svg(
    values: Sequence[float],
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
    the image's alt text."""
    pad = 2.0
    scale = (height - 2 * pad) / ((high - low) or 1.0)
    bottom = height - pad

    def y(value: float) -> float:
        return bottom - (min(max(value, low), high) - low) * scale

    count = len(values)
    step = (width - 2 * pad) / (count - 1) if count > 1 else 0.0
    points = " ".join(f"{pad + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
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
    if count > 1:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.6" '
            f'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    if count:
        parts.append(
            f'<circle cx="{pad + (count - 1) * step:.1f}" cy="{y(values[-1]):.1f}" r="2.2" '
            f'fill="{color}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def padded(y_range: tuple[float, float], share: float = 0.04) -> tuple[float, float]:
    """``y_range`` widened a little at both ends: a score at the scale's maximum (a PHQ-9
    of 27) sat on the plot's edge with half its marker cut off."""
    low, high = y_range
    pad = (high - low) * share
    return low - pad, high + pad
