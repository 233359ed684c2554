"""Which colleagues fit a client better: a pure ranking, no Django (DESIGN §1 goal 6, §2).

When the match between a client and their therapist is poor, the therapist may refer the
client to a colleague who fits better, and explains that the referral reflects the fit, not
a judgment of the client (PRACTICES "Establishing the relationship"). This module ranks the
colleagues; it never decides. The fit is a suggestion for the therapist and the client to
talk about, and a referral always needs the client's consent (``matching.services``).

Plain data in (:class:`ClientNeeds`, :class:`Candidate`), frozen dataclasses out
(:class:`Match`): each ranked colleague with a fit from 0 to 1 and the reasons for it, each
colleague left out with why.

The factors and their weights (:data:`WEIGHTS`) are Rapport's defaults, a judgement of ours
and not a published model:

* ``focus`` (0.5): the share of the client's focus areas the colleague works with. What the
  client comes for comes first.
* ``preferences`` (0.3): how the colleague's style on the four C-NIP scales meets the
  client's leanings, each scale weighted by how strongly the client leans. Clients whose
  preferences are accommodated drop out less and do somewhat better (Swift, Callahan,
  Cooper & Parkin 2018, meta-analysis, J Clin Psychol 74(11):1924-1937).
* ``approaches`` (0.2): the share of the approaches the client asked for (if any) the
  colleague works in.

A factor with nothing to compare (no focus areas chosen, a client who leans nowhere, no
approach asked for) is left out and the fit is the weighted mean of the others; with none
left the fit is None (nothing to rank on: colleagues are listed by room, then name).

Exclusions, whatever the fit: not accepting referrals, no shared language when the client
needs one, at capacity (current clients at or above the capacity the colleague set).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "SCALES",
    "STYLE_MAX",
    "WEIGHTS",
    "Candidate",
    "ClientLeaning",
    "ClientNeeds",
    "Exclusion",
    "Factor",
    "Match",
    "RankedCandidate",
    "Reason",
    "Scale",
    "rank",
]


@dataclass(frozen=True)
class Scale:
    """One C-NIP scale: a negative score leans to the first pole, a positive one to the
    second (the instrument's convention, ``measures/instruments/cnip.json``)."""

    id: str
    label: str
    poles: tuple[str, str]


#: The four C-NIP scales (Cooper & Norcross 2016), as the instrument file names them.
SCALES: tuple[Scale, ...] = (
    Scale("directiveness", "How directive", ("Therapist directiveness", "Client directiveness")),
    Scale(
        "emotional_intensity",
        "How emotionally intense",
        ("Emotional intensity", "Emotional reserve"),
    ),
    Scale("past_orientation", "Past or present", ("Past orientation", "Present orientation")),
    Scale("warm_support", "Support or challenge", ("Warm support", "Focused challenge")),
)
_SCALES = {scale.id: scale for scale in SCALES}

#: A colleague's style on a scale: -2 (clearly the first pole) .. +2 (clearly the second).
STYLE_MAX = 2
#: C-NIP scale scores are item means from -3 to +3.
_CLIENT_MAX = 3.0

#: Rapport's default weights (see the module docstring): not a published model.
WEIGHTS: Mapping[str, float] = {"focus": 0.5, "preferences": 0.3, "approaches": 0.2}


@dataclass(frozen=True)
class ClientLeaning:
    """The client's leaning on one C-NIP scale, as ``measures.scoring.leanings`` gives it:
    ``score`` from -3 to +3 (0 or None: no preference), ``strong`` past the instrument's
    threshold."""

    scale: str
    score: float | None
    strong: bool = False


@dataclass(frozen=True)
class ClientNeeds:
    focus_areas: frozenset[str] = frozenset()
    #: A language the client needs their therapist to speak (a code), or None.
    language: str | None = None
    leanings: tuple[ClientLeaning, ...] = ()
    #: Approaches the client asked for, if any.
    approaches: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    focus_areas: frozenset[str] = frozenset()
    approaches: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    #: Scale id -> -2..+2, or None (not said). A scale missing counts as not said.
    style: Mapping[str, int | None] = field(default_factory=dict)
    accepting_referrals: bool = True
    caseload: int = 0
    #: How many clients the colleague takes at most, or None (not said).
    capacity: int | None = None


@dataclass(frozen=True)
class Reason:
    text: str
    #: True speaks for the colleague, False against, None neither (unknown).
    fits: bool | None


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class RankedCandidate:
    candidate: Candidate
    #: 0..1, or None when there was nothing to compare.
    fit: float | None
    factors: tuple[Factor, ...]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(reason for factor in self.factors for reason in factor.reasons)


@dataclass(frozen=True)
class Exclusion:
    candidate: Candidate
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    ranked: tuple[RankedCandidate, ...]
    excluded: tuple[Exclusion, ...]


def rank(
    needs: ClientNeeds,
    candidates: Iterable[Candidate],
    *,
    labels: Mapping[str, str] | None = None,
) -> Match:
    """Rank ``candidates`` for ``needs``: best fit first (then most room, then name); those
    who cannot take the client are excluded with the reasons. ``labels`` turns codes (focus
    areas, approaches, languages) into words for the reasons."""
    names = labels or {}
    ranked: list[RankedCandidate] = []
    excluded: list[Exclusion] = []
    for candidate in candidates:
        reasons = _exclusions(needs, candidate, names)
        if reasons:
            excluded.append(Exclusion(candidate, reasons))
        else:
            ranked.append(_score(needs, candidate, names))
    ranked.sort(key=_order)
    excluded.sort(key=lambda e: (e.candidate.name, e.candidate.id))
    return Match(tuple(ranked), tuple(excluded))


def _order(item: RankedCandidate) -> tuple:
    candidate = item.candidate
    room = (
        1.0
        if not candidate.capacity
        else (candidate.capacity - candidate.caseload) / candidate.capacity
    )
    fit = -1.0 if item.fit is None else item.fit
    return (-round(fit, 9), -room, candidate.name, candidate.id)


def _exclusions(needs: ClientNeeds, candidate: Candidate, names: Mapping[str, str]) -> tuple:
    reasons = []
    if not candidate.accepting_referrals:
        reasons.append("Not accepting referrals")
    if needs.language is not None and needs.language not in candidate.languages:
        reasons.append(f"Does not work in {names.get(needs.language, needs.language)}")
    if candidate.capacity is not None and candidate.caseload >= candidate.capacity:
        reasons.append(f"At capacity ({candidate.caseload} of {candidate.capacity} clients)")
    return tuple(reasons)


def _score(needs: ClientNeeds, candidate: Candidate, names: Mapping[str, str]) -> RankedCandidate:
    factors = [
        factor
        for factor in (
            _share("focus", needs.focus_areas, candidate.focus_areas, names, "Works with"),
            _preferences(needs.leanings, candidate.style),
            _share("approaches", needs.approaches, candidate.approaches, names, "Works in"),
        )
        if factor is not None
    ]
    if needs.language is not None:
        # Not a factor (a colleague without the language is excluded), but said.
        language = names.get(needs.language, needs.language)
        factors.insert(0, Factor("language", 0.0, 1.0, (Reason(f"Works in {language}", True),)))
    total = sum(f.weight for f in factors)
    fit = None if total == 0 else sum(f.weight * f.score for f in factors) / total
    return RankedCandidate(candidate, fit, tuple(factors))


def _share(
    name: str,
    wanted: frozenset[str],
    offered: frozenset[str],
    names: Mapping[str, str],
    verb: str,
) -> Factor | None:
    if not wanted:
        return None
    reasons = []
    for code in sorted(wanted, key=lambda c: names.get(c, c)):
        label = names.get(code, code)
        if code in offered:
            reasons.append(Reason(f"{verb} {_in_a_sentence(label)}", True))
        else:
            reasons.append(Reason(f"Does not list {_in_a_sentence(label)}", False))
    return Factor(name, WEIGHTS[name], len(wanted & offered) / len(wanted), tuple(reasons))


def _in_a_sentence(label: str) -> str:
    """A list label inside a sentence: "Anxiety" becomes "anxiety", but an acronym keeps
    its capitals ("CBT", "EMDR", not "cbt")."""
    first_word = label.split(" ", 1)[0]
    return label if first_word.isupper() else label[:1].lower() + label[1:]


def _preferences(
    leanings: tuple[ClientLeaning, ...], style: Mapping[str, int | None]
) -> Factor | None:
    """Each scale the client leans on counts as much as they lean (|score|, up to 3): a
    colleague clearly at the client's pole scores 1 on it, clearly at the other 0, balanced
    or not said 0.5."""
    weighted = 0.0
    total = 0.0
    reasons = []
    for leaning in leanings:
        scale = _SCALES.get(leaning.scale)
        if scale is None or leaning.score is None or leaning.score == 0:
            continue
        strength = min(abs(leaning.score), _CLIENT_MAX)
        wanted = scale.poles[0] if leaning.score < 0 else scale.poles[1]
        prefers = "strongly prefers" if leaning.strong else "prefers"
        value = style.get(scale.id)
        if value is None:
            agreement = 0.5
            reasons.append(
                Reason(
                    f"Style on {scale.label.lower()} not given; the client {prefers} "
                    f"{wanted.lower()}",
                    None,
                )
            )
        else:
            value = max(-STYLE_MAX, min(STYLE_MAX, value))
            direction = -1 if leaning.score < 0 else 1
            agreement = 0.5 + 0.5 * direction * value / STYLE_MAX
            reasons.append(_style_reason(scale, value, wanted, prefers, agreement))
        weighted += strength * agreement
        total += strength
    if total == 0:
        return None
    return Factor("preferences", WEIGHTS["preferences"], weighted / total, tuple(reasons))


def _style_reason(scale: Scale, value: int, wanted: str, prefers: str, agreement: float) -> Reason:
    if value == 0:
        first, second = (pole.lower() for pole in scale.poles)
        return Reason(
            f"Balanced between {first} and {second}; the client {prefers} {wanted.lower()}", None
        )
    pole = scale.poles[0] if value < 0 else scale.poles[1]
    if agreement > 0.5:
        return Reason(f"Leans to {pole.lower()}, as the client {prefers}", True)
    return Reason(f"Leans to {pole.lower()}; the client {prefers} {wanted.lower()}", False)
