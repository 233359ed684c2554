"""Template filters for monitoring pages: trend sparklines, labels, evidence."""

from __future__ import annotations

from functools import lru_cache

from django import template

from rapport.lib.charts import PALETTE, every_session, no_value_note, sparkline_svg, svg_data_uri
from rapport.monitoring.kinds import KIND_LABELS, KIND_SHORT
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import MonitoringError

register = template.Library()


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


@register.filter
def sparkline(trend) -> str:
    """A trend as a data: URI tiny SVG (empty string when there is nothing to draw)."""
    if trend is None or not trend.values:
        return ""
    _name, kind, low, high, reference, _alert = _scale(trend.instrument)
    if low == high:
        low, high = min(trend.values), max(trend.values)
    color = PALETTE[0] if kind in ("alliance", "") else PALETTE[2]
    _sessions, values = _by_session(trend)
    svg = sparkline_svg(values, low=low, high=high, threshold=reference, color=color)
    return svg_data_uri(svg)


def _by_session(trend) -> tuple[list[int], list[float | None]]:
    """The trend one slot a session, None where a session in between has no total, so
    ratings at sessions 1 and 5 are not drawn as neighbours. A trend stored without its
    sessions keeps one slot a total, as it was drawn before."""
    if not trend.sessions:
        return list(range(1, len(trend.values) + 1)), list(trend.values)
    return every_session(dict(zip(trend.sessions, trend.values, strict=True)))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@register.filter
def trend_text(trend) -> str:
    """The same numbers as words, for the image's alt text."""
    if trend is None or not trend.values:
        return ""
    name, kind, _low, _high, reference, alert = _scale(trend.instrument)
    sessions, values = _by_session(trend)
    gaps = no_value_note(sessions, values, "rating" if kind == "alliance" else "score")
    if trend.sessions and gaps:
        # With gaps the numbers alone read as consecutive sessions: name each one's session.
        numbers = ", ".join(
            f"session {s}: {_number(v)}" for s, v in zip(trend.sessions, trend.values, strict=True)
        )
        text = f"{name}, last {len(trend.values)}: {numbers}; {gaps}"
    else:
        text = f"{name}, last {len(trend.values)}: " + ", ".join(_number(v) for v in trend.values)
    if reference is not None:
        text += (
            f" (below {_number(reference)} is low)" if alert else f" (cut-off {_number(reference)})"
        )
    return text


@register.filter
def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@register.filter
def kind_short(kind: str) -> str:
    return KIND_SHORT.get(kind, kind)


def _format(value) -> str:
    if isinstance(value, float):
        return _number(value) if abs(value) >= 1 or value == 0 else f"{value:.3f}"
    if isinstance(value, list):
        return ", ".join(_format(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_format(v)}" for k, v in value.items())
    return str(value)


@register.filter
def evidence_items(evidence) -> list[tuple[str, str]]:
    """The detector's evidence as (label, readable value) pairs."""
    if not isinstance(evidence, dict):
        return []
    return [(key.replace("_", " ").capitalize(), _format(value)) for key, value in evidence.items()]


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"
