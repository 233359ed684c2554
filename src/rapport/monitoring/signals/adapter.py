"""The one bridge from the instrument registry to the detectors' explicit criteria.

Detectors take frozen criteria and know nothing about instrument files. This module reads
``rapport.measures.registry`` and copies each published figure *with its source* into
those criteria, so no figure is written twice in the code base:

* outcome measures -> ``ChangeCriteria``: direction, ``reliable_change``, the clinical
  cut-off and its range, and for the Jacobson & Truax index the clinical SD
  (``norms.clinical_sd``) and reliability (test-retest if published, else alpha). Without a
  published cut-off, criterion c is computed from the norms when all four are published.
* alliance measures -> ``AllianceCriteria``: ``alert_threshold`` as the low threshold; the
  rupture drop is the published reliable change, else the Jacobson & Truax threshold from
  the norms, else the Rapport default of a tenth of the scale range (4 of 40 points); the
  repair tolerance is one point in 40 of the range (so 0.1 on the 1-5 WAI-SR mean).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapport.monitoring.signals.criteria import (
    RC_Z,
    AllianceCriteria,
    ChangeCriteria,
    FeedbackCriteria,
)
from rapport.monitoring.signals.detect import DetectorConfig
from rapport.monitoring.signals.errors import CriteriaError
from rapport.monitoring.signals.model import CitedValue
from rapport.monitoring.signals.sources import (
    JACOBSON_TRUAX_1991,
    RAPPORT_DEFAULT,
    ZLOTNICK_2020,
    borrowed_threshold,
)

if TYPE_CHECKING:
    from rapport.measures.definitions import Figure, Instrument

__all__ = ["config_for", "criteria_for", "find_instrument"]

#: The per-session alliance check-in preferred as the expected feedback, when present.
CHECKIN_IDS = ("session-checkin", "srs")

#: Share of the scale range used as the rupture drop when nothing better is published.
_DEFAULT_DROP_SHARE = 0.10


def find_instrument(instrument_id: str) -> Instrument:
    """The registered instrument, accepting ids written with or without hyphens (``phq-9``)."""
    from rapport.measures.errors import InstrumentNotFound
    from rapport.measures.registry import all_instruments, get_instrument

    try:
        return get_instrument(instrument_id)
    except InstrumentNotFound:
        wanted = _plain(instrument_id)
        for instrument in all_instruments():
            if _plain(instrument.id) == wanted:
                return instrument
        raise CriteriaError(f"no instrument {instrument_id!r} is registered") from None


def _plain(instrument_id: str) -> str:
    return instrument_id.replace("-", "").replace("_", "").lower()


def _cited(figure: Figure | None) -> CitedValue | None:
    if figure is None:
        return None
    return CitedValue(float(figure.value), figure.source)


def criteria_for(instrument_id: str) -> ChangeCriteria | AllianceCriteria:
    """Criteria for one instrument, built from its registered definition."""
    instrument = find_instrument(instrument_id)
    # Keep the caller's spelling of the id so the criteria match the series' observations.
    if instrument.kind == "outcome":
        return _change_criteria(_scored(instrument), instrument_id)
    if instrument.kind == "alliance":
        return _alliance_criteria(_scored(instrument), instrument_id)
    raise CriteriaError(f"{instrument.id} is a {instrument.kind} measure; it raises no signals")


def _scored(instrument: Instrument) -> Instrument:
    if instrument.direction is None or instrument.total is None:
        raise CriteriaError(f"{instrument.id} has no scored total; it raises no signals")
    return instrument


def _reliability(instrument: Instrument) -> CitedValue | None:
    reliability = instrument.reliability
    return _cited(reliability.test_retest) or _cited(reliability.alpha)


def _change_criteria(instrument: Instrument, instrument_id: str) -> ChangeCriteria:
    assert instrument.direction is not None
    return ChangeCriteria(
        instrument=instrument_id,
        label=instrument.short_title,
        direction=instrument.direction,
        reliable_change=_cited(instrument.reliable_change),
        sd=_cited(instrument.norms.clinical_sd),
        reliability=_reliability(instrument),
        clinical_cutoff=_cited(instrument.clinical_cutoff) or _criterion_c(instrument),
        clinical_range=instrument.clinical_range,
    )


def _criterion_c(instrument: Instrument) -> CitedValue | None:
    """Jacobson & Truax criterion c: (SD_clin * M_norm + SD_norm * M_clin) / (SD_clin + SD_norm)."""
    norms = instrument.norms
    figures = (norms.clinical_mean, norms.clinical_sd, norms.normal_mean, norms.normal_sd)
    if any(figure is None for figure in figures):
        return None
    m_clin, sd_clin, m_norm, sd_norm = (float(f.value) for f in figures if f is not None)
    value = (sd_clin * m_norm + sd_norm * m_clin) / (sd_clin + sd_norm)
    return CitedValue(value, f"criterion c computed from the norms ({JACOBSON_TRUAX_1991})")


def _alliance_criteria(instrument: Instrument, instrument_id: str) -> AllianceCriteria:
    span = _span(instrument)
    return AllianceCriteria(
        instrument=instrument_id,
        rupture_drop=_rupture_drop(instrument),
        low_threshold=_low_threshold(instrument),
        # So a low rating reads "12 out of 40", not a bare number beside its threshold.
        scale_max=float(instrument.total.max) if instrument.total else None,
        # One point on a 0-40 scale, scaled to this instrument's range (WAI-SR is 1-5).
        repair_tolerance=CitedValue(
            span / 40.0,
            f"{RAPPORT_DEFAULT}: one point in 40 is measurement noise ({ZLOTNICK_2020})",
        ),
    )


def _low_threshold(instrument: Instrument) -> CitedValue | None:
    """The alert threshold with its source. An instrument that is not a validated measure
    (Rapport's own session check-in) has no threshold of its own: its 36 of 40 is the SRS's
    PCOMS line lent to it, and the alert must say so rather than cite the SRS as if it
    applied directly."""
    figure = instrument.alert_threshold
    if figure is None or instrument.validated:
        return _cited(figure)
    return CitedValue(float(figure.value), borrowed_threshold(instrument.title, figure.source))


def _span(instrument: Instrument) -> float:
    assert instrument.total is not None
    return float(instrument.total.max) - float(instrument.total.min)


def _rupture_drop(instrument: Instrument) -> CitedValue:
    span = _span(instrument)
    published = _cited(instrument.reliable_change)
    if published is not None:
        return published
    sd = _cited(instrument.norms.clinical_sd) or _cited(instrument.norms.normal_sd)
    reliability = _reliability(instrument)
    if sd is not None and reliability is not None:
        se = sd.value * math.sqrt(1.0 - reliability.value)
        threshold = RC_Z.value * math.sqrt(2.0) * se
        if threshold > span / 40.0:
            return CitedValue(
                threshold,
                f"Jacobson & Truax threshold from SD and reliability ({JACOBSON_TRUAX_1991}; "
                f"SD: {sd.source}; r: {reliability.source})",
            )
    return CitedValue(
        _DEFAULT_DROP_SHARE * span,
        f"{RAPPORT_DEFAULT}: a tenth of the scale range, well beyond a one-point wobble "
        f"({ZLOTNICK_2020})",
    )


def config_for(instrument_ids: Iterable[str]) -> DetectorConfig:
    """A full detector configuration for these instruments (other kinds are skipped)."""
    criteria: list[ChangeCriteria | AllianceCriteria] = []
    for instrument_id in dict.fromkeys(instrument_ids):
        instrument = find_instrument(instrument_id)
        if instrument.kind in ("outcome", "alliance"):
            criteria.append(criteria_for(instrument_id))
    alliance = [c.instrument for c in criteria if isinstance(c, AllianceCriteria)]
    preferred = [i for i in CHECKIN_IDS if i in alliance] + alliance
    feedback = FeedbackCriteria(checkin_instrument=preferred[0] if preferred else None)
    return DetectorConfig.from_criteria(criteria, feedback=feedback)
