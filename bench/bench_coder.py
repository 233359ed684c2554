#!/usr/bin/env python
"""Benchmark the utterance coder: model load time and throughput. Prints JSON.

    python bench/bench_coder.py [--model PATH] [--utterances 2000] [--repeats 3]

Uses a synthetic conversation built from sentences written for this benchmark (no
AnnoMI text, so it runs on a fresh clone), with turn lengths like real sessions'. Where
AnnoMI is present (``../shared/data/annomi``), it also codes its 99 real transcripts one at
a time (``utterances_per_s_annomi``). Load time is measured in a fresh interpreter,
imports included, because that is what a worker pays on its first transcript.
Targets: >= 300 utterances/s on 2 CPU cores, load < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

import joblib  # noqa: E402

from rapport.transcripts.coding import DEFAULT_MODEL_PATH, Coder, load_coder  # noqa: E402

__all__ = ["synthetic_conversation", "main"]

_THERAPIST = [
    "What brings you here today?",
    "How has your week been since we last met?",
    "So you're feeling torn about making a change.",
    "It sounds like your health matters a lot to you, and the worry keeps coming back.",
    "Do you smoke every day?",
    "Would it be okay if I shared some information about what other people have tried?",
    "Many people find that setting a quit date helps them stay on track.",
    "You could try cutting down first, or you could stop all at once; what fits you better?",
    "Okay, let's see where we are with the plan we talked about last time, and then we can "
    "decide together what to focus on for the rest of our session today.",
    "On the one hand you enjoy it, and on the other hand you're tired of feeling unwell.",
    "What would be different if you exercised a bit more?",
    "You've already made some changes on your own, which took real effort.",
    "Tell me more about what happens on the evenings when it goes well.",
    "The guidelines suggest no more than fourteen units a week, spread over several days.",
    "How confident are you, on a scale from zero to ten, that you could do that?",
    "So part of you wants things to stay as they are.",
    "When you say it's not a big deal, what do the people close to you say?",
    "I wonder whether the walks at lunchtime could be a place to start.",
]
_CLIENT = [
    "I really want to quit.",
    "I don't know, it's just how things are.",
    "I don't see why I should stop, everybody I know does it.",
    "My doctor told me my blood pressure is too high, so I guess I should do something.",
    "I've tried before and it never lasts more than a couple of weeks, so I'm not sure.",
    "I'd like to be able to play with my kids without getting out of breath.",
    "Work has been really stressful and that's when I reach for a cigarette.",
    "It was my sister's birthday on Saturday and I ended up staying much later than I meant to.",
    "I think I could manage the weekdays, it's the weekends that are hard.",
    "Honestly, I only came because my partner kept going on about it.",
    "Maybe if I had someone to go with, I'd actually stick to it this time.",
    "I felt better the week I cut down, I slept through the night for once.",
    "There's no point, I've been like this for twenty years.",
    "I suppose I could try leaving my cigarettes at home when I go to work.",
]
# Backchannels repeat within a session; in AnnoMI about one turn in six repeats an
# earlier turn of its session, and the coder encodes each distinct turn once.
_BACKCHANNELS = ["Mm-hmm.", "Yeah.", "Right.", "Okay.", "Sure.", "I see."]
# Openings that make the same sentence a different turn, as in speech.
_LEAD_INS = [
    "",
    "So, ",
    "Well, ",
    "And ",
    "I mean, ",
    "Okay, ",
    "Yeah, ",
    "Hmm, ",
    "But ",
    "Right, ",
]


def synthetic_conversation(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """An alternating therapist/client conversation of ``n`` turns (deterministic).

    Turn lengths follow real sessions rather than a list of short lines: a sixth are
    backchannels and the rest one to five sentences (geometric), so that turns average
    about 29 tokens (median 23, 7% over the encoder's 64; in AnnoMI: mean 26, median 16,
    8% over 64). Encoder time grows with length, so short turns would flatter the
    throughput."""
    rng = random.Random(seed)
    turns = []
    for i in range(n):
        role, pool = ("therapist", _THERAPIST) if i % 2 == 0 else ("client", _CLIENT)
        if rng.random() < 1 / 6:
            turns.append((role, rng.choice(_BACKCHANNELS)))
            continue
        sentences = 1
        while sentences < 5 and rng.random() < 0.42:
            sentences += 1
        text = " ".join(rng.choice(pool) for _ in range(sentences))
        turns.append((role, rng.choice(_LEAD_INS) + text))
    return turns


def _load_time(model: Path) -> float:
    code = (
        "import sys, time; t = time.perf_counter(); "
        f"sys.path.insert(0, {str(REPO / 'src')!r}); "
        "from rapport.transcripts.coding import load_coder; "
        f"load_coder({str(model)!r}); print(time.perf_counter() - t)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def _one_at_a_time(coder: Coder, sessions: list[list[tuple[str, str]]]) -> None:
    """As the web app codes an upload (``rapport code`` codes a file's conversations in one
    ``code_many`` call: ``utterances_per_s_code_many``)."""
    for session in sessions:
        coder.code_conversation(session)


def _best_time(
    coder: Coder, sessions: list[list[tuple[str, str]]], repeats: int, together: bool = False
) -> float:
    """Best of ``repeats`` runs over ``sessions``, one conversation at a time (or all in one
    ``code_many`` call)."""
    coder.code_many(sessions[:1])  # warm-up (lazy initialisations, caches)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        if together:
            coder.code_many(sessions)
        else:
            _one_at_a_time(coder, sessions)
        best = min(best, time.perf_counter() - started)
    return best


def _annomi_throughput(coder: Coder) -> dict[str, float]:
    """Utterances per second over AnnoMI's real transcripts, one conversation at a time
    (as the web app codes an upload); empty where the data is absent."""
    data_dir = REPO.parent / "shared" / "data" / "annomi"
    if not (data_dir / "annomi-simple-train.csv").is_file():
        return {}
    sys.path.insert(0, str(REPO / "scripts"))
    from coder_data import conversations, load_annomi

    _ids, sessions = conversations(load_annomi(data_dir))
    elapsed = _best_time(coder, sessions, repeats=1)
    n = sum(len(s) for s in sessions)
    return {"annomi_utterances": n, "utterances_per_s_annomi": round(n / elapsed, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="utterance coder benchmark")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--utterances", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    load_s = min(_load_time(args.model) for _ in range(args.repeats))
    coder = load_coder(args.model)
    # Sessions of 150 turns (a long hour), coded one at a time.
    turns = synthetic_conversation(args.utterances)
    sessions = [turns[i : i + 150] for i in range(0, len(turns), 150)]
    best = _best_time(coder, sessions, args.repeats)
    # Baselines measured in this same run (machines are noisy): the linear model alone,
    # and the encoders on one worker thread.
    bundle = joblib.load(args.model)
    linear = _best_time(Coder({**bundle, "encoders": [], "encoder": None}), sessions, args.repeats)
    previous = os.environ.get("RAPPORT_CODER_THREADS")
    os.environ["RAPPORT_CODER_THREADS"] = "1"
    try:
        one_thread = _best_time(Coder(bundle), sessions, args.repeats)
    finally:
        if previous is None:
            del os.environ["RAPPORT_CODER_THREADS"]
        else:
            os.environ["RAPPORT_CODER_THREADS"] = previous
    # Several conversations in one call share the workers (and their repeated turns).
    together = _best_time(coder, sessions, args.repeats, together=True)
    annomi = _annomi_throughput(coder)
    result = {
        "model": str(args.model),
        "model_mb": round(args.model.stat().st_size / 1e6, 2),
        "load_s": round(load_s, 3),
        "utterances": len(turns),
        "utterances_per_s": round(len(turns) / best, 1),
        "utterances_per_s_code_many": round(len(turns) / together, 1),
        "utterances_per_s_one_thread": round(len(turns) / one_thread, 1),
        "speedup_vs_one_thread": round(one_thread / best, 2),
        **annomi,
        "utterances_per_s_linear_alone": round(len(turns) / linear, 1),
        "time_ratio_vs_linear_alone": round(best / linear, 2),
        "cpu_count": os.cpu_count(),
        "encoder_active": coder.meta.get("encoder_active", False),
        "threads_env": os.environ.get("RAPPORT_CODER_THREADS", "default (all cores)"),
        "targets": {"utterances_per_s": 300, "load_s": 2.0, "model_mb": 50},
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
