"""A clinician whose role includes medication information (a nurse, midwife, pharmacist or
prescriber) says so when confirming the roles: the choice is stored on the transcript,
the analysis raises no medical-advice flag, the report says why, a correction and
re-analysis keep it, and the change is audited. Bad input changes nothing.

The fixture's clinician is labelled by name ("Jess"), not "Nurse": a label naming the role
sets it on its own (flags._medical_role), so only the stored choice can change the flags
here. Synthetic people only."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.audit.models import Action, AuditEvent
from rapport.transcripts import services
from rapport.transcripts.coding import Code
from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import RuleCoder, fixture_bytes, use_rule_coder

pytestmark = pytest.mark.django_db

NAME = "medication_clinic.txt"
ROLES = {"Jess": "therapist", "Dev": "client"}
LABEL = (
    "Medication information is part of my role in this session (nurse, midwife, "
    "pharmacist, prescriber)"
)
NOTE = "Medical-advice flags were not raised in this session"
# The report's flag card heading for the kind (views.FLAG_LABELS).
MEDICAL_CARD = "<h3>Medical advice</h3>"
# Utterance 7 (index 6): "You can take paracetamol regularly, two 500 mg tablets ...".
PARACETAMOL = 6


@pytest.fixture
def rule_coder(monkeypatch):
    return use_rule_coder(monkeypatch)


@pytest.fixture
def uploaded(login, therapist_a, client_a, rule_coder) -> tuple[object, Transcript]:
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    response = http.post(
        f"/appointments/{appointment.pk}/transcripts/new/",
        {"file": SimpleUploadedFile(NAME, fixture_bytes(NAME))},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return http, Transcript.objects.get()


def _payload(transcript: Transcript, roles=ROLES, *, medical_role: bool) -> dict[str, str]:
    speakers = transcript.read_content()["speakers"]
    data = {f"speaker_{i}": roles[name] for i, name in enumerate(speakers)}
    if medical_role:
        data["medical_role"] = "on"  # what a ticked checkbox sends
    return data


def _confirm(http, transcript: Transcript, *, medical_role: bool) -> Transcript:
    response = http.post(
        f"/transcripts/{transcript.pk}/roles/", _payload(transcript, medical_role=medical_role)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    transcript.refresh_from_db()
    return transcript


def _report(http, transcript: Transcript) -> str:
    return html.unescape(http.get(f"/transcripts/{transcript.pk}/").content.decode())


def _kinds(transcript: Transcript) -> list[tuple[int, str]]:
    return [(f["utterance"], f["kind"]) for f in transcript.flags]


def _medical_role_events(transcript: Transcript) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target=f"transcript:{transcript.pk}:medical_role"))


def test_the_roles_page_asks_whether_medication_information_is_the_clinicians_role(uploaded):
    http, transcript = uploaded
    page = http.get(f"/transcripts/{transcript.pk}/roles/").content.decode()
    assert LABEL in page
    assert 'type="checkbox" name="medical_role"' in page
    assert "checked" not in page.split('name="medical_role"')[1].split(">")[0]


def test_saying_so_stores_it_and_the_report_has_no_medical_advice_flag_and_says_why(
    uploaded, therapist_a
):
    http, transcript = uploaded
    # Confirmed as a counsellor: the paracetamol doses are medical advice outside the role.
    transcript = _confirm(http, transcript, medical_role=False)
    assert transcript.medical_role is False
    assert (PARACETAMOL, "medical_advice") in _kinds(transcript)
    report = _report(http, transcript)
    assert MEDICAL_CARD in report and NOTE not in report
    assert _medical_role_events(transcript) == []

    # Corrected: medication information is part of this clinician's role.
    page = http.get(f"/transcripts/{transcript.pk}/roles/").content.decode()
    assert "checked" not in page.split('name="medical_role"')[1].split(">")[0]
    transcript = _confirm(http, transcript, medical_role=True)
    assert transcript.medical_role is True
    assert "medical_advice" not in [kind for _, kind in _kinds(transcript)]
    report = _report(http, transcript)
    assert MEDICAL_CARD not in report
    assert (
        "Medical-advice flags were not raised in this session: when the roles were confirmed, "
        "medication information was said to be part of the clinician's role (nurse, midwife, "
        "pharmacist, prescriber)."
    ) in report
    # The correction form shows the stored choice.
    page = http.get(f"/transcripts/{transcript.pk}/roles/").content.decode()
    assert "checked" in page.split('name="medical_role"')[1].split(">")[0]
    # Audited beside the roles' update, as a change of the transcript by this user.
    [event] = _medical_role_events(transcript)
    assert event.action == Action.UPDATE and event.actor_id == therapist_a.pk
    assert event.client_id == transcript.client_id
    roles_updates = AuditEvent.objects.filter(
        target=f"transcript:{transcript.pk}:roles", action=Action.UPDATE
    )
    assert roles_updates.count() == 2

    # Confirming again without a change records no second change of it.
    _confirm(http, transcript, medical_role=True)
    assert len(_medical_role_events(transcript)) == 1
    # Unticking it brings the flag back, and is audited too.
    transcript = _confirm(http, transcript, medical_role=False)
    assert transcript.medical_role is False
    assert (PARACETAMOL, "medical_advice") in _kinds(transcript)
    assert len(_medical_role_events(transcript)) == 2


def test_bad_roles_with_the_box_ticked_change_nothing(uploaded, rule_coder):
    http, transcript = uploaded
    everyone_client = _payload(transcript, {"Jess": "client", "Dev": "client"}, medical_role=True)
    response = http.post(f"/transcripts/{transcript.pk}/roles/", everyone_client)
    assert response.status_code == 400
    assert "Choose which speaker is the therapist." in response.content.decode()
    transcript.refresh_from_db()
    assert transcript.medical_role is False and not transcript.is_analysed
    assert rule_coder.calls == []
    assert _medical_role_events(transcript) == []
    # An analysed transcript keeps its choice and its flags through a refused correction.
    transcript = _confirm(http, transcript, medical_role=True)
    flags = list(transcript.flags)
    assert http.post(f"/transcripts/{transcript.pk}/roles/", everyone_client).status_code == 400
    bad = _payload(transcript, medical_role=False)
    bad["speaker_0"] = "doctor"
    assert http.post(f"/transcripts/{transcript.pk}/roles/", bad).status_code == 400
    transcript.refresh_from_db()
    assert transcript.medical_role is True and transcript.flags == flags
    assert len(_medical_role_events(transcript)) == 1


class NewCoder(RuleCoder):
    """Another model version: re-analysis redoes every analysis made by the rule coder."""

    meta = {"version": "coder-new"}

    def code_conversation(self, turns):
        self.calls.append(list(turns))
        return [
            Code("therapist_input" if r == "therapist" else "neutral", "information", 0.5)
            for r, _ in turns
        ]


def test_re_analysis_keeps_the_stored_choice(uploaded):
    http, transcript = uploaded
    transcript = _confirm(http, transcript, medical_role=True)
    assert transcript.metrics["coder_model"] is None

    done = services.transcripts_reanalyse(coder=NewCoder())

    assert done.reanalysed == 1
    transcript.refresh_from_db()
    assert transcript.metrics["coder_model"] == "coder-new"
    assert transcript.medical_role is True
    assert "medical_advice" not in [kind for _, kind in _kinds(transcript)]
    report = _report(http, transcript)
    assert NOTE in report and MEDICAL_CARD not in report


def test_re_analysis_keeps_the_flag_when_it_was_not_said(uploaded):
    http, transcript = uploaded
    transcript = _confirm(http, transcript, medical_role=False)
    services.transcripts_reanalyse(coder=NewCoder())
    transcript.refresh_from_db()
    assert transcript.medical_role is False
    assert (PARACETAMOL, "medical_advice") in _kinds(transcript)


def test_a_therapist_labelled_nurse_gets_the_same_note_without_the_box(
    login, therapist_a, client_a, rule_coder
):
    """A label naming the role sets it in the flags (flags._medical_role): the report says
    so, or the missing medical-advice flags would read as none given."""
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    labelled = fixture_bytes(NAME).replace(b"Jess:", b"Nurse:")
    http.post(
        f"/appointments/{appointment.pk}/transcripts/new/",
        {"file": SimpleUploadedFile(NAME, labelled)},
    )
    transcript = Transcript.objects.get()
    roles = {"Nurse": "therapist", "Dev": "client"}
    speakers = transcript.read_content()["speakers"]
    payload = {f"speaker_{i}": roles[name] for i, name in enumerate(speakers)}
    assert http.post(f"/transcripts/{transcript.pk}/roles/", payload).status_code == 302
    transcript.refresh_from_db()
    assert transcript.medical_role is False
    assert "medical_advice" not in [kind for _, kind in _kinds(transcript)]
    assert (
        "Medical-advice flags were not raised in this session: the therapist's speaker label "
        "names a role that includes medication information"
    ) in _report(http, transcript)
