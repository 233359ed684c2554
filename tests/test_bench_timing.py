"""bench/_timing.py, shared by the parser benchmarks: a case's ratio to the ordinary session
is the median of rounds that time the two in turn, so a burst of load from elsewhere during
one round does not decide the result (the review machine is 2 cores shared by many jobs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def timing(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location("_timing", BENCH / "_timing.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "_timing", module)
    spec.loader.exec_module(module)
    return module


def test_the_ratio_is_the_median_of_rounds_timing_the_case_beside_the_ordinary_session(
    timing, monkeypatch
):
    ordinary = timing.ordinary_session(timing.SIZE)
    case = b"A: hi\n" * 10
    # A quiet machine: the ordinary session 1 s, the case 0.2 s. Rounds 2 and 3 are slowed
    # throughout by load from elsewhere (both five times slower): their ratio is still 0.2.
    # Round 4 has a burst during the case only: 1.0. Apart, the medians would give 1.0 / 1.0,
    # and a baseline timed once at the start 1.0 / 1.0 as well.
    seconds = {
        ordinary: iter([1.0, 1.0, 5.0, 5.0, 1.0]),
        case: iter([0.2, 0.2, 1.0, 1.0, 1.0]),
    }
    order = []

    def parse_once(data, filename):
        order.append("ordinary" if data is ordinary else "case")
        return next(seconds[data]), "TooManyTurnsError: refused"

    monkeypatch.setattr(timing, "parse_once", parse_once)
    timed = timing.interleaved(case, "x.txt", rounds=5)
    assert timed.ratios == pytest.approx((0.2, 0.2, 0.2, 0.2, 1.0))
    assert timed.ratio == pytest.approx(0.2)
    assert timed.seconds == pytest.approx(1.0) and timed.ordinary_seconds == pytest.approx(1.0)
    assert timed.outcome == "TooManyTurnsError: refused"
    # The two take turns, the ordinary session first in every other round.
    assert order == ["ordinary", "case", "case", "ordinary"] * 2 + ["ordinary", "case"]


def test_a_parse_reports_what_was_read_or_why_it_was_refused(timing):
    _, read = timing.parse_once(timing.ordinary_session(4000), "session.vtt")
    assert read.startswith("read: ") and read.endswith(" turns, 2 speakers")
    _, refused = timing.parse_once(b"", "x.txt")
    assert refused.split(":")[0].endswith("Error")


def test_until_builds_a_file_of_about_the_size_asked(timing):
    data = timing.until(100, lambda i: f"S{i}: hi\n", "head\n")
    assert data.startswith(b"head\nS0: hi\nS1: hi\n") and 100 <= len(data) < 110
