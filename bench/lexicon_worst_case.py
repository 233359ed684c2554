"""Worst-case time of the flag lexicons on long runs of their own words.

Punctuation-free captions make a whole turn one "sentence", so a pattern whose repeated
group can match the same words in several ways (nested or overlapping repetition) can take
time that grows faster than the turn. For each pattern and each word it names, this times
the pattern on a run of 1,000 and of 2,000 copies of the word after each of the pattern's
opening phrases, and reports the ratio: about 2 is linear, 4 or more is quadratic or worse.

    python bench/lexicon_worst_case.py [--limit 3.0]   (a few minutes)

Exits 1 when a pattern's ratio passes the limit and its time on 2,000 words passes 50 ms.

    python bench/lexicon_worst_case.py --long-turns [--turn-limit 10]   (under a minute)

times the whole lexicon check (``flags._lexicon_hit``: the patterns, then the negations and
attributions before each phrase) on one long punctuation-free turn of phrases that are all
skipped ("you pray about it" x 3,000: each "you" before "pray" is an attribution), against a
normal session of the same size measured in the same run (the demo's synthetic therapist
turns, repeated), at two sizes. A check that reads the sentence again for every phrase
shows a ratio in the hundreds that grows with the size; a linear one stays within a few
times the normal session at both. Exits 1 when a ratio passes ``--turn-limit``.

    python bench/lexicon_worst_case.py --uploads [--upload-limit 3]   (a few minutes)

times coding and flagging (CPU seconds) of the worst web uploads, a few punctuation-free
turns of ordinary words or of distinct made-up words, against a normal session of the
same size in the same run, at 100 and 400 kB. On 2026-12-07 (a loaded 2-core host) the
400 kB turns of made-up words took x1.2 the normal session before the coder read only a
turn's first 5,000 characters (``coding.CODED_CHARS``; coding 2.55 s, now 0.20 s) and x0.3
after, ordinary words x0.6 and x0.2; the flags, each pattern run only on sentences holding
a word all its matches contain, cost about what a normal session's do per character.
Exits 1 when a ratio passes ``--upload-limit``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

LEXICONS = Path(__file__).resolve().parents[1] / "src" / "rapport" / "transcripts" / "lexicons"


def _seconds(pattern: re.Pattern[str], text: str) -> float:
    start = time.perf_counter()
    pattern.search(text)
    return time.perf_counter() - start


def _words(source: str) -> list[str]:
    return sorted(set(re.findall(r"[a-z']{2,}", source.replace("\\b", " ").replace("\\s", " "))))


def _worst(source: str) -> tuple[float, float, str]:
    pattern = re.compile(source, re.IGNORECASE)
    words = _words(source)
    worst = (0.0, 0.0, "")
    for lead in ["", *words[:15]]:
        for word in words:
            long = _seconds(pattern, f"{lead} " + f"{word} " * 2000 + "x")
            if long > worst[1]:
                short = _seconds(pattern, f"{lead} " + f"{word} " * 1000 + "x")
                worst = (long / max(short, 1e-6), long, f"{lead} {word}…".strip())
    return worst


def _patterns(data) -> list[str]:
    """Every list of regular expressions in a lexicon file, whatever its key."""
    return [
        source
        for value in data.values()
        if isinstance(value, list)
        for source in value
        if isinstance(source, str)
    ]


# Long turns whose every phrase is skipped, so the check reads on to the end: (lexicon, a
# lead-in, the repeated run). Written for this benchmark.
LONG_TURNS = (
    ("religious_advice", "", "you pray about it "),
    ("medical_advice", "", "you don't need to stop taking your pills and "),
    ("judgmental", "", "not that you're lazy and how stupid "),
    ("self_disclosure", "", "you said i had the same problem "),
)


def _best_of(check, lexicon, texts: list[str], repeat: int = 3) -> float:
    """The shortest of ``repeat`` times to check every text in ``texts``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            check(lexicon, text)
        best = min(best, time.perf_counter() - start)
    return best


