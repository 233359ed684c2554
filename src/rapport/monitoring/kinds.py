"""Names, order and meaning of the signal kinds as the app shows them (pure, no Django).

The kinds themselves come from the pure library (``signals.model.KINDS``); this module adds
the wording therapists read and the triage order. Positive signals are good news: they are
shown, never counted as something that needs action.
"""

from __future__ import annotations

from rapport.monitoring.signals.model import KINDS, SEVERITIES

__all__ = [
    "ACTION_KINDS",
    "KIND_LABELS",
    "KIND_SHORT",
    "POSITIVE_KINDS",
    "SEVERITY_RANK",
    "kind_label",
]

POSITIVE_KINDS = frozenset({"reliable_improvement", "recovered", "alliance_repaired"})

#: Kinds that ask the therapist to do something, most urgent first (the library's order).
ACTION_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k not in POSITIVE_KINDS)

KIND_LABELS: dict[str, str] = {
    "reliable_deterioration": "Reliably worse",
    "not_on_track": "Not on track",
    "alliance_rupture": "Alliance rupture",
    "alliance_low": "Alliance below threshold",
    "pushed_or_overridden": "Felt pushed or overridden",
    "dropout_risk": "Risk of dropping out",
    "feedback_missing": "Check-ins missing",
    "alliance_repaired": "Alliance repaired",
    "reliable_improvement": "Reliably better",
    "recovered": "Recovered",
}

#: Short forms for the caseload's narrow columns.
KIND_SHORT: dict[str, str] = {
    "reliable_deterioration": "Worse",
    "not_on_track": "Off track",
    "alliance_rupture": "Rupture",
    "alliance_low": "Low alliance",
    "pushed_or_overridden": "Pushed",
    "dropout_risk": "Dropout risk",
    "feedback_missing": "No check-ins",
    "alliance_repaired": "Repaired",
    "reliable_improvement": "Better",
    "recovered": "Recovered",
}

#: info 0 ... high 3: the caseload sorts clients by their most severe open alert.
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}

assert set(KIND_LABELS) == set(KINDS) == set(KIND_SHORT), "label every signal kind"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
