"""A 0-1 estimate of how closely a session resembles expert-rated high-quality MI practice.

Pure module: no Django import, no pickle. The model is a small L2-regularised logistic
regression over session metrics, trained by ``scripts/train_quality.py`` on the AnnoMI
transcripts labelled high or low MI quality (Wu et al., ICASSP 2022; Future Internet
15(3):110, 2023) and shipped as a JSON file of coefficients (``quality_model/``). Its
cross-validated accuracy and what it was trained on are in ``docs/transcripts.md``.

What the score is, and is not: AnnoMI's sessions are demonstration videos chosen to show
good or poor MI, so the score says how much a session's *coded behaviour* looks like the
good demonstrations. It is not a measure of outcome or of the alliance, and it is only as
good as the utterance codes it is computed from. Each estimate comes with the metrics that
moved it most, in plain language, so the number can be checked against the transcript.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .metrics import MIN_RATED, SessionMetrics

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FEATURES",
    "MIN_THERAPIST_UTTERANCES",
    "Contribution",
    "QualityEstimate",
    "QualityModelError",
    "QualityReference",
    "SERIOUS_UNWEIGHED_FLAGS",
    "ScoreRange",
    "load_quality_model",
    "quality_estimate",
    "quality_features",
    "quality_reference",
    "serious_flags_not_weighed",
    "unrated_estimate_note",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "quality_model" / "quality.json"

# Feature name -> (plain text when the value is below the training mean, when above).
# The text describes the session; whether that raised or lowered the estimate is the
# fitted coefficient's business and is said separately, so a surprising sign is visible.
FEATURES: dict[str, tuple[str, str]] = {
    "log_reflection_to_question_ratio": (
        "few reflections relative to questions",
        "many reflections relative to questions",
    ),
    "share_open_questions": ("mostly closed questions", "mostly open questions"),
    "share_complex_reflections": (
        "reflections that mostly repeat rather than add meaning",
        "reflections that add meaning (complex reflections)",
    ),
    # "coded as": the share is the coder's, and a sentence of advice it coded as a
    # reflection sits beside that sentence's advice flag on the same page.
    "share_therapist_input": (
        "little of the therapist's talk was coded as information or advice",
        "much of the therapist's talk was coded as information or advice",
    ),
    "therapist_talk_share": (
        "the client did most of the talking",
        "the therapist did much of the talking",
    ),
    "change_talk_ratio": (
        "more sustain talk than usual from the client",
        "more change talk than usual from the client",
    ),
    "unsolicited_advice_rate": (
        "little or no unsolicited advice",
        "advice given without the client asking or agreeing",
    ),
    "intervention_without_reflection_rate": (
        # True also of a session with no information or advice at all.
        "little information or advice given without reflecting first",
        "information or advice given without reflecting first",
    ),
}

# A reason that says the session had little (unasked-for) advice is left out when the
# session has a flag of advice: the flags come from the words, the reasons from the codes,
# and a report saying both "advice given without the client asking" and "little of the
# therapist's talk is information or advice (raises the estimate)" contradicts itself.
# Feature -> the flag kinds that contradict its low reading.
_ADVICE_FLAGS = ("advice", "medical_advice", "religious_advice")
_CONTRADICTED_WHEN_LOW: dict[str, tuple[str, ...]] = {
    "share_therapist_input": _ADVICE_FLAGS,
    "unsolicited_advice_rate": _ADVICE_FLAGS,
    "intervention_without_reflection_rate": (*_ADVICE_FLAGS, "intervention_without_reflection"),
}

# Under this many therapist utterances the estimate is not rated (None, with a note), as a
# metric resting on fewer than metrics.MIN_RATED behaviours is shown "not rated": its few
# codes say little against sessions of dozens (AnnoMI's, which it learnt from), and a
# six-line session scored 0.87 beside metrics marked "Not rated".
MIN_THERAPIST_UTTERANCES = 10


def unrated_estimate_note(therapist_utterances: float) -> str | None:
    """Why a session's estimate is not rated, or ``None`` when it is: the one place that
    decides it (analysis.analyze leaves the estimate out, the report and the trend table
    say "not rated" for one stored before)."""
    if therapist_utterances >= MIN_THERAPIST_UTTERANCES:
        return None
    count = int(therapist_utterances)
    noun = "utterance" if count == 1 else "utterances"
    return (
        f"The quality estimate is not rated: it would rest on {count} therapist {noun} "
        f"(fewer than {MIN_THERAPIST_UTTERANCES}), and the expert-rated sessions it was "
        "trained on had dozens."
    )


# Flags the estimate does not weigh and that a clinician must read before the number: it
# learnt from the mix of codes (AnnoMI's demonstrations have none of these; see
# docs/transcripts.md), so a session full of them can still score high ("little of the
# therapist's talk is information or advice" raised one such session to 0.89).
# * judgmental_language: "Avoid judgment in words and manner: it ends therapy" (Rapport's
#   relationship practices); MITI 4.2.1 codes it Confront, MI-inconsistent.
# * medical_advice, religious_advice: "Do not give religious or medical advice; stay within
#   the therapist's role" (the same practices): advice outside the therapist's competence,
#   which can harm (stopping a medication), whatever the rest of the session was.
# Not here: unsolicited advice and interventions without a reflection, which the model
# weighs (features below); self-disclosure, which can help when rare, brief and for the
# client's benefit (Henretty & Levitt 2010), and small talk, courtesy at worst, both shown
# as flags; runs of closed questions, a quiet client and more sustain than change talk,
# which the code mix already carries in part.
SERIOUS_UNWEIGHED_FLAGS: tuple[str, ...] = (
    "judgmental_language",
    "medical_advice",
    "religious_advice",
)


def serious_flags_not_weighed(kinds: Iterable[str]) -> dict[str, int]:
    """How many flags of each :data:`SERIOUS_UNWEIGHED_FLAGS` kind are among ``kinds``
    (one kind per flag), in that order; kinds without a flag are left out. Shown beside
    the estimate, on the report and in ``rapport analyze``'s summary, so a high estimate
    is not read as a good session despite them."""
    counts = Counter(kinds)
    return {kind: counts[kind] for kind in SERIOUS_UNWEIGHED_FLAGS if counts[kind]}


# A ratio of 10 reflections per question already means "reflects a great deal"; the log
# keeps one unusual session from dominating the fit.
_MAX_RQ = 10.0


class QualityModelError(Exception):
    """The quality model file is missing or malformed."""


@dataclass(frozen=True)
class Contribution:
    """How much one feature moved the estimate (log-odds), with its plain-language reading."""

    feature: str
    value: float | None
    contribution: float
    text: str


@dataclass(frozen=True)
class QualityEstimate:
    """``score`` in 0-1; ``top_reasons`` are plain-language texts, strongest first."""

    score: float
    top_reasons: tuple[str, ...]
    contributions: tuple[Contribution, ...]
    model_version: str = ""


def quality_features(metrics: SessionMetrics) -> dict[str, float | None]:
    """Model inputs from session metrics (``None`` where a metric is undefined).

    Shared by training and run time so that both see exactly the same features.
    """
    rq = metrics.reflection_to_question_ratio
    therapist_utterances = float(metrics.counts.get("therapist_utterances", 0))

    def per_utterance(kind: str) -> float | None:
        if not therapist_utterances:
            return None
        return metrics.flag_counts.get(kind, 0) / therapist_utterances

    def share(percent: float | None) -> float | None:
        return None if percent is None else percent / 100.0

    def rated(metric: str, value: float | None) -> float | None:
        # A share resting on one or two coded behaviours is not rated on the report
        # (metrics.MIN_RATED), so it neither raises nor lowers the estimate: one
        # "reflection" that was a judgement made a poor session's top reason.
        count = metrics.rated_on(metric)
        return None if count is not None and count < MIN_RATED else value

    return {
        "log_reflection_to_question_ratio": rated(
            "reflection_to_question_ratio", _log_rq(rq, metrics.only_reflections())
        ),
        "share_open_questions": rated(
            "percent_open_questions", share(metrics.percent_open_questions)
        ),
        "share_complex_reflections": rated(
            "percent_complex_reflections", share(metrics.percent_complex_reflections)
        ),
        "share_therapist_input": share(metrics.percent_therapist_input),
        "therapist_talk_share": metrics.therapist_talk_share,
        "change_talk_ratio": rated("change_talk_ratio", metrics.change_talk_ratio),
        "unsolicited_advice_rate": per_utterance("advice"),
        "intervention_without_reflection_rate": per_utterance("intervention_without_reflection"),
    }


def _log_rq(rq: float | None, only_reflections: bool) -> float | None:
    """Reflections with no questions is the most reflective a session can be: the cap,
    not the training mean (which would read it as an average session)."""
    if only_reflections:
        return math.log1p(_MAX_RQ)
    return None if rq is None else math.log1p(min(rq, _MAX_RQ))


@dataclass(frozen=True)
class _Model:
    intercept: float
    names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    coefs: tuple[float, ...]
    version: str


@cache
def _load(path: str) -> _Model:
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        features = data["features"]
        model = _Model(
            intercept=float(data["intercept"]),
            names=tuple(str(f["name"]) for f in features),
            means=tuple(float(f["mean"]) for f in features),
            scales=tuple(float(f["scale"]) or 1.0 for f in features),
            coefs=tuple(float(f["coef"]) for f in features),
            version=str(data.get("version", "")),
        )
    except FileNotFoundError as exc:
        raise QualityModelError(f"quality model not found at {path}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise QualityModelError(f"quality model at {path} is malformed: {exc!r}") from exc
    unknown = set(model.names) - set(FEATURES)
    if unknown:
        raise QualityModelError(f"quality model uses unknown features: {sorted(unknown)}")
    return model


def quality_model_version(path: str | Path | None = None) -> str | None:
    """The installed (or given) model's version; None when it cannot be loaded."""
    try:
        return _load(str(Path(path) if path is not None else DEFAULT_MODEL_PATH)).version
    except QualityModelError:
        return None


