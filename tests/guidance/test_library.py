"""The shipped guidance library: valid, sourced, and two to four strategies for every
alert whatever the client's context (pure: no database)."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from rapport.guidance.library import (
    CONDITIONS,
    MAX_SHOWN,
    MIN_SHOWN,
    LibraryError,
    choose,
    load_library,
    parse_library,
)
from rapport.monitoring.signals.model import KINDS

LIBRARY = load_library()


def slugs(strategies):
    return [s.slug for s in strategies]


def test_every_shipped_strategy_cites_a_source_and_maps_to_known_kinds_and_conditions():
    assert len(LIBRARY) >= 25
    for strategy in LIBRARY:
        assert strategy.sources and all(len(source) > 20 for source in strategy.sources)
        assert set(strategy.kinds) <= set(KINDS)
        assert set(strategy.conditions) | set(strategy.unless) <= set(CONDITIONS)


def test_the_library_draws_on_the_named_literature():
    sources = " ".join(source for s in LIBRARY for source in s.sources)
    for author in ("Safran", "Eubanks", "Lambert", "Swift", "Miller WR, Rollnick S"):
        assert author in sources


def test_every_kind_gets_two_to_four_strategies_in_any_context():
    rng = random.Random(1)
    names = sorted(CONDITIONS)
    contexts = [frozenset()] + [frozenset(names)]
    contexts += [frozenset(c for c in names if rng.random() < 0.4) for _ in range(3000)]
    contexts += [frozenset(pair) for pair in itertools.combinations(names, 2)]
    for kind in KINDS:
        for context in contexts:
            chosen = choose(LIBRARY, kind=kind, context=context)
            assert MIN_SHOWN <= len(chosen) <= MAX_SHOWN, (kind, sorted(context))
            assert len(set(slugs(chosen))) == len(chosen)
            assert all(s.fits(kind, context) for s in chosen)


@pytest.mark.parametrize(
    ("kind", "context", "expected"),
    [
        # Low goals score: revisit the goals in the client's own words (shown with it).
        ("alliance_low", {"goals_low", "has_goals"}, "revisit-goals-own-words"),
        ("alliance_rupture", {"no_goals"}, "ask-for-goals"),
        ("alliance_low", {"tasks_low", "has_goals"}, "adjust-the-way-of-working"),
        ("alliance_rupture", {"bond_low", "has_goals"}, "reflect-before-intervening"),
        # A quiet client: explain how the topic connects to their goals.
        ("feedback_missing", {"quiet_client", "has_goals"}, "quiet-connect-to-goals"),
        # Mandated attendance: acknowledge the obligation, look for their own goal.
        ("dropout_risk", {"mandated", "has_goals"}, "mandated-own-goal"),
        # Persistent poor fit: consider referral (the fit, not a judgment).
        ("alliance_low", {"poor_fit", "repeated_rupture", "has_goals"}, "consider-referral"),
        ("not_on_track", {"trainee", "has_goals"}, "bring-to-supervision"),
        ("alliance_rupture", {"early_phase", "has_goals"}, "early-phase-trust-takes-time"),
        ("pushed_or_overridden", {"pushed", "has_goals"}, "hand-back-control"),
        ("dropout_risk", {"missed_sessions", "has_goals"}, "reach-out-after-missed-sessions"),
    ],
)
def test_strategies_fit_the_clients_context(kind, context, expected):
    chosen = slugs(choose(LIBRARY, kind=kind, context=context))
    assert expected in chosen


def test_the_core_move_is_never_crowded_out_by_context_strategies():
    crowded = {"goals_low", "has_goals", "mandated", "trainee", "early_phase", "quiet_client"}
    chosen = choose(LIBRARY, kind="alliance_rupture", context=crowded)
    assert chosen[0].slug == "name-the-rupture"
    assert len(chosen) == MAX_SHOWN


def test_context_strategies_stay_away_when_their_condition_is_absent():
    chosen = slugs(choose(LIBRARY, kind="alliance_low", context={"has_goals"}))
    assert "consider-referral" not in chosen and "mandated-own-goal" not in chosen
    repeated = slugs(
        choose(LIBRARY, kind="alliance_rupture", context={"repeated_rupture", "trainee"})
    )
    assert "repeated-rupture-consult" not in repeated  # "unless trainee": supervision instead
    assert "bring-to-supervision" in repeated


def test_good_news_gets_strategies_for_building_on_it():
    for kind in ("reliable_improvement", "recovered", "alliance_repaired"):
        assert len(choose(LIBRARY, kind=kind, context=set())) >= MIN_SHOWN


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sources": []}, "cites at least one source"),
        ({"kinds": ["nope"]}, "unknown signal kind"),
        ({"kinds": []}, "at least one signal kind"),
        ({"conditions": ["sunny"]}, "unknown condition"),
        ({"slug": "Bad Slug"}, "lower-case"),
        ({"colour": "red"}, "unknown field"),
        ({"priority": 500}, "0 to 100"),
        ({"safety": "yes"}, r"safety: true or false"),
    ],
)
def test_a_malformed_library_entry_is_refused_with_a_clear_message(change, message):
    entry = {
        "slug": "x",
        "title": "X",
        "text": "Do x.",
        "sources": ["Somebody (2020). A source long enough."],
        "kinds": ["alliance_low"],
        **change,
    }
    with pytest.raises(LibraryError, match=message):
        parse_library({"strategies": [entry]})


def test_the_shipped_file_is_valid_json_with_unique_slugs():
    from rapport.guidance.library import LIBRARY_PATH

    data = json.loads(LIBRARY_PATH.read_text(encoding="utf-8"))
    assert len({e["slug"] for e in data["strategies"]}) == len(data["strategies"])
