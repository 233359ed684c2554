"""Fit the scikit-learn coder bundle that ``rapport.transcripts.coding`` loads.

Training-side helper for ``scripts/train_coder.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rapport.transcripts.coding import (
    CLIENT_CODES,
    FEATURE_VERSION,
    QUESTION_STEM_FEATURES,
    SUBCODES,
    THERAPIST_CODES,
    Utterance,
    _matrix,
    conversation_features,
)
from rapport.transcripts.linear import LinearClassifier, TfidfFeatures

__all__ = ["DEFAULT_CONFIG", "fit_bundle", "rows_for", "sequence_ratios"]

SEED = 20240501

# Chosen by transcript-level cross-validation on the 99 training transcripts (see
# docs/coder.md); no per-fold tuning.
DEFAULT_CONFIG: dict[str, Any] = {
    "text_word": {"ngram_range": (1, 3), "min_df": 2, "max_features": 60000},
    "text_char": {"ngram_range": (2, 5), "min_df": 3, "max_features": 120000},
    "context_word": {"ngram_range": (1, 2), "min_df": 2, "max_features": 30000},
    "context_fields": ("prev_text", "prev_other", "next_text"),
    "C": {"therapist": 4.0, "client": 2.0, "sub": 4.0},
    "class_weight": {"therapist": None, "client": "balanced", "sub": "balanced"},
    # Low-quality sessions are 8% of the utterances but where session metrics matter most
    # (a coder trained on good MI sees reflections everywhere); weight them up.
    "low_quality_weight": 1.0,
    # Sequence decoding (coding.chain_marginals): the weight of each role's transition
    # term, and the pseudo-count of turns by which each transition row is pulled to the
    # overall mix of codes. Client 0.75: the nested choice (among 0 to 2, on the other four
    # folds) in four folds of five (0.5 in the fifth), client macro-F1 .542 -> .554 on the
    # held-out folds, 2026-12-07. Therapist: the nested choice lost in every fold where it
    # was not 0 (.775 -> .772), so 0. The smoothing, 5, was fixed before looking.
    "sequence_weights": {"therapist": 0.0, "client": 0.75},
    "sequence_smoothing": 5.0,
}


def _vectorizer(kind: str, params: dict[str, Any]) -> TfidfVectorizer:
    if kind == "char":
        return TfidfVectorizer(
            analyzer="char_wb", lowercase=True, sublinear_tf=True, dtype=np.float32, **params
        )
    return TfidfVectorizer(
        analyzer="word",
        lowercase=True,
        sublinear_tf=True,
        dtype=np.float32,
        # Keep contractions whole ("don't", "you're"): they carry the stance of the turn.
        token_pattern=r"(?u)\b\w[\w']*\b",  # noqa: S106 - a regex, not a password
        **params,
    )


def rows_for(df: pd.DataFrame) -> list[Utterance]:
    """Feature rows for every utterance of ``df``, aligned with ``df``'s order."""
    rows: list[Utterance] = []
    for _tid, group in df.groupby("transcript_id", sort=False):
        rows.extend(conversation_features(list(zip(group["role"], group["text"], strict=True))))
    return rows


def _fit_blocks(rows: list[Utterance], config: dict[str, Any]) -> dict[str, TfidfVectorizer]:
    """One word and one character vectorizer, fitted on the utterances themselves.

    The context blocks reuse the word vectorizer (same vocabulary, one pickled object), so
    the shipped file holds each vocabulary once and loads fast.
    """
    texts = [u.text for u in rows if u.text]
    word = _vectorizer("word", config["text_word"]).fit(texts)
    char = _vectorizer("char", config["text_char"]).fit(texts)
    blocks: dict[str, TfidfVectorizer] = {"text:word": word, "text:char": char}
    for field in config["context_fields"]:
        blocks[f"{field}:word"] = word
    return blocks


def _runtime_blocks(blocks: dict[str, TfidfVectorizer]) -> dict[str, TfidfFeatures]:
    """numpy copies of the fitted vectorizers, so that loading the coder never imports
    scikit-learn (see rapport.transcripts.linear); a vectorizer shared by several blocks
    stays one object, so the file holds each vocabulary once."""
    copies: dict[int, TfidfFeatures] = {}
    for vectorizer in blocks.values():
        copies.setdefault(id(vectorizer), TfidfFeatures.from_sklearn(vectorizer))
    return {name: copies[id(v)] for name, v in blocks.items()}


def _fit_clf(
    features: Any, labels: list[str], config: dict[str, Any], task: str, weight: np.ndarray
) -> Any:
    group = "sub" if task in SUBCODES else task
    clf = LogisticRegression(
        C=config["C"][group],
        class_weight=config["class_weight"][group],
        max_iter=3000,
        random_state=SEED,
    )
    return clf.fit(features, labels, sample_weight=weight)


