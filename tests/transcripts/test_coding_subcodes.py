"""Encoders with a sub-code head vote on sub-codes; encoders without one leave them alone.

The encoders here are tiny ONNX graphs that output fixed logits whatever the turn, so the
expected fusion can be computed exactly: each sub-code voter gets an equal vote with the
linear sub-code model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rapport.transcripts.coding import (
    ENCODER_LABELS,
    SUB_LABELS,
    SUBCODES,
    Coder,
    CoderError,
)
from tests.transcripts._helpers import linear_coder_bundle
from tests.transcripts._onnx import encoder_inputs, serialise

onnx = pytest.importorskip("onnx", reason="onnx (test extra) builds the tiny encoder graphs")
pytest.importorskip("onnxruntime", reason="onnxruntime not installed: linear model only")
pytest.importorskip("tokenizers", reason="tokenizers not installed: linear model only")

TURNS: list[tuple[str, str]] = [
    ("therapist", "What has been on your mind since we last met?"),
    ("client", "Mostly whether I can keep going to the gym after work."),
    ("therapist", "You would like exercise to fit around your job."),
    ("client", "Yes."),
    ("therapist", "Have you been three times this week?"),
    ("therapist", ""),
]
# Fixed sub-code logits of the fake encoder: favour complex reflections, closed questions
# and advice, whatever the turn says.
SUB_LOGITS = {
    "reflection/complex": 3.0,
    "question/closed": 2.0,
    "therapist_input/advice": 4.0,
}


def _constant_encoder(main: np.ndarray, sub: np.ndarray | None) -> bytes:
    """An ONNX graph with the encoder's inputs whose outputs are ``main`` (and ``sub``)
    for every row of the batch."""
    from onnx import TensorProto, helper, numpy_helper

    inputs = encoder_inputs()
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        # One zero per row: (batch, 1), to broadcast the constants over the batch.
        helper.make_node("ReduceSum", ["mask", "axis"], ["tokens"], keepdims=1),
        helper.make_node("Mul", ["tokens", "zero"], ["zeros"]),
        helper.make_node("Add", ["zeros", "main_const"], ["logits"]),
    ]
    init = [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"),
        numpy_helper.from_array(np.zeros((1, 1), dtype=np.float32), "zero"),
        numpy_helper.from_array(main.reshape(1, -1).astype(np.float32), "main_const"),
    ]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(main)])]
    if sub is not None:
        nodes.append(helper.make_node("Add", ["zeros", "sub_const"], ["sub_logits"]))
        init.append(numpy_helper.from_array(sub.reshape(1, -1).astype(np.float32), "sub_const"))
        outputs.append(
            helper.make_tensor_value_info("sub_logits", TensorProto.FLOAT, ["batch", len(sub)])
        )
    return serialise(helper.make_graph(nodes, "constant_encoder", inputs, outputs, init))


def _sub_logits() -> np.ndarray:
    return np.array([SUB_LOGITS.get(label, 0.0) for label in SUB_LABELS], dtype=np.float32)


@pytest.fixture(scope="module")
def linear_bundle() -> dict[str, Any]:
    bundle, tokenizer = linear_coder_bundle()
    return {**bundle, "_tokenizer": tokenizer}


def _spec(bundle: dict[str, Any], onnx_bytes: bytes, therapist: float) -> dict[str, Any]:
    return {
        "onnx": onnx_bytes,
        "tokenizer": bundle["_tokenizer"],
        "max_length": 64,
        "context": False,
        "weights": {"therapist": therapist, "client": 0.0},
        "labels": list(ENCODER_LABELS),
    }


def _with(bundle: dict[str, Any], *specs: dict[str, Any]) -> Coder:
    return Coder({**bundle, "encoders": list(specs)})


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


def test_an_encoder_with_a_sub_code_head_gets_an_equal_vote_on_sub_codes(
    linear_bundle: dict[str, Any],
) -> None:
    head = _constant_encoder(np.zeros(len(ENCODER_LABELS)), _sub_logits())
    fused = _with(linear_bundle, _spec(linear_bundle, head, therapist=0.5))
    linear = _with(linear_bundle)
    assert fused.meta["encoder_subcodes"] is True
    assert linear.meta["encoder_subcodes"] is False
    for parent, subs in SUBCODES.items():
        encoder_vote = _softmax(np.array([SUB_LOGITS.get(f"{parent}/{s}", 0.0) for s in subs]))
        got = fused.subcode_probabilities(TURNS, parent)
        alone = linear.subcode_probabilities(TURNS, parent)
        for role_text, g, a in zip(TURNS, got, alone, strict=True):
            if role_text[0] == "client" or not role_text[1]:
                assert g is None and a is None
                continue
            assert g is not None and a is not None
            np.testing.assert_allclose(g, (a + encoder_vote) / 2, rtol=1e-6)


def test_a_strong_sub_code_vote_decides_the_sub_code(linear_bundle: dict[str, Any]) -> None:
    head = _constant_encoder(np.zeros(len(ENCODER_LABELS)), _sub_logits() * 10)
    fused = _with(linear_bundle, _spec(linear_bundle, head, therapist=0.5))
    assert fused.subcodes_for(TURNS, "reflection")[2] == "complex"
    assert fused.subcodes_for(TURNS, "question")[4] == "closed"
    assert fused.subcodes_for(TURNS, "therapist_input")[0] == "advice"


def test_an_encoder_without_a_sub_code_head_leaves_sub_codes_to_the_linear_model(
    linear_bundle: dict[str, Any],
) -> None:
    main_only = _constant_encoder(np.linspace(-1, 1, len(ENCODER_LABELS)), None)
    coder = _with(linear_bundle, _spec(linear_bundle, main_only, therapist=0.5))
    linear = _with(linear_bundle)
    assert coder.meta["encoder_active"] is True
    assert coder.meta["encoder_subcodes"] is False
    for parent in SUBCODES:
        for g, a in zip(
            coder.subcode_probabilities(TURNS, parent),
            linear.subcode_probabilities(TURNS, parent),
            strict=True,
        ):
            assert (g is None and a is None) or np.array_equal(g, a)


def test_a_sub_code_head_on_an_encoder_that_skips_therapist_turns_has_no_vote(
    linear_bundle: dict[str, Any],
) -> None:
    head = _constant_encoder(np.zeros(len(ENCODER_LABELS)), _sub_logits() * 10)
    client_only = {**_spec(linear_bundle, head, 0.0), "weights": {"therapist": 0, "client": 0.5}}
    coder = _with(linear_bundle, client_only)
    assert coder.meta["encoder_subcodes"] is False
    linear = _with(linear_bundle)
    assert coder.subcodes_for(TURNS, "reflection") == linear.subcodes_for(TURNS, "reflection")


def test_sub_codes_in_the_coded_conversation_come_from_the_fused_vote(
    linear_bundle: dict[str, Any],
) -> None:
    head = _constant_encoder(np.zeros(len(ENCODER_LABELS)), _sub_logits() * 10)
    coder = _with(linear_bundle, _spec(linear_bundle, head, therapist=0.5))
    expected = {"reflection": "complex", "question": "closed", "therapist_input": "advice"}
    with_subcodes = [c for c in coder.code_conversation(TURNS) if c.code in SUBCODES]
    assert len(with_subcodes) >= 2
    assert all(c.subcode == expected[c.code] for c in with_subcodes)


def test_an_unknown_parent_is_refused(linear_bundle: dict[str, Any]) -> None:
    with pytest.raises(CoderError, match="has no sub-codes"):
        _with(linear_bundle).subcode_probabilities(TURNS, "other")
