"""Building blocks for the tiny ONNX graphs that stand in for the coder's encoders in tests.

Import only after ``pytest.importorskip("onnx")``: onnx is a test extra.
"""

from __future__ import annotations

from typing import Any

ENCODER_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def encoder_inputs() -> list[Any]:
    """The three int64 (batch, tokens) inputs every exported encoder takes."""
    from onnx import TensorProto, helper

    return [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"])
        for name in ENCODER_INPUT_NAMES
    ]


def serialise(graph: Any) -> bytes:
    """``graph`` as a checked opset-17 model, in the bytes a coder bundle carries."""
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())
