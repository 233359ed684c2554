"""The report counts the moments worth a second look by utterance and shows one card per
utterance: a sentence of advice with three flags read "8 moments worth a second look" for
five flagged utterances. All people are invented."""

from __future__ import annotations

import html
import re

import pytest

from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_flags_on_one_utterance_are_one_moment_and_one_card(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    by_utterance: dict[int, list[str]] = {}
    for flag in transcript.flags:
        by_utterance.setdefault(flag["utterance"], []).append(flag["kind"])
    # The fixture's advice sentence has two flags; another utterance has one.
    assert sorted(len(kinds) for kinds in by_utterance.values()) == [1, 2]
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert "2 moments worth a second look (3 flags)." in page
    cards = re.findall(r'<li class="flag[ "].*?</li>', page, re.S)
    assert len(cards) == 2
    advice = next(card for card in cards if "flag-advice" in card)
    heading = _text(re.search(r"<h3>(.*?)</h3>", advice, re.S)[1])
    assert heading == "Advice the client did not ask for · Intervention without a reflection first"
    assert advice.count("Why it matters:") == 2
    assert "Utterance 5" in _text(advice)


def test_one_flag_per_utterance_counts_as_many_moments_as_flags(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "judgmental_session.txt")
    moments = len({flag["utterance"] for flag in transcript.flags})
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    flags = len(transcript.flags)
    said = f"({flags} flags)" if flags > moments else ""
    assert f"{moments} moments worth a second look{' ' + said if said else ''}." in page
    assert len(re.findall(r'<li class="flag[ "]', page)) == moments


def test_advice_the_coder_coded_otherwise_is_said_beside_the_metrics(
    login, therapist_a, client_a, monkeypatch
):
    # "You should just force yourself to go for a walk", coded a reflection and flagged as
    # advice: therapist input 0% beside the flag, with nothing to reconcile them.
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    advice = next(flag["utterance"] for flag in transcript.flags if flag["kind"] == "advice")
    note = "1 utterance flagged as advice was coded as something else (such as a reflection)"
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert transcript.utterances[advice]["code"] == "therapist_input"
    assert note not in _text(page)
    utterances = transcript.utterances
    utterances[advice] = {**utterances[advice], "code": "reflection", "subcode": "simple"}
    transcript.utterances = utterances
    transcript.save(update_fields=["utterances"])
    page = _text(http.get(f"/transcripts/{transcript.pk}/").content.decode())
    assert (
        f"{note}: therapist input, reflections per question and the quality estimate come " in page
    )
