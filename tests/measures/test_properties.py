"""Properties that must hold for every shipped instrument and every valid set of answers."""

from __future__ import annotations

import copy
from decimal import Decimal
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.measures.definitions import DECLINED, Instrument, Item
from rapport.measures.registry import all_instruments, get_instrument
from rapport.measures.scoring import Answer, score

INSTRUMENTS = all_instruments()
PRORATED = [i for i in INSTRUMENTS if i.total is not None and i.total.max_missing > 0]


def valid_value(item: Item) -> st.SearchStrategy[Answer]:
    if item.response == "options":
        return st.sampled_from([option.value for option in item.options])
    if item.response == "slider":
        assert item.slider is not None
        low, step = Decimal(str(item.slider.min)), Decimal(str(item.slider.step))
        steps = int((Decimal(str(item.slider.max)) - low) / step)
        return st.integers(0, steps).map(lambda n: _as_number(low + n * step))
    return st.text(max_size=40)


def _as_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def any_answer(item: Item) -> st.SearchStrategy[Answer]:
    choices = [valid_value(item), st.none()]
    if item.allow_decline:
        choices.append(st.just(DECLINED))
    return st.one_of(*choices)


@st.composite
def instrument_and_answers(draw, complete: bool = False):
    instrument = draw(st.sampled_from(INSTRUMENTS))
    answers = {}
    for item in instrument.items:
        if complete:
            answers[item.id] = draw(valid_value(item))
        elif draw(st.booleans()):
            answers[item.id] = draw(any_answer(item))
    return instrument, answers


def keyed(item: Item, value: float) -> float:
    return item.min_value + item.max_value - value if item.reverse_keyed else value


def full_total(instrument: Instrument, answers: dict) -> float:
    """An independent, unprorated computation of the total."""
    assert instrument.total is not None
    values = [keyed(instrument.item(i), answers[i]) for i in instrument.total.items]
    exact = sum(values) if instrument.total.rule == "sum" else sum(values) / len(values)
    return exact


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers())
def test_totals_and_subscales_always_lie_in_their_valid_range(case):
    instrument, answers = case
    result = score(instrument, answers)
    if result.total is not None:
        assert instrument.total is not None
        assert instrument.total.min <= result.total <= instrument.total.max
    for subscale in instrument.subscales:
        value = result.subscales[subscale.id]
        if value is not None:
            items = [instrument.item(i) for i in subscale.items]
            low = min(i.min_value for i in items)
            high = max(i.max_value for i in items)
            if subscale.rule == "sum":
                low, high = sum(i.min_value for i in items), sum(i.max_value for i in items)
            assert low <= value <= high
    assert 0.0 <= result.completeness <= 1.0
    assert set(result.risk_flags) <= {risk.item for risk in instrument.risk_items}


@settings(max_examples=200, deadline=None)
@given(instrument_and_answers(complete=True))
def test_a_complete_form_is_never_prorated_and_matches_the_plain_total(case):
    instrument, answers = case
    result = score(instrument, answers)
    assert result.prorated is False
    assert result.missing == ()
    if instrument.total is not None:
        assert result.total is not None
        assert abs(result.total - full_total(instrument, answers)) <= 0.5 * 10 ** (
            -instrument.total.decimals
        )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PRORATED), st.data())
def test_a_prorated_total_equals_the_full_total_when_answers_are_even(instrument, data):
    # With every keyed answer equal, mean(answered) x n must give back the full total.
    assert instrument.total is not None
    first = instrument.item(instrument.total.items[0])
    level = data.draw(st.sampled_from([o.value for o in first.options]))
    answers = {
        item_id: keyed(instrument.item(item_id), level) for item_id in instrument.total.items
    }
    full = score(instrument, answers)
    dropped = data.draw(
        st.lists(
            st.sampled_from(instrument.total.items),
            min_size=1,
            max_size=instrument.total.max_missing,
            unique=True,
        )
    )
    partial = score(instrument, {k: v for k, v in answers.items() if k not in dropped})
    assert partial.prorated is True
    assert partial.total == full.total == level * len(instrument.total.items)


@settings(max_examples=200, deadline=None)
@given(instrument_and_answers())
def test_scoring_never_mutates_its_input(case):
    instrument, answers = case
    before = copy.deepcopy(answers)
    score(instrument, answers)
    assert answers == before


@settings(max_examples=50, deadline=None)
@given(instrument_and_answers())
def test_scoring_accepts_a_read_only_mapping(case):
    instrument, answers = case
    assert score(instrument, MappingProxyType(answers)) == score(instrument, dict(answers))


def test_the_registry_returns_the_instruments_used_here():
    assert get_instrument("core10") in INSTRUMENTS
