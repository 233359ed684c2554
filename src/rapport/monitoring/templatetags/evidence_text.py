"""A detector's evidence as a clinician reads it: plain labels and values, no field names.

The evidence dicts stay as the pure core writes them (the researcher CSV and JSON outputs
read their keys); only what the alert pages show is reworded here. Each known key has a
label and a way to say its value; a key added later without wording falls back to its
name in words, so nothing the detector recorded is hidden by accident. The dropout model's
intercept is left out: it is the model's starting point (set from the 19.7% base rate,
which is shown), not a fact about this client.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from rapport.monitoring.instruments import PUSHED_ITEM
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import MonitoringError

__all__ = ["evidence_rows"]

Row = tuple[str, str]

#: Keys shown inside another row (the comparison with its threshold) or not about the
#: client (the dropout model's intercept).
_LEFT_OUT = frozenset({"comparison", "intercept"})

#: The dropout model's factors by their plain names (signals.dropout._FACTORS).
FACTOR_NAMES: dict[str, str] = {
    "weak_alliance": "Low relationship rating",
    "falling_alliance": "Relationship rating dropped and not recovered",
    "missed_appointments": "Missed or cancelled appointments",
    "no_improvement": "No improvement since intake",
    "mandated": "Mandated attendance",
    "young_age": "Younger client",
    "trainee_therapist": "Trainee therapist",
}


def _number(value: Any, decimals: int = 2) -> str:
    """Whole numbers plain, others to at most two decimals (17.92, 5.2, not 5.20)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer():
        return str(int(number))
    text = f"{number:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(value: Any) -> str:
    return f"{_number(float(value) * 100, 1)}%"


def _points(value: Any) -> str:
    return "1 point" if float(value) == 1 else f"{_number(value)} points"


def _sessions(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_number(v) for v in value)
    return _number(value)


def _plain(value: Any) -> str:
    """A value the table has no wording for, without Python's punctuation."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{_words(k)} {_plain(v)}" for k, v in value.items())
    return str(value)


def _words(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _instrument(instrument_id: Any):
    if not instrument_id:
        return None
    try:
        return find_instrument(str(instrument_id))
    except MonitoringError:
        return None


class _Evidence:
    """One alert's evidence, with what its rows need to be read: the kind and the measure."""

    def __init__(self, evidence: Mapping[str, Any], kind: str) -> None:
        self.data = evidence
        self.kind = kind
        self.instrument = _instrument(evidence.get("instrument"))

    def measure(self, value: Any) -> list[Row]:
        if self.instrument is None:
            return [("Measure", str(value))]
        title, short = self.instrument.title, self.instrument.short_title
        return [("Measure", title if short in ("", title) else f"{title} ({short})")]

    def threshold(self, value: Any) -> list[Row]:
        """The same key means a different line for each kind of signal."""
        if self.kind == "dropout_risk":
            return [("Raised from an estimate of", _percent(value))]
        if self.kind == "alliance_low":
            return [("Counts as low", f"a total below {_number(value)}")]
        if self.kind == "alliance_rupture":
            return [("Counts as a rupture", f"a drop of {_points(value)} or more")]
        if "comparison" in self.data:  # the reliable-change rule of an outcome signal
            more = "or more" if self.data["comparison"] == ">=" else ""
            size = f"{_points(value)} {more}" if more else f"more than {_points(value)}"
            return [("Counts as reliable change", f"a change of {size.strip()}")]
        return [("Threshold", _number(value))]

    def parts(self, value: Any) -> list[Row]:
        """Subscales by their labels in the measure's own order: "Goals 6, Tasks 7"."""
        if not value:
            return []
        if not isinstance(value, Mapping):
            return [("Parts", _plain(value))]
        known = {s.id: s.label for s in self.instrument.subscales} if self.instrument else {}
        order = [k for k in known if k in value] + [k for k in value if k not in known]
        shown = [f"{known.get(k, _words(k))} {_number(value[k])}" for k in order]
        shown = [
            self._pushed(value[k]) if k == PUSHED_ITEM else text
            for k, text in zip(order, shown, strict=True)
        ]
        return [("Parts", ", ".join(shown))]

    def _pushed(self, value: Any) -> str:
        return f"felt pushed or overridden: {self._option(PUSHED_ITEM, value).lower()}"

    def _option(self, item_id: str, value: Any) -> str:
        if self.instrument is not None:
            try:
                options = self.instrument.item(item_id).options
            except KeyError:
                options = ()
            for option in options:
                if option.value == value:
                    return option.label
        return _number(value)

    def factors(self, value: Any) -> list[Row]:
        """Each reason for a dropout estimate, with what it does to the estimate in words.

        A factor's contribution is on the model's log-odds scale; exp(contribution) is how
        many times it multiplies the odds of ending early, which reads as a comparison."""
        if not isinstance(value, list) or not value:
            return [("Reasons", "no single factor stands out")]
        rows = []
        for factor in value:
            if not isinstance(factor, Mapping):
                continue
            name = str(factor.get("name", ""))
            label = FACTOR_NAMES.get(name, _words(name))
            rows.append((label, _effect(factor.get("contribution"))))
        return rows

    def feedback_rules(self, value: Any) -> list[Row]:
        if not isinstance(value, Mapping):
            return [("Raised when", _plain(value))]
        parts = []
        if "consecutive_missing" in value:
            parts.append(
                f"{_number(value['consecutive_missing'])} expected check-ins in a row are missing"
            )
        if "max_days" in value:
            parts.append(
                f"{_number(value['max_days'])} days pass without a check-in while sessions continue"
            )
        return [("Raised when", ", or ".join(parts) or _plain(value))]

    def band(self, value: Any) -> list[Row]:
        """The tolerance band's z as the share of clients expected inside it."""
        share = 0.5 * (1 + math.erf(float(value) / math.sqrt(2)))
        return [
            (
                "Tolerance band",
                f"{_number(share * 100, 0)}% of clients on the expected course stay within "
                "the tolerance limit",
            )
        ]

    def answer(self, value: Any) -> list[Row]:
        return [("Answer", str(value))]

    def direction(self, value: Any) -> list[Row]:
        words = {
            "higher_is_worse": "higher scores are worse",
            "higher_is_better": "higher scores are better",
        }
        return [("Direction", words.get(str(value), str(value)))]

    def clinical_range(self, value: Any) -> list[Row]:
        words = {"at_or_above": "at or above the cut-off", "below": "below the cut-off"}
        return [("Clinical range", words.get(str(value), str(value)))]

    def day(self, value: Any) -> list[Row]:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return [("As of", str(value))]
        return [("As of", f"{day.day} {day:%b %Y}")]


