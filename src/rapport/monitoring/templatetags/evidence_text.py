"""A detector's evidence as a clinician reads it: plain labels and values, no field names.

The evidence dicts stay as the pure core writes them (the researcher CSV and JSON outputs
read their keys); only what the alert pages show is reworded here. Each known key has a
label and a way to say its value; a key added later without wording falls back to its
name in words, so nothing the detector recorded is hidden by accident. The dropout model's
intercept is left out: it is the model's starting point (set from the 19.7% base rate,
which is shown), not a fact about this client.

The detectors state their rule as they compute it, some as a formula ("score above
expected + z * spread, expected = intake + slope * ln(t)"). The "Rule" row says it as a
sentence built from the evidence's own numbers (``rule_sentence``); the formula stays
available beside it, folded away as "The rule as computed" (``rule_as_computed``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from rapport.monitoring.instruments import PUSHED_ITEM
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import MonitoringError

__all__ = ["evidence_rows", "rule_as_computed", "rule_sentence"]

Row = tuple[str, str]

#: Keys shown inside another row (the comparison with its threshold) or not about the
#: client (the dropout model's intercept).
_LEFT_OUT = frozenset({"comparison", "intercept"})

#: The dropout model's factors by their plain names (signals.dropout._FACTORS).
FACTOR_NAMES: dict[str, str] = {
    "weak_alliance": "Low relationship rating",
    "falling_alliance": "Relationship rating dropped and not recovered",
    # Since aaf1d9f only no-shows and the client's own cancellations count (and those whose
    # canceller was not recorded); the therapist's or the clinic's do not.
    "missed_appointments": "No-shows and cancellations by the client",
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

    def improved_on(self, value: Any) -> list[Row]:
        """The measure a dropout risk's client is reliably better on, by the name the
        explanation gives it ("PHQ-9"), not its id ("phq9")."""
        instrument = _instrument(value)
        return [("Reliably better on", instrument.short_title if instrument else str(value))]

    @property
    def calibrated(self) -> bool:
        """A dropout estimate from a model recalibrated on this clinic's ended episodes: only
        then is its number a chance (signals.dropout._signal); the published model's number
        is an uncalibrated score, shown as its band only."""
        return "clinic_dropout_rate" in self.data or "recalibrated_on_episodes" in self.data

    def dropout_level(self, value: Any, band: str) -> Row:
        """A dropout threshold as the band it starts: "Counts as higher than usual"."""
        if self.calibrated:
            return (f"Counts as {band}", f"an estimated chance of {_percent(value)} or more")
        return (f"Counts as {band}", f"a model score of {_percent(value)} or more (uncalibrated)")

    def threshold(self, value: Any) -> list[Row]:
        """The same key means a different line for each kind of signal."""
        if self.kind == "dropout_risk":
            return [self.dropout_level(value, "higher than usual")]
        if self.kind == "alliance_low":
            return [("Counts as low", f"a total below {_number(value)}")]
        if self.kind == "alliance_rupture":
            return [("Counts as a rupture", f"a drop of {_points(value)} or more")]
        if "comparison" in self.data:  # the reliable-change rule of an outcome signal
            return [("Counts as reliable change", f"a change of {self._change_size(value)}")]
        return [("Threshold", _number(value))]

    def _change_size(self, value: Any) -> str:
        """ "6 points or more" (a published figure) or "more than 5.23 points" (computed)."""
        if self.data.get("comparison") == ">=":
            return f"{_points(value)} or more"
        return f"more than {_points(value)}"

    def rule(self, value: Any) -> list[Row]:
        return [("Rule", self.rule_sentence(value))]

    def rule_sentence(self, value: Any) -> str:
        """The detector's rule as a sentence, from the evidence's numbers; the stored rule
        as it is for a kind without one (it is then plain words already, or unknown)."""
        say = _RULE_SENTENCES.get(self.kind)
        sentence = say(self, str(value)) if say is not None else None
        return sentence or _as_sentence(str(value))

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


def _as_sentence(text: str) -> str:
    """ "the last 2 expected check-ins are missing" -> "The last 2 ... are missing." """
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _first_number(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


# -- each kind's rule as a sentence -------------------------------------------------------
# Built from the evidence's numbers where it keeps them; a number only the rule's text holds
# (the repair window, the first session judged) is read from that text, and a rule whose
# text is not the expected one keeps its own words rather than a sentence that guesses.


def _low_rule(e: _Evidence, raw: str) -> str | None:
    if "threshold" not in e.data:
        return None
    return f"Raised when the client rates the relationship below {_number(e.data['threshold'])}."


def _rupture_rule(e: _Evidence, raw: str) -> str | None:
    if "threshold" not in e.data:
        return None
    return (
        f"Raised when a rating falls {_points(e.data['threshold'])} or more below the recent "
        "level: the mean of the ratings before it (early in therapy, the one earlier rating)."
    )


def _repair_rule(e: _Evidence, raw: str) -> str | None:
    tolerance = _first_number(r"level less ([\d.]+)", raw)
    window = _first_number(r"within (\d+) sessions", raw)
    if tolerance is None or window is None:
        return None
    return (
        f"Counted as repaired when, within {window} sessions of the rupture, a rating comes "
        f"back to the level before it, or to within {_points(tolerance)} of it."
    )


def _pushed_rule(e: _Evidence, raw: str) -> str | None:
    return (
        "Raised when the client answers that they felt pushed or overridden in the session: "
        "'A little' is low priority, 'Yes' medium priority."
    )


def _not_on_track_rule(e: _Evidence, raw: str) -> str | None:
    if "tolerance_z" not in e.data:
        return None
    z = float(e.data["tolerance_z"])
    share = _number(0.5 * (1 + math.erf(z / math.sqrt(2))) * 100, 0)
    first = _first_number(r"session index (\d+)", raw)
    when = f" Judged from session {first}, counting intake as session 1." if first else ""
    return (
        "Raised when the score is worse than clients who started in the same range are "
        f"expected to score by now, by more than the margin within which {share}% of clients "
        f"on the expected course stay.{when}"
    )


def _change_rule(e: _Evidence, raw: str) -> str | None:
    if "threshold" not in e.data or "comparison" not in e.data:
        return None
    size = e._change_size(e.data["threshold"])
    beyond = "more than measurement error alone would explain"
    if e.kind == "reliable_deterioration":
        return f"Raised when the score has worsened since intake by {size}: {beyond}."
    if e.kind == "recovered":
        return (
            f"Raised when the score has improved since intake by {size} ({beyond}) and has "
            "left the clinical range."
        )
    return f"Raised when the score has improved since intake by {size}: {beyond}."


def _dropout_rule(e: _Evidence, raw: str) -> str | None:
    if "threshold" not in e.data:
        return None
    high = e.data.get("high_threshold")
    priority = f" ({_percent(high)} or more: high priority)" if high is not None else ""
    threshold = _percent(e.data["threshold"])
    if e.calibrated:
        sentence = (
            f"Raised when the estimated chance of ending early is {threshold} or more"
            f"{priority}. The model is recalibrated on this clinic's ended episodes, and each "
            "reason listed raises or lowers the estimate."
        )
    else:
        # The published model's weights are mostly Rapport defaults: its number ranks
        # clients but is no chance, so the thresholds apply to that score (docs/monitoring.md).
        sentence = (
            f"Raised when the model's score for ending early is {threshold} or more"
            f"{priority}. The score starts from the published average and each reason listed "
            "raises or lowers it; it is not calibrated on this clinic's endings, so it is "
            "shown as a band, not as a chance."
        )
    if "planned ending" in raw:
        sentence += (
            " Not raised during a planned ending or once the client has recovered (reliable "
            "and clinically significant change)."
        )
    return sentence


_RULE_SENTENCES: dict[str, Callable[[_Evidence, str], str | None]] = {
    "alliance_low": _low_rule,
    "alliance_rupture": _rupture_rule,
    "alliance_repaired": _repair_rule,
    "pushed_or_overridden": _pushed_rule,
    "not_on_track": _not_on_track_rule,
    "reliable_improvement": _change_rule,
    "reliable_deterioration": _change_rule,
    "recovered": _change_rule,
    "dropout_risk": _dropout_rule,
}


def rule_sentence(evidence: Any, kind: str = "") -> str:
    """The rule of a signal of this kind as a plain sentence ("" without a rule)."""
    if not isinstance(evidence, Mapping) or not evidence.get("rule"):
        return ""
    return _Evidence(evidence, kind).rule_sentence(evidence["rule"])


def rule_as_computed(evidence: Any, kind: str = "") -> str:
    """The rule as the detector stated it, when the sentence says it in other words (a
    formula, thresholds by their names); "" when the sentence is the rule itself."""
    if not isinstance(evidence, Mapping) or not evidence.get("rule"):
        return ""
    raw = str(evidence["rule"])
    return "" if rule_sentence(evidence, kind) == _as_sentence(raw) else raw


#: A reason that multiplies the odds by less than this, either way (between about 0.91 and
#: 1.1), is said to hardly change them: "about 1 times the odds" read as a slip.
_HARDLY = 1.1
#: Past this many times the odds a number claims more precision than a model of modest
#: accuracy has (DESIGN §4: best F1 about .51), so the figure is given as a bound.
_AT_MOST = 100


def _times(factor: float) -> str:
    """A multiplier as it is read: one decimal under 10 (1.3, 2.9, 2), whole from 10 (12)."""
    return _number(factor, 1) if factor < 10 else str(int(factor + 0.5))


def _effect(contribution: Any) -> str:
    """What a reason's contribution (log-odds) does to the odds of ending early, in words."""
    try:
        size = float(contribution)
    except (TypeError, ValueError):
        return "Part of the estimate"
    if not math.isfinite(size):
        return "Part of the estimate"
    if size == 0:
        return "No effect on the estimate"
    if abs(size) < math.log(_HARDLY):
        return "Hardly changes the odds of ending early"
    if size > 0:
        if size >= math.log(_AT_MOST):
            return f"Raises the risk: more than {_AT_MOST} times the odds of ending early"
        return f"Raises the risk: about {_times(math.exp(size))} times the odds of ending early"
    factor = math.exp(size)
    if factor < 0.1:
        return "Lowers the risk: less than 0.1 times the odds of ending early"
    return f"Lowers the risk: about {_times(factor)} times the odds of ending early"


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
    "rule": _Evidence.rule,
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
    "high_threshold": lambda e, v: [e.dropout_level(v, "much higher than usual (high priority)")],
    # The estimate in words ("higher than usual"), as the card's explanation says it.
    "band": _simple("Chance of ending early", str),
    "missing_sessions": _simple("Sessions without a check-in", _sessions),
    "days_without_checkin": _simple("Days without a check-in"),
    "consecutive_missing": _simple("Check-ins missing in a row"),
    "later_session": _simple("Later check-in, about session"),
    "later_answer": _simple("Its answer"),
    "reliably_improved_on": _Evidence.improved_on,
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
