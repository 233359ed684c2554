"""The session check-in's 36 of 40 is the SRS's threshold lent to it, and alerts say so.

The check-in is Rapport's own feedback tool, not a validated measure; its low-alliance
alert cited "PCOMS practice for the Session Rating Scale ... below 36 of 40" as if that
applied to it directly.
"""

from __future__ import annotations

from rapport.monitoring.signals import Observation, detect_alliance_low
from rapport.monitoring.signals.adapter import criteria_for
from tests.monitoring._helpers import series

LOW_EVIDENCE_KEYS = {"instrument", "score", "threshold", "rule", "subscales"}


def _low(instrument: str):
    """The low-alliance signal for one rating of 30, below 36, on this measure."""
    (signal,) = detect_alliance_low(
        series([Observation(instrument, 1, 30.0)]), criteria_for(instrument)
    )
    return signal


def test_the_checkin_alert_says_its_threshold_is_a_borrowed_rapport_default():
    low = _low("session-checkin")
    assert low.source.startswith(
        "Rapport default, borrowed from another measure and not validated for the "
        "After-session check-in."
    )
    # Where it is borrowed from stays cited.
    assert "Session Rating Scale" in low.source and "Duncan" in low.source
    assert "rated the relationship 30 out of 40 at session 1, below 36." in low.explanation
    assert "The threshold of 36 is a Rapport default borrowed from another measure" in (
        low.explanation
    )
    assert set(low.evidence) == LOW_EVIDENCE_KEYS  # the JSON keys are unchanged


def test_the_srs_alert_cites_its_own_published_threshold_plainly():
    low = _low("srs")
    assert low.source.startswith("Duncan et al. (2003) and PCOMS practice")
    assert "borrowed" not in low.source and "borrowed" not in low.explanation
    assert set(low.evidence) == LOW_EVIDENCE_KEYS
