"""Citations used by the detectors, in one place so every number can point at its source.

Short author-year forms; the full references are in ``docs/monitoring.md``. A figure
without a published source says so ("Rapport default"), together with the reason it was
chosen.
"""

from __future__ import annotations

__all__ = [
    "CHINN_2000",
    "EUBANKS_2018",
    "FINCH_2001",
    "GIESEMANN_2023",
    "HANNAN_2005",
    "JACOBSON_TRUAX_1991",
    "LARSSON_2018",
    "PCOMS_SRS",
    "RAPPORT_DEFAULT",
    "SHARF_2010",
    "SWIFT_GREENBERG_2012",
    "ZLOTNICK_2020",
    "borrowed_threshold",
    "is_borrowed",
]

JACOBSON_TRUAX_1991 = "Jacobson & Truax (1991), J Consult Clin Psychol 59(1):12-19"
FINCH_2001 = "Finch, Lambert & Schaalje (2001), Clin Psychol Psychother 8(4):231-242"
HANNAN_2005 = "Hannan, Lambert et al. (2005), J Clin Psychol 61(2):155-163"
PCOMS_SRS = "Duncan, Miller et al. (2003), J Brief Ther 3(1):3-12 (PCOMS: SRS below 36 of 40)"
LARSSON_2018 = "Larsson, Falkenstrom, Andersson & Holmqvist (2018), Psychother Res 28(1):123-136"
ZLOTNICK_2020 = "Zlotnick et al. (2020): a single drop between two ratings is a weak rupture marker"
EUBANKS_2018 = "Eubanks, Muran & Safran (2018), Psychotherapy 55(4):508-519"
SWIFT_GREENBERG_2012 = "Swift & Greenberg (2012), J Consult Clin Psychol 80(4):547-559"
SHARF_2010 = "Sharf, Primavera & Diener (2010), Psychotherapy 47(4):637-645"
CHINN_2000 = "Chinn (2000), Stat Med 19(22):3127-3131"
GIESEMANN_2023 = "Giesemann et al. (2023): dropout prediction is modest, best F1 about .51"
# Shown to clinicians beside the rule: it names the choice without pointing at a file they
# cannot open (the reasoning is in docs/monitoring.md for whoever maintains the rules).
RAPPORT_DEFAULT = "Rapport default (a design choice, not a published figure)"

#: How the source of a threshold lent by another measure begins (the check-in borrows the
#: SRS's 36 of 40): the explanation reads it to say the figure is not this measure's own.
BORROWED_DEFAULT = "Rapport default, borrowed from another measure"


def borrowed_threshold(measure: str, lender_source: str) -> str:
    """The source of an alert threshold that ``measure`` (not a validated measure) borrows
    from another one's published practice: clinicians must not read it as validated here."""
    return f"{BORROWED_DEFAULT} and not validated for the {measure}. Borrowed from: {lender_source}"


def is_borrowed(source: str) -> bool:
    return source.startswith(BORROWED_DEFAULT)
