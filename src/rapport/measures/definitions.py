"""Frozen dataclasses describing a loaded instrument definition.

These are plain data: ``registry.py`` builds them from the JSON files in ``instruments/``
and ``scoring.py`` reads them. Nothing here imports Django, so a researcher can use the
definitions with nothing else running. Client-facing text (wording, labels, instructions)
lives only in the data files so that it can be translated or replaced by licensed wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "DECLINED",
    "PLACEHOLDER_MARK",
    "Band",
    "ClinicalRange",
    "Direction",
    "Figure",
    "Instrument",
    "Item",
    "Kind",
    "Labelling",
    "Norms",
    "Number",
    "Option",
    "Prorate",
    "Reliability",
    "ResponseType",
    "RiskItem",
    "Rule",
    "Slider",
    "Subscale",
    "Total",
    "is_sendable",
]

Number = int | float
Kind = Literal["outcome", "alliance", "preferences", "feedback"]
ResponseType = Literal["options", "slider", "text"]
Direction = Literal["higher_is_worse", "higher_is_better"]
Rule = Literal["sum", "mean"]
Prorate = Literal["mean_of_answered"]
# Which side of the clinical cut-off counts as the clinical range: PHQ-9 "10 or more" is
# ``at_or_above``; ORS "below 25" is ``below``.
ClinicalRange = Literal["at_or_above", "below"]

#: The answer value meaning "prefer not to answer". It counts as missing, and is only
#: accepted for items whose definition allows declining.
DECLINED = "prefer_not_to_answer"

#: Every client-facing string of an instrument that needs licensed wording must contain this
#: mark until the clinic's wording is applied; the registry refuses files that break the rule,
#: which keeps licensed wording out of the repository.
PLACEHOLDER_MARK = "(licensed wording not loaded)"


@dataclass(frozen=True, slots=True)
class Figure:
    """A published number together with where it comes from."""

    value: Number
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Option:
    """A labelled value: a response option, or an anchor label on a slider."""

    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Slider:
    """A visual-analogue style scale from ``min`` to ``max`` in steps of ``step``."""

    min: Number
    max: Number
    step: Number


@dataclass(frozen=True, slots=True)
class Item:
    """One question. ``options`` is set for option items, ``slider`` for slider items."""

    id: str
    wording: str
    response: ResponseType
    options: tuple[Option, ...] = ()
    slider: Slider | None = None
    anchors: tuple[Option, ...] = ()
    allow_decline: bool = False
    required: bool = True
    reverse_keyed: bool = False
    wording_status: str = "verbatim"

    @property
    def scored(self) -> bool:
        """True for items with a numeric answer (options or slider)."""
        return self.response != "text"

    @property
    def min_value(self) -> Number:
        if self.slider is not None:
            return self.slider.min
        return min(option.value for option in self.options)

    @property
    def max_value(self) -> Number:
        if self.slider is not None:
            return self.slider.max
        return max(option.value for option in self.options)


@dataclass(frozen=True, slots=True)
class Total:
    """How the items combine into a total, and how much may be missing.

    ``prorate`` names the proration method; the only one so far is ``mean_of_answered``: a
    sum with missing items becomes mean(answered) x number of items, a mean is the mean of
    the answered items. Results are rounded half up to ``decimals`` places.
    """

    rule: Rule
    items: tuple[str, ...]
    min: Number
    max: Number
    max_missing: int
    decimals: int
    missing_source: str
    prorate: Prorate = "mean_of_answered"


@dataclass(frozen=True, slots=True)
class Subscale:
    """A named group of items scored together.

    ``poles`` and ``strong_threshold`` are for bipolar preference scales (C-NIP): a negative
    score leans to ``poles[0]``, a positive one to ``poles[1]``.
    """

    id: str
    label: str
    rule: Rule
    items: tuple[str, ...]
    max_missing: int = 0
    decimals: int = 2
    poles: tuple[str, str] | None = None
    strong_threshold: Figure | None = None


@dataclass(frozen=True, slots=True)
class Band:
    """A severity band. A total belongs to the band with the greatest ``min`` not above it."""

    min: Number
    max: Number
    label: str


@dataclass(frozen=True, slots=True)
class RiskItem:
    """An item whose (keyed) answer at or above ``at_or_above`` raises a risk notice."""

    item: str
    at_or_above: Number
    source: str


@dataclass(frozen=True, slots=True)
class Reliability:
    alpha: Figure | None = None
    test_retest: Figure | None = None


@dataclass(frozen=True, slots=True)
class Norms:
    """Means and standard deviations of the total in clinical and non-clinical samples."""

    clinical_mean: Figure | None = None
    clinical_sd: Figure | None = None
    normal_mean: Figure | None = None
    normal_sd: Figure | None = None


@dataclass(frozen=True, slots=True)
class Labelling:
    """How an instrument shipped in paraphrase is named once a clinic loads the published
    wording (a wording file that says ``"verbatim": true``): the attribution shown to the
    client, the source shown to clinicians, and whether it is the validated measure.

    The shipped C-NIP is a paraphrase: its scores are not the validated inventory's, so it
    ships ``validated: false`` with an "adapted from" attribution. With the published
    wording loaded in every text the client reads, it is the inventory again."""

    attribution: str
    source: str
    validated: bool = True


@dataclass(frozen=True, slots=True)
class Instrument:
    """A complete, validated instrument definition."""

    id: str
    version: str
    title: str
    short_title: str
    kind: Kind
    language: str
    source: str
    licence: str
    attribution: str
    requires_licensed_wording: bool
    instructions: str
    items: tuple[Item, ...]
    total: Total | None
    direction: Direction | None
    subscales: tuple[Subscale, ...] = ()
    bands: tuple[Band, ...] = ()
    bands_source: str = ""
    clinical_cutoff: Figure | None = None
    clinical_range: ClinicalRange | None = None
    reliable_change: Figure | None = None
    reliability: Reliability = field(default_factory=Reliability)
    norms: Norms = field(default_factory=Norms)
    alert_threshold: Figure | None = None
    risk_items: tuple[RiskItem, ...] = ()
    validated: bool = True
    notes: str = ""
    wording_loaded: bool = False
    #: What the client's page calls the questionnaire in its heading and the browser tab
    #: ("How you've been feeling"), in Rapport's own words: the full name ("Patient Health
    #: Questionnaire-9") names a diagnosis on a phone's task switcher or a shared tablet,
    #: and stays in the page's footer with the attribution. Not the instrument's wording,
    #: so never licensed; "" lets the page fall back to a neutral title.
    client_title: str = ""
    #: The labels that replace ``attribution``, ``source`` and ``validated`` when a clinic
    #: loads the published wording of an instrument shipped in paraphrase; None otherwise.
    verbatim_labelling: Labelling | None = None

    @property
    def sendable(self) -> bool:
        """False while a licensed instrument still carries placeholder wording."""
        return not self.requires_licensed_wording or self.wording_loaded

    @property
    def reverse_keyed(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items if item.reverse_keyed)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def required_count(self) -> int:
        """Questions the client must answer. With :attr:`optional_count` the client's page
        counts honestly: the PHQ-9 and GAD-7 forms end with an optional, unscored question
        ("how difficult have these problems made it ..."), so "10 questions" under a name
        saying 9 read as a mistake; "9 questions, plus 1 optional" does not."""
        return sum(1 for item in self.items if item.required)

    @property
    def optional_count(self) -> int:
        return len(self.items) - self.required_count

    def item(self, item_id: str) -> Item:
        """Return the item with this id; ``KeyError`` if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def is_sendable(instrument: Instrument) -> bool:
    """True when the instrument may be shown to a client (licensed wording is loaded)."""
    return instrument.sendable
