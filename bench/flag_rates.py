#!/usr/bin/env python
"""Flags per 1,000 therapist utterances in AnnoMI's high- vs low-quality sessions.

    python bench/flag_rates.py [--data-dir DIR] [--show-lexicon-hits]

The sanity check behind the "Sanity check on AnnoMI" paragraph of docs/transcripts.md:
every training transcript is run through ``detect_flags`` with AnnoMI's expert codes (the
main code from the simple file; the sub-code, where the full file is there too, by the
annotators' majority vote as in ``scripts/coder_data.py``), and the rates are compared
between sessions the experts rated high and low quality. A flag that is as common in the
good demonstrations as in the poor ones is not telling a therapist much.

``--show-lexicon-hits`` also runs every therapist utterance through the lexicons on its
own (no context, so no echo or opening exemption) and lists what fires in high-quality
sessions: the place to look for new false positives.

Without the data it prints a message and exits 0, like the other AnnoMI scripts.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

from rapport.transcripts.coding import Code  # noqa: E402
from rapport.transcripts.flags import (  # noqa: E402
    _LEXICON_FLAGS,
    FLAG_KINDS,
    _lexicon_hit,
    detect_flags,
    load_lexicon,
)
from rapport.transcripts.parsing import Turn  # noqa: E402

__all__ = ["Session", "load_sessions", "main", "rates"]

DEFAULT_DATA_DIR = Path("/work/shared/data/annomi")
SIMPLE_FILE = "annomi-simple-train.csv"
FULL_FILE = "annomi-full-train.csv"
ROLES = {"therapist": "therapist", "client": "client"}


@dataclass(frozen=True)
class Session:
    transcript_id: int
    quality: str
    turns: list[Turn]
    codes: list[Code | None]


def _seconds(stamp: str) -> float | None:
    parts = stamp.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    total = 0.0
    for value in values:
        total = total * 60 + value
    return total


def _subcodes(data_dir: Path) -> dict[tuple[int, int], str | None]:
    """Majority-vote sub-codes from the full file, when it is there."""
    if not (data_dir / FULL_FILE).exists():
        return {}
    from coder_data import load_annomi  # scripts/coder_data.py

    df = load_annomi(data_dir)
    return {
        (int(t), int(u)): (s if isinstance(s, str) and s else None)
        for t, u, s in zip(df["transcript_id"], df["utterance_id"], df["subcode"], strict=True)
    }


def _code(row: dict[str, str], sub: str | None) -> Code | None:
    name = (
        row["main_therapist_behaviour"]
        if row["interlocutor"] == "therapist"
        else row["client_talk_type"]
    )
    return None if name in ("", "n/a") else Code(name, sub, 1.0)


def load_sessions(data_dir: Path) -> list[Session]:
    """AnnoMI's training transcripts as turns with expert codes, in utterance order."""
    subcodes = _subcodes(data_dir)
    rows: dict[int, list[dict[str, str]]] = defaultdict(list)
    with (data_dir / SIMPLE_FILE).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows[int(row["transcript_id"])].append(row)
    sessions = []
    for tid, group in sorted(rows.items()):
        group.sort(key=lambda r: int(r["utterance_id"]))
        turns, codes = [], []
        for i, row in enumerate(group):
            turns.append(
                Turn(
                    i, row["interlocutor"], row["utterance_text"], _seconds(row["timestamp"]), None
                )
            )
            sub = subcodes.get((tid, int(row["utterance_id"])))
            codes.append(_code(row, sub))
        sessions.append(Session(tid, group[0]["mi_quality"], turns, codes))
    return sessions


def rates(sessions: list[Session]) -> dict[str, dict[str, float]]:
    """Flags per 1,000 therapist utterances by kind, for each quality group."""
    flags: dict[str, Counter[str]] = defaultdict(Counter)
    utterances: Counter[str] = Counter()
    for session in sessions:
        utterances[session.quality] += sum(1 for t in session.turns if t.speaker == "therapist")
        for flag in detect_flags(session.turns, ROLES, session.codes):
            flags[session.quality][flag.kind] += 1
    return {
        quality: {kind: 1000 * flags[quality][kind] / utterances[quality] for kind in FLAG_KINDS}
        for quality in sorted(utterances)
    }


def lexicon_hits(sessions: list[Session], quality: str = "high") -> list[str]:
    """Every therapist utterance in ``quality`` sessions that a lexicon flags on its own."""
    hits = []
    for session in sessions:
        if session.quality != quality:
            continue
        for turn in session.turns:
            if turn.speaker != "therapist":
                continue
            for kind, name in _LEXICON_FLAGS:
                hit = _lexicon_hit(load_lexicon(name), turn.text)
                if hit is not None:
                    hits.append(f"{kind} #{session.transcript_id}/{turn.index}: {hit[0]!r}")
    return hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--show-lexicon-hits", action="store_true")
    args = parser.parse_args(argv)
    if not (args.data_dir / SIMPLE_FILE).exists():
        print(f"AnnoMI not found: {args.data_dir / SIMPLE_FILE} is missing; nothing to measure.")
        return 0
    sessions = load_sessions(args.data_dir)
    counts = Counter(s.quality for s in sessions)
    by_quality = rates(sessions)
    groups = sorted(by_quality)
    header = " | ".join(f"{q} ({counts[q]} transcripts)" for q in groups)
    print(f"| flag (per 1,000 therapist utterances) | {header} |")
    print("|---|" + "---|" * len(groups))
    for kind in FLAG_KINDS:
        print(f"| {kind} | " + " | ".join(f"{by_quality[q][kind]:.1f}" for q in groups) + " |")
    if args.show_lexicon_hits:
        print("\nLexicon hits in high-quality sessions (each utterance on its own):")
        for line in lexicon_hits(sessions) or ["(none)"]:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
