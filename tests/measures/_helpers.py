"""Small builders shared by the measures tests (plain functions, no Django)."""

from __future__ import annotations

from rapport.measures.definitions import Instrument
from rapport.measures.registry import get_instrument
from rapport.measures.scoring import Answer, ScoreResult, score


def answers_for(prefix: str, values: list[Answer]) -> dict[str, Answer]:
    """``answers_for("phq9", [1, 2])`` -> ``{"phq9_1": 1, "phq9_2": 2}``."""
    return {f"{prefix}_{n}": value for n, value in enumerate(values, start=1)}


def score_of(instrument_id: str, answers: dict[str, Answer]) -> ScoreResult:
    return score(get_instrument(instrument_id), answers)


def filled_to(total: int, n_items: int, item_max: int) -> list[int]:
    """Item answers adding up to ``total``: fill items to the maximum, first to last."""
    values = []
    remaining = total
    for _ in range(n_items):
        value = min(item_max, remaining)
        values.append(value)
        remaining -= value
    assert remaining == 0, "total out of reach"
    return values


def instrument(instrument_id: str) -> Instrument:
    return get_instrument(instrument_id)
