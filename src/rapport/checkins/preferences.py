"""The client's therapy preferences on the client page, from their latest preferences
questionnaire (the C-NIP's four scales: how directive, how emotionally intense, past- or
present-focused, warm support or focused challenge).

Preferences are part of establishing the relationship (DESIGN §1, PRACTICES "Building it"):
clients whose preferences are accommodated drop out less and do somewhat better (Swift,
Callahan, Cooper & Parkin 2018, meta-analysis, J Clin Psychol 74(11):1924-1937), so a strong
preference is shown as something to talk about and tailor sessions to.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapport.audit.services import Action, audit_record
from rapport.checkins.panels import clinic_instrument
from rapport.measures.definitions import Instrument
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments
from rapport.measures.scoring import leanings

__all__ = ["PREFERENCES_ORDER", "ScaleLeaning", "preferences_panel"]

#: After the episode summary and alerts, before the scores over time.
PREFERENCES_ORDER = 20
ACCOMMODATION_SOURCE = (
    "Swift JK, Callahan JL, Cooper M, Parkin SR (2018). The impact of accommodating client "
    "preference in psychotherapy: a meta-analysis. J Clin Psychol 74(11):1924-1937."
)


@dataclass(frozen=True)
class ScaleLeaning:
    label: str
    poles: tuple[str, str]
    score: float | None
    pole: str | None
    strong: bool
    #: Places the score is shown to: the scale's ``decimals``, as in the score table.
    decimals: int = 2


def preferences_panel(request, client) -> dict | None:
    latest = _latest_preferences(client)
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="preferences",
        client_id=client.pk,
        request=request,
    )
    if latest is None:
        return None
    response, instrument = latest
    scales = _scales(instrument, response.subscales)
    return {
        "template": "checkins/panels/preferences.html",
        "instrument": instrument,
        "response": response,
        "scales": scales,
        "strong": [scale for scale in scales if scale.strong],
        "strong_at": _strong_threshold(instrument),
        "source": ACCOMMODATION_SOURCE,
    }


def _strong_threshold(instrument: Instrument) -> float | None:
    """The scale mean (either way) from which a preference is called strong, as the
    instrument file sets it; None when it sets none."""
    for subscale in instrument.subscales:
        if subscale.strong_threshold is not None:
            return float(subscale.strong_threshold.value)
    return None


def _scales(instrument: Instrument, scores: dict) -> list[ScaleLeaning]:
    scales = []
    for subscale in instrument.subscales:
        if subscale.poles is None:
            continue
        leaning = leanings(instrument, scores)[subscale.id]
        score = None if leaning.score is None else float(leaning.score)
        scales.append(
            ScaleLeaning(
                subscale.label,
                subscale.poles,
                score,
                leaning.pole,
                leaning.strong,
                subscale.decimals,
            )
        )
    return scales


def _latest_preferences(client) -> tuple[Response, Instrument] | None:
    """The newest answered preferences questionnaire, with its instrument as the clinic
    shows it: with the published C-NIP wording loaded ("verbatim"), its published source,
    not the shipped paraphrase's "Adapted from …" (``panels.clinic_instrument``)."""
    preference_ids = [i.id for i in all_instruments() if i.kind == "preferences"]
    response = (
        Response.objects.filter(client=client, instrument_id__in=preference_ids)
        .order_by("-administered_at", "-pk")
        .first()
    )
    if response is None:
        return None
    return response, clinic_instrument(client.clinic, response.instrument_id)
