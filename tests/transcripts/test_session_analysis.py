from __future__ import annotations

import io
import json

import pytest

from rapport.transcripts.analysis import analysis_to_json, analyze, code_csv
from rapport.transcripts.coding import DEFAULT_MODEL_PATH, load_coder
from rapport.transcripts.parsing import (
    CsvColumnsError,
    SingleSpeakerError,
    UnknownRoleError,
    parse_transcript,
)
from rapport.transcripts.quality import load_quality_model
from tests.transcripts._helpers import FIXTURES, FakeCoder, code, fixture_bytes, rate_short_sessions

METRIC_KEYS = {
    "reflection_to_question_ratio",
    "percent_open_questions",
    "percent_complex_reflections",
    "percent_therapist_input",
    "therapist_talk_share",
    "change_talk_ratio",
}
FLAG_KEYS = {"kind", "utterance", "start", "end", "text", "explanation", "source"}
UTTERANCE_KEYS = {"speaker", "role", "text", "code", "subcode", "confidence"}

ZOOM_CODES = FakeCoder(
    {
        "Hi Sam, thanks for coming in today. What would you like to talk about?": code(
            "question", "open"
        ),
        "So what she said made you stop and take stock.": code("reflection", "complex"),
        "Yeah. I want to cut down before it gets worse.": code("change"),
    }
)


def _zoom_analysis(coder=ZOOM_CODES):
    transcript = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    return analyze(transcript, None, coder)


def test_analyze_guesses_roles_and_codes_turns_with_their_roles():
    coder = FakeCoder(ZOOM_CODES.table)
    analysis = _zoom_analysis(coder)
    assert analysis.roles == {"Dr Alex Moreno": "therapist", "Sam Okafor": "client"}
    assert [role for role, _ in coder.calls[0]] == ["therapist", "client", "therapist", "client"]
    assert analysis.metrics.reflection_to_question_ratio == 1.0
    assert analysis.metrics.change_talk_ratio == 1.0


def test_analyze_uses_given_roles():
    transcript = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    roles = {"Dr Alex Moreno": "client", "Sam Okafor": "therapist"}
    coder = FakeCoder()
    assert analyze(transcript, roles, coder).roles == roles
    assert coder.calls[0][0][0] == "client"


def test_analysis_json_has_exactly_the_contracted_keys_and_is_serialisable():
    data = analysis_to_json(_zoom_analysis())
    assert {"metrics", "quality_estimate", "flags", "utterances"} <= set(data)
    assert set(data["metrics"]) == METRIC_KEYS
    assert all(set(u) == UTTERANCE_KEYS for u in data["utterances"])
    assert data["utterances"][1] == {
        "speaker": "Sam Okafor",
        "role": "client",
        "text": "I've been thinking about my drinking. It's been getting out of hand. "
        "My sister said something at dinner and it stuck with me.",
        "code": "neutral",
        "subcode": None,
        "confidence": 0.5,
    }
    assert data["metrics"]["percent_complex_reflections"] == 100.0
    # One reflection: shown, but too few to rate.
    assert data["ratings"]["percent_complex_reflections"] is None
    assert "MITI 4.2.1" in data["reference_values"]["reflection_to_question_ratio"]["source"]
    json.dumps(data)


def test_analysis_json_lists_flags_with_their_keys():
    transcript = parse_transcript(
        b"Therapist: Hello.\nClient: I failed the test.\n"
        b"Therapist: You should have known better.\n",
        "x.txt",
    )
    data = analysis_to_json(analyze(transcript, None, FakeCoder()))
    assert [f["kind"] for f in data["flags"]] == ["judgmental_language"]
    assert set(data["flags"][0]) == FLAG_KEYS
    assert data["flags"][0]["utterance"] == 2
    assert data["flag_counts"]["judgmental_language"] == 1


def test_a_coder_returning_the_wrong_number_of_codes_is_an_error():
    class Broken:
        def code_conversation(self, turns):
            return [code("other")]

    transcript = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    with pytest.raises(ValueError, match="1 codes for 4 turns"):
        analyze(transcript, None, Broken())


def test_without_a_quality_model_the_analysis_still_completes_with_a_note(tmp_path, monkeypatch):
    rate_short_sessions(monkeypatch)
    transcript = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    analysis = analyze(transcript, None, FakeCoder(), quality_model=tmp_path / "missing.json")
    assert analysis.quality is None
    assert analysis_to_json(analysis)["quality_estimate"] is None
    assert analysis_to_json(analysis)["quality_model"] is None
    assert any(n.startswith("No quality estimate") for n in analysis.notes)


