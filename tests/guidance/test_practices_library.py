"""The shipped guidance library, read as a supervising clinician would (pure: no database).

Each alert kind is answered by moves that fit it: a rupture by rupture-repair moves
(Safran & Muran 2000; Eubanks, Muran & Safran 2018), a client not on track by a review of
goals and formulation and the clinical support tools (Harmon et al. 2007), dropout risk by
engagement moves (Swift & Greenberg 2015), a client who felt pushed by moves that hand back
autonomy. The tests look at what a therapist is actually shown for an ordinary client, not
only at what the file maps, since an alert shows at most four strategies.
"""

from __future__ import annotations

import re

import pytest

from rapport.guidance.library import CONDITIONS, MIN_SHOWN, choose, load_library
from rapport.monitoring.signals.model import KINDS

LIBRARY = load_library()
BY_SLUG = {s.slug: s for s in LIBRARY}
#: An ordinary client: goals recorded, nothing else known.
ORDINARY = frozenset({"has_goals"})
#: Citations in the library are "Authors (year). Title ..." or one of the project's practices.
CITED = re.compile(r"^\S[^()]+ \((19|20)\d\d\)\. \S|^Rapport relationship practices: \S")


def shown(kind, context=ORDINARY):
    return choose(LIBRARY, kind=kind, context=context)


def shown_text(kind, context=ORDINARY):
    return " ".join(f"{s.title}. {s.text}" for s in shown(kind, context)).lower()


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_at_least_three_sourced_strategies_two_for_every_client(kind):
    own = [s for s in LIBRARY if kind in s.kinds]
    assert len(own) >= 3, kind
    every_client = [s for s in own if not s.conditions and not s.unless]
    assert len(every_client) >= MIN_SHOWN, kind
    for strategy in own:
        assert strategy.sources, strategy.slug
        for source in strategy.sources:
            assert CITED.match(source), (strategy.slug, source)


def test_every_context_condition_is_used_by_a_shipped_strategy_but_not_improving():
    # ``not_improving`` is offered to clinics' own strategies (e.g. a dropout-risk move for
    # a client who is also not improving); the others each bring a strategy with them.
    used = {c for s in LIBRARY for c in (*s.conditions, *s.unless)}
    assert set(CONDITIONS) - used == {"not_improving"}


def test_a_rupture_brings_the_repair_moves():
    chosen = [s.slug for s in shown("alliance_rupture")]
    assert chosen[0] == "name-the-rupture"
    assert "take-your-share" in chosen
    assert "rupture-withdrawal-or-confrontation" in chosen
    text = shown_text("alliance_rupture")
    # Talk about the relationship itself, here and now (metacommunication) ...
    assert "metacommunication" in text and "between you" in text
    # ... tell withdrawal from confrontation, and see afterwards whether it recovered.
    assert "withdrawal" in text and "confrontation" in text
    assert "recover" in BY_SLUG["name-the-rupture"].text


def test_owning_your_part_does_not_claim_more_than_the_meta_analysis_found():
    # Eubanks et al. (2018) relate *repair* to outcome; no single move was shown to do so.
    text = BY_SLUG["take-your-share"].text
    assert "repair moves that goes with better outcomes" not in text
    assert "repaired ruptures go with better outcomes" in text.lower()


@pytest.mark.parametrize("kind", ["not_on_track", "reliable_deterioration"])
@pytest.mark.parametrize("goals", ["has_goals", "no_goals"])
def test_not_improving_brings_a_review_of_goals_and_formulation_and_support_tools(kind, goals):
    chosen = [s.slug for s in shown(kind, frozenset({goals}))]
    assert "check-the-alliance-first" in chosen  # a clinical support tool (Harmon et al. 2007)
    goals_review = {"reconsider-the-plan", "ask-for-goals", "revisit-goals-own-words"}
    assert goals_review & set(chosen), chosen
    plan = BY_SLUG["reconsider-the-plan"]
    assert "goals" in plan.text and "formulation" in plan.text and plan.show_goals
    if goals == "has_goals" or kind == "not_on_track":
        assert "reconsider-the-plan" in chosen
    # A reliably-worse client with no goals yet: the safety step, asking for goals, the
    # chart and the relationship fill the four places; the plan comes after them.


def test_a_reliably_worse_alert_still_leads_with_the_safety_step():
    chosen = shown("reliable_deterioration")
    assert chosen[0].slug == "check-safety" and chosen[0].safety
    assert "risk procedure" in chosen[0].text


