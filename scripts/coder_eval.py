"""Transcript-level cross-validation and session-metric agreement for the coder.

Training-side helper for ``scripts/train_coder.py`` and ``bench/accuracy_report.py``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from coder_model import rows_for
from scipy.stats import spearmanr
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold

from rapport.transcripts.coding import (
    CLIENT_CODES,
    ENCODER_LABELS,
    ENCODER_WIDTH,
    SUBCODES,
    THERAPIST_CODES,
    Coder,
    Utterance,
    encoder_context,
)

__all__ = [
    "OofEncoderCoder",
    "SESSION_METRICS",
    "cross_validate",
    "expert_agreement",
    "icc_a1",
    "metric_agreement",
    "session_metrics",
    "summarise",
]

N_FOLDS = 5


class OofEncoderCoder(Coder):
    """A coder whose encoder logits come from a table of out-of-fold predictions.

    Fine-tuning the encoder needs torch, so it happens once, in
    ``scripts/finetune_coder.py``, with the same folds; its logits for each held-out
    utterance are looked up here among the held-out rows of the fold, keyed by exactly what
    the encoder reads (role and text, plus the neighbouring turns for a context encoder),
    so the lookup is exact: two rows with the same key had the same encoder input.
    """

    def __init__(
        self,
        bundle: dict[str, Any],
        test: pd.DataFrame,
        encoders: list[
            tuple[dict[tuple[int, int], np.ndarray], bool, dict[str, float], dict[str, float]]
        ],
    ) -> None:
        """``encoders``: per encoder, its out-of-fold logits by (transcript, utterance), whether
        it reads context, its weight in the average for each task and its temperature."""
        super().__init__({**bundle, "encoders": []})
        self._encoder_weights = [weights for _oof, _context, weights, _t in encoders]
        self._encoder_temperatures = [temperatures for *_rest, temperatures in encoders]
        self._contexts = [context for _oof, context, _weight, _t in encoders]
        # An encoder with a sub-code head has wider rows: main codes, then SUB_LABELS.
        self._set_subcode_voters(
            [len(next(iter(oof.values()))) > len(ENCODER_LABELS) for oof, *_rest in encoders]
        )
        test = test.reset_index(drop=True)
        self._lookups: list[dict[tuple[str, str, str], np.ndarray]] = []
        for oof, context, *_rest in encoders:
            self._lookups.append(
                {
                    self._key(u, context): oof[(int(tid), int(uid))]
                    for u, tid, uid in zip(
                        rows_for(test), test["transcript_id"], test["utterance_id"], strict=True
                    )
                }
            )
        self.meta["encoder_active"] = True
        self.meta["encoder_subcodes"] = bool(self._subcode_voters)

    @staticmethod
    def _key(u: Utterance, context: bool) -> tuple[str, str, str]:
        return (u.role, u.text, encoder_context(u) if context else "")

    def _encoder_logits(self, rows: Any, conversation: Any = None) -> np.ndarray | None:
        out = np.zeros((len(rows), len(self._lookups), ENCODER_WIDTH), dtype=np.float32)
        for k, (lookup, ctx) in enumerate(zip(self._lookups, self._contexts, strict=True)):
            for i, u in enumerate(rows):
                row = lookup[self._key(u, ctx)]
                out[i, k, : len(row)] = row
        return out


def _conv(group: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(group["role"], group["text"], strict=True))


def cross_validate(
    df: pd.DataFrame,
    fit: Callable[[pd.DataFrame], dict[str, Any]],
    seed: int,
    make_coder: Callable[[dict[str, Any], pd.DataFrame], Coder] | None = None,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Out-of-fold predictions, folds split BY TRANSCRIPT.

    Folds are stratified on MI quality so every fold holds some low-quality sessions
    (there are only 17), which keeps the low-quality agreement figures from hinging on
    one fold. Returns ``df`` plus columns fold, pred_code, pred_subcode, pred_conf and
    ``cond_sub`` (the sub-code predicted for the *expert* main code, to score sub-codes on
    their own).
    """
    df = df.reset_index(drop=True).copy()
    splitter = StratifiedGroupKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    df["fold"] = -1
    df["pred_code"] = ""
    df["pred_subcode"] = None
    df["pred_conf"] = np.nan
    df["cond_sub"] = None
    for fold, (train_idx, test_idx) in enumerate(
        splitter.split(df, df["mi_quality"], groups=df["transcript_id"])
    ):
        test = df.iloc[test_idx]
        bundle = fit(df.iloc[train_idx])
        # make_coder sees the held-out rows so an evaluation coder can look up the
        # out-of-fold encoder logits for exactly these utterances.
        coder = make_coder(bundle, test) if make_coder else Coder(bundle)
        ids: list[int] = []
        convs: list[list[tuple[str, str]]] = []
        for tid, group in test.groupby("transcript_id", sort=False):
            ids.append(int(tid))
            convs.append(_conv(group))
        predicted = coder.code_many(convs)
        for tid, codes in zip(ids, predicted, strict=True):
            where = df.index[df["transcript_id"] == tid]
            df.loc[where, "fold"] = fold
            df.loc[where, "pred_code"] = [c.code for c in codes]
            df.loc[where, "pred_subcode"] = pd.Series(
                [c.subcode for c in codes], index=where, dtype=object
            )
            df.loc[where, "pred_conf"] = [c.confidence for c in codes]
        # Sub-codes scored on their own: what the sub-model says for the expert's main code.
        for parent in SUBCODES:
            for tid, conv in zip(ids, convs, strict=True):
                where = df.index[df["transcript_id"] == tid]
                mask = (df.loc[where, "code"] == parent).to_numpy()
                if not mask.any():
                    continue
                subs = coder.subcodes_for(conv, parent)
                df.loc[where[mask], "cond_sub"] = pd.Series(
                    [subs[k] for k in np.flatnonzero(mask)], index=where[mask], dtype=object
                )
        log(f"  fold {fold}: {len(test_idx)} utterances, {len(ids)} transcripts")
    return df


