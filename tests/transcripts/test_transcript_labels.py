"""Speaker labels: the display names platforms really show, and colons that stay speech.

All names are invented for these tests.
"""

from __future__ import annotations

import pytest

from rapport.transcripts.parsing import NotATranscriptError, guess_roles, parse_transcript


def _zoom_vtt(*lines: str) -> bytes:
    cues = [
        f"{i + 1}\n00:00:{i * 2:02d}.000 --> 00:00:{i * 2 + 1:02d}.500\n{line}\n"
        for i, line in enumerate(lines)
    ]
    return ("WEBVTT\n\n" + "\n".join(cues)).encode()


@pytest.mark.parametrize(
    "name",
    [
        "Jo Smith, LCSW",
        "Jo (she/her)",
        "Smith, Jo",
        "jane.doe@example.com",
        "Jo Smith | Clinic",
        "Jo 🙂",
        "Jo Smith-Jones, PhD (they/them)",
    ],
)
def test_a_display_name_with_punctuation_is_read_as_a_speaker(name: str) -> None:
    data = _zoom_vtt(
        f"{name}: How has the week been?",
        "Sam Lee: Hard, honestly.",
        f"{name}: What made it hard?",
        "Sam Lee: Work.",
    )
    t = parse_transcript(data, "zoom.vtt")
    assert t.speakers == (name, "Sam Lee")
    assert [turn.text for turn in t.turns] == [
        "How has the week been?",
        "Hard, honestly.",
        "What made it hard?",
        "Work.",
    ]


def test_a_credentialled_therapist_in_a_couples_session_keeps_their_own_turns() -> None:
    data = _zoom_vtt(
        "Alex Kay: We keep arguing about money.",
        "Jo Smith, LCSW: What happens when the argument starts?",
        "Sam Lee: He shouts.",
        "Jo Smith, LCSW: So it gets loud quickly.",
        "Alex Kay: Yes.",
    )
    t = parse_transcript(data, "zoom.vtt")
    assert t.speakers == ("Alex Kay", "Jo Smith, LCSW", "Sam Lee")
    assert t.turns[0].text == "We keep arguing about money."
    assert guess_roles(t)["Jo Smith, LCSW"] == "therapist"


def test_a_last_first_name_in_plain_text_is_a_speaker_not_one_speaker() -> None:
    t = parse_transcript(
        b"Smith, Jo: How are you?\nSam Lee: Fine.\nSmith, Jo: Good to hear.\nSam Lee: Yes.\n",
        "notes.txt",
    )
    assert t.speakers == ("Smith, Jo", "Sam Lee")


def test_a_header_line_with_a_last_first_name_and_a_time_is_a_speaker() -> None:
    t = parse_transcript(b"Smith, Jo   0:03\nHow are you?\n\nSam Lee   0:10\nFine.\n", "x.txt")
    assert t.speakers == ("Smith, Jo", "Sam Lee")
    assert t.turns[1].start == 10.0


@pytest.mark.parametrize(
    "line",
    [
        "Note: I said 3:30 too.",
        "she said: no way.",
        "Well, you know: it was hard.",
        "Yes, and then: we left.",
        "x > 5: that is what it showed.",
        "At 3:30: nothing.",
    ],
)
def test_a_colon_inside_speech_stays_text_with_the_wider_labels(line: str) -> None:
    data = (
        f"Therapist: What happened?\nClient: I was late.\nTherapist: And then?\n"
        f"Client: Hmm.\n{line}\nTherapist: I see.\n"
    ).encode()
    t = parse_transcript(data, "x.txt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[3].text == f"Hmm. {line}"


# --- invisible characters and the full-width colon ----------------------------------------


@pytest.mark.parametrize("mark", ["\u200f", "\u200e", "\u200b", "\u2068", "\ufeff"])
def test_an_invisible_formatting_character_around_a_name_does_not_hide_the_label(
    mark: str,
) -> None:
    data = (
        f"{mark}Therapist: How are you?\nClient{mark}: Fine.\n"
        f"Therapist:{mark} Good.\n{mark}Client{mark}: Yes.\n"
    ).encode()
    t = parse_transcript(data, "notes.txt")
    assert t.speakers == ("Therapist", "Client")
    assert [turn.text for turn in t.turns] == ["How are you?", "Fine.", "Good.", "Yes."]


@pytest.mark.parametrize("entity", ["&rlm;", "&lrm;", "&#x200F;", "&#8206;"])
def test_a_formatting_character_spelled_as_an_entity_in_a_cue_is_dropped_too(entity: str) -> None:
    data = (
        f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{entity}Therapist: How are you?\n\n"
        f"00:00:02.000 --> 00:00:03.000\nClient{entity}: Fine{entity}.\n"
    ).encode()
    t = parse_transcript(data, "session.vtt")
    assert t.speakers == ("Therapist", "Client")
    assert [turn.text for turn in t.turns] == ["How are you?", "Fine."]


def test_the_joiners_inside_words_and_emoji_are_kept() -> None:
    t = parse_transcript("Jo: hi 👩\u200d⚕️\nSam: می\u200cخواهم\n".encode(), "notes.txt")
    assert [turn.text for turn in t.turns] == ["hi 👩\u200d⚕️", "می\u200cخواهم"]


def test_a_full_width_colon_ends_a_label() -> None:
    t = parse_transcript(
        "治疗师：你好吗？\n来访者： 还好。\n治疗师：好的。\n".encode(), "notes.txt"
    )
    assert t.speakers == ("治疗师", "来访者")
    assert [turn.text for turn in t.turns] == ["你好吗？", "还好。", "好的。"]


def test_an_email_saved_as_text_is_not_a_transcript() -> None:
    data = (
        b"From: Jo Bloggs <jo@example.invalid>\nTo: Sam Smith <sam@example.invalid>\n"
        b"Subject: Session notes\nDate: Mon, 30 Nov 2026 09:12\n\n"
        b"Hi Sam,\nHere are the notes from today.\nBest, Jo\n"
    )
    with pytest.raises(NotATranscriptError, match="No speaker labels were found"):
        parse_transcript(data, "notes.txt")
