"""A session encoder reads every turn of a conversation, in order, and only that conversation.

The encoder here is two tiny ONNX graphs shaped like the ones
``scripts/finetune_session_coder.py`` exports: the first turns each utterance into a
one-number "vector" (its token count), the second gives each turn logits that favour a
reflection when the turn is shorter than its conversation's average and a question when it
is longer. With a heavy vote for the encoder, the code of a turn then depends on the other
turns of its own conversation, which the tests can predict exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from rapport.transcripts.coding import ENCODER_LABELS, SUB_LABELS, Coder
from tests.transcripts._helpers import linear_coder_bundle
from tests.transcripts._onnx import encoder_inputs, serialise

onnx = pytest.importorskip("onnx", reason="onnx (test extra) builds the tiny encoder graphs")
pytest.importorskip("onnxruntime", reason="onnxruntime not installed: linear model only")
pytest.importorskip("tokenizers", reason="tokenizers not installed: linear model only")

THERAPIST_TURN = "You would like exercise to fit around your job."
LONG_CLIENT_TURN = (
    "Mostly whether I can keep going to the gym after work, because by the time I get home "
    "I am tired and the kids need dinner and there is always something else to do first."
)


def _token_count_encoder() -> bytes:
    """input ids -> (batch, 1): each utterance's number of tokens."""
    from onnx import TensorProto, helper, numpy_helper

    inputs = encoder_inputs()
    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["mask", "axis"], ["vectors"], keepdims=1),
    ]
    init = [numpy_helper.from_array(np.array([1], dtype=np.int64), "axis")]
    outputs = [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["batch", 1])]
    return serialise(helper.make_graph(nodes, "token_count", inputs, outputs, init))


def _longer_than_average_session(scale: float, sub: np.ndarray | None = None) -> bytes:
    """(1, n, 1) vectors -> (n, codes) logits: (length - conversation's mean) * direction,
    where the direction favours a question over a reflection (and change over neutral);
    with ``sub``, a second output of those sub-code logits for every turn."""
    from onnx import TensorProto, helper, numpy_helper

    direction = np.zeros(len(ENCODER_LABELS), dtype=np.float32)
    direction[ENCODER_LABELS.index("question")] = scale
    direction[ENCODER_LABELS.index("reflection")] = -scale
    direction[ENCODER_LABELS.index("change")] = scale
    direction[ENCODER_LABELS.index("neutral")] = -scale
    nodes = [
        helper.make_node("ReduceMean", ["vectors"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["vectors", "mean"], ["centred"]),
        helper.make_node("Mul", ["centred", "direction"], ["scaled"]),
        helper.make_node("Squeeze", ["scaled", "batch_axis"], ["logits"]),
    ]
    init = [
        numpy_helper.from_array(direction, "direction"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "batch_axis"),
    ]
    inputs = [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, [1, "n", 1])]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", len(ENCODER_LABELS)])
    ]
    if sub is not None:
        nodes += [
            helper.make_node("Squeeze", ["vectors", "batch_axis"], ["lengths"]),
            helper.make_node("Mul", ["lengths", "zero"], ["zeros"]),
            helper.make_node("Add", ["zeros", "sub_const"], ["sub_logits"]),
        ]
        init += [
            numpy_helper.from_array(np.zeros((1, 1), dtype=np.float32), "zero"),
            numpy_helper.from_array(sub.reshape(1, -1).astype(np.float32), "sub_const"),
        ]
        outputs.append(
            helper.make_tensor_value_info("sub_logits", TensorProto.FLOAT, ["n", len(sub)])
        )
    return serialise(helper.make_graph(nodes, "session", inputs, outputs, init))


def _session_spec(tokenizer: str, scale: float, vote: float, **extra: object) -> dict:
    """The two tiny graphs as a session-encoder spec voting ``vote`` on both tasks."""
    return {
        "onnx": _token_count_encoder(),
        "session": _longer_than_average_session(scale=scale),
        "tokenizer": tokenizer,
        "max_length": 64,
        "context": False,
        "weights": {"therapist": vote, "client": vote},
        "labels": list(ENCODER_LABELS),
        **extra,
    }


@pytest.fixture(scope="module")
def session_coder() -> Coder:
    bundle, tokenizer = linear_coder_bundle()
    # A heavy vote so the encoder decides (the shipped weights are equal votes).
    return Coder({**bundle, "encoders": [_session_spec(tokenizer, scale=10.0, vote=0.9)]})


