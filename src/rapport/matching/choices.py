"""The fixed lists a therapist's matching profile chooses from, kept in code: a ranking
compares like with like only when everyone picks from the same words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

__all__ = [
    "APPROACHES",
    "FOCUS_AREAS",
    "LANGUAGES",
    "MAX_LANGUAGES",
    "labels",
    "languages_by_name",
]

FOCUS_AREAS = (
    ("anxiety", _("Anxiety")),
    ("depression", _("Depression and low mood")),
    ("trauma", _("Trauma")),
    ("grief", _("Grief and loss")),
    ("relationships", _("Relationships")),
    ("work_stress", _("Work stress")),
    ("self_esteem", _("Self-esteem")),
    ("eating", _("Eating difficulties")),
    ("substance_use", _("Substance use")),
    ("ocd", _("Obsessions and compulsions")),
    ("anger", _("Anger")),
    ("sleep", _("Sleep")),
    ("chronic_illness", _("Living with illness or pain")),
    ("communication", _("Speech and communication")),
    ("daily_living", _("Daily living and occupation")),
)

APPROACHES = (
    ("cbt", _("CBT")),
    ("person_centred", _("Person-centred")),
    ("psychodynamic", _("Psychodynamic")),
    ("systemic", _("Systemic and family")),
    ("act", _("ACT")),
    ("emdr", _("EMDR")),
    ("emotion_focused", _("Emotion-focused")),
    ("solution_focused", _("Solution-focused")),
    ("motivational", _("Motivational interviewing")),
    ("integrative", _("Integrative")),
)

#: Languages by ISO 639-1 code: a short, fixed list (extend it here when a clinic needs).
LANGUAGES = (
    ("ar", _("Arabic")),
    ("bn", _("Bengali")),
    ("de", _("German")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fa", _("Persian")),
    ("fr", _("French")),
    ("hi", _("Hindi")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pl", _("Polish")),
    ("pt", _("Portuguese")),
    ("ro", _("Romanian")),
    ("ru", _("Russian")),
    ("so", _("Somali")),
    ("tr", _("Turkish")),
    ("uk", _("Ukrainian")),
    ("ur", _("Urdu")),
    ("zh", _("Chinese")),
    ("bsl", _("British Sign Language")),
)
#: A profile lists at most this many languages.
MAX_LANGUAGES = 6


def languages_by_name() -> list[tuple[str, str]]:
    """LANGUAGES as a form lists them: by name in the reader's language, not by code (by
    code, German came before English and Persian before French). Sorted when the list is
    shown, as the names are translated then."""
    return sorted(((code, str(label)) for code, label in LANGUAGES), key=lambda c: c[1].casefold())


def labels() -> dict[str, str]:
    """Every code of the three lists, in words (for the ranking's reasons)."""
    return {code: str(label) for code, label in (*FOCUS_AREAS, *APPROACHES, *LANGUAGES)}
