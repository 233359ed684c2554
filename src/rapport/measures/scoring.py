"""The one scoring engine shared by every instrument.

``score(instrument, answers)`` validates a client's answers against the instrument definition
and returns a frozen :class:`ScoreResult`. It never mutates its input and never clips a value:
an answer that is unknown, out of range or of the wrong type raises :class:`InvalidAnswer`
naming the item, because a silently "corrected" score could change a clinical decision.

Answers map item id to:

* an ``int`` (option items; a float with a whole value such as ``2.0`` is accepted too),
* an ``int`` or ``float`` on the slider's grid (slider items),
* a ``str`` (free-text items; kept in ``text_answers``, never scored),
* ``None`` (not answered), or :data:`DECLINED` ("prefer not to answer", where the item allows
  it). Both count as missing.

Arithmetic is done in :class:`~decimal.Decimal` and rounded half up, as paper scoring sheets
round (``round()`` would round 14.5 to 14).

Errors (one hierarchy for the package, see :mod:`rapport.measures.errors`)::

    MeasuresError
    ├── InstrumentNotFound          (registry)
    ├── InstrumentDefinitionError   (registry)
    ├── InvalidAnswer               raised here
    └── WordingError                (wording)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from rapport.measures.definitions import (
    DECLINED,
    Instrument,
    Item,
    Number,
    Subscale,
    Total,
)
from rapport.measures.errors import InvalidAnswer

__all__ = ["DECLINED", "Answer", "Leaning", "ScoreResult", "leanings", "score"]

Answer = int | float | str | None


@dataclass(frozen=True, slots=True)
class Leaning:
    """Which pole of a bipolar preference scale (C-NIP) the client leans to.

    ``pole`` is None when the scale could not be scored or the score is exactly 0 (no
    preference). ``strong`` is True when ``|score|`` reaches the scale's threshold.
    """

    subscale: str
    score: Number | None
    pole: str | None
    strong: bool


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The scored answers of one administration of one instrument.

    ``total`` is None when too many items are missing (a warning says so) or the instrument
    has no total. ``item_values`` holds the validated numeric answers as given (before
    reverse keying); ``text_answers`` holds free text, which is never scored.
    """

    instrument_id: str
    instrument_version: str
    total: Number | None
    subscales: Mapping[str, Number | None]
    band: str | None
    answered: int
    required: int
    prorated: bool
    warnings: tuple[str, ...]
    risk_flags: tuple[str, ...]
    text_answers: Mapping[str, str]
    #: Risk items left unanswered or declined: "no answer" is not "no risk", so a
    #: clinician asks about them directly.
    unanswered_risk: tuple[str, ...] = ()
    item_values: Mapping[str, Number] = field(default_factory=lambda: MappingProxyType({}))
    missing: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()
    clinical: bool | None = None
    below_alert_threshold: bool | None = None
    leanings: Mapping[str, Leaning] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def completeness(self) -> float:
        """Share of required items answered, from 0.0 to 1.0."""
        return 1.0 if self.required == 0 else self.answered / self.required


@dataclass(frozen=True, slots=True)
class _Answers:
    values: dict[str, Decimal]
    texts: dict[str, str]
    declined: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Combined:
    value: Number | None
    prorated: bool
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Warnings:
    """Collects the plain-English warnings of one scoring run."""

    declined: frozenset[str]
    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)

    def listed(self, item_ids: Iterable[str]) -> str:
        """``core10_5, pushed (declined)``: say which gaps were a choice of the client."""
        return ", ".join(f"{i} (declined)" if i in self.declined else i for i in item_ids)


