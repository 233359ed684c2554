"""Load AnnoMI into one table of utterances with main codes and derived sub-codes.

Training-side helper for ``scripts/train_coder.py``; the run-time coder never imports it.
AnnoMI: Wu et al., ICASSP 2022; Future Internet 15(3):110, 2023.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "EXISTS_COLUMNS",
    "FULL_FILE",
    "SIMPLE_FILE",
    "conversations",
    "data_hash",
    "exists_flags",
    "load_annomi",
]

SIMPLE_FILE = "annomi-simple-train.csv"
FULL_FILE = "annomi-full-train.csv"

# Sub-type column of the full file for each main therapist code.
_SUB_COLUMN = {
    "question": "question_subtype",
    "reflection": "reflection_subtype",
    "therapist_input": "therapist_input_subtype",
}
# Tie-break order for the sub-code vote (only matters for the few multi-annotated
# utterances with a split vote). We favour the *less* MI-consistent or more specific reading
# for open/closed and simple/complex ("closed", "simple"), so a tie never inflates a
# session's quality metrics.
_TIE_ORDER = {
    "question": ("closed", "open"),
    "reflection": ("simple", "complex"),
    "therapist_input": ("advice", "information", "negotiation", "options"),
}


def data_hash(data_dir: Path) -> str:
    """SHA-256 over both CSV files, so a report names exactly the data it came from."""
    digest = hashlib.sha256()
    for name in (SIMPLE_FILE, FULL_FILE):
        digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def _vote(values: list[str], parent: str) -> str | None:
    counts = Counter(v for v in values if v and v != "n/a")
    if not counts:
        return None
    top = max(counts.values())
    winners = [v for v, c in counts.items() if c == top]
    for candidate in _TIE_ORDER[parent]:
        if candidate in winners:
            return candidate
    return sorted(winners)[0]


def load_annomi(data_dir: Path) -> pd.DataFrame:
    """One row per utterance, in conversation order.

    Columns: transcript_id, utterance_id, mi_quality, role, text, code, subcode.
    ``code`` is the simple file's main label; ``subcode`` is the majority vote of the
    annotators (full file) whose own main code matches it, None if there is none.
    """
    simple = pd.read_csv(data_dir / SIMPLE_FILE, keep_default_na=False)
    full = pd.read_csv(data_dir / FULL_FILE, keep_default_na=False)
    key = ["transcript_id", "utterance_id"]
    simple = simple.sort_values(key).reset_index(drop=True)
    is_therapist = simple["interlocutor"] == "therapist"
    out = pd.DataFrame(
        {
            "transcript_id": simple["transcript_id"].astype(int),
            "utterance_id": simple["utterance_id"].astype(int),
            "mi_quality": simple["mi_quality"],
            "role": simple["interlocutor"],
            "text": simple["utterance_text"].astype(str),
            "code": simple["main_therapist_behaviour"].where(
                is_therapist, simple["client_talk_type"]
            ),
        }
    )
    votes: dict[tuple[int, int], list[str]] = {}
    merged = full.merge(out[[*key, "code"]], on=key, how="inner")
    for parent, column in _SUB_COLUMN.items():
        rows = merged[(merged["main_therapist_behaviour"] == parent) & (merged["code"] == parent)]
        for (tid, uid), group in rows.groupby(key):
            votes[(int(tid), int(uid))] = [parent, *group[column].tolist()]
    subcodes: list[str | None] = []
    for tid, uid, code in zip(out["transcript_id"], out["utterance_id"], out["code"], strict=True):
        entry = votes.get((int(tid), int(uid)))
        subcodes.append(_vote(entry[1:], code) if entry and entry[0] == code else None)
    out["subcode"] = subcodes
    return out


EXISTS_COLUMNS = ("reflection_exists", "question_exists", "therapist_input_exists")


def exists_flags(data_dir: Path, df: pd.DataFrame) -> np.ndarray:
    """For each row of ``load_annomi``'s table: the share of annotators who marked a
    reflection, a question and therapist input as present (columns of EXISTS_COLUMNS).

    Client turns (never annotated for these) get NaN."""
    full = pd.read_csv(data_dir / FULL_FILE, keep_default_na=False)
    full = full[full["interlocutor"] == "therapist"]
    flags = full[list(EXISTS_COLUMNS)].apply(lambda col: col.astype(str).str.lower() == "true")
    flags[["transcript_id", "utterance_id"]] = full[["transcript_id", "utterance_id"]]
    shares = flags.groupby(["transcript_id", "utterance_id"]).mean()
    keys = pd.MultiIndex.from_arrays([df["transcript_id"], df["utterance_id"]])
    return shares.reindex(keys).to_numpy(dtype=float)


def conversations(df: pd.DataFrame) -> tuple[list[int], list[list[tuple[str, str]]]]:
    """Transcript ids and their ``(role, text)`` turns, in order."""
    ids: list[int] = []
    convs: list[list[tuple[str, str]]] = []
    for tid, group in df.groupby("transcript_id", sort=True):
        ids.append(int(tid))
        convs.append(list(zip(group["role"], group["text"], strict=True)))
    return ids, convs
