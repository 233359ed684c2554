"""The safety step's sources say what each one supports. ``check-safety`` (ask directly about
coping and thoughts of self-harm when scores are reliably worse) cites Jacobson & Truax
(1991), which defines reliable change: it is the source of what "reliably worse" means, and
the citation says so rather than reading as support for asking about self-harm, which that
paper does not address."""

from __future__ import annotations

from rapport.guidance.library import load_library

LIBRARY = {strategy.slug: strategy for strategy in load_library()}


def _safety_sources() -> tuple[str, ...]:
    return LIBRARY["check-safety"].sources


def test_jacobson_and_truax_is_cited_only_for_what_reliably_worse_means():
    [jacobson] = [s for s in _safety_sources() if s.startswith("Jacobson NS, Truax P (1991).")]
    assert jacobson.endswith(
        "Cited for what 'reliably worse' means (the reliable change index), "
        "not for asking about safety."
    )