def _effect(contribution: Any) -> str:
    try:
        size = float(contribution)
    except (TypeError, ValueError):
        return "Part of the estimate"
    if size == 0:
        return "No effect on the estimate"
    times = math.exp(abs(size))
    if size > 0:
        return f"Raises the risk: about {_number(times, 1)} times the odds of ending early"
    return f"Lowers the risk: about {_number(times, 1)} times lower odds of ending early"


def _simple(
    label: str, say: Callable[[Any], str] = _number
) -> Callable[[_Evidence, Any], list[Row]]:
    return lambda _evidence, value: [(label, say(value))]


#: key -> rows for it, in the evidence's own order.
_ROWS: dict[str, Callable[[_Evidence, Any], list[Row]]] = {
    "instrument": _Evidence.measure,
    "direction": _Evidence.direction,
    "threshold": _Evidence.threshold,
    "subscales": _Evidence.parts,
    "factors": _Evidence.factors,
    "thresholds": _Evidence.feedback_rules,
    "tolerance_z": _Evidence.band,
    "answer": _Evidence.answer,
    "clinical_range": _Evidence.clinical_range,
    "today": _Evidence.day,
    "rule": _simple("Rule", str),
    "score": _simple("Score"),
    "change": _simple(
        "Change since intake", lambda v: f"{'+' if float(v) > 0 else ''}{_number(v)}"
    ),
    "rc_index": _simple(
        "Reliable change index", lambda v: f"{_number(v)} (beyond ±1.96 is reliable)"
    ),
    "intake_session": _simple("Intake session"),
    "intake_score": _simple("Intake score"),
    "intake_band": _simple("Intake was", str),
    "session_index": _simple("Session, counting intake as 1"),
    "expected_score": _simple("Expected by now"),
    "tolerance_bound": _simple("Tolerance limit"),
    "clinical_cutoff": _simple("Clinical cut-off"),
    "recent_level": _simple("Recent level"),
    "recent_sessions": _simple("Recent level from sessions", _sessions),
    "drop": _simple("Drop", _points),
    "rupture_session": _simple("Rupture at session"),
    "pre_rupture_level": _simple("Level before the rupture"),
    "rupture_score": _simple("Score at the rupture"),
    "sessions_after_rupture": _simple("Sessions after the rupture"),
    "probability": _simple("Estimated chance of ending early", _percent),
    "base_rate": _simple("Average chance of ending early (published)", _percent),
    "clinic_dropout_rate": _simple("This clinic's rate of ending early", _percent),
    "recalibrated_on_episodes": _simple("Ended episodes the estimate is recalibrated on"),
    "high_threshold": _simple("High priority from an estimate of", _percent),
    "missing_sessions": _simple("Sessions without a check-in", _sessions),
    "days_without_checkin": _simple("Days without a check-in"),
    "consecutive_missing": _simple("Check-ins missing in a row"),
}


def evidence_rows(evidence: Any, kind: str = "") -> list[Row]:
    """(label, value) pairs for the evidence of a signal of this kind."""
    if not isinstance(evidence, Mapping):
        return []
    reading = _Evidence(evidence, kind)
    rows: list[Row] = []
    for key, value in evidence.items():
        if key in _LEFT_OUT or (key == "value" and "answer" in evidence):
            continue  # the pushed answer's number: the answer says it in words
        render = _ROWS.get(key)
        rows.extend(render(reading, value) if render else [(_words(key), _plain(value))])
    return rows