def _f1(y: pd.Series, p: pd.Series, labels: tuple[str, ...]) -> float:
    return float(f1_score(y, p, labels=list(labels), average="macro", zero_division=0))


def _fine(code: str, sub: Any) -> str:
    return f"{code}/{sub}" if isinstance(sub, str) and sub else code


def summarise(oof: pd.DataFrame) -> dict[str, Any]:
    """Macro-F1 per task and fold (mean, sd), pooled per-class F1 and confusion matrices."""
    therapist = oof[oof["role"] == "therapist"]
    client = oof[oof["role"] == "client"]
    fine_labels = tuple(_fine(c, s) for c in THERAPIST_CODES for s in (SUBCODES.get(c) or (None,)))
    tasks: dict[str, tuple[pd.DataFrame, str, str, tuple[str, ...]]] = {
        "therapist": (therapist, "code", "pred_code", THERAPIST_CODES),
        "client": (client, "code", "pred_code", CLIENT_CODES),
    }
    for parent, labels in SUBCODES.items():
        rows = therapist[(therapist["code"] == parent) & therapist["subcode"].notna()]
        tasks[f"{parent} sub-code (given expert code)"] = (rows, "subcode", "cond_sub", labels)
    therapist_fine = therapist.assign(
        fine=[_fine(c, s) for c, s in zip(therapist["code"], therapist["subcode"], strict=True)],
        pred_fine=[
            _fine(c, s)
            for c, s in zip(therapist["pred_code"], therapist["pred_subcode"], strict=True)
        ],
    )
    tasks["therapist code+sub-code (end to end)"] = (
        therapist_fine,
        "fine",
        "pred_fine",
        fine_labels,
    )
    out: dict[str, Any] = {}
    for name, (rows, gold, pred, labels) in tasks.items():
        per_fold = [
            _f1(g[gold], g[pred].fillna(""), labels) for _f, g in rows.groupby("fold") if len(g)
        ]
        present = tuple(lab for lab in labels if (rows[gold] == lab).any())
        out[name] = {
            "n": len(rows),
            "fold_f1": per_fold,
            "mean": float(np.mean(per_fold)),
            "sd": float(np.std(per_fold, ddof=1)),
            "pooled": _f1(rows[gold], rows[pred].fillna(""), present),
            "per_class": {
                lab: float(
                    f1_score(
                        rows[gold],
                        rows[pred].fillna(""),
                        labels=[lab],
                        average="macro",
                        zero_division=0,
                    )
                )
                for lab in present
            },
            "labels": present,
            "confusion": confusion_matrix(
                rows[gold], rows[pred].fillna(""), labels=list(present)
            ).tolist(),
        }
    return out