def long_turns(limit: float) -> int:
    """Long skipped turns against a normal session of the same size, in this run."""
    sys.path.insert(0, str(LEXICONS.parents[2]))
    from rapport.transcripts.demo import DEMO_SESSIONS
    from rapport.transcripts.flags import _lexicon_hit, load_lexicon

    normal_turns = [
        text
        for _, session in DEMO_SESSIONS
        for speaker, text, _ in session
        if "Therapist" in speaker
    ]
    failed = 0
    for name, lead, run in LONG_TURNS:
        lexicon = load_lexicon(name)
        for size in (25_000, 50_000):
            long_turn = lead + run * (size // len(run))
            normal: list[str] = []
            while sum(map(len, normal)) < len(long_turn):
                normal += normal_turns
            normal_time = _best_of(_lexicon_hit, lexicon, normal)
            long_time = _best_of(_lexicon_hit, lexicon, [long_turn])
            ratio = long_time / max(normal_time, 1e-6)
            slow = ratio > limit
            failed += slow
            print(
                f"{'SLOW' if slow else 'ok':4} {name:16} {len(long_turn) // 1000:3} kB: long turn "
                f"{long_time * 1000:7.1f} ms, normal session {normal_time * 1000:6.1f} ms, "
                f"x{ratio:.1f}"
            )
    print(f"{failed} long turn(s) over x{limit:g} the normal session")
    return 1 if failed else 0


def _upload_cases(size: int) -> dict[str, list[tuple[str, str]]]:
    """(role, text) turns of about ``size`` characters: a normal session (the demo's
    synthetic turns, repeated), and the worst cases of a web upload, a few punctuation-free
    turns of ``size // 4`` characters each: ordinary therapy words, and distinct made-up
    words (every word a new row for the coder's n-gram tables)."""
    import random

    from rapport.transcripts.demo import DEMO_SESSIONS

    demo = [
        ("therapist" if "Therapist" in speaker else "client", text)
        for _, session in DEMO_SESSIONS
        for speaker, text, _ in session
    ]
    normal: list[tuple[str, str]] = []
    while sum(len(text) for _, text in normal) < size:
        normal += demo
    words = " ".join(text.rstrip(".?!") for _, text in demo).replace(",", "").split()
    rng = random.Random(7)

    def long_turns(word) -> list[tuple[str, str]]:
        turns = []
        for i in range(4):
            out, n = [], 0
            while n < size // 4:
                w = word(n)
                out.append(w)
                n += len(w) + 1
            turns.append(("therapist" if i % 2 == 0 else "client", " ".join(out)))
        return turns

    letters = "abcdefghijklmnopqrstuvwxyz"
    return {
        "normal session": normal,
        "long ordinary turns": long_turns(lambda n: words[(n // 6) % len(words)]),
        "long made-up words": long_turns(
            lambda n: "".join(rng.choice(letters) for _ in range(rng.randint(3, 10)))
        ),
    }


def uploads(limit: float) -> int:
    """Flags and codes of the worst web uploads against a normal session, in this run."""
    sys.path.insert(0, str(LEXICONS.parents[2]))
    from rapport.transcripts.coding import load_coder
    from rapport.transcripts.flags import detect_flags
    from rapport.transcripts.parsing import Turn

    coder = load_coder()
    roles = {"therapist": "therapist", "client": "client"}
    failed = 0
    for size in (100_000, 400_000):
        times: dict[str, float] = {}
        for name, pairs in _upload_cases(size).items():
            turns = [Turn(i, role, text) for i, (role, text) in enumerate(pairs)]
            start = time.process_time()
            codes = coder.code_conversation(pairs)
            coded = time.process_time()
            list(detect_flags(turns, roles, codes))
            flagged = time.process_time()
            times[name] = flagged - start
            ratio = times[name] / max(times["normal session"], 1e-6)
            slow = ratio > limit
            failed += slow
            print(
                f"{'SLOW' if slow else 'ok':4} {size // 1000:3} kB {name:20}: code "
                f"{coded - start:6.2f} s, flags {flagged - coded:6.2f} s (CPU), "
                f"x{ratio:.1f} the normal session"
            )
    print(f"{failed} upload(s) over x{limit:g} the normal session")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=3.0)
    parser.add_argument("--long-turns", action="store_true", help="time whole long turns")
    parser.add_argument("--turn-limit", type=float, default=10.0)
    parser.add_argument("--uploads", action="store_true", help="time whole worst uploads")
    parser.add_argument("--upload-limit", type=float, default=3.0)
    args = parser.parse_args()
    if args.long_turns:
        return long_turns(args.turn_limit)
    if args.uploads:
        return uploads(args.upload_limit)
    failed = 0
    for path in sorted(LEXICONS.glob("*.json")):
        for index, source in enumerate(_patterns(json.loads(path.read_text()))):
            ratio, seconds, example = _worst(source)
            slow = ratio > args.limit and seconds > 0.05
            failed += slow
            if slow or seconds > 0.01:
                mark = "SLOW" if slow else "ok"
                timing = f"2000/1000 x{ratio:.1f}, {seconds * 1000:.0f} ms"
                print(f"{mark:4} {path.stem}[{index}] {timing} ({example})")
    print(f"{failed} pattern(s) over the limit")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
