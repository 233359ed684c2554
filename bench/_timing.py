"""What the transcript parser's timing benchmarks share (parser_worst_case.py,
parser_limits.py and bench_parsing.py): the sessions they parse, a parse timed as the upload
form calls it, the command line and the report. Imported by the bench scripts (run as
``python bench/x.py``, so this folder is on ``sys.path``).

Absolute seconds depend on the host and its load; the ratio to the ordinary session parsed
in the same run is what to compare.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from rapport.transcripts.forms import MAX_UPLOAD_BYTES  # noqa: E402
from rapport.transcripts.parsing import TranscriptError, parse_transcript  # noqa: E402

__all__ = [
    "SENTENCES",
    "SIZE",
    "Interleaved",
    "arguments",
    "best_of",
    "clock",
    "interleaved",
    "ordinary_session",
    "parse_once",
    "report",
    "until",
    "vtt_session",
    "warm_up",
]

#: The size of the files timed: about the upload limit (2 MB, forms.MAX_UPLOAD_BYTES).
SIZE = MAX_UPLOAD_BYTES - 1024

#: What the synthetic sessions say (written for the benchmarks: no client data).
SENTENCES = (
    "I keep thinking about what you said last week about the evenings.",
    "So the evenings are when it gets hardest.",
    "Yes, and then I pick up the phone and scroll for hours.",
    "What would you like those evenings to look like instead?",
)


def clock(seconds: float) -> str:
    """A caption timestamp: 01:02:03.500."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours:02d}:{minutes:02d}:{secs:06.3f}"


def until(size: int, make: Callable[[int], str], head: str = "") -> bytes:
    """``head``, then ``make(0)``, ``make(1)``... up to about ``size`` bytes."""
    parts, total, n = [head], len(head), 0
    while total < size:
        part = make(n)
        parts.append(part)
        total += len(part)
        n += 1
    return "".join(parts).encode()


def vtt_session(size: int, speakers: tuple[str, str], turn_cues: int) -> bytes:
    """A two-speaker WebVTT session of about ``size`` bytes as Teams exports it (voice tags,
    cue ids), the speaker changing every ``turn_cues`` caption cues."""
    parts, total, cue = ["WEBVTT\n"], 7, 0
    while total < size:
        speaker = speakers[(cue // turn_cues) % 2]
        block = (
            f"\n{cue + 1}\n{clock(cue * 4.0)} --> {clock(cue * 4.0 + 3.5)}\n"
            f"<v {speaker}>{SENTENCES[cue % len(SENTENCES)]}</v>\n"
        )
        parts.append(block)
        total += len(block)
        cue += 1
    return "".join(parts).encode()


@functools.lru_cache(maxsize=2)
def ordinary_session(size: int) -> bytes:
    """The session every case is compared with: turns of six caption cues, so that 2 MB
    (some 3,700 turns) stays under MAX_TURNS: the ordinary file must be read, not
    refused."""
    return vtt_session(size, ("Jo Counsellor", "Robin"), turn_cues=6)


def parse_once(data: bytes, filename: str, **limits: int) -> tuple[float, str]:
    """Seconds to parse ``data`` as the upload form does (or with other ``limits``:
    ``max_turns=...``), and the outcome: what was read ("read: ..."), or the error that
    refused it."""
    start = time.perf_counter()
    try:
        parsed = parse_transcript(data, filename, **{"max_bytes": MAX_UPLOAD_BYTES, **limits})
        outcome = f"read: {len(parsed.turns)} turns, {len(parsed.speakers)} speakers"
    except TranscriptError as error:
        outcome = f"{type(error).__name__}: {str(error)[:60]}"
    return time.perf_counter() - start, outcome


def best_of(data: bytes, filename: str, repeats: int, **limits: int) -> tuple[float, str]:
    """The best time of ``repeats`` parses, and the outcome."""
    best, outcome = float("inf"), ""
    for _ in range(repeats):
        seconds, outcome = parse_once(data, filename, **limits)
        best = min(best, seconds)
    return best, outcome


@dataclass(frozen=True, slots=True)
class Interleaved:
    """A case timed in turn with the ordinary session: the median of the rounds' ratios,
    and of each one's seconds."""

    ratio: float
    ratios: tuple[float, ...]
    seconds: float
    ordinary_seconds: float
    outcome: str
    ordinary_outcome: str


def interleaved(data: bytes, filename: str, rounds: int) -> Interleaved:
    """Parse the case and the ordinary session of the same size one after the other,
    ``rounds`` times (the ordinary session first in every other round, so neither always
    runs after the other), and take the median of the rounds' ratios: load from elsewhere
    that slows one round moves the median little, and both times of a round saw the same
    load."""
    ordinary = ordinary_session(SIZE)
    ratios, cases, baselines, outcome, ordinary_outcome = [], [], [], "", ""
    for round_ in range(rounds):
        if round_ % 2 == 0:
            baseline, ordinary_outcome = parse_once(ordinary, "session.vtt")
            seconds, outcome = parse_once(data, filename)
        else:
            seconds, outcome = parse_once(data, filename)
            baseline, ordinary_outcome = parse_once(ordinary, "session.vtt")
        ratios.append(seconds / baseline)
        cases.append(seconds)
        baselines.append(baseline)
    return Interleaved(
        ratio=statistics.median(ratios),
        ratios=tuple(ratios),
        seconds=statistics.median(cases),
        ordinary_seconds=statistics.median(baselines),
        outcome=outcome,
        ordinary_outcome=ordinary_outcome,
    )


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def arguments(
    doc: str, argv: list[str] | None, *, limit: float | None = None, **counts: int
) -> Any:
    """The command line of a parser benchmark: the counts named with their defaults
    (``repeats=2`` gives ``--repeats``, 2 unless given) and, given a ``limit``, ``--limit``
    (the ratio to the ordinary session a case must not pass). The description is the
    docstring's first line."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    for name, default in counts.items():
        parser.add_argument(f"--{name}", type=_at_least_one, default=default)
    if limit is not None:
        parser.add_argument("--limit", type=float, default=limit)
    return parser.parse_args(argv)


def warm_up() -> None:
    """Parse a small ordinary session once: the parser builds its caches on first use."""
    parse_transcript(ordinary_session(SIZE // 8), "warm.vtt")


def report(data: dict[str, Any], failed: int) -> int:
    """Print the report as JSON; the exit status: 1 when a case failed."""
    print(json.dumps(data, indent=2))
    return 1 if failed else 0
