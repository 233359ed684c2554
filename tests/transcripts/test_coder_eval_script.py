"""The cross-validation coder of scripts/coder_eval.py: the encoders' out-of-fold logits,
looked up by utterance, must vote exactly as a shipped encoder's logits would."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rapport.transcripts.coding import ENCODER_LABELS
from tests.transcripts._helpers import linear_coder_bundle

pytest.importorskip("sklearn", reason="scikit-learn (test extra) is what the training scripts use")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from coder_eval import OofEncoderCoder, expert_agreement  # noqa: E402

TURNS = [
    ("therapist", "What brings you here today?"),
    ("client", "My partner thinks I drink too much."),
    ("therapist", "So you're here partly because of what your partner said."),
    ("client", "I want to cut down before the summer."),
]


def _held_out() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transcript_id": [7] * len(TURNS),
            "utterance_id": list(range(len(TURNS))),
            "role": [role for role, _text in TURNS],
            "text": [text for _role, text in TURNS],
        }
    )


def _oof_table(therapist: str, client: str) -> dict[tuple[int, int], np.ndarray]:
    """Out-of-fold logits that favour one code per role by a wide margin."""
    table = {}
    for uid, (role, _text) in enumerate(TURNS):
        row = np.zeros(len(ENCODER_LABELS), dtype=np.float32)
        row[ENCODER_LABELS.index(therapist if role == "therapist" else client)] = 20.0
        table[(7, uid)] = row
    return table


@pytest.mark.parametrize(("therapist", "client"), [("question", "sustain"), ("other", "change")])
def test_out_of_fold_logits_vote_on_every_turn(therapist: str, client: str) -> None:
    bundle, _tokenizer = linear_coder_bundle()
    weights = {"therapist": 0.9, "client": 0.9}  # a heavy vote, so the table decides
    temperatures = {"therapist": 1.0, "client": 1.0}
    encoder = (_oof_table(therapist, client), True, weights, temperatures)
    coder = OofEncoderCoder(bundle, _held_out(), [encoder])
    (codes,) = coder.code_many([TURNS])
    assert [c.code for c in codes] == [therapist, client, therapist, client]
    assert coder.meta["encoder_active"] is True


def _annotated(codes_by_annotator: dict[int, list[str]]) -> pd.DataFrame:
    """AnnoMI's full file for one transcript of therapist turns, one row per annotator."""
    rows = []
    for annotator, codes in codes_by_annotator.items():
        for uid, code in enumerate(codes):
            rows.append(
                {
                    "transcript_id": 3,
                    "utterance_id": uid,
                    "interlocutor": "therapist",
                    "annotator_id": annotator,
                    "main_therapist_behaviour": code,
                    "client_talk_type": "n/a",
                }
            )
    return pd.DataFrame(rows)


def test_expert_agreement_scores_experts_against_each_other_and_the_coder_against_them() -> None:
    # Three experts: A and B agree on every turn, C departs from them on two of six.
    a = ["reflection", "question", "other", "therapist_input", "question", "reflection"]
    c = ["question", "question", "other", "therapist_input", "reflection", "reflection"]
    full = _annotated({1: a, 2: list(a), 3: c})
    # A single-annotator transcript must not enter the comparison.
    full = pd.concat([full, _annotated({1: ["other"]}).assign(transcript_id=4)])
    oof = pd.DataFrame(
        {
            "transcript_id": [3] * 6 + [4],
            "utterance_id": [*range(6), 0],
            "pred_code": [*a, "question"],  # the coder agrees with the majority
        }
    )
    therapist = expert_agreement(full, oof)["therapist"]
    assert (therapist["transcripts"], therapist["utterances"], therapist["annotators"]) == (1, 6, 3)
    assert therapist["pairwise_max"] == pytest.approx(1.0)  # A and B
    assert therapist["pairwise_min"] < 1.0  # A or B against C
    assert therapist["pairwise_mean"] == pytest.approx((1 + 2 * therapist["pairwise_min"]) / 3)
    assert therapist["coder_vs_majority"] == pytest.approx(1.0)
    # The coder codes as A does: 1 against A and against B, A's score against C.
    expected = (2 + therapist["pairwise_min"]) / 3
    assert therapist["coder_vs_annotator_mean"] == pytest.approx(expected)
    assert therapist["annotator_vs_others"] < 1.0
    assert "client" not in expert_agreement(full, oof)