@pytest.mark.parametrize("extra", [frozenset(), frozenset({"missed_sessions"})])
def test_dropout_risk_brings_expectations_preferences_and_practical_barriers(extra):
    context = ORDINARY | extra
    text = shown_text("dropout_risk", context)
    assert "expected" in text and "how long" in text  # expectations about therapy
    assert "prefer" in text or "suits them" in text  # preferences for how sessions run
    assert "travel" in text and "cost" in text  # practical barriers
    assert len(shown("dropout_risk", context)) == 4


def test_preferences_and_barriers_are_not_said_twice():
    # The way of working, when low, and missed sessions have their own strategies that
    # already ask about preferences and barriers; the general ones step aside for them.
    low_tasks = [s.slug for s in shown("dropout_risk", ORDINARY | {"tasks_low"})]
    assert "adjust-the-way-of-working" in low_tasks and "ask-about-preferences" not in low_tasks
    missed = [s.slug for s in shown("dropout_risk", ORDINARY | {"missed_sessions"})]
    assert "reach-out-after-missed-sessions" in missed
    assert "ask-about-practical-barriers" not in missed


def test_a_client_who_felt_pushed_gets_autonomy_and_collaboration():
    chosen = [s.slug for s in shown("pushed_or_overridden", ORDINARY | {"pushed"})]
    assert "hand-back-control" in chosen and "pushed-check-pace" in chosen
    text = BY_SLUG["hand-back-control"].text
    assert "permission" in text and "options" in text
    # PRACTICES: invite the client to say when they feel pushed, every session, not once.
    assert "every session" in text


def test_the_opening_move_fits_a_client_who_felt_pushed():
    text = BY_SLUG["name-the-rupture"].text
    assert "pushed" in text


@pytest.mark.parametrize("kind", ["dropout_risk", "alliance_rupture", "not_on_track"])
def test_the_ending_phase_brings_a_planned_ending(kind):
    chosen = [s.slug for s in shown(kind, ORDINARY | {"ending_phase"})]
    assert "talk-about-the-ending" in chosen
    assert "planned" in BY_SLUG["talk-about-the-ending"].text


def test_a_mandated_client_is_expected_to_take_longer_to_trust():
    assert "longer" in BY_SLUG["mandated-own-goal"].text


def test_feeling_heard_low_asks_for_matching_tone_and_no_judgment():
    text = BY_SLUG["reflect-before-intervening"].text
    assert "tone" in text and "judgment" in text


def test_check_ins_over_a_link_cite_the_teletherapy_practice():
    sources = " ".join(BY_SLUG["check-the-link-works"].sources)
    assert "through a link" in sources


def test_authors_are_spelled_as_published():
    sources = " ".join(source for s in LIBRARY for source in s.sources)
    assert "Kleinstauber" not in sources and "Kleinstäuber" in sources


BLAMING = re.compile(
    r"\b(resistant|resistance|non-?compliant|unmotivated|difficult client|in denial|"
    r"manipulative|attention-seeking|failed to|refuses?)\b",
    re.IGNORECASE,
)


def test_no_strategy_blames_the_client():
    for strategy in LIBRARY:
        found = BLAMING.search(f"{strategy.title} {strategy.text}")
        assert found is None, (strategy.slug, found and found.group())


def test_the_pushed_condition_says_what_the_context_computes():
    # It holds while a 'felt pushed' alert is open, whichever check-in raised it: a client
    # who felt pushed two sessions ago and not since still gets the autonomy moves, so the
    # admin must not read it as "at the last check-in".
    from rapport.monitoring.context import guidance_context
    from rapport.monitoring.signals import Observation, config_for
    from tests.monitoring._helpers import series

    parts = {"goals": 9.0, "tasks": 9.0, "bond": 9.0, "overall": 9.0}
    found = guidance_context(
        series(
            [
                Observation("session-checkin", 1, 36.0, subscales=parts, pushed=2),
                Observation("session-checkin", 2, 36.0, subscales=parts, pushed=0),
            ]
        ),
        config_for(["session-checkin"]),
        phase="working",
        mandated=False,
        trainee=False,
        has_goals=True,
        active_kinds=["pushed_or_overridden"],
    )
    assert "pushed" in found
    assert "last check-in" not in CONDITIONS["pushed"]
    assert "open" in CONDITIONS["pushed"]
