"""Session metrics from coded turns, each rated against MI practice standards.

Pure module: no Django import. The metrics are the summary scores of the Motivational
Interviewing Treatment Integrity code (MITI 4.2.1, Moyers, Manuel & Ernst 2016) and of MI
practice (Miller & Rollnick 2013) that relate to rapport: how much the therapist reflects
compared with asking, how open the questions are, how deep the reflections go, who does
the talking, and whether the client talks more about change than about staying the same.

Every value is ``None`` (with a plain-language note) when it cannot be computed, such as
a ratio with nothing to divide by: a report must never crash on a short session.

Units: ``percent_*`` are 0-100; ``*_share`` and ``*_ratio`` are 0-1 (the reflection to
question ratio is unbounded).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from .flags import FLAG_KINDS, Flag, detect_flags
from .parsing import CLIENT, THERAPIST, Turn

__all__ = [
    "GOOD",
    "FAIR",
    "BELOW",
    "METRIC_NAMES",
    "MIN_RATED",
    "REFERENCES",
    "CodeLike",
    "Reference",
    "SessionMetrics",
    "rate",
    "session_metrics",
]

GOOD, FAIR, BELOW = "good", "fair", "below"

METRIC_NAMES: tuple[str, ...] = (
    "reflection_to_question_ratio",
    "percent_open_questions",
    "percent_complex_reflections",
    "percent_therapist_input",
    "therapist_talk_share",
    "therapist_talk_share_by_time",
    "change_talk_ratio",
)

MITI4 = "Moyers, Manuel & Ernst (2016) MITI 4.2.1, summary score thresholds"
MITI3 = "Moyers, Martin, Manuel, Miller & Ernst (2010) MITI 3.1.1, competency thresholds"
MI3 = "Miller & Rollnick (2013) Motivational Interviewing, 3rd ed."

# Fewest behaviours (questions, reflections, change plus sustain statements) a rated
# percentage or ratio rests on; one behaviour more or less should not flip a rating.
MIN_RATED = 3

# The counts (from SessionMetrics.counts) each rated metric rests on.
_RATED_ON: dict[str, tuple[str, ...]] = {
    "reflection_to_question_ratio": ("reflections", "questions"),
    "percent_open_questions": ("open_questions", "closed_questions"),
    "percent_complex_reflections": ("simple_reflections", "complex_reflections"),
    "change_talk_ratio": ("change_talk", "sustain_talk"),
}


@dataclass(frozen=True)
class Reference:
    """A practice standard for one metric.

    ``good``/``fair`` are the thresholds; ``higher_is_better`` says which side is good.
    A metric with neither threshold is shown for context and not rated.
    """

    metric: str
    good: float | None
    fair: float | None
    higher_is_better: bool
    text: str
    source: str
    # Below this many of the counted behaviours the value is shown but not rated: two
    # questions, one open, is "50% open" without saying anything about the therapist.
    min_count: int = 0


REFERENCES: dict[str, Reference] = {
    "reflection_to_question_ratio": Reference(
        "reflection_to_question_ratio",
        good=2.0,
        fair=1.0,
        higher_is_better=True,
        text="Reflections per question: at least 1 is fair, at least 2 is good.",
        source=MITI4,
        min_count=MIN_RATED,
    ),
    "percent_open_questions": Reference(
        "percent_open_questions",
        good=70.0,
        fair=50.0,
        higher_is_better=True,
        text="Open questions as % of questions: at least 50% is fair, at least 70% is good.",
        source=f"{MITI3}; {MI3}",
        min_count=MIN_RATED,
    ),
    "percent_complex_reflections": Reference(
        "percent_complex_reflections",
        good=50.0,
        fair=40.0,
        higher_is_better=True,
        text="Complex reflections as % of reflections: at least 40% is fair, at least 50% is good.",
        source=MITI4,
        min_count=MIN_RATED,
    ),
    "percent_therapist_input": Reference(
        "percent_therapist_input",
        good=None,
        fair=None,
        higher_is_better=False,
        text="Therapist input (information, advice, options and negotiation) as % of "
        "therapist utterances. No practice threshold: MITI codes information neutrally and "
        "advice by whether it was asked for; shown for context.",
        source="Rapport's own summary for context (MITI 4.2.1 has no such summary score; "
        "its behaviour codes Giving Information, Persuade and Persuade with Permission are "
        "what this groups)",
    ),
    "therapist_talk_share": Reference(
        "therapist_talk_share",
        good=0.5,
        fair=None,
        higher_is_better=False,
        text="Therapist's share of the words spoken: the client should talk more than the "
        "therapist (below 50%).",
        source=f"{MI3} (the client does most of the talking)",
    ),
    "therapist_talk_share_by_time": Reference(
        "therapist_talk_share_by_time",
        good=0.5,
        fair=None,
        higher_is_better=False,
        text="Therapist's share of the speaking time: below 50% is good.",
        source=f"{MI3} (the client does most of the talking)",
    ),
    "change_talk_ratio": Reference(
        "change_talk_ratio",
        good=0.5,
        fair=None,
        higher_is_better=True,
        text="Change talk as a share of change plus sustain talk: at least half is good.",
        source=f"{MI3}; Magill et al. (2018) J Consult Clin Psychol 86(2):140-157",
        min_count=MIN_RATED,
    ),
}


def rate(metric: str, value: float | None, count: float | None = None) -> str | None:
    """``"good"``, ``"fair"``, ``"below"``, or ``None`` when unrated or unknown.

    ``count`` is how many behaviours the value rests on; under the metric's
    ``min_count`` the value is not rated.
    """
    ref = REFERENCES.get(metric)
    if ref is None or value is None or (ref.good is None and ref.fair is None):
        return None
    if count is not None and count < ref.min_count:
        return None
    if ref.higher_is_better:
        if ref.good is not None and value >= ref.good:
            return GOOD
        if ref.fair is not None and value >= ref.fair:
            return FAIR
        return BELOW
    # Lower is better: "below 50%" is strict.
    if ref.good is not None and value < ref.good:
        return GOOD
    if ref.fair is not None and value < ref.fair:
        return FAIR
    return BELOW


class CodeLike(Protocol):
    """What metrics need from a code (``coding.Code`` satisfies it)."""

    code: str
    subcode: str | None


@dataclass(frozen=True)
class SessionMetrics:
    """Metrics of one session. See the module docstring for units."""

    reflection_to_question_ratio: float | None
    percent_open_questions: float | None
    percent_complex_reflections: float | None
    percent_therapist_input: float | None
    therapist_talk_share: float | None
    therapist_talk_share_by_time: float | None
    change_talk_ratio: float | None
    flag_counts: Mapping[str, int] = field(default_factory=dict, hash=False)
    counts: Mapping[str, float] = field(default_factory=dict, hash=False)
    notes: tuple[str, ...] = ()

    def value(self, metric: str) -> float | None:
        if metric not in METRIC_NAMES:
            raise KeyError(metric)
        value: float | None = getattr(self, metric)
        return value

    def rating(self, metric: str) -> str | None:
        count = self.rated_on(metric)
        if metric == "reflection_to_question_ratio" and self.only_reflections():
            # Reflections and no questions at all meets "at least 2 per question".
            return GOOD if count is not None and count >= MIN_RATED else None
        return rate(metric, self.value(metric), count)

    def rated_on(self, metric: str) -> float | None:
        """How many behaviours the metric rests on (``None`` when not counted)."""
        keys = _RATED_ON.get(metric)
        if keys is None or not self.counts:
            return None
        return sum(self.counts.get(key, 0) for key in keys)

    def only_reflections(self) -> bool:
        """Reflections were coded but no questions (the ratio is undefined)."""
        return not self.counts.get("questions") and bool(self.counts.get("reflections"))

    def ratings(self) -> dict[str, str | None]:
        return {name: self.rating(name) for name in METRIC_NAMES}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _durations(turns: Sequence[Turn]) -> list[float | None]:
    """Seconds each turn lasted: end - start, else until the next turn starts."""
    out: list[float | None] = []
    for i, turn in enumerate(turns):
        nxt = turns[i + 1].start if i + 1 < len(turns) else None
        if turn.start is not None and turn.end is not None and turn.end >= turn.start:
            out.append(turn.end - turn.start)
        elif turn.start is not None and nxt is not None and nxt >= turn.start:
            out.append(nxt - turn.start)
        else:
            out.append(None)
    return out


def _count_codes(
    turns: Sequence[Turn], roles: Mapping[str, str], codes: Sequence[CodeLike | None]
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for turn, code in zip(turns, codes, strict=False):
        if code is None:
            continue
        role = roles.get(turn.speaker, CLIENT)
        if role == THERAPIST:
            counts["therapist_utterances"] += 1
            counts[code.code] += 1
            if code.subcode:
                counts[f"{code.code}:{code.subcode}"] += 1
        else:
            counts[code.code] += 1
    return counts


def session_metrics(
    turns: Sequence[Turn],
    roles: Mapping[str, str],
    codes: Sequence[CodeLike | None],
    flags: Sequence[Flag] | None = None,
) -> SessionMetrics:
    """Compute the session metrics from turns, speaker roles and per-turn codes.

    ``codes`` is aligned with ``turns``. ``flags`` defaults to :func:`detect_flags` on the
    same input, so the flag counts always match the session.
    """
    turns = list(turns)
    codes = list(codes)
    notes: list[str] = []
    c = _count_codes(turns, roles, codes)

    questions, reflections = c["question"], c["reflection"]
    rq = _ratio(reflections, questions)
    if rq is None and reflections >= MIN_RATED:
        notes.append(
            f"{reflections} reflections, no questions: this meets the reference of at least 2 "
            "reflections per question."
        )
    elif rq is None and reflections:
        # Under MIN_RATED behaviours the value is shown unrated; the note must not rate it.
        noun = "reflection" if reflections == 1 else "reflections"
        notes.append(f"{reflections} {noun}, no questions: too few to compare with the reference.")
    elif rq is None:
        notes.append("No questions were coded, so reflections per question is undefined.")

    open_q, closed_q = c["question:open"], c["question:closed"]
    pct_open = _percent(open_q, open_q + closed_q)
    if pct_open is None:
        notes.append("No open or closed questions were coded, so % open questions is undefined.")

    simple, complex_ = c["reflection:simple"], c["reflection:complex"]
    pct_complex = _percent(complex_, simple + complex_)
    if pct_complex is None:
        notes.append("No reflections were coded, so % complex reflections is undefined.")

    pct_input = _percent(c["therapist_input"], c["therapist_utterances"])
    if pct_input is None:
        notes.append("No therapist utterances were coded, so % therapist input is undefined.")

    words = {THERAPIST: 0, CLIENT: 0}
    for turn in turns:
        words[roles.get(turn.speaker, CLIENT)] += len(turn.text.split())
    share_words = _ratio(words[THERAPIST], words[THERAPIST] + words[CLIENT])
    if share_words is None:
        notes.append("Nobody said anything, so the talk share is undefined.")

    share_time, seconds = _time_share(turns, roles)
    if share_time is None:
        notes.append("Timestamps are missing, so the talk share by time is not available.")

    change, sustain = c["change"], c["sustain"]
    change_ratio = _ratio(change, change + sustain)
    if change_ratio is None:
        notes.append("No change or sustain talk was coded, so the change talk ratio is undefined.")

    if flags is None:
        flags = detect_flags(turns, roles, codes)
    flag_counts = {kind: 0 for kind in FLAG_KINDS}
    for flag in flags:
        flag_counts[flag.kind] = flag_counts.get(flag.kind, 0) + 1

    counts: dict[str, float] = {
        "therapist_utterances": c["therapist_utterances"],
        "client_utterances": sum(1 for t in turns if roles.get(t.speaker, CLIENT) == CLIENT),
        "questions": questions,
        "open_questions": open_q,
        "closed_questions": closed_q,
        "reflections": reflections,
        "simple_reflections": simple,
        "complex_reflections": complex_,
        "therapist_input": c["therapist_input"],
        "advice": c["therapist_input:advice"],
        "information": c["therapist_input:information"],
        "change_talk": change,
        "sustain_talk": sustain,
        "neutral_talk": c["neutral"],
        "therapist_words": words[THERAPIST],
        "client_words": words[CLIENT],
        **seconds,
    }
    metrics = SessionMetrics(
        reflection_to_question_ratio=rq,
        percent_open_questions=pct_open,
        percent_complex_reflections=pct_complex,
        percent_therapist_input=pct_input,
        therapist_talk_share=share_words,
        therapist_talk_share_by_time=share_time,
        change_talk_ratio=change_ratio,
        flag_counts=flag_counts,
        counts=counts,
        notes=tuple(notes),
    )
    return replace(metrics, notes=metrics.notes + tuple(_unrated_notes(metrics)))


# How a note names each rated metric, at the start of its sentence.
_NOTE_LABELS = {
    "reflection_to_question_ratio": "The reflection-to-question ratio",
    "percent_open_questions": "The share of open questions",
    "percent_complex_reflections": "The share of complex reflections",
    "change_talk_ratio": "The change-talk ratio",
}


def _unrated_notes(metrics: SessionMetrics) -> list[str]:
    """Say which values are shown but too thinly based to rate."""
    notes = []
    for name in _RATED_ON:
        count = metrics.rated_on(name)
        if metrics.value(name) is None or count is None:
            continue
        if count < REFERENCES[name].min_count:
            label = _NOTE_LABELS.get(name, name.replace("_", " "))
            behaviours = "coded behaviour" if count == 1 else "coded behaviours"
            notes.append(
                f"{label} rests on {count:g} {behaviours} (fewer than "
                f"{REFERENCES[name].min_count}), so it is shown but not rated."
            )
    return notes


def _percent(part: float, whole: float) -> float | None:
    ratio = _ratio(part, whole)
    return None if ratio is None else 100.0 * ratio


# Below this share of turns with a known duration, a time share would mostly reflect
# which turns happen to carry timestamps.
_MIN_TIMED_FRACTION = 0.8


def _time_share(
    turns: Sequence[Turn], roles: Mapping[str, str]
) -> tuple[float | None, dict[str, float]]:
    durations = _durations(turns)
    known = [d for d in durations if d is not None]
    if not turns or len(known) < _MIN_TIMED_FRACTION * len(turns):
        return None, {}
    seconds = {THERAPIST: 0.0, CLIENT: 0.0}
    for turn, duration in zip(turns, durations, strict=True):
        if duration is not None:
            seconds[roles.get(turn.speaker, CLIENT)] += duration
    share = _ratio(seconds[THERAPIST], seconds[THERAPIST] + seconds[CLIENT])
    return share, {"therapist_seconds": seconds[THERAPIST], "client_seconds": seconds[CLIENT]}
