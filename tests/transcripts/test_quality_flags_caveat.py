"""The quality estimate is read beside the serious flags it does not weigh.

A synthetic session full of judgmental language and medical and religious advice scored 0.89,
its top reason "little of the therapist's talk is information or advice": a clinician reads
0.89 as good. The estimate learnt from the mix of codes, so beside it the report and
``rapport analyze`` say which serious flags it does not weigh, and how many.
"""

from __future__ import annotations

import json

import pytest

from rapport.cli import main
from rapport.transcripts.quality import (
    FEATURES,
    SERIOUS_UNWEIGHED_FLAGS,
    load_quality_model,
    serious_flags_not_weighed,
)
from tests.transcripts._helpers import rate_short_sessions
from tests.transcripts.fixtures_db import HERE, RuleCoder

CAVEAT = (
    "    caution: the estimate rests on the mix of codes and does not weigh the flags listed "
    "below: judgmental language (1), medical advice (1), religious advice (1)\n"
)


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch):
    coder = RuleCoder()
    monkeypatch.setattr("rapport.transcripts.coding.load_coder", lambda path=None: coder)
    return coder


def test_the_serious_kinds_are_counted_in_order_and_others_left_out():
    kinds = ["religious_advice", "advice", "judgmental_language", "self_disclosure"]
    kinds += ["judgmental_language", "off_topic_small_talk", "closed_question_run"]
    assert serious_flags_not_weighed(kinds) == {"judgmental_language": 2, "religious_advice": 1}
    assert serious_flags_not_weighed(["advice", "intervention_without_reflection"]) == {}


def test_the_shipped_model_indeed_does_not_weigh_the_serious_flags():
    # The caveat says so: a model that learnt from these flags would make it untrue.
    names = {feature["name"] for feature in load_quality_model()["features"]}
    assert names <= set(FEATURES)
    for kind in SERIOUS_UNWEIGHED_FLAGS:
        assert not any(kind in name for name in names)


def test_the_summary_says_beside_the_estimate_which_serious_flags_it_does_not_weigh(
    capsys, monkeypatch
):
    rate_short_sessions(monkeypatch)
    source = HERE / "judgmental_session.txt"
    assert main(["analyze", str(source)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines(keepends=True)
    estimate = next(i for i, line in enumerate(lines) if "Quality estimate:" in line)
    assert lines[estimate + 1] == CAVEAT  # right under the number
    # The flags it names are listed further down the summary.
    flags = "".join(lines[estimate:])
    for kind in ("judgmental language: utterance 5", "medical advice: utterance 7"):
        assert kind in flags
    assert "religious advice: utterance 9" in flags


def test_no_caveat_without_serious_flags(capsys):
    assert main(["analyze", str(HERE / "session.vtt")]) == 0
    out = capsys.readouterr().out
    assert "Quality estimate:" in out and "Flags (" in out  # it has other flags
    assert "caution:" not in out


def test_the_json_keeps_its_shape_and_the_estimate_stays_a_number(capsys, monkeypatch):
    rate_short_sessions(monkeypatch)
    assert main(["analyze", str(HERE / "judgmental_session.txt"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["metrics", "quality_estimate", "flags", "utterances"]
    assert isinstance(data["quality_estimate"], float)
    kinds = [flag["kind"] for flag in data["flags"]]
    assert {"judgmental_language", "medical_advice", "religious_advice"} <= set(kinds)