def score(instrument: Instrument, answers: Mapping[str, Answer]) -> ScoreResult:
    """Validate ``answers`` and score them with ``instrument``'s rules."""
    given = _validate(instrument, answers)
    keyed = _keyed_values(instrument, given.values)
    warnings = _Warnings(frozenset(given.declined))
    total = _score_total(instrument.total, keyed, warnings)
    subscales = _score_subscales(instrument.subscales, keyed, warnings)
    risk_flags, unanswered_risk = _risk_flags(instrument, given.values, warnings)
    required = [item.id for item in instrument.items if item.required]
    missing = tuple(i for i in required if i not in given.values and i not in given.texts)
    return ScoreResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        total=total.value,
        subscales=MappingProxyType(subscales),
        band=_band(instrument, total.value),
        answered=len(required) - len(missing),
        required=len(required),
        prorated=total.prorated,
        warnings=tuple(warnings.messages),
        risk_flags=risk_flags,
        unanswered_risk=unanswered_risk,
        text_answers=MappingProxyType(given.texts),
        item_values=MappingProxyType({k: _number(v) for k, v in given.values.items()}),
        missing=missing,
        declined=given.declined,
        clinical=_clinical(instrument, total.value),
        below_alert_threshold=_below_alert(instrument, total.value),
        leanings=MappingProxyType(_leanings(instrument.subscales, subscales)),
    )


# -- validating answers -------------------------------------------------------------------


def _validate(instrument: Instrument, answers: Mapping[str, Answer]) -> _Answers:
    items = {item.id: item for item in instrument.items}
    values: dict[str, Decimal] = {}
    texts: dict[str, str] = {}
    declined: list[str] = []
    for item_id, value in answers.items():
        item = items.get(item_id)
        if item is None:
            raise InvalidAnswer(str(item_id), f"is not an item of {instrument.id}")
        if value is None:
            continue
        if value == DECLINED and item.scored:
            _check_decline_allowed(item)
            declined.append(item_id)
        elif item.response == "text":
            _add_text(item, value, texts)
        else:
            values[item_id] = _numeric_answer(item, value)
    return _Answers(values, texts, tuple(declined))


def _check_decline_allowed(item: Item) -> None:
    if not item.allow_decline:
        raise InvalidAnswer(item.id, "does not offer 'prefer not to answer'")


def _add_text(item: Item, value: Answer, texts: dict[str, str]) -> None:
    if not isinstance(value, str):
        raise InvalidAnswer(item.id, f"expects free text, got {type(value).__name__}")
    if value.strip():
        texts[item.id] = value


def _numeric_answer(item: Item, value: Answer) -> Decimal:
    # bool is an int subclass; True must not be read as 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAnswer(item.id, f"expects a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InvalidAnswer(item.id, f"{value!r} is not a finite number")
    number = Decimal(str(value))
    if item.response == "options":
        _check_option(item, number)
    else:
        _check_slider(item, number)
    return number


def _check_option(item: Item, number: Decimal) -> None:
    allowed = [option.value for option in item.options]
    if number != number.to_integral_value() or int(number) not in allowed:
        listed = ", ".join(str(v) for v in allowed)
        raise InvalidAnswer(item.id, f"{number} is not one of the allowed values ({listed})")


def _check_slider(item: Item, number: Decimal) -> None:
    slider = item.slider
    assert slider is not None  # guaranteed by the registry for slider items
    low, high, step = (Decimal(str(v)) for v in (slider.min, slider.max, slider.step))
    if not low <= number <= high:
        raise InvalidAnswer(item.id, f"{number} is outside {low}-{high}")
    if (number - low) % step != 0:
        raise InvalidAnswer(item.id, f"{number} is not a multiple of {step} from {low}")


# -- combining ----------------------------------------------------------------------------


