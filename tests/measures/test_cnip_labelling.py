"""The shipped C-NIP is Rapport's paraphrase of the inventory, not the published wording: it
is labelled as adapted and not validated, so nobody reads its scores as the validated
C-NIP's. A clinic that loads the published wording, and says so (``"verbatim": true``), gets
the inventory's own labels; any other wording file (a translation of the paraphrase) keeps
the "adapted" ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rapport.measures.errors import InstrumentDefinitionError, WordingError
from rapport.measures.registry import INSTRUMENTS_DIR, get_instrument, parse_instrument
from rapport.measures.wording import apply_wording, parse_wording_file

PUBLISHED = (
    "Cooper-Norcross Inventory of Preferences (C-NIP) © Mick Cooper and John C. Norcross, 2016."
)
ADAPTED = (
    "Adapted from the Cooper-Norcross Inventory of Preferences (C-NIP) © Mick Cooper and "
    "John C. Norcross, 2016; wording not verified against the published inventory."
)


def clinic_file(*, verbatim: bool | None = True, anchors: dict | None = None, **extra) -> dict:
    """A clinic's wording file for the C-NIP. The texts are stand-ins (the published
    wording is not copied here); what matters is which texts the file replaces."""
    cnip = get_instrument("cnip")
    data = {
        "instrument": "cnip",
        "version": cnip.version,
        "instructions": "Published instructions.",
        "items": {item.id: f"Published wording of {item.id}" for item in cnip.items},
        "anchors": anchors
        if anchors is not None
        else {
            "*": {str(v): f"Published label {v}" for v in range(-3, 4)},
        },
        **extra,
    }
    if verbatim is not None:
        data["verbatim"] = verbatim
    return data


def loaded(data: dict):
    return apply_wording(get_instrument("cnip"), parse_wording_file(json.dumps(data)))


def test_the_shipped_c_nip_says_it_is_adapted_and_not_validated():
    cnip = get_instrument("cnip")
    assert cnip.attribution == ADAPTED
    assert cnip.validated is False
    # The clinician's view of the scores quotes the source: it says so there too.
    assert cnip.source.startswith("Adapted from Cooper M, Norcross JC (2016).")
    assert "not the validated C-NIP's" in cnip.source


def test_the_published_wording_loaded_as_verbatim_is_named_as_the_inventory():
    worded = loaded(clinic_file())
    assert worded.attribution == PUBLISHED
    assert worded.validated is True
    assert worded.source.startswith("Cooper M, Norcross JC (2016).")
    assert "Adapted" not in worded.source


@pytest.mark.parametrize("verbatim", [None, False])
def test_a_wording_file_not_said_to_be_verbatim_keeps_the_adapted_labels(verbatim):
    # A translation of Rapport's paraphrase is not the published inventory.
    worded = loaded(clinic_file(verbatim=verbatim))
    assert worded.attribution == ADAPTED
    assert worded.validated is False


def test_a_verbatim_file_must_replace_every_text_the_client_reads():
    data = clinic_file(anchors={"*": {"-3": "Strong", "3": "Strong"}})
    del data["instructions"]
    with pytest.raises(WordingError) as caught:
        loaded(data)
    message = str(caught.value)
    assert "still Rapport's paraphrase: instructions; labels -2, -1, 0, 1, 2 of cnip_1" in message


def test_a_verbatim_file_with_the_item_poles_given_per_item_is_complete():
    anchors = {
        "*": {str(v): f"Published label {v}" for v in (-2, -1, 0, 1, 2)},
        **{f"cnip_{n}": {"-3": "First pole", "3": "Second pole"} for n in range(1, 19)},
    }
    assert loaded(clinic_file(anchors=anchors)).validated is True


def test_verbatim_is_refused_for_an_instrument_not_shipped_in_paraphrase():
    phq9 = get_instrument("phq9")
    data = {
        "instrument": "phq9",
        "version": phq9.version,
        "items": {item.id: "Text" for item in phq9.items},
        "verbatim": True,
    }
    with pytest.raises(WordingError, match="phq9 is not one"):
        parse_wording_file(json.dumps(data))


def test_verbatim_must_be_true_or_false():
    with pytest.raises(WordingError, match="'verbatim' must be true or false"):
        loaded(clinic_file(verbatim="yes"))  # type: ignore[arg-type]


def test_only_an_instrument_shipped_unvalidated_may_carry_published_labels():
    data = json.loads((Path(INSTRUMENTS_DIR) / "cnip.json").read_text(encoding="utf-8"))
    data["validated"] = True
    with pytest.raises(InstrumentDefinitionError, match="shipped in paraphrase"):
        parse_instrument(data, "cnip.json")
