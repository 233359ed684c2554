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

from coder_eval import OofEncoderCoder  # noqa: E402

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
