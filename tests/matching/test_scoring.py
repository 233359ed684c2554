"""The pure ranking of colleagues (rapport.matching.scoring): no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.matching.scoring import (
    SCALES,
    WEIGHTS,
    Candidate,
    ClientLeaning,
    ClientNeeds,
    rank,
)

LABELS = {"anxiety": "Anxiety", "trauma": "Trauma", "cbt": "CBT", "es": "Spanish"}


def texts(item) -> list[str]:
    return [reason.text for reason in item.reasons]


def test_it_ranks_the_colleague_who_works_with_the_clients_focus_areas_first():
    needs = ClientNeeds(focus_areas=frozenset({"anxiety", "trauma"}))
    both = Candidate(1, "Both", focus_areas=frozenset({"anxiety", "trauma"}))
    one = Candidate(2, "One", focus_areas=frozenset({"anxiety"}))
    none = Candidate(3, "None")
    match = rank(needs, [none, one, both], labels=LABELS)
    assert [item.candidate.name for item in match.ranked] == ["Both", "One", "None"]
    assert [item.fit for item in match.ranked] == [1.0, 0.5, 0.0]
    assert texts(match.ranked[1]) == ["Works with anxiety", "Does not list trauma"]
    assert [r.fits for r in match.ranked[1].reasons] == [True, False]


def test_a_strong_preference_met_or_opposed_is_said_in_words():
    needs = ClientNeeds(leanings=(ClientLeaning("warm_support", -2.5, strong=True),))
    challenge = Candidate(1, "Challenge", style={"warm_support": 2})
    support = Candidate(2, "Support", style={"warm_support": -2})
    match = rank(needs, [challenge, support])
    assert [item.candidate.name for item in match.ranked] == ["Support", "Challenge"]
    assert texts(match.ranked[0]) == ["Leans to warm support, as the client strongly prefers"]
    assert texts(match.ranked[1]) == [
        "Leans to focused challenge; the client strongly prefers warm support"
    ]
    assert match.ranked[0].fit == 1.0
    assert match.ranked[1].fit == 0.0


def test_a_style_not_given_or_balanced_counts_half_and_says_so():
    needs = ClientNeeds(leanings=(ClientLeaning("directiveness", 1.0),))
    unknown = Candidate(1, "Unknown")
    balanced = Candidate(2, "Balanced", style={"directiveness": 0})
    match = rank(needs, [unknown, balanced])
    assert {item.fit for item in match.ranked} == {0.5}
    by_name = {item.candidate.name: texts(item) for item in match.ranked}
    assert by_name["Unknown"] == [
        "Style on how directive not given; the client prefers client directiveness"
    ]
    assert by_name["Balanced"] == [
        "Balanced between therapist directiveness and client directiveness; "
        "the client prefers client directiveness"
    ]


def test_a_scale_the_client_leans_on_more_counts_more():
    needs = ClientNeeds(
        leanings=(
            ClientLeaning("warm_support", -3.0, strong=True),
            ClientLeaning("past_orientation", 1.0),
        )
    )
    # Meets the strong leaning, opposes the slight one: 3 * 1 + 1 * 0 over 4.
    candidate = Candidate(1, "A", style={"warm_support": -2, "past_orientation": -2})
    (item,) = rank(needs, [candidate]).ranked
    assert item.fit == pytest.approx(0.75)


def test_the_fit_is_the_weighted_mean_of_the_factors_that_apply():
    needs = ClientNeeds(
        focus_areas=frozenset({"anxiety"}),
        leanings=(ClientLeaning("warm_support", -2.0, strong=True),),
        approaches=frozenset({"cbt"}),
    )
    candidate = Candidate(1, "A", focus_areas=frozenset({"anxiety"}), style={"warm_support": 2})
    (item,) = rank(needs, [candidate], labels=LABELS).ranked
    expected = (WEIGHTS["focus"] * 1 + WEIGHTS["preferences"] * 0 + WEIGHTS["approaches"] * 0) / (
        sum(WEIGHTS.values())
    )
    assert item.fit == pytest.approx(expected)
    assert "Does not list CBT" in texts(item)


def test_nothing_to_compare_gives_no_fit_and_lists_by_room_then_name():
    full = Candidate(1, "Ann", caseload=9, capacity=10)
    roomy = Candidate(2, "Zed", caseload=1, capacity=10)
    unsaid = Candidate(3, "Bob")
    match = rank(ClientNeeds(), [full, roomy, unsaid])
    assert [item.fit for item in match.ranked] == [None, None, None]
    assert [item.candidate.name for item in match.ranked] == ["Bob", "Zed", "Ann"]


def test_it_excludes_colleagues_who_cannot_take_the_client_and_says_why():
    needs = ClientNeeds(language="es", focus_areas=frozenset({"anxiety"}))
    closed = Candidate(1, "Closed", languages=frozenset({"es"}), accepting_referrals=False)
    no_spanish = Candidate(2, "English only", languages=frozenset({"en"}))
    full = Candidate(3, "Full", languages=frozenset({"es"}), caseload=12, capacity=12)
    fits = Candidate(4, "Fits", languages=frozenset({"es", "en"}))
    match = rank(needs, [closed, no_spanish, full, fits], labels=LABELS)
    assert [item.candidate.name for item in match.ranked] == ["Fits"]
    assert texts(match.ranked[0])[0] == "Works in Spanish"
    assert {e.candidate.name: e.reasons for e in match.excluded} == {
        "Closed": ("Not accepting referrals",),
        "English only": ("Does not work in Spanish",),
        "Full": ("At capacity (12 of 12 clients)",),
    }


def test_no_language_needed_excludes_nobody_for_language():
    match = rank(ClientNeeds(), [Candidate(1, "A", languages=frozenset())])
    assert len(match.ranked) == 1 and not match.excluded


def test_the_scales_are_the_c_nip_scales_of_the_instrument():
    from rapport.measures.registry import get_instrument

    instrument = get_instrument("cnip")
    assert {(s.id, tuple(s.poles)) for s in instrument.subscales if s.poles} == {
        (s.id, s.poles) for s in SCALES
    }


# -- properties ----------------------------------------------------------------------------

codes = st.frozensets(st.sampled_from(["anxiety", "trauma", "grief", "couples"]), max_size=4)
styles = st.dictionaries(
    st.sampled_from([s.id for s in SCALES]), st.one_of(st.none(), st.integers(-2, 2))
)
leanings = st.lists(
    st.builds(
        ClientLeaning,
        st.sampled_from([s.id for s in SCALES]),
        st.one_of(st.none(), st.floats(-3, 3, allow_nan=False)),
        st.booleans(),
    ),
    max_size=4,
    unique_by=lambda leaning: leaning.scale,
)
candidates = st.lists(
    st.builds(
        Candidate,
        st.integers(1, 10_000),
        st.text(max_size=5),
        focus_areas=codes,
        approaches=codes,
        languages=st.frozensets(st.sampled_from(["en", "es", "fr"])),
        style=styles,
        accepting_referrals=st.booleans(),
        caseload=st.integers(0, 30),
        capacity=st.one_of(st.none(), st.integers(0, 30)),
    ),
    max_size=8,
    unique_by=lambda candidate: candidate.id,
)
needs_st = st.builds(
    ClientNeeds,
    focus_areas=codes,
    language=st.one_of(st.none(), st.sampled_from(["en", "es", "fr"])),
    leanings=leanings.map(tuple),
    approaches=codes,
)


@given(needs_st, candidates)
def test_every_candidate_is_either_ranked_or_excluded_with_a_reason(needs, people):
    match = rank(needs, people)
    ranked = [item.candidate.id for item in match.ranked]
    excluded = [e.candidate.id for e in match.excluded]
    assert sorted(ranked + excluded) == sorted(c.id for c in people)
    assert all(e.reasons for e in match.excluded)


@given(needs_st, candidates)
def test_fits_lie_between_0_and_1_and_come_best_first(needs, people):
    fits = [item.fit for item in rank(needs, people).ranked]
    known = [fit for fit in fits if fit is not None]
    assert all(0.0 <= fit <= 1.0 for fit in known)
    assert known == sorted(known, reverse=True)
    # A fit is None for everyone or for no one: the same needs apply to all.
    assert not known or len(known) == len(fits)


@given(needs_st, candidates)
def test_an_excluded_colleague_really_cannot_take_the_client(needs, people):
    for item in rank(needs, people).ranked:
        candidate = item.candidate
        assert candidate.accepting_referrals
        assert needs.language is None or needs.language in candidate.languages
        assert candidate.capacity is None or candidate.caseload < candidate.capacity


@given(needs_st, candidates.filter(bool))
def test_covering_one_more_focus_area_never_lowers_the_fit(needs, people):
    needs = ClientNeeds(focus_areas=needs.focus_areas | {"anxiety"}, leanings=needs.leanings)
    base = Candidate(1, "A", focus_areas=frozenset(), style=people[0].style)
    more = Candidate(1, "A", focus_areas=frozenset({"anxiety"}), style=people[0].style)
    (before,) = rank(needs, [base]).ranked
    (after,) = rank(needs, [more]).ranked
    assert after.fit is not None and before.fit is not None
    assert after.fit > before.fit


def test_an_acronym_keeps_its_capitals_in_the_reasons():
    labels = {**LABELS, "emdr": "EMDR", "person_centred": "Person-centred"}
    needs = ClientNeeds(approaches=frozenset({"cbt", "emdr", "person_centred"}))
    colleague = Candidate(1, "CBT only", approaches=frozenset({"cbt"}))
    match = rank(needs, [colleague], labels=labels)
    assert texts(match.ranked[0]) == [
        "Works in CBT",
        "Does not list EMDR",
        "Does not list person-centred",
    ]