def test_the_analysis_names_the_quality_model_that_made_the_estimate(monkeypatch):
    rate_short_sessions(monkeypatch)
    transcript = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    result = analysis_to_json(analyze(transcript, None, FakeCoder()))
    assert result["quality_estimate"] is not None
    assert result["quality_model"] == load_quality_model()["version"]


def test_the_analysis_names_the_coder_that_made_the_codes():
    transcript = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    coder = FakeCoder()
    assert analysis_to_json(analyze(transcript, None, coder))["coder_model"] is None
    coder.meta = {"version": "coder-test"}
    assert analysis_to_json(analyze(transcript, None, coder))["coder_model"] == "coder-test"


# --- code_csv ----------------------------------------------------------------------------


def _code_csv(text: str, coder=None) -> str:
    out = io.StringIO()
    code_csv(io.StringIO(text), out, coder or FakeCoder())
    return out.getvalue()


def test_code_csv_keeps_every_row_and_column_in_order_and_adds_codes(tmp_path):
    coder = FakeCoder({"How are you today?": code("question", "open", 0.8123)})
    out_path = tmp_path / "coded.csv"
    rows = code_csv(FIXTURES / "utterances.csv", out_path, coder)
    assert rows == 5
    lines = out_path.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "transcript,role,text,note,code,subcode,confidence",
        "a,therapist,How are you today?,first,question,open,0.812",
        "b,therapist,What brings you here?,,other,,0.500",
        "a,client,Fine thanks.,,neutral,,0.500",
        "b,client,My sleep has been bad.,x,neutral,,0.500",
        "a,therapist,You seem tired.,,other,,0.500",
    ]


def test_code_csv_codes_each_conversation_separately_in_row_order():
    coder = FakeCoder()
    code_csv(FIXTURES / "utterances.csv", io.StringIO(), coder)
    assert coder.calls == [
        [
            ("therapist", "How are you today?"),
            ("client", "Fine thanks."),
            ("therapist", "You seem tired."),
        ],
        [("therapist", "What brings you here?"), ("client", "My sleep has been bad.")],
    ]


def test_code_csv_without_a_transcript_column_is_one_conversation():
    coder = FakeCoder()
    _code_csv("role,text\nTherapist,Hi.\nCLIENT,Hello.\n", coder)
    assert coder.calls == [[("therapist", "Hi."), ("client", "Hello.")]]


def test_code_csv_guesses_roles_per_conversation_from_speakers():
    coder = FakeCoder()
    text = (
        "transcript,speaker,text\n"
        "1,Dr Kim,How are you?\n1,Ana,Tired.\n"
        "2,Ben,I wanted to talk about work.\n2,Counsellor Rae,What about work?\n"
    )
    _code_csv(text, coder)
    assert [[role for role, _ in call] for call in coder.calls] == [
        ["therapist", "client"],
        ["client", "therapist"],
    ]


def test_code_csv_reads_annomi_style_column_names():
    # AnnoMI's own export: conversation id, roles in 'interlocutor', text in 'utterance_text'.
    coder = FakeCoder()
    text = (
        "transcript_id,utterance_id,interlocutor,utterance_text\n"
        "4,0,therapist,How are you?\n4,1,client,Tired.\n"
        "9,0,client,I wanted to talk about work.\n9,1,therapist,What about work?\n"
    )
    out = _code_csv(text, coder)
    assert coder.calls == [
        [("therapist", "How are you?"), ("client", "Tired.")],
        [("client", "I wanted to talk about work."), ("therapist", "What about work?")],
    ]
    assert out.splitlines()[0] == (
        "transcript_id,utterance_id,interlocutor,utterance_text,code,subcode,confidence"
    )


def test_code_csv_prefers_the_documented_column_names():
    coder = FakeCoder()
    _code_csv("transcript,session,role,text\n1,x,therapist,Hi.\n2,x,client,Hello.\n", coder)
    assert coder.calls == [[("therapist", "Hi.")], [("client", "Hello.")]]


def test_code_csv_takes_speakers_named_by_their_role_as_given():
    # The client speaks first and says more: a guess from talk alone could swap them.
    coder = FakeCoder()
    text = "speaker,text\nClient,I have been drinking more since the move.\nTherapist,Say more.\n"
    _code_csv(text, coder)
    assert [role for role, _ in coder.calls[0]] == ["client", "therapist"]


