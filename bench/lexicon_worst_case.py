"""Worst-case time of the flag lexicons on long runs of their own words.

Punctuation-free captions make a whole turn one "sentence", so a pattern whose repeated
group can match the same words in several ways (nested or overlapping repetition) can take
time that grows faster than the turn. For each pattern and each word it names, this times
the pattern on a run of 1,000 and of 2,000 copies of the word after each of the pattern's
opening phrases, and reports the ratio: about 2 is linear, 4 or more is quadratic or worse.

    python bench/lexicon_worst_case.py [--limit 3.0]   (a few minutes)

Exits 1 when a pattern's ratio passes the limit and its time on 2,000 words passes 50 ms.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=3.0)
    args = parser.parse_args()
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
