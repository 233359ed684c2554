"""The utterance coder: the shipped model loads and codes synthetic conversations sensibly.

All example sentences are written for these tests (no AnnoMI text). Throughput is measured
by ``bench/bench_coder.py``, not here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rapport.transcripts.coding import (
    CLIENT_CODES,
    DEFAULT_MODEL_PATH,
    QUESTION_STEM_FEATURES,
    SUBCODES,
    THERAPIST_CODES,
    Code,
    Coder,
    CoderError,
    adapt_to_session,
    coder_version,
    conversation_features,
    encoder_context,
    load_coder,
    question_stem,
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


def test_each_block_reads_its_own_field_though_shared_vectorisers_read_a_text_once(
    coder: Coder,
) -> None:
    # The context blocks share the utterance's word vectoriser; the features must still be
    # exactly each block's own transform of its field, side by side.
    import scipy.sparse as sp

    rows = conversation_features(CONVERSATION + [("client", "Yeah."), ("therapist", "Okay.")])
    blocks = coder._blocks
    assert len({id(v) for v in blocks.values()}) < len(blocks)  # some are shared
    expected = sp.hstack(
        [v.transform([getattr(u, n.split(":")[0]) for u in rows]) for n, v in blocks.items()]
        + [sp.csr_matrix(np.asarray([u.numeric for u in rows]))],
        format="csr",
    )
    got = coder._features(rows)
    assert got.shape == expected.shape
    assert (got != expected).nnz == 0


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("Do you exercise?", (1.0, 0.0, 0.0)),
        ("Is that right?", (1.0, 0.0, 0.0)),
        ("Wouldn't it help?", (1.0, 0.0, 0.0)),
        ("What would you like to change?", (0.0, 1.0, 0.0)),
        ("Tell me more about that?", (0.0, 1.0, 0.0)),
        ("How do you feel about it?", (0.0, 1.0, 0.0)),
        ("How many drinks a day?", (0.0, 0.0, 1.0)),
        # Leading fillers are skipped; the turn's last question is the one that counts.
        ("So, um, did it help?", (1.0, 0.0, 0.0)),
        ("What happened? Was it the weekend?", (1.0, 0.0, 0.0)),
        ("You sound tired. Why is that?", (0.0, 1.0, 0.0)),
        # No question, or one that starts some other way.
        ("You want to stop drinking.", (0.0, 0.0, 0.0)),
        ("You'd rather wait?", (0.0, 0.0, 0.0)),
        ("", (0.0, 0.0, 0.0)),
        ("So?", (0.0, 0.0, 0.0)),
    ],
)
def test_question_stem_reads_how_the_last_question_starts(
    text: str, stem: tuple[float, float, float]
) -> None:
    assert question_stem(text) == stem


def test_the_question_stem_is_the_last_of_the_numeric_features() -> None:
    rows = conversation_features([("therapist", "Okay. Do you smoke?"), ("client", "No.")])
    assert rows[0].numeric[-QUESTION_STEM_FEATURES:] == (1.0, 0.0, 0.0)
    assert rows[1].numeric[-QUESTION_STEM_FEATURES:] == (0.0, 0.0, 0.0)


def test_only_the_open_closed_classifier_weighs_the_question_stem(coder: Coder) -> None:
    stem = slice(-QUESTION_STEM_FEATURES, None)
    for task, clf in coder._tasks.items():
        weights = np.abs(clf.coef[:, stem])
        if task == "question":
            assert weights.max() > 0.1, "the open/closed task should use the stem"
        else:
            assert weights.max() == 0.0, f"{task} must not weigh the question stem"


@pytest.mark.parametrize("question", ["Do you exercise?", "Are you sleeping well?"])
def test_a_question_that_opens_with_a_verb_is_coded_closed(coder: Coder, question: str) -> None:
    turns = [
        ("therapist", "What would you like to talk about today?"),
        ("client", "My sleep has been bad for months."),
        ("therapist", question),
        ("client", "Not really."),
    ]
    third = coder.code_conversation(turns)[2]
    assert (third.code, third.subcode) == ("question", "closed")


def test_context_never_leaks_across_conversations() -> None:
    rows = conversation_features([("client", "Only me here.")])
    assert rows[0].prev_text == "" and rows[0].next_text == "" and rows[0].prev_other == ""


def test_the_encoder_context_reads_the_turns_either_side_with_their_speakers() -> None:
    rows = conversation_features(CONVERSATION[:3])
    middle = encoder_context(rows[1])
    assert middle.startswith("before, therapist: Hi, thanks for coming in.")
    assert "after, therapist: So you're feeling torn about drinking." in middle
    assert encoder_context(rows[0]).startswith("after, client: My wife")
    assert "before" not in encoder_context(rows[0])


def test_the_encoder_context_keeps_the_end_of_a_long_turn_before() -> None:
    long_turn = " ".join(f"w{i}" for i in range(100)) + " so what do you want?"
    rows = conversation_features([("therapist", long_turn), ("client", "To stop.")])
    context = encoder_context(rows[1])
    assert context.endswith("so what do you want?")
    assert "w0 " not in context and "w99" in context


def test_a_lone_turn_has_a_placeholder_context() -> None:
    assert encoder_context(conversation_features([("client", "Just me.")])[0]) == "(no other turn)"


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
    # The same file is the same model, wherever it lies.
    assert load_coder(copy).meta["version"] == load_coder().meta["version"]


def test_the_coder_version_names_the_model_file_and_how_it_runs(coder: Coder) -> None:
    data = DEFAULT_MODEL_PATH.read_bytes()
    assert coder.meta["version"].startswith(f"coder-{coder.meta['date']}-")
    assert coder.meta["version"] == coder_version(data, coder.meta)
    assert coder_version(data + b"\0", coder.meta) != coder.meta["version"]
    without_encoders = {**coder.meta, "encoder_active": False}
    assert coder_version(data, without_encoders) == coder.meta["version"] + "+linear-only"


def test_the_model_records_how_it_was_trained(coder: Coder) -> None:
    assert {"date", "data_hash", "seed", "cv"} <= set(coder.meta)


def _shipped_bundle() -> dict:
    import joblib

    return joblib.load(DEFAULT_MODEL_PATH)


def _needs_onnxruntime() -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed: linear model only")
    pytest.importorskip("tokenizers", reason="tokenizers not installed: linear model only")


def test_the_shipped_encoders_run_when_onnxruntime_is_installed(coder: Coder) -> None:
    _needs_onnxruntime()
    assert _shipped_bundle()["encoders"], "the shipped model carries fine-tuned encoders"
    assert coder.meta["encoder_active"] is True


def test_without_onnxruntime_it_codes_with_the_linear_model_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    bundle = _shipped_bundle()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes the import fail
    fallback = Coder(bundle)
    assert fallback.meta["encoder_active"] is False
    codes = fallback.code_conversation(CONVERSATION)
    assert codes == Coder({**bundle, "encoders": []}).code_conversation(CONVERSATION)
    assert codes[0].code == "question" and codes[4].subcode == "closed"
    # The linear model's own client codes (the sequence decoding set aside, which moves
    # the borderline "Yeah. I really want to quit." to neutral for the linear model alone).
    plain = Coder({**bundle, "encoders": [], "sequence": None})
    assert plain.code_conversation(CONVERSATION)[3].code == "change"


def test_a_corrupt_encoder_is_a_coder_error() -> None:
    _needs_onnxruntime()
    bundle = _shipped_bundle()
    bundle["encoders"] = [{**bundle["encoders"][0], "onnx": b"not an onnx graph"}]
    with pytest.raises(CoderError, match="encoder"):
        Coder(bundle)


def test_a_model_file_with_one_encoder_under_the_old_key_still_loads() -> None:
    _needs_onnxruntime()
    bundle = _shipped_bundle()
    first = bundle.pop("encoders")[0]
    bundle["encoder"] = {**first, "weight": 0.5}
    old = Coder(bundle)
    assert old.meta["encoder_active"] is True
    assert old.code_conversation(CONVERSATION)[0].code == "question"


def test_the_encoders_weigh_in(coder: Coder) -> None:
    # The same linear model alone gives other confidences: the encoders' votes count.
    _needs_onnxruntime()
    linear = Coder({**_shipped_bundle(), "encoders": []})
    fused = [c.confidence for c in coder.code_conversation(CONVERSATION)]
    alone = [c.confidence for c in linear.code_conversation(CONVERSATION)]
    assert fused != alone


def test_an_encoder_that_votes_on_therapist_turns_only_leaves_client_codes_alone() -> None:
    _needs_onnxruntime()
    # Without sequence decoding: with it, client codes also read the therapist turns'
    # (fused) probabilities, as the chain's state holds the last therapist code.
    bundle = {**_shipped_bundle(), "sequence": None}
    therapist_only = {**bundle["encoders"][0], "weights": {"therapist": 0.5, "client": 0.0}}
    voting = Coder({**bundle, "encoders": [therapist_only]}).code_conversation(CONVERSATION)
    linear = Coder({**bundle, "encoders": []}).code_conversation(CONVERSATION)
    client = [i for i, (role, _text) in enumerate(CONVERSATION) if role == "client"]
    therapist = [i for i, (role, _text) in enumerate(CONVERSATION) if role == "therapist"]
    assert [voting[i] for i in client] == [linear[i] for i in client]
    assert [voting[i] for i in therapist] != [linear[i] for i in therapist]


def test_codes_do_not_depend_on_how_many_threads_run_the_encoders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Turns run one at a time, spread over worker threads: the split must not change a code.
    _needs_onnxruntime()
    bundle = _shipped_bundle()
    monkeypatch.setenv("RAPPORT_CODER_THREADS", "1")
    single = Coder(bundle).code_conversation(CONVERSATION * 3)
    monkeypatch.setenv("RAPPORT_CODER_THREADS", "3")
    threaded = Coder(bundle).code_conversation(CONVERSATION * 3)
    assert single == threaded


@pytest.mark.skipif(
    not (ANNOMI / "annomi-simple-train.csv").is_file(),
    reason="AnnoMI training data not present (../shared/data/annomi); it is not in the repo",
)
def test_the_model_was_trained_on_the_annomi_data_present_here(coder: Coder) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from coder_data import data_hash

    assert coder.meta["data_hash"] == data_hash(ANNOMI)


# --- adapting to a session's own mix of codes (Saerens et al. 2002) ---------------------

PRIOR = np.array([0.3, 0.3, 0.1, 0.3])  # reflection, question, therapist_input, other
AMBIGUOUS = [0.5, 0.05, 0.4, 0.05]  # reflection or input: "You need to cut down."
ADVICE = [0.05, 0.05, 0.85, 0.05]


def test_a_session_full_of_advice_tips_an_ambiguous_turn_towards_advice() -> None:
    session = np.array([ADVICE] * 40 + [AMBIGUOUS])
    adjusted = adapt_to_session(session, PRIOR)
    assert session[-1].argmax() == 0 and adjusted[-1].argmax() == 2


def test_a_short_session_stays_close_to_the_training_mix() -> None:
    short = adapt_to_session(np.array([ADVICE] * 3 + [AMBIGUOUS]), PRIOR)
    long = adapt_to_session(np.array([ADVICE] * 40 + [AMBIGUOUS]), PRIOR)
    assert short[-1, 2] < long[-1, 2]


def test_a_session_whose_mix_matches_the_training_mix_is_left_unchanged() -> None:
    # Half reflections, half questions, each calibrated: on average exactly the prior.
    session = np.array([[0.5, 0.1, 0.1, 0.3], [0.1, 0.5, 0.1, 0.3]] * 50)
    adjusted = adapt_to_session(session, PRIOR)
    assert np.allclose(adjusted, session)
    assert np.allclose(adjusted.sum(axis=1), 1.0)


def test_adapting_an_empty_session_is_a_no_op() -> None:
    assert adapt_to_session(np.zeros((0, 4)), PRIOR).shape == (0, 4)


def test_code_many_adapts_each_conversation_on_its_own(coder: Coder) -> None:
    # Another conversation in the same batch must not shift this one's codes.
    advice_heavy = [("therapist", "You should stop drinking now."), ("client", "Okay.")] * 30
    alone = coder.code_conversation(CONVERSATION)
    batched = coder.code_many([advice_heavy, CONVERSATION])[1]
    assert batched == alone


def test_the_shipped_model_adapts_therapist_codes_only() -> None:
    priors = _shipped_bundle()["session_priors"]
    assert set(priors) == {"therapist"}
    assert set(priors["therapist"]) == set(THERAPIST_CODES)
    assert abs(sum(priors["therapist"].values()) - 1.0) < 1e-9
