"""Shared test helpers for the transcript pipeline: fixtures path, a fake coder, turns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rapport.transcripts.coding import Code
from rapport.transcripts.parsing import Turn

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROLES = {"T": "therapist", "C": "client"}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def code(name: str, sub: str | None = None, confidence: float = 0.9) -> Code:
    return Code(name, sub, confidence)


class CodesEachConversation:
    """``code_many`` for a test coder: each conversation through its ``code_conversation``."""

    def code_conversation(self, turns: Sequence[tuple[str, str]]) -> list[Code]:
        raise NotImplementedError

    def code_many(self, conversations: Sequence[Sequence[tuple[str, str]]]) -> list[list[Code]]:
        return [self.code_conversation(turns) for turns in conversations]


class FakeCoder(CodesEachConversation):
    """Satisfies the coder protocol: codes by exact text, else therapist 'other'/'neutral'.

    Records what it was asked, so tests can check the roles and texts it saw.
    """

    def __init__(self, table: Mapping[str, Code] | None = None) -> None:
        self.table = dict(table or {})
        self.calls: list[list[tuple[str, str]]] = []

    def code_conversation(self, turns: Sequence[tuple[str, str]]) -> list[Code]:
        self.calls.append(list(turns))
        return [
            self.table.get(text, Code("other" if role == "therapist" else "neutral", None, 0.5))
            for role, text in turns
        ]


def turns_of(*spoken: tuple[str, str], step: float | None = None) -> list[Turn]:
    """Turns from ("T"|"C", text) pairs; with ``step``, each lasts ``step`` seconds."""
    out = []
    for i, (speaker, text) in enumerate(spoken):
        start = None if step is None else i * step
        end = None if step is None else (i + 1) * step
        out.append(Turn(i, speaker, text, start, end))
    return out


def linear_coder_bundle() -> tuple[dict[str, Any], str]:
    """The shipped model without its encoders, and the encoders' tokenizer (JSON), for tests
    that plug tiny ONNX graphs in as encoders."""
    import joblib

    from rapport.transcripts.coding import DEFAULT_MODEL_PATH

    bundle = joblib.load(DEFAULT_MODEL_PATH)
    return {**bundle, "encoders": []}, str(bundle["encoders"][0]["tokenizer"])


def rate_short_sessions(monkeypatch: Any) -> None:
    """Rate the quality estimate of a session of any length. The fixtures are a few
    utterances long, under quality.MIN_THERAPIST_UTTERANCES, so their estimate is "not
    rated"; tests of how a rated estimate is shown lower the minimum to one utterance."""
    from rapport.transcripts import quality

    monkeypatch.setattr(quality, "MIN_THERAPIST_UTTERANCES", 1)


# A session around one therapist turn: an opening and a closing long enough that the turn
# is neither (small talk and goodbyes are read differently there), the client speaking
# right before it.
_OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me today.")] * 5
_CLOSING = [
    ("C", "I will think about what we said."),
    ("T", "Good."),
    ("C", "Thanks for today."),
    ("T", "See you next week."),
]


def flags_on_one_turn(client: str, therapist: str, therapist_code: Code) -> list[str]:
    """The kinds of flag raised on ``therapist``'s turn (coded ``therapist_code``), said
    right after ``client`` in the middle of a session; every other turn uncoded."""
    from rapport.transcripts.flags import detect_flags

    turns = turns_of(*_OPENING, ("C", client), ("T", therapist), *_CLOSING)
    at = len(_OPENING) + 1
    codes: list[Code | None] = [None] * at + [therapist_code] + [None] * len(_CLOSING)
    return sorted(f.kind for f in detect_flags(turns, ROLES, codes) if f.utterance == at)