def _conversation(client_turn: str) -> list[tuple[str, str]]:
    return [
        ("therapist", "How was the week?"),
        ("client", client_turn),
        ("therapist", THERAPIST_TURN),
        ("client", client_turn),
    ]


def test_the_same_turn_is_coded_by_the_conversation_around_it(session_coder: Coder) -> None:
    # Beside long client turns the therapist's turn is shorter than average: a reflection;
    # beside one-word answers it is longer than average: a question. Only the client's
    # turns differ, so the encoder reads them even where it codes the therapist.
    beside_long = session_coder.code_conversation(_conversation(LONG_CLIENT_TURN))
    beside_short = session_coder.code_conversation(_conversation("Fine."))
    assert beside_long[2].code == "reflection"
    assert beside_short[2].code == "question"
    assert beside_long[1].code == "change"  # the long client turn, longer than average
    assert beside_short[1].code == "neutral"


def test_conversations_coded_together_do_not_read_each_other(session_coder: Coder) -> None:
    first, second = _conversation(LONG_CLIENT_TURN), _conversation("Fine.")
    together = session_coder.code_many([first, second])
    assert together == [session_coder.code_conversation(c) for c in (first, second)]
    assert together[0][2].code != together[1][2].code


def test_the_session_encoder_counts_as_active(session_coder: Coder) -> None:
    assert session_coder.meta["encoder_active"] is True
    assert session_coder.meta["encoder_subcodes"] is False


def test_a_session_encoder_with_a_sub_code_head_votes_on_sub_codes() -> None:
    bundle, tokenizer = linear_coder_bundle()
    # Sub-code logits that favour a complex reflection (and nothing else), every turn.
    sub = np.zeros(len(SUB_LABELS), dtype=np.float32)
    sub[SUB_LABELS.index("reflection/complex")] = 2.0
    spec = _session_spec(tokenizer, scale=10.0, vote=0.9)
    spec["session"] = _longer_than_average_session(scale=10.0, sub=sub)
    coder = Coder({**bundle, "encoders": [spec]})
    linear = Coder(bundle)
    assert coder.meta["encoder_subcodes"] is True
    turns = _conversation(LONG_CLIENT_TURN)
    encoder_vote = np.exp([0.0, 2.0]) / np.exp([0.0, 2.0]).sum()  # simple, complex
    got = coder.subcode_probabilities(turns, "reflection")
    alone = linear.subcode_probabilities(turns, "reflection")
    for (role, _text), g, a in zip(turns, got, alone, strict=True):
        if role == "client":
            assert g is None and a is None
            continue
        assert g is not None and a is not None
        np.testing.assert_allclose(g, (a + encoder_vote) / 2, rtol=1e-6)
    # The same votes when the turn is coded: the reflection gets the fused sub-code.
    reflection = coder.code_conversation(turns)[2]
    fused = (alone[2] + encoder_vote) / 2
    assert reflection.code == "reflection"
    assert reflection.subcode == ("simple", "complex")[int(np.argmax(fused))]


# --- cutting long turns as the encoder was trained to read them -------------------------


def _token_sum_classifier() -> bytes:
    """input ids -> (batch, codes) logits that all equal the sum of the ids read."""
    from onnx import TensorProto, helper, numpy_helper

    inputs = encoder_inputs()
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["ids", "axis"], ["total"], keepdims=1),
        helper.make_node("Mul", ["total", "ones"], ["logits"]),
    ]
    init = [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"),
        numpy_helper.from_array(np.ones((1, len(ENCODER_LABELS)), dtype=np.float32), "ones"),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(ENCODER_LABELS)])
    ]
    return serialise(helper.make_graph(nodes, "token_sum", inputs, outputs, init))