def load_quality_model(path: str | Path | None = None) -> Mapping[str, Any]:
    """The raw model JSON (for reports and the docs); raises QualityModelError."""
    target = Path(path) if path is not None else DEFAULT_MODEL_PATH
    _load(str(target))
    return dict(json.loads(target.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ScoreRange:
    """Quartiles of a group of estimates."""

    q1: float
    median: float
    q3: float


@dataclass(frozen=True)
class QualityReference:
    """What the model's estimates were for sessions it had not seen, by expert rating
    (leave-one-out over AnnoMI's transcripts; ``scripts/train_quality.py``). The estimate is
    a ranking-style indicator, not a calibrated probability, so a score reads best beside
    these."""

    high: ScoreRange
    low: ScoreRange
    model_version: str  # the model whose estimates these are


def quality_reference(path: str | Path | None = None) -> QualityReference | None:
    """The shipped (or given) model's reference scores; None for a model file that
    predates them. Raises QualityModelError if the model or its reference is malformed."""
    data = load_quality_model(path)
    reference = data.get("evaluation", {}).get("reference")
    if reference is None:
        return None
    try:
        groups = {
            name: ScoreRange(*(float(reference[name][k]) for k in ("q1", "median", "q3")))
            for name in ("high", "low")
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise QualityModelError(f"quality model reference is malformed: {exc!r}") from exc
    return QualityReference(groups["high"], groups["low"], str(data.get("version", "")))


def quality_estimate(
    metrics: SessionMetrics, path: str | Path | None = None, top: int = 3
) -> QualityEstimate:
    """Estimate from session metrics with the shipped (or given) model.

    A metric that is undefined for this session (e.g. no questions asked) is set to the
    training mean, so it neither raises nor lowers the estimate.
    """
    model = _load(str(Path(path) if path is not None else DEFAULT_MODEL_PATH))
    values = quality_features(metrics)
    logit = model.intercept
    contributions: list[Contribution] = []
    for name, mean, scale, coef in zip(
        model.names, model.means, model.scales, model.coefs, strict=True
    ):
        value = values.get(name)
        z = 0.0 if value is None else (value - mean) / scale
        part = coef * z
        logit += part
        below, above = FEATURES[name]
        contributions.append(Contribution(name, value, part, below if z < 0 else above))
    contributions.sort(key=lambda c: abs(c.contribution), reverse=True)
    reasons = tuple(
        f"{c.text} ({'raises' if c.contribution > 0 else 'lowers'} the estimate)"
        for c in contributions
        # Under 0.05 log-odds a feature moves the score by about one percentage point.
        if abs(c.contribution) >= 0.05 and not _contradicts_flags(c, metrics.flag_counts)
    )[:top]
    return QualityEstimate(_sigmoid(logit), reasons, tuple(contributions), model.version)


def _contradicts_flags(contribution: Contribution, flag_counts: Mapping[str, int]) -> bool:
    """Whether a reason reads "little advice" in a session with a flag of advice (see
    _CONTRADICTED_WHEN_LOW). It still moves the score; it is only not given as a reason."""
    below = FEATURES[contribution.feature][0]
    kinds = _CONTRADICTED_WHEN_LOW.get(contribution.feature, ())
    return contribution.text == below and any(flag_counts.get(kind) for kind in kinds)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
