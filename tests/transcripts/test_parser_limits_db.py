"""The speaker and turn limits on the upload page, and the roles page's speaker samples
gathered in one pass (see test_parser_limits.py for the parser itself)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.transcripts.models import Transcript
from rapport.transcripts.selectors import speaker_samples


@pytest.fixture
def appointment(client_a):
    return client_a.episodes.get().appointments.order_by("starts_at").first()


def _upload(http, appointment, name: str, data: bytes):
    files = {"file": SimpleUploadedFile(name, data, content_type="text/plain")}
    return http.post(f"/appointments/{appointment.pk}/transcripts/new/", files)


@pytest.mark.django_db
def test_a_file_of_1500_speakers_is_refused_on_the_page_and_nothing_is_stored(
    login, therapist_a, appointment
):
    # Before: it was stored, and confirming its 1,500 roles failed with Django's bare
    # "Bad Request (400)" (too many fields), so it could never be analysed.
    data = "".join(f"Speaker {i}: hello there\n" for i in range(1500)).encode()

    response = _upload(login(therapist_a), appointment, "notes.txt", data)

    page = response.content.decode()
    assert "This file names 1,500 different speakers; a session transcript has a few" in page
    assert "at most 20 can be told apart here" in page
    assert Transcript.objects.count() == 0


@pytest.mark.django_db
def test_a_file_of_too_many_turns_is_refused_on_the_page(login, therapist_a, appointment):
    data = "".join(f"{'AB'[i % 2]}: x\n" for i in range(6000)).encode()

    response = _upload(login(therapist_a), appointment, "notes.txt", data)

    assert "This file has 6,000 turns (changes of speaker)" in response.content.decode()
    assert Transcript.objects.count() == 0


class _CountedReads(list):
    """A list of turns that counts the passes made over it."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def test_speaker_samples_gathers_each_speakers_lines_in_one_pass():
    # Transcripts stored before the speaker limit can have thousands of speakers. Before:
    # a pass over every turn for each speaker, seconds for a few thousand.
    # Counted, not timed (a wall-clock limit failed on a loaded CI host): the turns are
    # read once however many speakers there are.
    count = 20_000
    turns = _CountedReads([i, f"line {i} of four words", None, None] for i in range(count))
    content = {"speakers": [f"Speaker {i}" for i in range(count)], "turns": turns}
    samples = speaker_samples(content)
    assert turns.passes == 1
    assert (samples[7].name, samples[7].turns, samples[7].samples) == (
        "Speaker 7",
        1,
        ("line 7 of four words",),
    )


def test_speaker_samples_counts_and_picks_lines_as_before():
    content = {
        "speakers": ["Jo", "Robin", "Nobody"],
        "roles": {"Jo": "therapist", "Robin": "client"},
        "turns": [
            [0, "How has the week been?", None, None],
            [1, "Yeah.", None, None],
            [1, "Honestly pretty rough this week.", None, None],
            [0, "Tell me more.", None, None],
        ],
    }
    jo, robin, nobody = speaker_samples(content, per_speaker=1)
    assert (jo.role, jo.turns, jo.words, jo.samples) == (
        "therapist",
        2,
        8,
        ("How has the week been?",),
    )
    assert (robin.turns, robin.words, robin.samples) == (
        2,
        6,
        ("Honestly pretty rough this week.",),
    )
    assert (nobody.role, nobody.turns, nobody.words, nobody.samples) == ("client", 0, 0, ())
