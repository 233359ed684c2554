"""The utterance coder: the shipped model loads and codes synthetic conversations sensibly.

All example sentences are written for these tests (no AnnoMI text). Throughput is measured
by ``bench/bench_coder.py``, not here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rapport.transcripts.coding import (
    CLIENT_CODES,
    DEFAULT_MODEL_PATH,
    SUBCODES,
    THERAPIST_CODES,
    Code,
    Coder,
    CoderError,
    conversation_features,
    load_coder,
)

ANNOMI = Path(__file__).resolve().parents[3] / "shared" / "data" / "annomi"

CONVERSATION: list[tuple[str, str]] = [
    ("therapist", "Hi, thanks for coming in. What brings you here today?"),
    ("client", "My wife says I drink too much and I guess she might be right."),
    ("therapist", "So you're feeling torn about drinking."),
    ("client", "Yeah. I really want to quit."),
    ("therapist", "Do you drink every day?"),
    ("client", "Pretty much, a few beers after work."),
    ("therapist", "What would be different in your life if you cut down?"),
    ("client", "I don't see why I should stop, honestly. Everyone I know drinks."),
    ("therapist", "Okay."),
]


@pytest.fixture(scope="module")
def coder() -> Coder:
    return load_coder()


@pytest.fixture(scope="module")
def codes(coder: Coder) -> list[Code]:
    return coder.code_conversation(CONVERSATION)


def test_the_shipped_model_loads_and_is_cached() -> None:
    assert DEFAULT_MODEL_PATH.is_file()
    assert load_coder() is load_coder()
    assert load_coder(DEFAULT_MODEL_PATH) is load_coder()


def test_it_codes_every_turn_with_a_code_of_the_speakers_role(codes: list[Code]) -> None:
    assert len(codes) == len(CONVERSATION)
    for (role, _text), code in zip(CONVERSATION, codes, strict=True):
        allowed = THERAPIST_CODES if role == "therapist" else CLIENT_CODES
        assert code.code in allowed


def test_subcodes_belong_to_their_main_code(codes: list[Code]) -> None:
    for code in codes:
        if code.code in SUBCODES:
            assert code.subcode in SUBCODES[code.code]
        else:
            assert code.subcode is None


def test_confidences_are_probabilities(codes: list[Code]) -> None:
    assert all(0.0 <= c.confidence <= 1.0 for c in codes)


def test_an_open_question_is_coded_open(codes: list[Code]) -> None:
    assert (codes[0].code, codes[0].subcode) == ("question", "open")
    assert codes[6].code == "question"


def test_a_closed_question_is_coded_closed(codes: list[Code]) -> None:
    assert (codes[4].code, codes[4].subcode) == ("question", "closed")


def test_a_reflection_is_coded_reflection(codes: list[Code]) -> None:
    assert codes[2].code == "reflection"


def test_change_talk_is_coded_change(codes: list[Code]) -> None:
    assert codes[3].code == "change"


def test_a_bare_acknowledgement_is_other(codes: list[Code]) -> None:
    assert codes[8].code == "other"


def test_empty_and_whitespace_turns_get_low_confidence_defaults(coder: Coder) -> None:
    codes = coder.code_conversation(
        [("therapist", ""), ("client", "   \n"), ("therapist", "How are you?")]
    )
    assert codes[0] == Code("other", None, 0.25)
    assert codes[1].code == "neutral" and codes[1].subcode is None
    assert codes[1].confidence < 0.5
    assert codes[2].code == "question"


def test_an_empty_conversation_gives_no_codes(coder: Coder) -> None:
    assert coder.code_conversation([]) == []
    assert coder.code_many([]) == []
    assert coder.code_many([[], []]) == [[], []]


def test_roles_are_read_case_insensitively(coder: Coder) -> None:
    assert coder.code_conversation([("Therapist ", "What brings you here?")])[0].code == "question"


@pytest.mark.parametrize("role", ["counsellor", "", None, 3])
def test_an_unknown_role_is_an_error_that_names_it(coder: Coder, role: object) -> None:
    with pytest.raises(CoderError, match="unknown role"):
        coder.code_conversation([("therapist", "Hello."), (role, "Hi.")])  # type: ignore[list-item]


def test_code_many_matches_coding_one_conversation_at_a_time(coder: Coder) -> None:
    other = [("client", "I've been thinking about cutting back."), ("therapist", "Tell me more.")]
    together = coder.code_many([CONVERSATION, other])
    assert together == [coder.code_conversation(CONVERSATION), coder.code_conversation(other)]


def test_context_never_leaks_across_conversations() -> None:
    rows = conversation_features([("client", "Only me here.")])
    assert rows[0].prev_text == "" and rows[0].next_text == "" and rows[0].prev_other == ""


def test_a_missing_model_file_is_a_coder_error(tmp_path: Path) -> None:
    with pytest.raises(CoderError, match="not found"):
        load_coder(tmp_path / "nope.joblib")


def test_a_corrupt_model_file_is_a_coder_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"this is not a model")
    with pytest.raises(CoderError, match="unreadable"):
        load_coder(bad)


def test_a_model_from_another_feature_version_is_refused(tmp_path: Path) -> None:
    import joblib

    old = tmp_path / "old.joblib"
    joblib.dump({"feature_version": -1, "tasks": {}}, old)
    with pytest.raises(CoderError, match="feature version"):
        load_coder(old)


def test_a_copied_model_loads_from_its_own_path(tmp_path: Path) -> None:
    copy = tmp_path / "coder.joblib"
    shutil.copy(DEFAULT_MODEL_PATH, copy)
    assert load_coder(copy).code_conversation([("client", "I want to quit.")])[0].code in (
        CLIENT_CODES
    )


def test_the_model_records_how_it_was_trained(coder: Coder) -> None:
    assert {"date", "data_hash", "seed", "cv"} <= set(coder.meta)


def _shipped_bundle() -> dict:
    import joblib

    return joblib.load(DEFAULT_MODEL_PATH)


def test_the_shipped_encoder_runs_when_onnxruntime_is_installed(coder: Coder) -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed: linear model only")
    pytest.importorskip("tokenizers", reason="tokenizers not installed: linear model only")
    assert coder.meta["encoder_active"] is bool(_shipped_bundle().get("encoder"))


def test_without_onnxruntime_it_codes_with_the_linear_model_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    bundle = _shipped_bundle()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes the import fail
    fallback = Coder(bundle)
    assert fallback.meta["encoder_active"] is False
    codes = fallback.code_conversation(CONVERSATION)
    assert codes[0].code == "question" and codes[3].code == "change"


def test_a_corrupt_encoder_is_a_coder_error() -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed")
    pytest.importorskip("tokenizers", reason="tokenizers not installed")
    bundle = _shipped_bundle()
    if not bundle.get("encoder"):
        pytest.skip("the shipped model has no encoder")
    bundle["encoder"] = {**bundle["encoder"], "onnx": b"not an onnx graph"}
    with pytest.raises(CoderError, match="encoder"):
        Coder(bundle)


@pytest.mark.skipif(
    not (ANNOMI / "annomi-simple-train.csv").is_file(),
    reason="AnnoMI training data not present (../shared/data/annomi); it is not in the repo",
)
def test_the_model_was_trained_on_the_annomi_data_present_here(coder: Coder) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from coder_data import data_hash

    assert coder.meta["data_hash"] == data_hash(ANNOMI)
