"""Two findings a clinician reviewer left open on a nurse's consultation, read with
``FlagSettings.medical_role`` (a nurse, midwife, pharmacist or prescriber):

* examination findings and narration of the care being given ("The wound edges look pink
  and healthy.", "I'm just going to clean around it now.") are the session's own
  procedure, not an intervention without a reflection;
* "Try to take the metformin with each meal as prescribed." supports the prescriber's
  plan, the nurse's job: not unsolicited advice. It is still information, so the
  intervention rule (a reflection before information) still reads it.

Each is tested on both sides, and without ``medical_role`` (a counsellor, an MI session)
nothing changes. Synthetic people only."""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import FlagSettings, detect_flags
from rapport.transcripts.parsing import parse_transcript
from tests.transcripts._helpers import ROLES, code, fixture_bytes, turns_of

INFORMATION = code("therapist_input", "information")
ADVICE = code("therapist_input", "advice")
NURSE = FlagSettings(medical_role=True)
OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me today.")] * 5
CLOSING = [("C", "I will think about it."), ("T", "Good."), ("C", "Thanks."), ("T", "Bye.")]
CLIENT = "It's been throbbing at night and the bandage got wet in the shower."


def _kinds(therapist: str, coded=INFORMATION, settings=None) -> list[str]:
    """The flags on ``therapist``'s turn, said right after the client's statement."""
    spoken = [*OPENING, ("C", CLIENT), ("T", therapist), *CLOSING]
    at = len(OPENING) + 1
    codes = [None] * at + [coded] + [None] * len(CLOSING)
    flags = detect_flags(turns_of(*spoken), ROLES, codes, settings)
    return sorted(f.kind for f in flags if f.utterance == at)


# --- 1. Examination findings and narration of the procedure -------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "The wound edges look pink and healthy.",
        "I'm just going to clean around it now.",
        "Okay. There's a bit of redness around the edge, but it's not hot. It is healing.",
        "Good. I'm going to clean it with saline and put a new foam dressing on.",
        "Your blood pressure is 130 over 80.",
        "It's 9.2, a bit high but not worrying.",
        "Right, I've put the new dressing on. This might sting a little.",
        "You'll feel a sharp scratch.",
    ],
)
@pytest.mark.parametrize("coded", [INFORMATION, ADVICE])
def test_a_nurses_findings_and_procedure_are_no_intervention(said, coded):
    assert _kinds(said, coded, NURSE) == []


@pytest.mark.parametrize(
    "said",
    ["The wound edges look pink and healthy.", "I'm just going to clean around it now."],
)
def test_the_same_words_without_medical_role_are_read_as_before(said):
    # A counsellor does not examine: in an MI session the rule is unchanged.
    assert _kinds(said) == ["intervention_without_reflection"]


@pytest.mark.parametrize(
    "said",
    [
        # Advice wording in the same sentence as the finding.
        "The wound looks fine, but you should stop smoking.",
        # Another sentence of information about the patient's life beside the procedure.
        "I'm going to clean it now. Cutting down on sugar helps wounds heal.",
        "The edges look healthy. You need to keep your leg up every evening.",
    ],
)
def test_information_or_advice_beside_the_procedure_is_still_an_intervention(said):
    assert "intervention_without_reflection" in _kinds(said, INFORMATION, NURSE)


# --- 2. A prescribed medicine taken as prescribed ------------------------------------------

METFORMIN = "Try to take the metformin with each meal as prescribed."


@pytest.mark.parametrize(
    "said",
    [
        METFORMIN,
        "It's 9.2, a bit high but not worrying. " + METFORMIN,
        "Keep using the inhaler as your GP prescribed.",
        "You should take the antibiotics as directed.",
    ],
)
@pytest.mark.parametrize("coded", [INFORMATION, ADVICE])
def test_taking_a_prescribed_medicine_as_prescribed_is_not_advice_from_a_nurse(said, coded):
    kinds = _kinds(said, coded, NURSE)
    assert "advice" not in kinds
    # Still information given without reflecting what the client said first.
    assert kinds == ["intervention_without_reflection"]


def test_from_a_counsellor_it_is_still_advice():
    assert "advice" in _kinds(METFORMIN)
    assert "advice" in _kinds(METFORMIN, ADVICE)


@pytest.mark.parametrize(
    "said",
    [
        "You should take it as prescribed but skip the evening dose.",
        "You need to take it as prescribed, then halve it next week.",
        # The medicine sentence is left out; the other one is advice by its words.
        METFORMIN + " You should walk every day after dinner.",
    ],
)
@pytest.mark.parametrize("coded", [INFORMATION, ADVICE])
def test_changing_the_medicine_or_other_advice_beside_it_is_still_advice(said, coded):
    assert "advice" in _kinds(said, coded, NURSE)


def test_the_coders_advice_code_alone_no_longer_counts_once_the_medicine_is_left_out():
    # The coder cannot say which sentence it took for advice: with the as-prescribed
    # sentence left out, only advice wording in the rest counts (as for an enactment).
    said = METFORMIN + " Let me know how you get on."
    assert "advice" not in _kinds(said, ADVICE, NURSE)
    assert "advice" in _kinds(said, ADVICE)


# --- The reviewer's consultation ---------------------------------------------------------


def test_the_wound_care_consultation_loses_the_two_findings_and_keeps_the_rest():
    transcript = parse_transcript(fixture_bytes("nurse_wound_care.txt"), "nurse.txt")
    roles = {"Nurse": "therapist", "Patient": "client"}
    said = {t.index: t.text for t in transcript.turns}
    assert said[8].startswith("Okay. There's a bit of redness around the edge")
    assert said[12] == "Good. I'm going to clean it with saline and put a new foam dressing on."
    assert said[40].endswith("Try to take the metformin with each meal as prescribed.")
    codes = [INFORMATION if roles[t.speaker] == "therapist" else None for t in transcript.turns]
    flags = [(f.utterance, f.kind) for f in detect_flags(transcript.turns, roles, codes)]
    assert (8, "intervention_without_reflection") not in flags
    assert (12, "intervention_without_reflection") not in flags
    assert (40, "advice") not in flags
    # "Take them with food, and finish the whole course" right after "they upset my
    # stomach" is information the stomach upset was not reflected before: still flagged.
    assert (20, "intervention_without_reflection") in flags
    # Relabelled as a counsellor's session, the metformin is advice again.
    counsellor = [
        t.__class__(t.index, {"Nurse": "T", "Patient": "C"}[t.speaker], t.text, t.start, t.end)
        for t in transcript.turns
    ]
    flags = [(f.utterance, f.kind) for f in detect_flags(counsellor, ROLES, codes)]
    assert (40, "advice") in flags
