#!/usr/bin/env python
"""Time to refuse a transcript that is over the parser's limits, against an ordinary one.

    python bench/parser_limits.py [--rounds 5] [--limit 0.5]   (a few minutes)

Each case is a file of about the upload limit (2 MB, forms.MAX_UPLOAD_BYTES) that
``parse_transcript`` must refuse: more turns than MAX_TURNS, more speakers than
MAX_SPEAKERS, more caption cues, lines or rows than MAX_ENTRIES. Before 2026-12-07 every
one of them was read to the end and refused afterwards, 6-18 s each on the review machine
(262,000 CSV rows 18 s, 350,000 lines of text 12 s, 175,000 speakers 12 s, 52,000 cues of one
speaker 8 s), more than reading an ordinary 2 MB session; the parser now stops reading
once the refusal is certain (parsing._ReadingBudget). Each case is timed in turn with the
ordinary session of the same size, ``--rounds`` times, and its ratio is the median of the
rounds' ratios (absolute seconds depend on the host and its load, which a shared machine
changes from one second to the next; the ratio is what to compare). Exits 1 when a case is
not refused, or takes more than ``--limit`` times the ordinary session.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import median

# What the parser benchmarks share (this folder is on sys.path; it puts src there too).
from _timing import SIZE, arguments, clock, interleaved, report, until, warm_up
from rapport.transcripts.parsing import MAX_ENTRIES, MAX_SPEAKERS, MAX_TURNS

__all__ = ["CASES", "main"]


# name -> (filename, file of about the given size); each must be refused.
CASES: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "csv_many_rows": (
        "x.csv",
        lambda n: until(n, lambda i: f"{'TC'[i % 2]},hi there\n", "speaker,text\n"),
    ),
    "csv_many_turns_under_the_row_limit": (
        "x.csv",
        # 20,000 rows of 5 bytes: under MAX_ENTRIES, 20,000 turns.
        lambda n: until(min(n, 100_000), lambda i: f"{'TC'[i % 2]},ok\n", "speaker,text\n"),
    ),
    "txt_many_turns": ("x.txt", lambda n: until(n, lambda i: f"{'TC'[i % 2]}: ok\n")),
    "txt_many_speakers": ("x.txt", lambda n: until(n, lambda i: f"S{i}: hi\n")),
    "txt_one_speaker_many_lines": ("x.txt", lambda n: until(n, lambda i: "T: hi\n")),
    "vtt_one_speaker_many_cues": (
        "x.vtt",
        lambda n: until(n, lambda i: f"{clock(i)} --> {clock(i + 0.5)}\nT: hi\n\n", "WEBVTT\n\n"),
    ),
    "vtt_voice_tags_in_one_line": (
        "x.vtt",
        lambda n: until(n, lambda i: "<v A>a <v B>b ", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"),
    ),
}


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, argv, limit=0.5, rounds=5)
    warm_up()
    results, failed, ordinary, read = [], 0, [], ""
    for name, (filename, make) in CASES.items():
        timed = interleaved(make(SIZE), filename, args.rounds)
        ordinary.append(timed.ordinary_seconds)
        read = timed.ordinary_outcome
        bad = timed.outcome.startswith("read") or timed.ratio > args.limit
        failed += bad
        results.append(
            {
                "case": name,
                "outcome": timed.outcome,
                "seconds": round(timed.seconds, 3),
                "ratio_to_ordinary": round(timed.ratio, 3),
                "ratios_per_round": [round(r, 3) for r in timed.ratios],
                "bad": bad,
            }
        )
    return report(
        {
            "benchmark": "parser_limits",
            "bytes": SIZE,
            "rounds": args.rounds,
            "limits": {"turns": MAX_TURNS, "speakers": MAX_SPEAKERS, "entries": MAX_ENTRIES},
            "ordinary_session": {"seconds": round(median(ordinary), 3), "outcome": read},
            "results": results,
            "bad_cases": failed,
        },
        failed,
    )


if __name__ == "__main__":
    raise SystemExit(main())