SESSION_METRICS: tuple[str, ...] = (
    "reflection_to_question",
    "pct_open_questions",
    "pct_complex_reflections",
    "pct_therapist_input",
    "change_talk_ratio",
)


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def session_metrics(codes: list[str], subs: list[Any], roles: list[str]) -> dict[str, float]:
    """Per-session MI summary scores from codes (NaN where the denominator is zero)."""
    t = [(c, s) for c, s, r in zip(codes, subs, roles, strict=True) if r == "therapist"]
    cl = [c for c, r in zip(codes, roles, strict=True) if r == "client"]
    n_q = sum(c == "question" for c, _ in t)
    n_r = sum(c == "reflection" for c, _ in t)
    return {
        "reflection_to_question": _ratio(n_r, n_q),
        "pct_open_questions": 100 * _ratio(sum(s == "open" for c, s in t if c == "question"), n_q),
        "pct_complex_reflections": 100
        * _ratio(sum(s == "complex" for c, s in t if c == "reflection"), n_r),
        "pct_therapist_input": 100 * _ratio(sum(c == "therapist_input" for c, _ in t), len(t)),
        "change_talk_ratio": _ratio(
            sum(c == "change" for c in cl), sum(c in ("change", "sustain") for c in cl)
        ),
    }


def icc_a1(x: np.ndarray, y: np.ndarray) -> float:
    """ICC(A,1): two-way, absolute agreement, single rater (McGraw & Wong 1996)."""
    data = np.column_stack([x, y]).astype(float)
    n, k = data.shape
    if n < 3:
        return math.nan
    grand = data.mean()
    ss_rows = k * ((data.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((data.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((data - grand) ** 2).sum() - ss_rows - ss_cols
    ms_r = ss_rows / (n - 1)
    ms_c = ss_cols / (k - 1)
    ms_e = ss_err / ((n - 1) * (k - 1))
    den = ms_r + (k - 1) * ms_e + k * (ms_c - ms_e) / n
    return float((ms_r - ms_e) / den) if den else math.nan


def metric_agreement(oof: pd.DataFrame, min_utterances: int = 10) -> pd.DataFrame:
    """Agreement of per-transcript metrics from predicted vs expert codes, by MI quality.

    Transcripts shorter than ``min_utterances`` are left out: one utterance more or less
    swings their ratios wildly and would drown the comparison in noise.
    """
    records: list[dict[str, Any]] = []
    for tid, g in oof.groupby("transcript_id"):
        if len(g) < min_utterances:
            continue
        roles = g["role"].tolist()
        expert = session_metrics(g["code"].tolist(), g["subcode"].tolist(), roles)
        pred = session_metrics(g["pred_code"].tolist(), g["pred_subcode"].tolist(), roles)
        for name in SESSION_METRICS:
            records.append(
                {
                    "transcript_id": tid,
                    "quality": g["mi_quality"].iloc[0],
                    "metric": name,
                    "expert": expert[name],
                    "predicted": pred[name],
                }
            )
    per = pd.DataFrame.from_records(records)
    rows: list[dict[str, Any]] = []
    for (quality, name), g in per.groupby(["quality", "metric"], sort=True):
        g = g.dropna(subset=["expert", "predicted"])
        x, y = g["expert"].to_numpy(), g["predicted"].to_numpy()
        rho = spearmanr(x, y).statistic if len(g) >= 3 else math.nan
        rows.append(
            {
                "quality": quality,
                "metric": name,
                "n": len(g),
                "expert_mean": float(x.mean()) if len(g) else math.nan,
                "predicted_mean": float(y.mean()) if len(g) else math.nan,
                "mae": float(np.abs(x - y).mean()) if len(g) else math.nan,
                "spearman": float(rho),
                "icc_a1": icc_a1(x, y),
            }
        )
    order = {m: i for i, m in enumerate(SESSION_METRICS)}
    table = pd.DataFrame(rows)
    table["_o"] = table["metric"].map(order)
    return table.sort_values(["quality", "_o"]).drop(columns="_o").reset_index(drop=True)


# The full AnnoMI file's label column for each role.
_FULL_LABEL = {"therapist": "main_therapist_behaviour", "client": "client_talk_type"}


def expert_agreement(full: pd.DataFrame, oof: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """How far the experts agree with each other, and the coder with them, per task.

    AnnoMI had some transcripts coded by several annotators (``full``: one row per
    annotator and utterance). On those utterances: the macro-F1 of every pair of
    annotators (one expert scored against another, the yardstick for a coder trained on
    one expert's codes) and of each annotator against the majority of the others (ties
    left out); then the coder's out-of-fold codes (``oof``, from ``cross_validate``)
    against each annotator (mean over annotators, comparable to the pairs) and against
    the majority, which is the released code it was trained on.
    """
    key = ["transcript_id", "utterance_id"]
    counts = full.groupby(key).size()
    multi = full.set_index(key).loc[counts[counts > 1].index].reset_index()
    out: dict[str, dict[str, Any]] = {}
    for role, labels in (("therapist", THERAPIST_CODES), ("client", CLIENT_CODES)):
        rows = multi[multi["interlocutor"] == role]
        if rows.empty:
            continue
        grid = rows.pivot_table(
            index=key, columns="annotator_id", values=_FULL_LABEL[role], aggfunc="first"
        )
        pairs = [_pair_f1(grid[a], grid[b], labels) for a, b in itertools.combinations(grid, 2)]
        predicted = oof.set_index(key)["pred_code"].reindex(grid.index)
        vs_annotator = [_pair_f1(grid[a], predicted, labels) for a in grid]
        majority = grid.apply(_majority, axis=1)
        out[role] = {
            "transcripts": int(grid.index.get_level_values(0).nunique()),
            "utterances": len(grid),
            "annotators": grid.shape[1],
            "pairwise_mean": float(np.nanmean(pairs)),
            "pairwise_min": float(np.nanmin(pairs)),
            "pairwise_max": float(np.nanmax(pairs)),
            "annotator_vs_others": _annotator_vs_others(grid, labels),
            "coder_vs_annotator_mean": float(np.nanmean(vs_annotator)),
            "coder_vs_majority": _pair_f1(majority, predicted, labels),
        }
    return out


def _pair_f1(x: pd.Series, y: pd.Series, labels: tuple[str, ...]) -> float:
    both = x.notna() & y.notna()
    if not both.any():
        return math.nan
    return _f1(x[both], y[both], tuple(lab for lab in labels if (x[both] == lab).any()))


def _majority(labels: pd.Series) -> Any:
    """The most frequent label, or None on a tie for the top."""
    counts = labels.dropna().value_counts()
    if counts.empty or (len(counts) > 1 and counts.iloc[0] == counts.iloc[1]):
        return None
    return counts.index[0]


def _annotator_vs_others(grid: pd.DataFrame, labels: tuple[str, ...]) -> float:
    """Each annotator's code against the majority of the other annotators', pooled."""
    gold: list[Any] = []
    given: list[Any] = []
    for annotator in grid:
        others = grid.drop(columns=annotator).apply(_majority, axis=1)
        both = grid[annotator].notna() & others.notna()
        gold += others[both].tolist()
        given += grid.loc[both, annotator].tolist()
    present = tuple(lab for lab in labels if lab in gold)
    return _f1(pd.Series(gold), pd.Series(given), present)
