#!/usr/bin/env python
"""Time to refuse a transcript that is over the parser's limits, against an ordinary one.

    python bench/parser_limits.py [--repeats 2] [--limit 0.5]   (about a minute)

Each case is a file of about the upload limit (2 MB, forms.MAX_UPLOAD_BYTES) that
``parse_transcript`` must refuse: more turns than MAX_TURNS, more speakers than
MAX_SPEAKERS, more caption cues, lines or rows than MAX_ENTRIES. Before 2026-12-07 every
one of them was read to the end and refused afterwards, 6-18 s each on the review machine
(262,000 CSV rows 18 s, 350,000 lines of text 12 s, 175,000 speakers 12 s, 52,000 cues of one
speaker 8 s), more than reading an ordinary 2 MB session; the parser now stops reading
once the refusal is certain (parsing._ReadingBudget). Each case is timed with the ordinary
session of the same size parsed in the same run (absolute seconds depend on the host and its
load; the ratio is what to compare). Exits 1 when a case is not refused, or takes more than
``--limit`` times the ordinary session.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

# The ordinary session to compare with is parser_worst_case's (this folder is on sys.path).
from parser_worst_case import _clock, ordinary_session  # noqa: E402
from rapport.transcripts.forms import MAX_UPLOAD_BYTES  # noqa: E402
from rapport.transcripts.parsing import (  # noqa: E402
    MAX_ENTRIES,
    MAX_SPEAKERS,
    MAX_TURNS,
    TranscriptError,
    parse_transcript,
)

__all__ = ["CASES", "main"]


def _until(size: int, make: Callable[[int], str], head: str = "") -> bytes:
    """``head``, then ``make(0)``, ``make(1)``... up to about ``size`` bytes."""
    parts, total, n = [head], len(head), 0
    while total < size:
        part = make(n)
        parts.append(part)
        total += len(part)
        n += 1
    return "".join(parts).encode()


# name -> (filename, file of about the given size); each must be refused.
CASES: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "csv_many_rows": (
        "x.csv",
        lambda n: _until(n, lambda i: f"{'TC'[i % 2]},hi there\n", "speaker,text\n"),
    ),
    "csv_many_turns_under_the_row_limit": (
        "x.csv",
        # 20,000 rows of 5 bytes: under MAX_ENTRIES, 20,000 turns.
        lambda n: _until(min(n, 100_000), lambda i: f"{'TC'[i % 2]},ok\n", "speaker,text\n"),
    ),
    "txt_many_turns": ("x.txt", lambda n: _until(n, lambda i: f"{'TC'[i % 2]}: ok\n")),
    "txt_many_speakers": ("x.txt", lambda n: _until(n, lambda i: f"S{i}: hi\n")),
    "txt_one_speaker_many_lines": ("x.txt", lambda n: _until(n, lambda i: "T: hi\n")),
    "vtt_one_speaker_many_cues": (
        "x.vtt",
        lambda n: _until(
            n, lambda i: f"{_clock(i)} --> {_clock(i + 0.5)}\nT: hi\n\n", "WEBVTT\n\n"
        ),
    ),
    "vtt_voice_tags_in_one_line": (
        "x.vtt",
        lambda n: _until(
            n, lambda i: "<v A>a <v B>b ", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
        ),
    ),
}


def _time(data: bytes, filename: str, repeats: int) -> tuple[float, str]:
    """Best time of ``repeats`` parses, and the outcome: turns read, or the error."""
    best, outcome = float("inf"), ""
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            parsed = parse_transcript(data, filename, max_bytes=MAX_UPLOAD_BYTES)
            outcome = f"read: {len(parsed.turns)} turns"
        except TranscriptError as error:
            outcome = f"{type(error).__name__}: {str(error)[:60]}"
        best = min(best, time.perf_counter() - start)
    return best, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=float, default=0.5)
    args = parser.parse_args(argv)
    size = MAX_UPLOAD_BYTES - 1024
    parse_transcript(ordinary_session(size // 8), "warm.vtt")  # caches built on first use
    baseline, baseline_outcome = _time(ordinary_session(size), "session.vtt", args.repeats)
    results, failed = [], 0
    for name, (filename, make) in CASES.items():
        seconds, outcome = _time(make(size), filename, args.repeats)
        ratio = seconds / baseline
        bad = outcome.startswith("read") or ratio > args.limit
        failed += bad
        results.append(
            {
                "case": name,
                "outcome": outcome,
                "seconds": round(seconds, 3),
                "ratio_to_ordinary": round(ratio, 3),
                "bad": bad,
            }
        )
    report = {
        "benchmark": "parser_limits",
        "bytes": size,
        "limits": {"turns": MAX_TURNS, "speakers": MAX_SPEAKERS, "entries": MAX_ENTRIES},
        "ordinary_session": {"seconds": round(baseline, 3), "outcome": baseline_outcome},
        "results": results,
        "bad_cases": failed,
    }
    print(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