@pytest.mark.parametrize("truncation", ["end", "head_tail"])
def test_a_long_turn_is_cut_the_way_the_encoder_was_trained(truncation: str) -> None:
    from tokenizers import Tokenizer

    from rapport.transcripts.coding import _Encoder, conversation_features, encoder_input

    _bundle, tokenizer = linear_coder_bundle()
    spec = {
        "onnx": _token_sum_classifier(),
        "tokenizer": tokenizer,
        "max_length": 10,
        "truncation": truncation,
        "labels": list(ENCODER_LABELS),
    }
    rows = conversation_features([("client", LONG_CLIENT_TURN), ("client", "Fine.")])
    read = _Encoder(spec).logits(rows)[:, 0]
    plain = Tokenizer.from_str(tokenizer)
    plain.no_truncation()
    plain.no_padding()
    full = [plain.encode(encoder_input(u.role, u.text)).ids for u in rows]
    assert len(full[0]) > 10 and len(full[1]) <= 10
    if truncation == "end":
        expected = [full[0][:9] + full[0][-1:], full[1]]
    else:
        # The first five ids ([CLS] "client" ":" "mostly" "whether") and the last five
        # ("to" "do" "first" "." [SEP]): the turn's start and end, not its middle.
        expected = [full[0][:5] + full[0][-5:], full[1]]
    assert list(read) == [float(sum(ids)) for ids in expected]


def test_a_repeated_turn_is_read_once_and_keeps_its_own_result(monkeypatch) -> None:
    from tokenizers import Tokenizer

    from rapport.transcripts.coding import _Encoder, conversation_features, encoder_input

    _bundle, tokenizer = linear_coder_bundle()
    spec = {
        "onnx": _token_sum_classifier(),
        "tokenizer": tokenizer,
        "max_length": 64,
        "labels": list(ENCODER_LABELS),
    }
    encoder = _Encoder(spec)
    read_ids: list[list[int]] = []
    run_one = encoder._run_one
    monkeypatch.setattr(encoder, "_run_one", lambda e: read_ids.append(e.ids) or run_one(e))
    rows = conversation_features(
        [
            ("therapist", "How was the week?"),
            ("client", "Mm-hmm."),
            ("therapist", "Mm-hmm."),  # the same words from the other speaker: another input
            ("client", "Mm-hmm."),
            ("therapist", "How was the week?"),
        ]
    )
    logits = encoder.logits(rows)[:, 0]
    plain = Tokenizer.from_str(tokenizer)
    plain.no_padding()
    expected = [float(sum(plain.encode(encoder_input(u.role, u.text)).ids)) for u in rows]
    assert len(read_ids) == 3
    assert list(logits) == expected
    assert logits[1] == logits[3] != logits[2]


def test_a_temperature_sharpens_the_encoders_vote_on_its_own_task_only() -> None:
    from rapport.transcripts.coding import conversation_features

    bundle, tokenizer = linear_coder_bundle()
    bundle = {**bundle, "sequence": None}  # the fused vote itself, not decoded
    spec = _session_spec(tokenizer, scale=0.05, vote=0.5)  # modest logits: T shows
    plain = Coder({**bundle, "encoders": [spec]})
    sharp = Coder({**bundle, "encoders": [{**spec, "temperatures": {"client": 0.5}}]})
    turns = _conversation("Fine.")  # short client turns: the encoder leans to neutral
    before, after = plain.code_conversation(turns), sharp.code_conversation(turns)
    assert [c.confidence for c in before[0::2]] == [c.confidence for c in after[0::2]]
    # Client turns: the fused probability of the chosen code moves by exactly half (the
    # encoder's vote) the change in the encoder's own softmax.
    logits = plain._encoder_logits(conversation_features(turns))[:, 0]
    columns = [ENCODER_LABELS.index(c) for c in ("change", "neutral", "sustain")]
    for i in (1, 3):
        assert after[i].code == before[i].code
        k = columns[("change", "neutral", "sustain").index(before[i].code)]
        z = logits[i, columns]
        moved = np.exp(2 * z) / np.exp(2 * z).sum() - np.exp(z) / np.exp(z).sum()
        shift = 0.5 * moved[columns.index(k)]
        assert abs(shift) > 0.01
        assert after[i].confidence == pytest.approx(before[i].confidence + shift, abs=1e-6)


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("inf")])
def test_a_bundle_with_a_temperature_that_is_not_positive_is_refused(temperature: float) -> None:
    from rapport.transcripts.coding import CoderError

    bundle, tokenizer = linear_coder_bundle()
    spec = _session_spec(tokenizer, 1.0, 0.5, temperatures={"client": temperature})
    with pytest.raises(CoderError, match="temperatures"):
        Coder({**bundle, "encoders": [spec]})
