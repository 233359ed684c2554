"""Names, order and meaning of the signal kinds as the app shows them (pure, no Django).

The kinds themselves come from the pure library (``signals.model.KINDS``); this module adds
the wording therapists read and the triage order. Positive signals are good news: they are
shown, never counted as something that needs action.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rapport.monitoring.signals.model import KINDS, SEVERITIES

__all__ = [
    "ACTION_KINDS",
    "KIND_LABELS",
    "KIND_SHORT",
    "POSITIVE_KINDS",
    "SEVERITY_RANK",
    "change_size",
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

#: For the kinds that report a change, the evidence keys of its size in points and of the
#: threshold it was judged against: a reliable deterioration's change since intake against
#: the reliable change (Jacobson & Truax 1991), a rupture's drop below the recent level
#: against the drop that counts as one.
_CHANGE_KEYS: dict[str, tuple[str, str]] = {
    "reliable_deterioration": ("change", "threshold"),
    "alliance_rupture": ("drop", "threshold"),
}


def change_size(kind: str, evidence: Mapping[str, Any]) -> float:
    """How large the change behind an alert of ``kind`` is, in multiples of its own
    threshold (0 for kinds that report no change, or evidence without the numbers).

    It orders alerts of one kind and severity on the caseload, bigger change first: a
    client whose PHQ-9 rose 12 points is seen before one whose PHQ-9 rose 7. Points are divided
    by the threshold because two alerts of one kind may be on different instruments
    (PHQ-9 and GAD-7, the SRS and the session check-in), whose points do not compare;
    multiples of each one's own reliable change or rupture drop do.
    """
    keys = _CHANGE_KEYS.get(kind)
    if keys is None:
        return 0.0
    size, threshold = (_number(evidence.get(key)) for key in keys)
    if size is None or threshold is None or threshold <= 0:
        return 0.0
    ratio = abs(size) / threshold
    return ratio if math.isfinite(ratio) else 0.0


def _number(value: Any) -> float | None:
    """A stored evidence number, or None for anything else (text, a flag, nothing)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


assert set(KIND_LABELS) == set(KINDS) == set(KIND_SHORT), "label every signal kind"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())
