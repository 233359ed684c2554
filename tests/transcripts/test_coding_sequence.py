"""Sequence decoding of the coder's codes: each turn's code probabilities re-weighed by the
codes of the turns around it (a chain whose state is the last therapist and the last client
code), computed by forward-backward. All example sentences are written for these tests."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rapport.transcripts.coding import (
    CLIENT_CODES,
    DEFAULT_MODEL_PATH,
    THERAPIST_CODES,
    Coder,
    CoderError,
    chain_marginals,
)

LABELS = {"therapist": THERAPIST_CODES, "client": CLIENT_CODES}
SHAPES = {
    role: (len(THERAPIST_CODES) + 1, len(CLIENT_CODES) + 1, len(LABELS[role])) for role in LABELS
}

CONVERSATION: list[tuple[str, str]] = [
    ("therapist", "What would you like to talk about today?"),
    ("client", "I really want to stop smoking before the baby comes."),
    ("therapist", "The baby is a big reason for you."),
    ("client", "Yes. I want to be around for them, I am going to quit."),
    ("therapist", "How did the last week go?"),
    ("client", "It was a week, the usual stuff at work."),
    ("therapist", "Okay."),
]


def _bundle() -> dict[str, Any]:
    import joblib

    return dict(joblib.load(DEFAULT_MODEL_PATH))


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return _bundle()


def _brute_force(
    roles: list[str], proba: list[np.ndarray], lifts: dict[str, np.ndarray]
) -> list[np.ndarray]:
    """The marginals by enumerating every sequence of codes."""
    totals = [np.zeros(len(p)) for p in proba]
    for path in itertools.product(*[range(len(p)) for p in proba]):
        last = {"therapist": len(THERAPIST_CODES), "client": len(CLIENT_CODES)}
        weight = 1.0
        for role, p, y in zip(roles, proba, path, strict=True):
            weight *= p[y] * lifts[role][last["therapist"], last["client"], y]
            last[role] = y
        for t, y in enumerate(path):
            totals[t][y] += weight
    return [t / t.sum() for t in totals]


def test_the_chain_marginals_are_those_of_every_sequence_of_codes_weighed() -> None:
    rng = np.random.default_rng(7)
    roles = ["therapist", "client", "client", "therapist", "client", "therapist"]
    proba = [rng.dirichlet(np.ones(len(LABELS[r]))) for r in roles]
    lifts = {role: rng.uniform(0.2, 5.0, size=SHAPES[role]) for role in LABELS}
    got = chain_marginals(roles, proba, lifts)
    for g, want in zip(got, _brute_force(roles, proba, lifts), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-12)


def test_a_chain_without_transition_weights_leaves_the_probabilities_alone() -> None:
    rng = np.random.default_rng(3)
    roles = ["client", "therapist", "client", "client"]
    proba = [rng.dirichlet(np.ones(len(LABELS[r]))) for r in roles]
    flat = {role: np.ones(SHAPES[role]) for role in LABELS}
    for got, p in zip(chain_marginals(roles, proba, flat), proba, strict=True):
        np.testing.assert_allclose(got, p)


def test_the_shipped_model_decodes_client_codes_only(bundle: dict[str, Any]) -> None:
    sequence = bundle["sequence"]
    assert sequence["weights"]["client"] > 0
    assert sequence["weights"]["therapist"] == 0
    for role in LABELS:
        ratios = np.asarray(sequence["ratios"][role])
        assert ratios.shape == SHAPES[role]
        assert np.all(ratios > 0)


def test_decoding_moves_client_codes_and_leaves_therapist_codes(
    bundle: dict[str, Any],
) -> None:
    decoded = Coder(bundle).code_conversation(CONVERSATION)
    plain = Coder({**bundle, "sequence": None}).code_conversation(CONVERSATION)
    therapist = [i for i, (role, _t) in enumerate(CONVERSATION) if role == "therapist"]
    client = [i for i, (role, _t) in enumerate(CONVERSATION) if role == "client"]
    assert [decoded[i] for i in therapist] == [plain[i] for i in therapist]
    assert [decoded[i].confidence for i in client] != [plain[i].confidence for i in client]


def _change_after_change(bundle: dict[str, Any], ratio: float) -> dict[str, Any]:
    """The bundle with a client chain in which change talk follows change talk."""
    client = np.ones(SHAPES["client"])
    client[:, CLIENT_CODES.index("change"), CLIENT_CODES.index("change")] = ratio
    return {
        **bundle,
        "sequence": {
            "ratios": {"therapist": np.ones(SHAPES["therapist"]), "client": client},
            "weights": {"therapist": 0.0, "client": 1.0},
        },
    }


def test_change_talk_before_an_ambiguous_client_turn_tips_it_towards_change(
    bundle: dict[str, Any],
) -> None:
    ambiguous = 5  # "It was a week, the usual stuff at work."
    plain = Coder({**bundle, "sequence": None}).code_conversation(CONVERSATION)
    assert plain[3].code == "change"
    assert plain[ambiguous].code != "change"
    tipped = Coder(_change_after_change(bundle, 1e4)).code_conversation(CONVERSATION)
    assert tipped[ambiguous].code == "change"
    # Without the change talk before it, the same chain leaves the turn as it was.
    alone = CONVERSATION[4:]
    assert Coder(_change_after_change(bundle, 1e4)).code_conversation(alone)[1].code == (
        plain[ambiguous].code
    )


def test_each_conversation_is_decoded_on_its_own(bundle: dict[str, Any]) -> None:
    coder = Coder(_change_after_change(bundle, 1e4))
    change_first = [("client", "I really want to stop smoking before the baby comes.")]
    later = CONVERSATION[4:]
    batched = coder.code_many([change_first, later])
    assert batched[1] == coder.code_conversation(later)


def test_empty_turns_stay_out_of_the_chain(bundle: dict[str, Any]) -> None:
    # An empty client turn after the change talk is coded neutral, as ever, but does not
    # stand between the change talk and the next client turn in the chain.
    coder = Coder(_change_after_change(bundle, 1e4))
    with_gap = [*CONVERSATION[:4], ("client", "   "), *CONVERSATION[4:]]
    codes = coder.code_conversation(with_gap)
    assert len(codes) == len(with_gap)
    assert codes[4].code == "neutral"
    assert codes[4].confidence == pytest.approx(1 / len(CLIENT_CODES))
    assert codes[6].code == "change"


@pytest.mark.parametrize(
    "sequence",
    [
        {"ratios": {"therapist": np.ones((5, 4, 4))}, "weights": {"client": 1.0}},
        {
            "ratios": {"therapist": np.ones((5, 4, 4)), "client": np.ones((4, 4, 3))},
            "weights": {"therapist": 0.0, "client": 1.0},
        },
        {
            "ratios": {"therapist": np.ones((5, 4, 4)), "client": np.zeros((5, 4, 3))},
            "weights": {"therapist": 0.0, "client": 1.0},
        },
        {
            "ratios": {"therapist": np.ones((5, 4, 4)), "client": np.ones((5, 4, 3))},
            "weights": {"therapist": 0.0, "client": -1.0},
        },
    ],
)
def test_a_malformed_sequence_table_is_refused_at_load(
    bundle: dict[str, Any], sequence: dict[str, Any]
) -> None:
    with pytest.raises(CoderError, match="sequence"):
        Coder({**bundle, "sequence": sequence})


def test_the_training_tables_count_what_follows_each_state() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn (test extra) is what training uses")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from coder_model import sequence_ratios

    conversations = [
        [("therapist", "question"), ("client", "change"), ("client", "change")],
        [("therapist", "question"), ("client", "neutral"), ("therapist", "reflection")],
    ]
    ratios = sequence_ratios(conversations, smoothing=0.0)
    change, neutral = CLIENT_CODES.index("change"), CLIENT_CODES.index("neutral")
    question, start = THERAPIST_CODES.index("question"), len(CLIENT_CODES)
    # Client codes overall: 2 change, 1 neutral. After a question and no client turn yet:
    # one change, one neutral -> P = 1/2 against 2/3 and 1/3 overall.
    np.testing.assert_allclose(ratios["client"][question, start, change], 0.5 / (2 / 3))
    np.testing.assert_allclose(ratios["client"][question, start, neutral], 0.5 / (1 / 3))
    # After change talk, change talk again: P = 1.
    np.testing.assert_allclose(ratios["client"][question, change, change], 1 / (2 / 3))
    # A state never seen is pulled all the way to the overall mix when smoothing > 0.
    smoothed = sequence_ratios(conversations, smoothing=5.0)
    np.testing.assert_allclose(smoothed["client"][0, 0, [change, neutral]], 1.0)
    # A code never seen (sustain talk here) has no evidence either way: a ratio of 1.
    np.testing.assert_allclose(smoothed["client"][..., CLIENT_CODES.index("sustain")], 1.0)
    # With smoothing, every ratio is positive (a zero would forbid a code outright).
    assert np.all(np.isfinite(smoothed["client"])) and np.all(smoothed["client"] > 0)
