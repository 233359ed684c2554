#!/usr/bin/env python
"""Worst-case time of the transcript parser on adversarial uploads, against an ordinary one.

    python bench/parser_worst_case.py [--repeats 2] [--limit 15]   (a few minutes)

A signed-in clinician can upload up to 2 MB (forms.MAX_UPLOAD_BYTES), read inside the
request. Each case below is a file of about that size built to hit one weak spot: a pattern
that rescans the rest of a line from every position (the voice tag, before 2026-12-06: 34 s
for 64 kB of "<v A<v A...", hours for 2 MB), a pass per speaker, a huge number of turns or
one endless line. Each is timed with ``parse_transcript`` as the upload form calls it, and
compared with an ordinary 2 MB session parsed in the same run (absolute seconds depend on
the host and its load; the ratio is what to compare). A refused file counts too: refusing
must also be quick. ``growth`` is the time at the limit over the time at a quarter of it: 4
is linear, 16 quadratic.

Reading costs about the same per line, so files of very short lines took several times the
ordinary session's time (2 MB of one-word turns: about 5 times, and a tab-separated table
of them 10, on 2026-12-06), all of it linear, before MAX_TURNS refused them at the end.
Since 2026-12-07 reading stops once a file is certainly refused: past MAX_ENTRIES (25,000)
caption cues, lines or rows, or past twice MAX_TURNS turns (bench/parser_limits.py times
this). A quadratic pattern takes hundreds of times longer. Exits 1 when a case takes more
than ``--limit`` times the ordinary session, or grows faster than linearly (growth over 10).
"""

from __future__ import annotations

from collections.abc import Callable

# What the parser benchmarks share (this folder is on sys.path; it puts src there too).
from _timing import SIZE, arguments, best_of, ordinary_session, report, until, warm_up
from rapport.transcripts.parsing import MAX_TURNS

__all__ = ["CASES", "main"]

_VTT_CUE = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
_SRT_CUE = b"1\n00:00:01,000 --> 00:00:02,000\n"
_WORDS = b"I keep thinking about what you said last week about the evenings. "


def _repeat(head: bytes, unit: bytes, size: int, tail: bytes = b"") -> bytes:
    """``head``, then ``unit`` repeated to about ``size`` bytes in all, then ``tail``."""
    count = max(size - len(head) - len(tail), 0) // len(unit)
    return head + unit * count + tail


def _lines(make: Callable[[int], str], size: int, head: str = "") -> bytes:
    """``head``, then lines ``make(0)``, ``make(1)``... up to about ``size`` bytes."""
    return until(size, lambda i: make(i) + "\n", head)


def _distinct_speakers(size: int) -> bytes:
    """One cue, each of its lines a new voice."""
    return _lines(lambda i: f"<v S{i}>a", size, head=_VTT_CUE.decode())


# name -> (filename, file of about the given size). Cases named "_refused" are expected to
# be refused with a TranscriptError (the message is part of the design).
CASES: dict[str, tuple[str, Callable[[int], bytes]]] = {
    # One cue line of unclosed voice tags: webvtt-py's voice pattern scanned to the end of
    # the line from every "<v".
    "unclosed_voice_tags_vtt": ("x.vtt", lambda n: _repeat(_VTT_CUE, b"<v A", n)),
    "unclosed_voice_tags_srt": ("x.srt", lambda n: _repeat(_SRT_CUE, b"<v A", n)),
    # Voice tags that close, thousands in one line: each is a speaker change.
    "voice_tags_one_line_vtt": ("x.vtt", lambda n: _repeat(_VTT_CUE, b"<v A>a <v B>b ", n)),
    # Unclosed cue tags (class spans, timestamps) and lone brackets.
    "unclosed_cue_tags_vtt": ("x.vtt", lambda n: _repeat(_VTT_CUE, b"<c.x<00:00:01.0", n)),
    "brackets_txt": ("x.txt", lambda n: _repeat(b"A: hi\nB: ho\n", b"[", n)),
    # A timing line of dashes with no ">": the arrow pattern tries every run of dashes.
    "dashed_timing_line_srt": (
        "x.srt",
        lambda n: _repeat(b"1\n00:00:01,000 ", b"- ", n, b"\nA: hi\nB: ho\n"),
    ),
    # Blank lines, and lines of colons: label and timing patterns anchored at each line.
    "blank_lines_srt": ("x.srt", lambda n: _repeat(b"", b"\n", n, b"1\n0:00:01,000 --> 1\n")),
    "colons_txt": ("x.txt", lambda n: _repeat(b"A: hi\nB: ho\n", b"a:", n)),
    # One endless line: a turn of 2 MB, and a line of one 2 MB word.
    "long_line_txt": ("x.txt", lambda n: _repeat(b"A: hi\nB: ", _WORDS, n)),
    "long_word_vtt": ("x.vtt", lambda n: _repeat(_VTT_CUE + b"<v A>", b"x", n, b"\n<v B>hi")),
    # Thousands of speakers (refused past MAX_SPEAKERS; one turn each, so reading stops
    # past twice MAX_TURNS turns, with "more than 10,000 different speakers").
    "many_speakers_txt_refused": ("x.txt", lambda n: _lines(lambda i: f"S{i}: hello", n)),
    "many_speakers_vtt_refused": ("x.vtt", _distinct_speakers),
    # Hundreds of thousands of one-word turns (refused once past twice MAX_TURNS turns; the
    # tab-separated table past MAX_ENTRIES rows, as rows are read before turns are counted).
    "tiny_turns_txt_refused": ("x.txt", lambda n: _lines(lambda i: f"{'AB'[i % 2]}: x", n)),
    "tiny_turns_tsv_refused": (
        "x.txt",
        lambda n: _lines(lambda i: f"{'AB'[i % 2]}\tx", n, head="speaker\ttext\n"),
    ),
}


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv, limit=15.0, repeats=2)
    warm_up()
    baseline, baseline_outcome = best_of(ordinary_session(SIZE), "session.vtt", args.repeats)
    results, failed = [], 0
    for name, (filename, make) in CASES.items():
        limit_s, outcome = best_of(make(SIZE), filename, args.repeats)
        quarter_s, _ = best_of(make(SIZE // 4), filename, args.repeats)
        ratio = limit_s / baseline
        growth = limit_s / max(quarter_s, 1e-6)
        # Growth is noise when both times are a few milliseconds.
        slow = ratio > args.limit or (growth > 10 and limit_s > 0.05)
        failed += slow
        results.append(
            {
                "case": name,
                "outcome": outcome,
                "seconds": round(limit_s, 3),
                "ratio_to_ordinary": round(ratio, 2),
                "growth": round(growth, 1),
                "slow": slow,
            }
        )
    return report(
        {
            "benchmark": "parser_worst_case",
            "bytes": SIZE,
            "max_turns": MAX_TURNS,
            "ordinary_session": {"seconds": round(baseline, 3), "outcome": baseline_outcome},
            "results": results,
            "slow_cases": failed,
        },
        failed,
    )


if __name__ == "__main__":
    raise SystemExit(main())