def test_code_csv_overwrites_existing_code_columns_in_place():
    out = _code_csv("code,role,text\nold,therapist,Hi.\nold,client,Hello.\n")
    assert out.splitlines()[0] == "code,role,text,subcode,confidence"
    assert out.splitlines()[1] == "other,therapist,Hi.,,0.500"


def test_code_csv_keeps_blank_rows_without_coding_them():
    out = _code_csv("role,text\ntherapist,Hi.\n,\nclient,Hello.\n")
    assert out.splitlines()[2] == ",,,,"


def test_code_csv_names_missing_columns():
    with pytest.raises(CsvColumnsError, match=r"needs a 'role' \(or 'speaker'\) column"):
        _code_csv("who,text\nT,Hi.\n")
    with pytest.raises(CsvColumnsError, match="needs a 'text' column"):
        _code_csv("role,words\ntherapist,Hi.\n")
    with pytest.raises(CsvColumnsError, match="empty"):
        _code_csv("")


def test_code_csv_names_the_line_of_an_unknown_role():
    with pytest.raises(UnknownRoleError, match="Line 3: Unknown role 'doctor'"):
        _code_csv("role,text\ntherapist,Hi.\ndoctor,Hello.\n")


def test_code_csv_checks_every_conversation_before_coding_any():
    coder = FakeCoder()
    with pytest.raises(UnknownRoleError, match="Line 4: Unknown role 'doctor'"):
        _code_csv("transcript,role,text\n1,therapist,Hi.\n1,client,Hello.\n2,doctor,Hi.\n", coder)
    assert coder.calls == []


def test_code_csv_names_the_conversation_with_a_single_speaker():
    with pytest.raises(SingleSpeakerError, match="Conversation '7': Only one speaker"):
        _code_csv("transcript,speaker,text\n7,Ana,Hi.\n7,Ana,Hello?\n")


# --- end to end with the real coder ------------------------------------------------------


def _real_coder():
    # The model file is tracked in git and onnxruntime and tokenizers are required
    # dependencies, so a missing, unreadable or encoder-less coder is a broken build: it
    # fails here rather than being skipped in CI.
    assert DEFAULT_MODEL_PATH.is_file(), f"the shipped coder model is missing: {DEFAULT_MODEL_PATH}"
    coder = load_coder()  # a CoderError fails the test
    assert coder.meta["encoder_active"], "the shipped coder runs without its encoders"
    return coder


def test_a_teams_transcript_runs_end_to_end_with_the_real_coder(monkeypatch):
    rate_short_sessions(monkeypatch)
    transcript = parse_transcript(fixture_bytes("teams.vtt"), "teams.vtt")
    data = analysis_to_json(analyze(transcript, None, _real_coder()))
    assert [u["role"] for u in data["utterances"]] == ["therapist", "client", "therapist"]
    assert data["utterances"][0]["code"] in {"reflection", "question", "therapist_input", "other"}
    assert data["utterances"][1]["code"] in {"change", "neutral", "sustain"}
    assert set(data["metrics"]) == METRIC_KEYS
    # The quality model is tracked in git too: no estimate means it failed to load.
    assert data["quality_estimate"] is not None, data["notes"]
    assert 0.0 <= data["quality_estimate"] <= 1.0
    json.dumps(data)


def test_code_csv_runs_end_to_end_with_the_real_coder():
    out = io.StringIO()
    assert code_csv(FIXTURES / "utterances.csv", out, _real_coder()) == 5
    header, *rows = out.getvalue().splitlines()
    assert header.endswith(",code,subcode,confidence") and len(rows) == 5


def test_a_short_session_has_its_quality_estimate_not_rated_with_a_note():
    # Like a metric resting on too few behaviours: a six-line session scored 0.87 beside
    # metrics marked "Not rated".
    short = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")  # 2 therapist turns
    analysis = analyze(short, None, FakeCoder())
    assert analysis.quality is None
    assert analysis_to_json(analysis)["quality_estimate"] is None
    assert (
        "The quality estimate is not rated: it would rest on 2 therapist utterances (fewer "
        "than 10), and the expert-rated sessions it was trained on had dozens."
    ) in analysis.notes
    lines = "\n".join(f"{'T' if i % 2 == 0 else 'C'}: Turn number {i}." for i in range(20))
    long_enough = parse_transcript(lines.encode(), "session.txt")  # 10 therapist turns
    roles = {"T": "therapist", "C": "client"}
    analysis = analyze(long_enough, roles, FakeCoder())
    assert analysis.quality is not None
    assert not any("not rated" in note for note in analysis.notes)