def _keyed_values(instrument: Instrument, values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Reverse-keyed items count as (min + max - answer): CORE-10 items 2 and 3 score 4..0."""
    keyed = dict(values)
    for item in instrument.items:
        if item.reverse_keyed and item.id in keyed:
            low, high = Decimal(str(item.min_value)), Decimal(str(item.max_value))
            keyed[item.id] = low + high - keyed[item.id]
    return keyed


def _combine(
    rule: str,
    item_ids: tuple[str, ...],
    keyed: Mapping[str, Decimal],
    max_missing: int,
    decimals: int,
) -> _Combined:
    """Sum or mean of the items; a sum with missing items is prorated as
    mean(answered) x number of items, the rule the sources below use for their instruments."""
    answered = [keyed[i] for i in item_ids if i in keyed]
    missing = tuple(i for i in item_ids if i not in keyed)
    if len(missing) > max_missing or not answered:
        return _Combined(None, False, missing)
    mean = sum(answered, Decimal(0)) / len(answered)
    exact = mean if rule == "mean" else mean * len(item_ids)
    return _Combined(_round(exact, decimals), bool(missing), missing)


def _score_total(
    total: Total | None, keyed: Mapping[str, Decimal], warnings: _Warnings
) -> _Combined:
    if total is None:
        return _Combined(None, False, ())
    combined = _combine(total.rule, total.items, keyed, total.max_missing, total.decimals)
    if combined.value is None:
        _too_many_missing(warnings, "the total", combined.missing, total.max_missing)
    elif combined.prorated:
        warnings.add(
            f"Total prorated: {_count(len(combined.missing))} missing "
            f"({warnings.listed(combined.missing)})."
        )
    return combined


def _score_subscales(
    subscales: Iterable[Subscale], keyed: Mapping[str, Decimal], warnings: _Warnings
) -> dict[str, Number | None]:
    scores: dict[str, Number | None] = {}
    for subscale in subscales:
        combined = _combine(
            subscale.rule, subscale.items, keyed, subscale.max_missing, subscale.decimals
        )
        if combined.value is None:
            name = f"subscale {subscale.id!r}"
            _too_many_missing(warnings, name, combined.missing, subscale.max_missing)
        scores[subscale.id] = combined.value
    return scores


def _too_many_missing(
    warnings: _Warnings, what: str, missing: tuple[str, ...], allowed: int
) -> None:
    warnings.add(
        f"Cannot score {what}: {_count(len(missing))} missing ({warnings.listed(missing)}), "
        f"at most {allowed} allowed."
    )


def _count(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def _round(value: Decimal, decimals: int) -> Number:
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return int(rounded) if decimals == 0 else float(rounded)


def _number(value: Decimal) -> Number:
    return int(value) if value == value.to_integral_value() else float(value)


# -- interpretation -----------------------------------------------------------------------


def _band(instrument: Instrument, total: Number | None) -> str | None:
    """The band with the greatest lower bound not above the total (bands are ordered)."""
    if total is None:
        return None
    label = None
    for band in instrument.bands:
        if band.min <= total:
            label = band.label
    return label


def _clinical(instrument: Instrument, total: Number | None) -> bool | None:
    cutoff = instrument.clinical_cutoff
    if total is None or cutoff is None:
        return None
    if instrument.clinical_range == "at_or_above":
        return total >= cutoff.value
    return total < cutoff.value


def _below_alert(instrument: Instrument, total: Number | None) -> bool | None:
    threshold = instrument.alert_threshold
    if total is None or threshold is None:
        return None
    return total < threshold.value


def _risk_flags(
    instrument: Instrument, values: Mapping[str, Decimal], warnings: _Warnings
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Risk items answered at or above their threshold (PHQ-9 item 9: any non-zero answer),
    and those not answered: a warning each, as nobody should assume "no risk"."""
    flags, unanswered = [], []
    for risk in instrument.risk_items:
        if risk.item not in values:
            warnings.add(f"Risk item {risk.item} was not answered; ask about it directly.")
            unanswered.append(risk.item)
        elif values[risk.item] >= Decimal(str(risk.at_or_above)):
            flags.append(risk.item)
    return tuple(flags), tuple(unanswered)


def leanings(instrument: Instrument, scores: Mapping[str, Number | None]) -> dict[str, Leaning]:
    """The leaning on each bipolar scale of ``instrument`` from stored scale scores (a
    response's ``subscales``), in the instrument's order; a scale missing from ``scores``
    could not be scored."""
    return _leanings(instrument.subscales, scores)


def _leanings(
    subscales: Iterable[Subscale], scores: Mapping[str, Number | None]
) -> dict[str, Leaning]:
    found = {}
    for subscale in subscales:
        if subscale.poles is None:
            continue
        found[subscale.id] = _leaning(subscale, scores.get(subscale.id))
    return found


def _leaning(subscale: Subscale, value: Number | None) -> Leaning:
    assert subscale.poles is not None
    if value is None or value == 0:
        return Leaning(subscale.id, value, None, False)
    pole = subscale.poles[0] if value < 0 else subscale.poles[1]
    threshold = subscale.strong_threshold
    strong = threshold is not None and abs(value) >= threshold.value
    return Leaning(subscale.id, value, pole, strong)
