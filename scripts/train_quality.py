# ruff: noqa: E402 - the imports follow the sys.path set-up for running from a checkout
"""Train the session quality estimate (``rapport.transcripts.quality``) on AnnoMI.

Usage::

    python scripts/train_quality.py [--data-dir DIR] [--codes auto|predicted|expert]
                                    [--out PATH] [--repeats N] [--dry-run]

Data: the AnnoMI training portion (99 transcripts, 82 high / 17 low MI quality), by
default ``../shared/data/annomi`` relative to the repository root. AnnoMI: Wu, Balloccu,
Kumar, Helaoui, Reiter, Reforgiato Recupero & Riboni, ICASSP 2022 and Future Internet
15(3):110, 2023. Without the data the script says so and exits 0.

Labels: ``mi_quality`` per transcript (high = 1). Features: ``quality_features`` of the
session metrics, computed from utterance codes. Which codes matters: at run time the
metrics come from the *coder*, which makes mistakes, so a model trained on expert codes
would see cleaner inputs than it will get. ``--codes predicted`` (the default when the
coder's training helper ``scripts/coder_model.py`` is importable) therefore codes each
transcript with a coder trained on the other folds only (5-fold, split by transcript,
stratified on quality): out-of-fold predicted codes. ``--codes expert`` uses AnnoMI's
own codes. The choice is written into the model file and the report.

Model: impute missing metrics with the training mean, standardise, L2 logistic regression
with C fixed in advance (no tuning on these 99 transcripts, which would flatter the CV).
Evaluation: repeated stratified 5-fold CV and leave-one-out, by transcript (one row per
transcript), reporting ROC AUC and Brier score against the base-rate Brier.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.impute import SimpleImputer
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import (
    LeaveOneOut,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_predict,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rapport.transcripts.metrics import session_metrics
from rapport.transcripts.parsing import (
    Turn,
    parse_timestamp,
)
from rapport.transcripts.quality import DEFAULT_MODEL_PATH, FEATURES, quality_features

DEFAULT_DATA = REPO.parent / "shared" / "data" / "annomi"
SIMPLE_FILE = "annomi-simple-train.csv"
FULL_FILE = "annomi-full-train.csv"
SEED = 20240611
# Fixed a priori: standardised features, 8 of them, 99 transcripts; C=0.5 is moderate
# shrinkage. Not tuned on the data.
C = 0.5
N_FOLDS = 5
SUB_COLUMN = {
    "question": "question_subtype",
    "reflection": "reflection_subtype",
    "therapist_input": "therapist_input_subtype",
}


@dataclass(frozen=True)
class _Code:
    code: str
    subcode: str | None


def load_utterances(data_dir: Path) -> pd.DataFrame:
    """One row per utterance: transcript_id, mi_quality, role, text, start, code, subcode.

    Main codes from the simple file; sub-codes by majority vote of the full file's
    annotators whose main code agrees (ties broken towards the less MI-consistent
    reading, so a tie never flatters a session).
    """
    simple = pd.read_csv(data_dir / SIMPLE_FILE, keep_default_na=False)
    full = pd.read_csv(data_dir / FULL_FILE, keep_default_na=False)
    simple = simple.sort_values(["transcript_id", "utterance_id"]).reset_index(drop=True)
    therapist = simple["interlocutor"] == "therapist"
    df = pd.DataFrame(
        {
            "transcript_id": simple["transcript_id"].astype(int),
            "utterance_id": simple["utterance_id"].astype(int),
            "mi_quality": simple["mi_quality"],
            "role": simple["interlocutor"],
            "text": simple["utterance_text"].astype(str),
            "start": [_seconds(v) for v in simple["timestamp"]],
            "code": simple["main_therapist_behaviour"].where(therapist, simple["client_talk_type"]),
        }
    )
    tie_order = {"question": "closed", "reflection": "simple", "therapist_input": "advice"}
    votes: dict[tuple[int, int], str] = {}
    for parent, column in SUB_COLUMN.items():
        rows = full[full["main_therapist_behaviour"] == parent]
        for (tid, uid), group in rows.groupby(["transcript_id", "utterance_id"]):
            counts = Counter(v for v in group[column] if v and v != "n/a")
            if counts:
                top = max(counts.values())
                winners = sorted(v for v, n in counts.items() if n == top)
                best = tie_order[parent] if tie_order[parent] in winners else winners[0]
                votes[(int(tid), int(uid))] = best
    df["subcode"] = [
        votes.get((t, u)) if c in SUB_COLUMN else None
        for t, u, c in zip(df["transcript_id"], df["utterance_id"], df["code"], strict=True)
    ]
    return df


def _seconds(value: str) -> float | None:
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def predicted_codes(df: pd.DataFrame, log: Any = print) -> pd.DataFrame:
    """Out-of-fold coder predictions: each transcript coded by a coder not trained on it.

    The coder is the shipped one: its linear part is refitted on the other folds here, and
    its encoders' logits for each transcript are their out-of-fold logits kept in the model
    file (from encoders never trained on that transcript, whatever this split is).
    """
    from coder_eval import OofEncoderCoder  # training helpers of the coder (scripts/)
    from coder_model import fit_bundle
    from train_coder import _shipped_encoders, oof_encoder_tables

    from rapport.transcripts.coding import DEFAULT_MODEL_PATH

    tables = oof_encoder_tables(_shipped_encoders(DEFAULT_MODEL_PATH))

    per_transcript = df.groupby("transcript_id")["mi_quality"].first()
    ids = per_transcript.index.to_numpy()
    splitter = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    out = df.copy()
    out["code"] = None
    out["subcode"] = None
    for fold, (train, test) in enumerate(splitter.split(ids, per_transcript.to_numpy())):
        train_df = df[df["transcript_id"].isin(ids[train])].reset_index(drop=True)
        test_df = df[df["transcript_id"].isin(ids[test])].reset_index(drop=True)
        coder = OofEncoderCoder(fit_bundle(train_df), test_df, tables)
        test_ids = [int(t) for t in ids[test]]
        groups = [df[df["transcript_id"] == t] for t in test_ids]
        convs = [list(zip(g["role"], g["text"], strict=True)) for g in groups]
        for tid, codes in zip(test_ids, coder.code_many(convs), strict=True):
            where = out.index[out["transcript_id"] == tid]
            out.loc[where, "code"] = [c.code for c in codes]
            out.loc[where, "subcode"] = pd.Series(
                [c.subcode for c in codes], index=where, dtype=object
            )
        log(f"  coder fold {fold + 1}/{N_FOLDS}: coded {len(test_ids)} held-out transcripts")
    return out


def transcript_features(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, list[int]]:
    """One row of quality features per transcript, the labels (high=1) and the ids."""
    roles = {"therapist": "therapist", "client": "client"}
    rows: list[dict[str, float | None]] = []
    labels: list[int] = []
    ids: list[int] = []
    for tid, group in df.groupby("transcript_id", sort=True):
        turns = [
            Turn(i, role, text, None if pd.isna(start) else float(start), None)
            for i, (role, text, start) in enumerate(
                zip(group["role"], group["text"], group["start"], strict=True)
            )
        ]
        codes = [
            _Code(str(c), None if s is None or (isinstance(s, float) and np.isnan(s)) else str(s))
            for c, s in zip(group["code"], group["subcode"], strict=True)
        ]
        metrics = session_metrics(turns, roles, codes)
        rows.append(quality_features(metrics))
        labels.append(1 if group["mi_quality"].iloc[0] == "high" else 0)
        ids.append(int(tid))
    features = pd.DataFrame(rows, columns=list(FEATURES)).astype(float)
    return features, np.asarray(labels), ids


# The direction each feature is allowed to push the estimate, from MI practice standards
# (MITI 4.2.1; Miller & Rollnick 2013). With 17 low-quality sessions and correlated
# metrics, an unconstrained fit can give a metric the "wrong" sign (e.g. more open
# questions lowering the estimate because reflections already explain the difference);
# shown to a clinician as a reason, that would teach the opposite of good practice.
# A coefficient that would cross zero is held at zero instead.
EXPECTED_SIGN: dict[str, int] = {
    "log_reflection_to_question_ratio": +1,
    "share_open_questions": +1,
    "share_complex_reflections": +1,
    "share_therapist_input": -1,
    "therapist_talk_share": -1,
    "change_talk_ratio": +1,
    "unsolicited_advice_rate": -1,
    "intervention_without_reflection_rate": -1,
}


class SignConstrainedLogit(ClassifierMixin, BaseEstimator):
    """L2 logistic regression whose coefficients keep the signs in EXPECTED_SIGN.

    Same objective as scikit-learn's ``LogisticRegression(C=C)`` (intercept not
    penalised), minimised with L-BFGS-B under sign bounds.
    """

    def __init__(self, C: float = 1.0, signs: tuple[int, ...] = ()) -> None:
        self.C = C
        self.signs = signs

    def fit(self, x: Any, y: Any) -> SignConstrainedLogit:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        n_features = x.shape[1]
        signs = self.signs or (0,) * n_features

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = x @ w[1:] + w[0]
            p = 1.0 / (1.0 + np.exp(-z))
            # log(1 + e^z) - y z, summed; plus the L2 penalty 0.5 |w|^2 / C.
            value = float(np.sum(np.logaddexp(0.0, z) - y * z))
            value += 0.5 * float(w[1:] @ w[1:]) / self.C
            grad = np.empty_like(w)
            grad[0] = np.sum(p - y)
            grad[1:] = x.T @ (p - y) + w[1:] / self.C
            return value, grad

        bounds = [(None, None)] + [
            (0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs
        ]
        result = minimize(
            loss, np.zeros(n_features + 1), jac=True, method="L-BFGS-B", bounds=bounds
        )
        self.intercept_ = np.array([result.x[0]])
        self.coef_ = result.x[1:].reshape(1, -1)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        z = np.asarray(x, dtype=float) @ self.coef_[0] + self.intercept_[0]
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1.0 - p, p])

    def predict(self, x: Any) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(int)


def make_model() -> Any:
    return make_pipeline(
        SimpleImputer(strategy="mean"),
        StandardScaler(),
        SignConstrainedLogit(C=C, signs=tuple(EXPECTED_SIGN[name] for name in FEATURES)),
    )


def evaluate(x: pd.DataFrame, y: np.ndarray, repeats: int) -> dict[str, Any]:
    """Repeated stratified 5-fold CV and leave-one-out (rows are transcripts)."""
    aucs: list[float] = []
    briers: list[float] = []
    splitter = RepeatedStratifiedKFold(n_splits=N_FOLDS, n_repeats=repeats, random_state=SEED)
    for r in range(repeats):
        proba = np.zeros(len(y))
        splits = list(splitter.split(x, y))[r * N_FOLDS : (r + 1) * N_FOLDS]
        for train, test in splits:
            model = make_model().fit(x.iloc[train], y[train])
            proba[test] = model.predict_proba(x.iloc[test])[:, 1]
        aucs.append(roc_auc_score(y, proba))
        briers.append(brier_score_loss(y, proba))
    loo = cross_val_predict(make_model(), x, y, cv=LeaveOneOut(), method="predict_proba")[:, 1]
    base = float(np.mean(y))
    return {
        "n_transcripts": int(len(y)),
        "n_high": int(y.sum()),
        "n_low": int(len(y) - y.sum()),
        "repeated_cv": {
            "folds": N_FOLDS,
            "repeats": repeats,
            "auc_mean": round(float(np.mean(aucs)), 3),
            "auc_sd": round(float(np.std(aucs)), 3),
            "brier_mean": round(float(np.mean(briers)), 3),
            "brier_sd": round(float(np.std(briers)), 3),
        },
        "leave_one_out": {
            "auc": round(float(roc_auc_score(y, loo)), 3),
            "brier": round(float(brier_score_loss(y, loo)), 3),
        },
        "base_rate_brier": round(base * (1 - base), 3),
        "reference": reference_scores(loo, y),
    }


def reference_scores(proba: np.ndarray, y: np.ndarray) -> dict[str, dict[str, float]]:
    """Quartiles of the held-out estimates of the sessions experts rated high and low.

    The estimate is a ranking-style indicator, not a calibrated probability (see
    docs/transcripts.md), so the session report shows a score beside what sessions of each
    rating scored when the model had not seen them: that is what makes 0.74 readable."""
    out: dict[str, dict[str, float]] = {}
    for name, label in (("high", 1), ("low", 0)):
        q1, median, q3 = np.percentile(proba[y == label], [25, 50, 75])
        out[name] = {
            "q1": round(float(q1), 2),
            "median": round(float(median), 2),
            "q3": round(float(q3), 2),
        }
    return out


def fit_final(x: pd.DataFrame, y: np.ndarray) -> dict[str, Any]:
    model = make_model().fit(x, y)
    imputer, scaler, clf = model.steps[0][1], model.steps[1][1], model.steps[2][1]
    return {
        "intercept": round(float(clf.intercept_[0]), 6),
        "features": [
            {
                "name": name,
                "mean": round(float(imputer.statistics_[i]), 6),
                "scale": round(float(scaler.scale_[i]), 6),
                "coef": round(float(clf.coef_[0][i]), 6),
            }
            for i, name in enumerate(x.columns)
        ],
    }


def _data_hash(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in (SIMPLE_FILE, FULL_FILE):
        digest.update((data_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--codes", choices=("auto", "predicted", "expert"), default="auto")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--dry-run", action="store_true", help="evaluate, do not write")
    args = parser.parse_args(argv)

    missing = [n for n in (SIMPLE_FILE, FULL_FILE) if not (args.data_dir / n).is_file()]
    if missing:
        print(
            f"AnnoMI data not found in {args.data_dir} (missing {', '.join(missing)}); "
            "nothing to train. Pass --data-dir to point at the folder holding the CSV files."
        )
        return 0

    print(f"Loading AnnoMI from {args.data_dir}")
    df = load_utterances(args.data_dir)
    codes_used = "expert"
    if args.codes in ("auto", "predicted"):
        try:
            print("Coding every transcript with a coder trained on the other folds...")
            df = predicted_codes(df)
            codes_used = (
                "predicted (shipped coder: linear part refitted per fold, encoders' "
                "out-of-fold logits; 5-fold by transcript)"
            )
        except Exception as exc:  # noqa: BLE001 - any failure of the coder helper
            if args.codes == "predicted":
                raise
            print(f"  coder unavailable ({exc!r}); using expert codes instead")
    x, y, _ids = transcript_features(df)
    print(f"Features from {codes_used} codes: {len(y)} transcripts ({y.sum()} high)")
    report = evaluate(x, y, args.repeats)
    print(json.dumps(report, indent=2))
    model = fit_final(x, y)
    for feature in model["features"]:
        print(f"  {feature['name']:<40} coef {feature['coef']:+.3f}")
    if args.dry_run:
        return 0
    payload = {
        "version": _version(model),
        "description": (
            "Logistic regression of AnnoMI mi_quality (high=1) on session metrics; "
            "see docs/transcripts.md."
        ),
        "trained_on": {
            "data": "AnnoMI training portion (Wu et al. 2022; 2023)",
            "data_sha256_16": _data_hash(args.data_dir),
            "codes": codes_used,
            "C": C,
        },
        "evaluation": report,
        **model,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


def _version(model: dict[str, Any]) -> str:
    """The training date and a digest of the fitted numbers: a retrain on the same day gives
    another version, so stored estimates made by the older model are found and redone
    (``rapport reanalyse-transcripts`` compares versions)."""
    digest = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:8]
    return f"quality-{dt.date.today().isoformat()}-{digest}"


if __name__ == "__main__":
    raise SystemExit(main())
