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

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from rapport.transcripts.forms import MAX_UPLOAD_BYTES  # noqa: E402
from rapport.transcripts.parsing import parse_transcript  # noqa: E402

__all__ = ["main", "monologue_txt", "session_vtt"]

_LINES = (
    "I keep thinking about what you said last week about the evenings.",
    "So the evenings are when it gets hardest.",
    "Yes, and then I pick up the phone and scroll for hours.",
    "What would you like those evenings to look like instead?",
)


def _clock(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def session_vtt(size: int) -> bytes:
    """A two-speaker WebVTT session of about ``size`` bytes, turns alternating."""
    parts = ["WEBVTT", ""]
    total, cue = 8, 0
    while total < size:
        speaker = "Therapist" if cue % 2 == 0 else "Client"
        block = (
            f"{cue + 1}\n{_clock(cue * 4.0)} --> {_clock(cue * 4.0 + 3.5)}\n"
            f"<v {speaker}>{_LINES[cue % len(_LINES)]}</v>\n"
        )
        parts.append(block)
        total += len(block) + 1
        cue += 1
    return "\n".join(parts).encode()


def monologue_txt(size: int) -> bytes:
    """Plain text of about ``size`` bytes: one opening line, then the client's monologue,
    every line unlabeled (so every line continues the same turn)."""
    lines = ["Therapist: How has the week been?", f"Client: {_LINES[0]}"]
    total = sum(len(line) + 1 for line in lines)
    while total < size:
        line = _LINES[len(lines) % len(_LINES)]
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines).encode()


def _best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def _measure(name: str, make: Callable[[int], bytes], filename: str, repeats: int) -> dict:
    small, large = make(MAX_UPLOAD_BYTES // 4), make(MAX_UPLOAD_BYTES - 1024)
    # Reading, not the limits, is measured: 2 MB of one-cue turns is past MAX_TURNS, and 2 MB
    # of monologue lines past MAX_ENTRIES (bench/parser_limits.py times refusing them).
    parse = functools.partial(
        parse_transcript, filename=filename, max_turns=sys.maxsize, max_entries=sys.maxsize
    )
    parse(small)  # warm-up: caches built on first use
    small_s = _best_of(repeats, lambda: parse(small))
    large_s = _best_of(repeats, lambda: parse(large))
    return {
        "case": name,
        "quarter_limit_bytes": len(small),
        "limit_bytes": len(large),
        "quarter_limit_s": round(small_s, 4),
        "limit_s": round(large_s, 4),
        "growth": round(large_s / small_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    results = [
        _measure("webvtt_session", session_vtt, "session.vtt", args.repeats),
        _measure("text_monologue", monologue_txt, "session.txt", args.repeats),
    ]
    print(json.dumps({"benchmark": "transcript_parsing", "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