def _without_question_stem(features: Any) -> Any:
    """``features`` with the question-stem columns (the last ones) set to zero.

    They are for the open/closed sub-code only; every other classifier, trained without
    them, keeps zero weights there. Given to every task, they lifted open/closed .726 ->
    .756 in cross-validation (2026-12-04) but cost therapist macro-F1 .775 -> .772.
    """
    keep = np.ones(features.shape[1])
    keep[-QUESTION_STEM_FEATURES:] = 0.0
    return (features @ sp.diags(keep)).tocsr()


def sequence_ratios(
    conversations: list[list[tuple[str, str]]], smoothing: float
) -> dict[str, np.ndarray]:
    """How much likelier each code is after each (last therapist code, last client code)
    state than overall: P(code | state) / P(code), per role, from expert-coded
    conversations of (role, code) turns (empty turns left out, as at run time). Each
    state's row is pulled towards the overall mix by ``smoothing`` turns, so a state seen
    rarely stays near a ratio of 1. Axes: last therapist code (``THERAPIST_CODES``, then
    "none yet"), last client code (``CLIENT_CODES``, then "none yet"), the turn's code."""
    labels = {"therapist": THERAPIST_CODES, "client": CLIENT_CODES}
    states = (len(THERAPIST_CODES) + 1, len(CLIENT_CODES) + 1)
    counts = {role: np.zeros((*states, len(labels[role]))) for role in labels}
    for conversation in conversations:
        last = {"therapist": len(THERAPIST_CODES), "client": len(CLIENT_CODES)}
        for role, code in conversation:
            y = labels[role].index(code)
            counts[role][last["therapist"], last["client"], y] += 1
            last[role] = y
    out: dict[str, np.ndarray] = {}
    for role, table in counts.items():
        overall = table.sum(axis=(0, 1)) / max(table.sum(), 1.0)
        seen = table.sum(axis=2, keepdims=True) + smoothing
        given = (table + smoothing * overall) / np.where(seen > 0, seen, 1.0)
        # A code never seen, or a state never seen without smoothing: no evidence, ratio 1.
        known = (overall > 0) & (seen > 0)
        out[role] = np.where(known, given / np.where(overall > 0, overall, 1.0), 1.0)
    return out


def fit_bundle(df: pd.DataFrame, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train every task on ``df`` (ordered utterances of whole transcripts).

    ``df`` needs columns transcript_id, role, text, code and subcode (None where none).
    """
    config = DEFAULT_CONFIG if config is None else config
    df = df.reset_index(drop=True)
    rows = rows_for(df)
    blocks = _fit_blocks(rows, config)
    features = _matrix(blocks, rows)
    has_text = np.array([bool(u.text) for u in rows])
    codes = df["code"].to_numpy()
    subcodes = df["subcode"].to_numpy()
    quality = df["mi_quality"].to_numpy() if "mi_quality" in df else np.full(len(df), "high")
    weight = np.where(quality == "low", float(config.get("low_quality_weight", 1.0)), 1.0)
    tasks: dict[str, dict[str, Any]] = {}
    main_features = _without_question_stem(features)  # every task but open/closed
    for role in ("therapist", "client"):
        idx = np.flatnonzero((df["role"].to_numpy() == role) & has_text)
        tasks[role] = {
            "clf": _fit_clf(main_features[idx], codes[idx].tolist(), config, role, weight[idx])
        }
    for parent in SUBCODES:
        known = np.array([isinstance(s, str) and bool(s) for s in subcodes])
        idx = np.flatnonzero((codes == parent) & known & has_text)
        task_features = features if parent == "question" else main_features
        tasks[parent] = {
            "clf": _fit_clf(task_features[idx], subcodes[idx].tolist(), config, parent, weight[idx])
        }
    therapist = codes[np.flatnonzero((df["role"].to_numpy() == "therapist") & has_text)]
    # Only the therapist task adapts to each session's mix (coding.adapt_to_session): its
    # classifiers are unweighted, so the training frequencies are their prior. The client
    # classifiers are class-balanced, and adapting them from these frequencies cost
    # client macro-F1 in cross-validation (.533 -> .499).
    priors = {"therapist": {c: float(np.mean(therapist == c)) for c in THERAPIST_CODES}}
    live = df[has_text]
    sequence = {
        "ratios": sequence_ratios(
            [
                list(zip(g["role"], g["code"], strict=True))
                for _tid, g in live.groupby("transcript_id", sort=False)
            ],
            float(config["sequence_smoothing"]),
        ),
        "weights": dict(config["sequence_weights"]),
        "smoothing": float(config["sequence_smoothing"]),
    }
    return {
        "feature_version": FEATURE_VERSION,
        "sequence": sequence,
        "blocks": _runtime_blocks(blocks),
        "tasks": {
            task: {"clf": LinearClassifier.from_sklearn(t["clf"])} for task, t in tasks.items()
        },
        "session_priors": priors,
        "meta": {},
    }
