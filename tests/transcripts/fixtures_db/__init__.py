"""Shared pieces of the transcript page tests: synthetic files and a rule-based coder.

The files here are written for these tests (no dataset text). The rule-based coder makes
the analysis deterministic, so tests can assert on flags and metrics whatever model
version ships; one test in test_transcript_pages_db.py runs the real coder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rapport.transcripts.coding import Code
from tests.transcripts._helpers import CodesEachConversation

HERE = Path(__file__).resolve().parent

_CLOSED = re.compile(
    r"^(do|does|did|is|are|was|were|have|has|can|could|will|would|should)\b", re.IGNORECASE
)
_REFLECTION = re.compile(r"^(it sounds like|you feel|you're|so you|you have|you've)\b", re.I)
_ADVICE = re.compile(r"\b(you should|you need to|try to)\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(i want to|i'm going to|i will|i'd like to|i could)\b", re.IGNORECASE)
_SUSTAIN = re.compile(r"\b(i can't|i cannot|no point|i don't want)\b", re.IGNORECASE)


def fixture_bytes(name: str) -> bytes:
    return (HERE / name).read_bytes()


class RuleCoder(CodesEachConversation):
    """Codes by surface rules; records the (role, text) pairs it was given."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []

    def code_conversation(self, turns: Sequence[tuple[str, str]]) -> list[Code]:
        self.calls.append(list(turns))
        return [self._code(role, text.strip()) for role, text in turns]

    @staticmethod
    def _code(role: str, text: str) -> Code:
        if role == "therapist":
            if text.endswith("?"):
                return Code("question", "closed" if _CLOSED.match(text) else "open", 0.8)
            if _ADVICE.search(text):
                return Code("therapist_input", "advice", 0.8)
            if _REFLECTION.match(text):
                return Code("reflection", "complex" if len(text.split()) > 9 else "simple", 0.8)
            return Code("other", None, 0.6)
        if _CHANGE.search(text):
            return Code("change", None, 0.7)
        if _SUSTAIN.search(text):
            return Code("sustain", None, 0.7)
        return Code("neutral", None, 0.7)


def use_rule_coder(monkeypatch) -> RuleCoder:
    """Replace the shipped coder with :class:`RuleCoder` for the web pages and services."""
    coder = RuleCoder()
    monkeypatch.setattr("rapport.transcripts.services.get_coder", lambda: coder)
    return coder
