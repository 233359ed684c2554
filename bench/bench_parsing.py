#!/usr/bin/env python
"""Benchmark transcript import: how parsing time grows with file size. Prints JSON.

    python bench/bench_parsing.py [--repeats 3]

Parses synthetic transcripts (sentences written for this benchmark, no client data) at a
quarter of the upload limit and at the limit itself (2 MB), in the formats people upload,
and in the worst shape for merging: one speaker's long monologue split into thousands of
cues. ``growth`` is the time at the limit over the time at a quarter of it, measured in
the same run: 4 means parsing grows in step with the file, 16 that it grows with the square
of its size (merging cues did, before 2026-12-06: growth 8.7 and 2.2 s for 2 MB of
monologue, against 4.1 and 0.4 s after). Absolute seconds depend on the host; the ratio
is what to compare.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

# What the parser benchmarks share (this folder is on sys.path; it puts src there too).
from _timing import SENTENCES, SIZE, arguments, best_of, report, vtt_session
from rapport.transcripts.forms import MAX_UPLOAD_BYTES

__all__ = ["main", "monologue_txt", "session_vtt"]


def session_vtt(size: int) -> bytes:
    """A two-speaker WebVTT session of about ``size`` bytes, turns alternating."""
    return vtt_session(size, ("Therapist", "Client"), turn_cues=1)


def monologue_txt(size: int) -> bytes:
    """Plain text of about ``size`` bytes: one opening line, then the client's monologue,
    every line unlabeled (so every line continues the same turn)."""
    lines = ["Therapist: How has the week been?", f"Client: {SENTENCES[0]}"]
    total = sum(len(line) + 1 for line in lines)
    while total < size:
        line = SENTENCES[len(lines) % len(SENTENCES)]
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines).encode()


def _measure(name: str, make: Callable[[int], bytes], filename: str, repeats: int) -> dict:
    small, large = make(MAX_UPLOAD_BYTES // 4), make(SIZE)
    # Reading, not the limits, is measured: 2 MB of one-cue turns is past MAX_TURNS, and 2 MB
    # of monologue lines past MAX_ENTRIES (bench/parser_limits.py times refusing them).
    limits = {"max_turns": sys.maxsize, "max_entries": sys.maxsize}
    best_of(small, filename, 1, **limits)  # warm-up: caches built on first use
    small_s, _ = best_of(small, filename, repeats, **limits)
    large_s, outcome = best_of(large, filename, repeats, **limits)
    if not outcome.startswith("read"):
        raise SystemExit(f"{name}: the file was refused ({outcome}), so nothing was timed")
    return {
        "case": name,
        "quarter_limit_bytes": len(small),
        "limit_bytes": len(large),
        "quarter_limit_s": round(small_s, 4),
        "limit_s": round(large_s, 4),
        "growth": round(large_s / small_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv, repeats=3)
    results = [
        _measure("webvtt_session", session_vtt, "session.vtt", args.repeats),
        _measure("text_monologue", monologue_txt, "session.txt", args.repeats),
    ]
    return report({"benchmark": "transcript_parsing", "results": results}, 0)


if __name__ == "__main__":
    raise SystemExit(main())
