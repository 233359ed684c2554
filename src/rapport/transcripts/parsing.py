"""Read session transcripts (WebVTT, SRT, plain text, CSV) into speaker turns.

Pure module: no Django import. Teletherapy platforms export captions as WebVTT (Zoom,
Microsoft Teams, Google Meet), people also keep SRT files, "Speaker: text" notes and
spreadsheets. Whatever the input, the result is the same: a :class:`Transcript` of
:class:`Turn` objects, where consecutive cues of one speaker are merged into one turn,
because the unit the rest of the pipeline (coding, metrics, flags) reasons about is a
speaking turn, not a caption line that a platform cut at 40 characters.

Cue parsing of WebVTT and SRT is left to webvtt-py, a maintained parser of both
formats; this module tidies what it would refuse or drop (blank lines before "WEBVTT", SRT
without indexes, timings without hours or milliseconds or with a comma in WebVTT, short
fractions of a second, mistyped arrows, blank lines inside a WebVTT cue), keeps with a note
the text of any cue it still drops (_unread_text), removes the cue tags, finds the speakers
(``<v Name>`` voice tags or a "Name:" prefix) and merges cues.

Every way an upload can be unusable is a :class:`TranscriptError` subclass with a
message written for the person who uploaded it (see ``docs/transcripts.md``)::

    TranscriptError
    ├── TranscriptTooLargeError   more than MAX_TRANSCRIPT_BYTES
    ├── TranscriptEncodingError   not UTF-8 (or UTF-16 with a byte-order mark) text
    ├── UnsupportedFormatError    a PDF, Word document, spreadsheet or other binary file
    ├── EmptyTranscriptError      nothing was said in it
    ├── NotATranscriptError       no speaker labels, so nobody can be told apart
    ├── SingleSpeakerError        only one speaker: a session needs two
    ├── TooManySpeakersError      more than MAX_SPEAKERS speakers: labels are misread
    ├── TooManyTurnsError         more than MAX_TURNS turns: too many to code in a request
    │   └── TooManyEntriesError   more than MAX_ENTRIES cues, lines or rows: too many to read
    ├── CsvColumnsError           a CSV without the needed columns, or with bad values
    ├── UnknownRoleError          a role other than therapist/client
    └── UnknownSpeakerError       a therapist override that names nobody in the file
"""

from __future__ import annotations

import codecs
import csv
import functools
import html
import io
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

__all__ = [
    "CLIENT",
    "FORMATS",
    "MAX_ENTRIES",
    "MAX_SPEAKERS",
    "MAX_TRANSCRIPT_BYTES",
    "MAX_TURNS",
    "ROLES",
    "CONVERSATION_COLUMNS",
    "ROLE_COLUMNS",
    "SPEAKER_COLUMNS",
    "TEXT_COLUMNS",
    "THERAPIST",
    "CSV_DELIMITERS",
    "CsvColumnsError",
    "CsvRow",
    "CsvTable",
    "EmptyTranscriptError",
    "NotATranscriptError",
    "SingleSpeakerError",
    "TooManyEntriesError",
    "TooManySpeakersError",
    "TooManyTurnsError",
    "Transcript",
    "TranscriptEncodingError",
    "TranscriptError",
    "TranscriptTooLargeError",
    "Turn",
    "UnknownRoleError",
    "UnknownSpeakerError",
    "UnsupportedFormatError",
    "csv_header_key",
    "csv_no_speaker_message",
    "find_csv_column",
    "guess_roles",
    "normalise_role",
    "parse_timestamp",
    "parse_transcript",
    "read_csv_table",
    "speaker_key",
    "transcript_from_rows",
]

THERAPIST = "therapist"
CLIENT = "client"
ROLES: tuple[str, ...] = (THERAPIST, CLIENT)
FORMATS: tuple[str, ...] = ("vtt", "srt", "txt", "csv")

# A two-hour session exported as WebVTT is about 150-300 kB; 5 MB leaves room for very
# long sessions and chatty caption splitting while refusing files that are clearly not
# one session (and would tie up a web worker).
MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024
# A session has a therapist and one client, or a few (couples, families, a small group of
# up to a dozen). Twenty is generous: more "speakers" means the labels were misread (every
# line starting with a different "Word:") or the file is not a session. Also what keeps the
# roles page usable: one role choice per speaker, and with about 1,000 of them Django
# refused the confirming request with a bare "Bad Request (400)" (too many fields).
MAX_SPEAKERS = 20
# A one-hour session has a few hundred turns, fast back-and-forth up to about 1,000; 5,000 is
# several hours of it. Every turn is coded in the request that confirms the roles, and the
# coder's target is 300 turns a second on 2 cores (docs/coder.md), so this keeps that
# request under about 20 s where 2 MB of one-word lines (300,000 turns) would have held it
# for a quarter of an hour. A longer recording is uploaded in parts, as for the size limit.
MAX_TURNS = 5_000
# Caption cues, lines of text or CSV rows read at most: turns are counted while reading, but
# one speaker's lines are one turn, so 2 MB of one-line cues of one speaker (52,000 cues)
# was all read to find a single speaker. A two-hour session captioned every two seconds is
# 3,600 cues, word-by-word captions of it (150 words a minute) 18,000; 25,000 keeps a
# 2 MB export cut into short cues (about 20,000) readable, at the cost of an ordinary
# session of that size.
MAX_ENTRIES = 25_000

# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


class TranscriptError(ValueError):
    """Base class: the input cannot be read as a session transcript.

    ``str(error)`` is a complete sentence meant for the person who uploaded the file.
    """


class TranscriptTooLargeError(TranscriptError):
    """The file is larger than :data:`MAX_TRANSCRIPT_BYTES`."""


class TranscriptEncodingError(TranscriptError):
    """The bytes are not UTF-8 text (nor UTF-16/UTF-8 with a byte-order mark)."""


class UnsupportedFormatError(TranscriptError):
    """The file is a known binary format (PDF, Word, Excel...), not a transcript export."""


class EmptyTranscriptError(TranscriptError):
    """The file holds no spoken text."""


class NotATranscriptError(TranscriptError):
    """Text without speaker labels: turns cannot be told apart."""


class SingleSpeakerError(TranscriptError):
    """Only one speaker was found; a session needs therapist and client."""


class TooManySpeakersError(TranscriptError):
    """More than :data:`MAX_SPEAKERS` speakers: not the few people of a session."""


class TooManyTurnsError(TranscriptError):
    """More than :data:`MAX_TURNS` turns: more than one request can code."""


class TooManyEntriesError(TooManyTurnsError):
    """More than :data:`MAX_ENTRIES` caption cues, lines of text or CSV rows: more than one
    request should read (refused before reading them all)."""


class CsvColumnsError(TranscriptError):
    """A CSV lacks the needed columns, or holds a value that cannot be read."""


class UnknownRoleError(TranscriptError):
    """A role value other than therapist or client."""


class UnknownSpeakerError(TranscriptError):
    """The therapist named by the user is not one of the transcript's speakers."""


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One speaking turn: consecutive cues or lines of the same speaker, merged.

    ``start``/``end`` are seconds from the start of the recording, ``None`` when the
    source has no timing (plain text, CSV without times).
    """

    index: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript.

    ``speakers`` are in order of first appearance. ``format`` is one of :data:`FORMATS`.
    ``notes`` say what was skipped or assumed while reading (shown to the user).
    """

    turns: tuple[Turn, ...]
    speakers: tuple[str, ...]
    format: str
    notes: tuple[str, ...] = ()
    #: (speaker, "therapist" or "client") as the file itself says: a CSV with a role column
    #: beside its speaker column. guess_roles takes them over guessing.
    stated_roles: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Segment:
    """A piece of text before merging: a cue line, a text line or a CSV row.

    ``text`` is empty for a plain-text line that only names the speaker of the lines after
    it ("Name:", "[Name]", an Otter or Rev header): it is one use of that label, which
    _keep_frequent_labels counts, and it makes that speaker the current one (_merge).
    """

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None
    inherited: bool = False  # speaker carried over from an earlier label line
    # Speaker from a WebVTT voice tag, a CSV speaker column or an Otter/Rev header line, not
    # a "Name:" prefix: such a name is never second-guessed as speech (_keep_frequent_labels).
    tagged: bool = False
    continuation: bool = False  # "Name:" at the start of a cue's second or later line
    bracketed: bool = False  # the label was written "[Name]", not "Name:"
    role: str | None = None  # "therapist"/"client" from a CSV role column beside the speaker


# ---------------------------------------------------------------------------------------
# Decoding and format detection
# ---------------------------------------------------------------------------------------

# Magic numbers of files people upload by mistake instead of the transcript export.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a Word, Excel or other zipped document"),
    (b"\xd0\xcf\x11\xe0", "an old-style Word or Excel document"),
    (b"{\\rtf", "a rich-text (RTF) document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"ID3", "an audio file"),
    (b"RIFF", "an audio or video file"),
    (b"\x1aE\xdf\xa3", "a video file"),
)
_EXPORT_HINT = (
    "Export the transcript from your video platform as WebVTT (.vtt) or SubRip (.srt), "
    "or save it as plain text (.txt) or CSV (.csv)."
)


def _check_binary(data: bytes) -> None:
    head = data[:8]
    for magic, what in _BINARY_SIGNATURES:
        if head.startswith(magic):
            raise UnsupportedFormatError(
                f"This file looks like {what}, not a transcript. {_EXPORT_HINT}"
            )
    # MP4/MOV have their signature at offset 4.
    if data[4:8] == b"ftyp":
        raise UnsupportedFormatError(
            f"This file looks like an audio or video recording, not a transcript. {_EXPORT_HINT}"
        )


def _decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with a BOM, the encodings exports use.

    Windows tools (Notepad, Excel "Unicode text") write UTF-16 with a byte-order mark;
    guessing other legacy encodings would silently garble names and words, so anything
    else is refused with a message saying how to fix it.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # fall through to the common message
    else:
        try:
            return data.decode("utf-8-sig")  # also plain UTF-8
        except UnicodeDecodeError:
            pass
    raise TranscriptEncodingError(
        "This file is not UTF-8 text, so it cannot be read. Open it in a text editor and "
        "save it with the UTF-8 encoding, or export it again from your video platform "
        "(their exports are UTF-8)."
    )


# A cue timing line as tools and people write it, in SRT and WebVTT alike: the hours or
# the milliseconds may be missing and a comma or a dot may stand before the milliseconds
# ("00:01,000 --> 00:04,000", "00:00:01 --> 00:00:04"). webvtt-py reads only the strict
# forms, so _repaired_timing rewrites such lines before handing the text over. Anything
# after the end time (WebVTT cue settings such as "align:start") is kept as it is.
_CUE_TIME = re.compile(
    r"(?:(?P<hours>\d+):)?(?P<minutes>\d{1,2}):(?P<seconds>\d{1,2})(?:[.,](?P<fraction>\d+))?"
)
_LOOSE_TIME = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d+)?"
_SPACE = r"[^\S\n]"  # any space (a word processor's no-break space too), within one line
# Hyphen, the Unicode hyphens and dashes (a word processor turns "--" into "–" or "—"), the
# minus sign and the small and full-width hyphen-minus.
_DASH = r"[-\u2010-\u2015\u2212\ufe63\uff0d]"
# The arrow between the two times, also as people mistype it: "->", "--->", "- ->", "-- >",
# "–>", "—>", "=>", full-width forms, or the "→" and "⇒" Word's AutoCorrect makes of "-->"
# and "==>". webvtt-py drops a cue whose arrow is not "-->", with all its speech.
# Recognised only between two cue times (both sides of _CUE_TIMING), where nothing else
# can be meant.
_ARROW = rf"(?:(?:{_DASH}|=){_SPACE}*)+[>\uff1e]|[\u2192\u27f6\u21d2]"
_CUE_TIMING = re.compile(
    rf"^{_SPACE}*(?P<start>{_LOOSE_TIME}){_SPACE}*(?:{_ARROW}){_SPACE}*(?P<end>{_LOOSE_TIME})"
    rf"(?P<settings>(?:{_SPACE}.*)?)$",
    re.MULTILINE,
)
# A timing line whose arrow lost its ">" ("00:00:01.000 - 00:00:04.000", "... — ..."). A
# dash between two times can be speech ("9:00 - 17:00"), so both must be full cue times,
# with hours or a fraction of a second, as no one says them.
_FULL_TIME = r"\d+:\d{1,2}:\d{1,2}(?:[.,]\d+)?|\d{1,2}:\d{1,2}[.,]\d+"
_DASHED_TIMING = re.compile(
    rf"^{_SPACE}*(?P<start>{_FULL_TIME}){_SPACE}*{_DASH}+{_SPACE}*(?P<end>{_FULL_TIME})"
    rf"(?P<settings>(?:{_SPACE}.*)?)$"
)
# A cue timing line that cannot be repaired: a time-like start, an arrow and a time-like
# end ("00:00:O3.500 --> 00:00:05.000", "00:00:75.000 -> 00:00:80.000"). It is still the
# timing of a cue, not speech (see _repaired_timing); "2 -> 3 apples" is speech. The start
# is bounded so that a long line of digits and dashes is scanned in linear time. A sign
# before the start ("-00:00:01,000 --> ...", a negative offset some editors write) does
# not make it speech: read as such, a first cue was taken for a title and dropped.
_BROKEN_TIMING = re.compile(
    rf"^{_SPACE}*[-+\u2212]?\d{{1,3}}:\S{{0,12}}?{_SPACE}*(?P<arrow>{_ARROW}){_SPACE}*"
    r"\d{1,3}:",
    re.MULTILINE,
)
# For telling captions from plain text: a timing line whose start has hours or milliseconds,
# which a time range written in notes ("10:00 --> 10:50") does not.
# The spaces before the time stay on its line: a "\s*" there ran from every line start
# over all the blank lines after it, a time growing with the square of their number (0.4 s
# for the 4 kB this is searched in, from a file of blank lines).
_SRT_TIMING = re.compile(
    rf"^{_SPACE}*(?:\d+:\d{{1,2}}:\d{{1,2}}(?:[,.]\d+)?|\d{{1,2}}:\d{{1,2}}[,.]\d+)\s*(?:{_ARROW})\s*\d",
    re.MULTILINE,
)


_JOINERS = frozenset("\u200c\u200d")


def _without_format_characters(text: str) -> str:
    """``text`` without invisible formatting characters (Unicode category Cf).

    Exports put direction marks (U+200F), zero-width spaces and stray byte-order marks
    before names, where they made "Therapist:" unrecognisable. The zero-width (non-)joiners
    stay: they are part of words in Persian and Indic scripts, and of emoji. Only the
    characters the text holds are looked up: a table of every code point took half a
    second to build in each new process.
    """
    table = {ord(c): None for c in set(text) if _is_format_character(c)}
    return text.translate(table) if table else text


@functools.cache
def _is_format_character(char: str) -> bool:
    return char not in _JOINERS and unicodedata.category(char) == "Cf"


def _detect_format(text: str, filename: str) -> str:
    """Pick the format from the content first, the file extension second.

    Content wins because files get renamed (a Teams ``.vtt`` saved as ``.txt``).
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if stripped.startswith("WEBVTT"):
        return "vtt"
    head = text[:4096]
    if _SRT_TIMING.search(head) or (
        suffix == "srt" and (_CUE_TIMING.search(head) or _BROKEN_TIMING.search(head))
    ):
        # Cue timings without a WEBVTT header: SRT (or a headerless VTT, read alike). A
        # .srt file whose timings cannot be read is refused as such (_read_captions),
        # rather than read as text with the timing lines in the speech.
        return "srt"
    if suffix == "csv" or (suffix not in {"txt", "text", "vtt", "srt"} and _looks_like_csv(text)):
        return "csv"
    if suffix in {"txt", "text"} and _looks_like_csv(text, delimiters=("\t",)):
        # Excel's "Unicode text" is a tab-separated table saved as .txt; a plain-text
        # transcript never starts with a tab-separated speaker/text header.
        return "csv"
    return "txt"


def _looks_like_csv(text: str, delimiters: Sequence[str] = (",", ";", "\t")) -> bool:
    """Whether the first line is a CSV header naming a speaker/role and a text column."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    for delimiter in delimiters:
        columns = {csv_header_key(name) for name in _split_header(first, delimiter)}
        if columns & set(TEXT_COLUMNS) and columns & set(_SPEAKER_COLUMNS):
            return True
    return False


# ---------------------------------------------------------------------------------------
# Speaker labels
# ---------------------------------------------------------------------------------------

# "Name: text". The candidate label is whatever comes before the first colon that is
# followed by a space (so "3:30" never splits a line); _is_plausible_name then decides
# whether it reads as a name. Names are wider than words: platforms show "Jo Smith,
# LCSW", "Smith, Jo", "Jo (she/her)", "jane.doe@example.com", "Jo Smith | Clinic" or an
# emoji, and refusing those made a therapist's words disappear into the client's turns.
# The full-width colon of Chinese and Japanese text needs no space after it.
# The label ends on a non-space and the spaces are possessive ("*+"), so a long run of
# spaces is scanned once, not once per candidate label length.
_LABEL = re.compile(r"^\s*+(?P<label>[^:：\n]{0,79}?[^:：\s])\s*+(?::(?:\s+|$)|：\s*)(?P<text>.*)$")
_MAX_LABEL_WORDS = 5
_MAX_LABEL_CHARS = 60
# Punctuation seen in display names (initials, hyphens, apostrophes, "Last, First",
# emails, "Name | Organisation", "Call-in User_1", "Tom & Jo", phone numbers).
_NAME_PUNCTUATION = frozenset(" .'’-_,@|&+")
# A short parenthetical after or inside a name: a role, pronouns, a credential.
_PARENTHETICAL = re.compile(r"\([^()]{1,30}\)")
# A leading timestamp on a text line: "[00:01:02] Name: text", "00:01 Name: text".
_LEADING_TIME = re.compile(
    r"^\s*(?P<bracket>\[)?(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)"
    r"(?(bracket)\])\s+"
)
# A line that is only a timestamp (Google Meet transcripts, some note formats).
_TIME_ONLY = re.compile(r"^\s*\[?(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]?\s*$")
# "Speaker 1  0:03" header lines followed by the speech (Otter.ai-style exports).
# The label must pass _is_plausible_name, like a "Name:" label.
_HEADER_WITH_TIME = re.compile(
    r"^\s*+(?P<label>[^:\n]{0,79}?[^:\s])\s{2,}+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s*$"
)
# Rev.com exports: "Speaker 1 (00:03):" or "Jo Ames (01:02:03):" on a line of its own, the
# speech on the lines after it (rarely after the colon). The label must pass
# _is_plausible_name, like a "Name:" label; the time is when the turn starts.
_REV_HEADER = re.compile(
    r"^\s*+(?P<label>[^:\n]{0,79}?[^:\s])\s*+"
    r"\(\s*+(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\s*+\)\s*+:\s*+(?P<text>.*)$"
)
# "[Name] text", "[Name]: text", or "[Name]" alone naming the speaker of the lines after it.
_BRACKET_LABEL = re.compile(r"^\s*+\[(?P<label>[^\[\]\n]{1,80})\]:?(?P<text>.*)$")
# The time after a "[Name]" label in Zoom's saved captions ("[Ana Lee] 14:03:22", the speech
# on the next line): a time of day with seconds, so not speech ("[Sam] 7:30 suits me" is).
_TIME_AFTER_BRACKET_LABEL = re.compile(
    r"^(?P<time>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)(?:\s+(?P<text>.*))?$"
)
# Transcribers put sounds and events in square brackets too ("[laughs]", "[inaudible]",
# "[long pause]"): a bracket holding one of these words is part of the speech, not a
# speaker. Rarer ones that get through ("[Phone rings]") are one-off labels that read like
# speech, which _keep_frequent_labels turns back into text.
_BRACKET_ANNOTATIONS = frozenset(
    {
        "applause",
        "background",
        "beep",
        "blank_audio",
        "chuckle",
        "chuckles",
        "chuckling",
        "cough",
        "coughing",
        "coughs",
        "cries",
        "crosstalk",
        "crying",
        "giggles",
        "inaudible",
        "indiscernible",
        "laugh",
        "laughing",
        "laughs",
        "laughter",
        "music",
        "noise",
        "overlapping",
        "overtalk",
        "pause",
        "pauses",
        "redacted",
        "sigh",
        "sighing",
        "sighs",
        "silence",
        "sniffles",
        "sniffs",
        "sobbing",
        "sobs",
        "tearful",
        "unclear",
        "unintelligible",
    }
)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_timestamp(value: str | float | int | None) -> float | None:
    """Seconds from ``"01:02:03.5"``, ``"02:03"``, ``"12.5"`` or a number; ``None`` if blank.

    Raises ``ValueError`` for anything else.
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif not value.strip():
        return None
    else:
        seconds = _seconds_from_text(value)
    # Negative, NaN or infinite ("inf", "1e999"): no place in a recording, and an
    # infinite start would poison every duration computed from it.
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"not a time: {value!r}")
    return float(seconds)


def _seconds_from_text(value: str) -> float:
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        match = _CLOCK.match(text)
        if not match:
            raise ValueError(f"not a time: {value!r}") from None
    hours, minutes, secs, frac = match.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
    return seconds + (int(frac) / 10 ** len(frac) if frac else 0)


def _split_label(line: str) -> tuple[str | None, str]:
    """``("Name", "text")`` for a "Name: text" line, else ``(None, line)``."""
    match = _LABEL.match(line)
    if not match:
        return None, line.strip()
    label = _clean_name(match.group("label"))
    if not _is_plausible_name(label) or label.lower() in _NOT_LABELS:
        return None, line.strip()
    return label, match.group("text").strip()


def _split_text_label(line: str) -> tuple[str | None, str, bool]:
    """``(name, text, bracketed)`` for a plain-text line labelled "[Name] text" or
    "Name: text", else ``(None, line, False)``."""
    match = _BRACKET_LABEL.match(line)
    if match:
        label = _clean_name(match.group("label"))
        if _is_plausible_name(label) and not _is_bracket_annotation(label):
            return label, match.group("text").strip(), True
    speaker, text = _split_label(line)
    return speaker, text, False


def _is_bracket_annotation(label: str) -> bool:
    """Whether "[label]" is a transcriber's note of a sound or event (_BRACKET_ANNOTATIONS)."""
    words = (word.strip(".,!?").casefold() for word in label.split())
    return label.casefold() in _NOT_LABELS or any(w in _BRACKET_ANNOTATIONS for w in words)


# Cached: a transcript repeats its few labels on every line, and this check was a third of
# the time of reading a file of short lines. Bounded, because a file can hold a different
# candidate label on each line.
@functools.lru_cache(maxsize=4096)
def _is_plausible_name(label: str) -> bool:
    """Whether a candidate label reads as a display name rather than a sentence or a time.

    It starts with a letter (or "+" and a digit: a dial-in phone number), is short, holds
    only letters, digits, marks, emoji and the punctuation of names, and has at most
    _MAX_LABEL_WORDS words outside its parentheticals. Speech that still passes ("Yes,
    and then: ...") is caught by the frequency rule in _keep_frequent_labels.
    """
    if not label or len(label) > _MAX_LABEL_CHARS:
        return False
    if not (label[0].isalpha() or (label[0] == "+" and label[1:2].isdigit())):
        return False
    outside = _PARENTHETICAL.sub(" ", label)
    if "(" in outside or ")" in outside:
        return False
    words = [w for w in outside.split() if any(c.isalnum() for c in w)]
    if len(words) > _MAX_LABEL_WORDS:
        return False
    # Inside parentheses a slash is fine too: pronouns, "(she/her)".
    inside = "".join(m.group()[1:-1] for m in _PARENTHETICAL.finditer(label))
    return all(map(_is_name_char, outside + inside.replace("/", "")))


def _is_name_char(char: str) -> bool:
    # Letters, marks and digits of any script, and emoji (So) with their skin tones (Sk);
    # not maths or currency symbols, which put "x > 5: ..." closer to speech than to names.
    category = unicodedata.category(char)
    return char in _NAME_PUNCTUATION or category[0] in "LMN" or category in ("So", "Sk")


# Words that precede a colon in speech but are not speakers ("Note: ...", "Example: ..."),
# and an email's header fields: an email saved as text is not a transcript between
# "From" and "To".
_NOT_LABELS = frozenset(
    {"note", "notes", "example", "e.g", "i.e", "ps", "p.s", "nb", "n.b", "http", "https"}
    | {"from", "to", "cc", "bcc", "subject", "sent", "date", "reply-to", "re", "fw", "fwd"}
)


def _clean_name(name: str) -> str:
    return " ".join(name.replace("\u00a0", " ").split()).strip(" -")


def speaker_key(name: str) -> str:
    """How a speaker name is matched across a transcript (and in :func:`guess_roles`'s
    result): spacing, surrounding dashes and case do not matter. Empty for no name."""
    return _clean_name(name).casefold()


# First words of speech that, before a colon, make a "label" read as a sentence.
_SENTENCE_STARTERS = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "so",
        "and",
        "but",
        "the",
        "a",
        "an",
        "what",
        "my",
        "well",
        "then",
        "it",
        "it's",
        "that",
        "this",
        "you",
        "we",
        "they",
        "he",
        "she",
        "there",
        "here",
        "because",
        "if",
        "when",
        "like",
        "just",
        "anyway",
        "yes",
        "no",
        "okay",
        "ok",
        "yeah",
        "oh",
        "um",
        "honestly",
        "actually",
        "dear",
    ]
)


def _looks_like_speech(label: str) -> bool:
    words = label.split()
    first = words[0].strip(",.").lower()  # "Well, ..." starts like "Well ..."
    return first in _SENTENCE_STARTERS or any(w[:1].islower() for w in words[1:])


def _keep_frequent_labels(segments: list[_Segment]) -> list[_Segment]:
    """Turn a one-off "Name:" label that reads like speech back into text.

    In a real transcript speaker labels repeat; a label seen once, while at least two
    others recur, that starts like a sentence ("So the thing is: ...") is a colon inside
    speech. A label alone on its line counts like one with text after it, and so does an
    Otter or Rev header line (its segment holds the speech after the colon, or nothing).
    Voice tags, CSV speakers and header lines are never second-guessed.
    """
    counts = Counter(s.speaker.casefold() for s in segments if s.speaker and not s.inherited)
    if sum(1 for c in counts.values() if c >= 2) < 2:
        return segments
    demoted = {
        s.speaker.casefold()
        for s in segments
        if s.speaker
        and not s.tagged
        and counts[s.speaker.casefold()] == 1
        and _looks_like_speech(s.speaker)
    }
    return _read_back_as_speech(segments, demoted)


def _read_back_as_speech(segments: list[_Segment], labels: set[str]) -> list[_Segment]:
    """``segments`` with the (casefolded) ``labels`` turned back into the text they were
    written as; the lines such a label named (``inherited``) go to the speaker before it."""
    out: list[_Segment] = []
    for seg in segments:
        if not seg.speaker or seg.speaker.casefold() not in labels:
            out.append(seg)
        elif seg.inherited:
            out.append(_Segment(None, seg.text, seg.start, seg.end))
        else:
            out.append(_Segment(None, _as_written(seg), seg.start, seg.end))
    return out


def _as_written(seg: _Segment) -> str:
    """A labelled segment's label and text as the line had them, for a label read back as
    speech: "[Phone rings] Sorry." stays in brackets rather than becoming "Phone rings:"."""
    label = f"[{seg.speaker}]" if seg.bracketed else f"{seg.speaker}:"
    return f"{label} {seg.text}" if seg.text else label


def _demote_one_off_continuation_labels(segments: list[_Segment]) -> list[_Segment]:
    """Turn a "Word:" that starts a later line of a cue back into text, unless that name
    speaks elsewhere in the file.

    Captions wrap speech over lines, so "and the doctor told me / Warning: it could get
    worse." is one speaker; a second speaker inside one cue ("- Jo: ... / - Sam: ...") is
    someone who also speaks in other cues. The lines a "Word:" alone on its line named
    (``inherited``) go back to the speaker before it, with it.
    """
    counts = Counter(
        seg.speaker.casefold() for seg in segments if seg.speaker and not seg.inherited
    )
    one_off = {
        seg.speaker.casefold()
        for seg in segments
        if seg.continuation and seg.speaker and counts[seg.speaker.casefold()] == 1
    }
    return _read_back_as_speech(segments, one_off)


# ---------------------------------------------------------------------------------------
# Reading budget: a file that will be refused for its size in turns, speakers or entries is
# refused as soon as that is certain, not after all of it was read (2 MB of one-word lines
# took 10-20 s of a web worker to be refused)
# ---------------------------------------------------------------------------------------


class _ReadingBudget:
    """Counts what a reader has read so far and refuses the file once it certainly breaks a
    limit: more caption cues, lines or rows than ``max_entries`` (:meth:`entries`), or more
    than twice ``max_turns`` turns (:meth:`segment`). Reading costs about the same for every
    line (20-70 microseconds), so 2 MB of one-word turns (350,000 of them) held a request for
    10-20 s only to be refused at the end. The margin (the limit again) keeps the count in
    the message exact for a file up to twice the limit: it is read to the end as before.

    Turns are counted as _merge will make them, less what _build may still undo: a label
    used once (so far) that reads like speech, or starts a later line of a cue, may be read
    back as speech (_keep_frequent_labels, _demote_one_off_continuation_labels), which joins
    its lines to the turn before and can remove two turn changes; such labels count against
    the turns read. What is left is a number of turns the finished transcript has at least,
    so no file is refused here that reading all of it would have let through. When it stops
    there, a file whose certain speakers (labels used twice, or never to be read back) are
    already more than ``max_speakers`` is refused for that, as reading all of it would
    have; the messages say "more than", the count being unknown.
    """

    def __init__(self, *, max_entries: int, max_turns: int, max_speakers: int, unit: str):
        self.max_entries = max_entries
        self.max_turns = max_turns
        self.max_speakers = max_speakers
        self.stop_after = 2 * max_turns
        self.unit = unit
        self.entries_read = 0
        self.turns = 0
        self._named: str | None = None  # the last speaker named, casefolded (as in _merge)
        self._turn_of: str | None = None  # the speaker of the last text, casefolded
        self._uses: Counter[str] = Counter()  # label uses, not counting inherited lines
        self._may_be_speech: set[str] = set()  # labels that could be read back as speech
        self._maybe_read_back: set[str] = set()  # of those, the ones used once so far
        self._with_text: set[str] = set()

    def entries(self, count: int) -> None:
        self.entries_read += count
        if self.entries_read > self.max_entries:
            raise TooManyEntriesError(_too_many_entries_message(self.unit, self.max_entries))

    def segment(self, seg: _Segment) -> None:
        if seg.speaker is not None:
            key = self._named = seg.speaker.casefold()
            if not seg.inherited:
                self._uses[key] += 1
            if self._uses[key] > 1:
                self._maybe_read_back.discard(key)
            else:
                # Tagged or not: a tagged label's later, untagged lines may not be read yet.
                if seg.continuation or (seg.speaker.strip() and _looks_like_speech(seg.speaker)):
                    self._may_be_speech.add(key)
                if key in self._may_be_speech:
                    self._maybe_read_back.add(key)
        if not seg.text or self._named is None:
            return
        self._with_text.add(self._named)
        if self._named != self._turn_of:
            self._turn_of = self._named
            self.turns += 1
            if self.turns - 2 * len(self._maybe_read_back) > self.stop_after:
                self._refuse()

    def _refuse(self) -> None:
        speakers = len(self._with_text - self._maybe_read_back)
        if speakers > self.max_speakers:
            raise TooManySpeakersError(
                _too_many_speakers_message(f"more than {speakers - 1:,}", self.max_speakers)
            )
        # The speakers of the rest are unknown, and reading all of it would have refused a
        # file with more than max_speakers of them for that first: say so, with what was
        # found, rather than leave "too many turns" as the only thing to fix.
        raise TooManyTurnsError(
            _too_many_turns_message(f"more than {self.stop_after:,}", self.max_turns)
            # At least 2 found: turns between a certain speaker and labels that may be
            # read back as speech do not count towards the stop.
            + f" Reading stopped there, with {speakers:,} speakers found so far; speakers "
            f"named later in the file were not counted, and at most {self.max_speakers:,} "
            "can be told apart in one file."
        )


class _BudgetedSegments(list[_Segment]):
    """A reader's list of segments that counts each one added against a budget."""

    def __init__(self, budget: _ReadingBudget | None) -> None:
        super().__init__()
        self._budget = budget

    def append(self, seg: _Segment, /) -> None:
        super().append(seg)
        if self._budget is not None:
            self._budget.segment(seg)


# ---------------------------------------------------------------------------------------
# Format readers: each returns segments in order (the caption reader also notes what it
# could read only without a time)
# ---------------------------------------------------------------------------------------


def _caption_segments(
    captions: Sequence[webvtt.Caption],
    unread: Sequence[_UnreadText],
    budget: _ReadingBudget | None = None,
) -> list[_Segment]:
    """Segments from WebVTT/SRT captions, one per speaker within a cue.

    A cue line either opens with a voice tag (``<v Jane Doe>`` in Teams exports, read
    with _VOICE_SPAN, webvtt-py's voice pattern made linear) or with a "Name:" prefix
    (Zoom, Meet). A line with neither continues the previous speaker. The text no caption
    holds (_unread_text) is read like a cue of its own, in its place and without a time: an
    untimed turn leaves the time-based metrics unknown rather than wrong.
    """
    untimed: dict[int, list[_UnreadText]] = {}
    for piece in unread:
        untimed.setdefault(piece.after, []).append(piece)
    segments: list[_Segment] = []
    for count, caption in enumerate([*captions, None]):
        for piece in untimed.get(count, ()):
            segments.extend(_cue_segments(piece.lines, None, None, budget))
        if caption is not None:
            start = caption.start_time.in_milliseconds() / 1000
            end = caption.end_time.in_milliseconds() / 1000
            named = _cue_id_speaker(caption.identifier)
            segments.extend(_cue_segments(caption.lines, start, end, budget, named=named))
    return segments


# Webex names the speaker in the cue identifier, not in the text: '12 "Ana Lee" (2785654528)'
# (cue number, display name, participant id).
_WEBEX_CUE_ID = re.compile(r'^\d+\s+"(?P<name>[^"\n]{1,80})"(?:\s+\(\d+\))?$')


def _cue_id_speaker(identifier: str | None) -> str | None:
    match = _WEBEX_CUE_ID.match((identifier or "").strip())
    if not match:
        return None
    name = _clean_name(match.group("name"))
    return name if _is_plausible_name(name) else None


def _cue_segments(
    lines: Sequence[str],
    start: float | None,
    end: float | None,
    budget: _ReadingBudget | None = None,
    *,
    named: str | None = None,
) -> list[_Segment]:
    """The segments of one cue's raw lines.

    ``named`` is the speaker the cue's identifier names (Webex): the whole cue is theirs,
    like an open ``<v Name>`` span, less a "Name:" prefix repeating their name.

    Inside a ``<v Name>`` span that is still open, the next lines are Name's, whatever
    they start with ("Mum: you never listen" is the client quoting her mother). A line
    that is only a label ("Therapist:") names the speaker of the lines after it; it is
    kept as a segment without text, so that the label is counted and, if read back as
    speech, keeps its words. A label on a later line (without a dialogue dash) is marked
    ``continuation`` so that a one-off "Warning: ..." can be read back as speech
    (_demote_one_off_continuation_labels).
    """
    segments = _BudgetedSegments(budget)
    open_voice: str | None = named  # a <v Name> span not closed yet
    bare_label: str | None = None  # the name on a "Name:" line with nothing after it
    for number, raw_line in enumerate(lines):
        for voice, piece in _voice_pieces(raw_line):
            text = _cue_text(piece)
            tagged = voice is not None or open_voice is not None
            inherited = continuation = False
            if voice is None and open_voice is not None:
                voice = open_voice
                label, rest = _split_label(text) if named is not None else (None, text)
                if label is not None and named is not None and label.casefold() == named.casefold():
                    text = rest  # Webex's cue text may repeat the name its identifier gives
            elif voice is None:
                # Subtitle convention: a dash opens the line of a new speaker in a cue.
                dialogue_dash = text.startswith(("-", "–"))
                voice, text = _split_label(text)
                continuation = voice is not None and number > 0 and not dialogue_dash
                if voice is not None and not text:
                    bare_label = voice
                    segments.append(_Segment(voice, "", start, end, continuation=continuation))
                    continue
                if voice is None and bare_label is not None:
                    voice, inherited = bare_label, True
            if text:
                segments.append(_Segment(voice, text, start, end, inherited, tagged, continuation))
        open_voice = _voice_open_after(raw_line, open_voice)
    return segments


def _cue_text(piece: str) -> str:
    # An entity can spell an invisible mark ("&rlm;"): drop it like a raw one.
    text = _without_format_characters(html.unescape(_strip_cue_tags(piece)))
    return text.strip()


# A voice tag, "<v Jane Doe>" or "<v.loud Jo>": webvtt-py's Caption.VOICE_SPAN_PATTERN,
# except that the name cannot hold a "<". webvtt-py's "[^>]*" ran from every "<v " to the
# end of a line without a ">", so a line of "<v A<v A<v A..." took time growing with the
# square of its length (34 s for 64 kB, hours for an upload of 2 MB); a name stopping at
# the next "<" is scanned once. _CUE_TAG does not take a "<" inside a tag either.
_VOICE_SPAN = re.compile(r"<v(?:\.\w+)*\s+([^<>\s][^<>]*)>")


def _voice_open_after(raw_line: str, open_voice: str | None) -> str | None:
    """The voice whose span is still open at the end of ``raw_line`` (spans left open run
    to the end of the cue, as in the WebVTT spec), given the one open before it."""
    matches = list(_VOICE_SPAN.finditer(raw_line))
    closed_at = raw_line.rfind("</v>")
    if matches and matches[-1].start() > closed_at:
        return _clean_name(html.unescape(matches[-1].group(1)))
    return None if closed_at >= 0 else open_voice


def _voice_pieces(raw_line: str) -> list[tuple[str | None, str]]:
    """Split a raw cue line at its ``<v Name>`` voice spans (there may be several)."""
    matches = list(_VOICE_SPAN.finditer(raw_line))
    if not matches:
        return [(None, raw_line)]
    pieces: list[tuple[str | None, str]] = []
    if raw_line[: matches[0].start()].strip():
        pieces.append((None, raw_line[: matches[0].start()]))
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(raw_line)
        name = _clean_name(html.unescape(match.group(1)))  # "<v Tom &amp; Jo>"
        pieces.append((name, raw_line[match.end() : stop]))
    return pieces


# The cue tags of WebVTT (and the <font> of SRT): "<i>", "</c>", "<c.yellow>",
# "<v.loud Jo>", "<lang en>", "<00:00:02.000>". Only these are removed, because captions
# also hold a "<" or ">" that people said ("is it <5 or >5?"), which webvtt-py's
# "anything in angle brackets" rule deleted.
_CUE_TAG = re.compile(
    r"<(?:/?(?:[biu]|c|v|lang|ruby|rt|font|span)(?:[.\s][^<>]*)?|\d+:\d{2}(?::\d{2})?[.,]\d{1,3})>",
    re.IGNORECASE,
)


def _strip_cue_tags(line: str) -> str:
    return _CUE_TAG.sub("", line)


def _repaired_timing(line: str, fmt: str) -> str | None:
    """``line`` rewritten as a cue timing line webvtt-py reads, or ``None`` if it is not a
    timing line (see _CUE_TIMING).

    A timing line that cannot be repaired (_BROKEN_TIMING) gets the standard arrow only, so
    that webvtt-py takes it for the cue timing it is and leaves that cue out, rather than
    reading the line as speech of the cue before; _unread_text then keeps the cue's text.
    """
    if not _may_be_timing(line):
        return None
    match = _CUE_TIMING.match(line) or _DASHED_TIMING.match(line)
    if match is not None:
        start, end = (_repaired_time(match.group(name), fmt) for name in ("start", "end"))
        return f"{start} --> {end}{match.group('settings')}"
    broken = _BROKEN_TIMING.match(line)
    if broken is None:
        return None
    before, after = line[: broken.start("arrow")], line[broken.end("arrow") :]
    return f"{before.strip()} --> {after.strip()}"


def _is_timing_line(line: str) -> bool:
    """Whether ``line`` is a cue timing line, readable or not (see _repaired_timing)."""
    return _may_be_timing(line) and any(
        p.match(line) for p in (_CUE_TIMING, _DASHED_TIMING, _BROKEN_TIMING)
    )


def _may_be_timing(line: str) -> bool:
    # Every timing pattern starts with a digit: a cheap test that spares the three
    # patterns most lines of a large file (its speech); or, for _BROKEN_TIMING, a sign
    # and a digit.
    start = line.lstrip()[:2]
    return start[:1].isdigit() or (start[:1] in "-+\u2212" and start[1:].isdigit())


def _repaired_time(value: str, fmt: str) -> str:
    """A cue time with hours and milliseconds, and the separator webvtt-py expects.

    Missing hours are zero ("00:01,000" is one second: cue times always end in seconds).
    The digits after the separator are a decimal fraction of a second, as WebVTT and
    parse_timestamp read them, so they are written as milliseconds: padded on the right
    ("3,5" and "3,50" are 3.5 seconds, where webvtt-py's SRT reader read 3.005 and 3.050)
    and cut after the third digit ("3,5001" is 3.5 seconds, where webvtt-py refused the
    WebVTT cue and read 8.001 seconds in SRT). Missing milliseconds are zero.
    """
    match = _CUE_TIME.fullmatch(value)
    assert match is not None  # value was matched by _LOOSE_TIME
    hours, minutes, seconds, fraction = match.group("hours", "minutes", "seconds", "fraction")
    separator = "," if fmt == "srt" else "."  # WebVTT allows only the dot
    milliseconds = (fraction or "").ljust(3, "0")[:3]
    return f"{hours or '00'}:{minutes}:{seconds}{separator}{milliseconds}"


def _normalise_srt(text: str) -> tuple[list[str], list[int]]:
    """SRT as webvtt-py reads it: no blank lines before the first cue, every cue timing
    line in the strict form (_repaired_timing) and preceded by a bare index line.

    Hand-edited and converted SRT files often lack the first index (or all of them), have
    a space after an index, start with a blank line, or have timings without hours; the
    timings and text are intact, so the missing parts are supplied instead of refusing the
    file. (A blank line inside a cue needs nothing: webvtt-py's SRT reader keeps the text
    after it with the cue.)

    Returns the lines and, for each, its line number in ``text`` (_unread_text names them).
    """
    first = len(text) - len(text.lstrip("\n")) + 1
    out: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(text.strip("\n").split("\n"), start=first):
        timing = _repaired_timing(line, "srt")
        if timing is not None:
            if out and out[-1].strip().isdigit():
                out[-1] = out[-1].strip()
            else:
                out.append(str(len(out) + 1))  # any number: webvtt-py only checks digits
                numbers.append(number)
            line = timing
        out.append(line)
        numbers.append(number)
    return out, numbers


# A line that opens a WebVTT block other than a cue: a comment, a style sheet or a region.
_VTT_BLOCK_START = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")


def _normalise_vtt(text: str) -> tuple[list[str], list[int]]:
    """WebVTT as webvtt-py reads it: nothing before "WEBVTT", every cue timing line in the
    strict form (_repaired_timing) and no blank line inside a cue's text.

    webvtt-py, like the WebVTT standard, ends a cue at a blank line and then discards a
    block without timings, so the speech after a blank line left inside a cue (by hand
    edits and some converters) was lost. Such blank lines are removed unless what follows
    starts a block of its own (_starts_vtt_block); runs of blank lines become one.

    Returns the lines and, for each, its line number in ``text`` (_unread_text names them).
    """
    stripped = text.lstrip()  # spaces or blank lines before "WEBVTT" are harmless
    lines = stripped.split("\n")
    first = text.count("\n", 0, len(text) - len(stripped)) + 1
    out: list[str] = []
    numbers: list[int] = []
    spaced_ids = _ids_have_spaces(lines)
    in_cue = False  # after a timing line, until a blank line ends the cue
    number = 0
    while number < len(lines):
        line = lines[number]
        if line.strip():
            timing = _repaired_timing(line, "vtt")
            in_cue = in_cue or timing is not None
            out.append(line if timing is None else timing)
            numbers.append(first + number)
            number += 1
            continue
        following = number
        while following < len(lines) and not lines[following].strip():
            following += 1
        if (
            not in_cue
            or following == len(lines)
            or _starts_vtt_block(lines, following, spaced_ids=spaced_ids)
        ):
            out.append("")
            numbers.append(first + number)
            in_cue = False
        number = following
    return out, numbers


def _starts_vtt_block(lines: Sequence[str], number: int, *, spaced_ids: bool = False) -> bool:
    """Whether ``lines[number]``, after a blank line, starts a new WebVTT block rather than
    continuing the text of the cue before it.

    It does when it is a timing line (readable or not), a NOTE/STYLE/REGION line, or a cue
    id: the line just before a timing line. Exports write ids without spaces and with a
    digit ("12", "3f2a9c1e-.../11-0"); a line with spaces or no digit before a timing line
    is speech the writer forgot to separate from the next cue (webvtt-py would take it for
    that cue's id and drop it), so it stays with the cue before, unless the file's cue ids
    have spaces (``spaced_ids``, see _ids_have_spaces).
    """
    line = lines[number]
    if _is_timing_line(line) or _VTT_BLOCK_START.match(line):
        return True
    next_line = lines[number + 1] if number + 1 < len(lines) else ""
    return _is_timing_line(next_line) and (spaced_ids or _looks_like_cue_id(line))


def _ids_have_spaces(lines: Sequence[str]) -> bool:
    """Whether most cues of a WebVTT file have an id with spaces ("cue 12", "Segment 3"),
    which the standard allows: then a line with spaces between a blank line and a timing
    line is the next cue's id, not speech left over from the cue before (whose words it
    would otherwise join). A file that only now and then has such a line keeps reading it
    as speech."""
    timings = spaced = 0
    for number, line in enumerate(lines):
        if not _is_timing_line(line):
            continue
        timings += 1
        before = lines[number - 1].strip() if number >= 2 else ""
        if before and not lines[number - 2].strip() and any(c.isspace() for c in before):
            spaced += 1
    return timings >= 2 and spaced * 2 > timings


def _looks_like_cue_id(line: str) -> bool:
    text = line.strip()
    return not any(c.isspace() for c in text) and any(c.isdigit() for c in text)


def _read_captions(
    text: str, fmt: str, budget: _ReadingBudget | None = None
) -> tuple[list[_Segment], list[str]]:
    """Segments of a WebVTT or SRT file, and notes on text that no cue timing could place.

    With a ``budget``, a file of more cues than it allows is refused before any is read (the
    timing lines are counted first: tidying and parsing cost about 0.15 ms a cue)."""
    name = "WebVTT" if fmt == "vtt" else "SubRip (SRT)"
    if budget is not None:
        budget.entries(sum(1 for _ in _CUE_TIMING.finditer(text)))
    lines, numbers = _normalise_vtt(text) if fmt == "vtt" else _normalise_srt(text)
    try:
        if fmt == "vtt":
            captions = webvtt.from_string("\n".join(lines)).captions
        else:
            # A title or note before the first cue makes webvtt-py refuse the whole file;
            # it is handed the cues only, and _unread_text keeps the rest with a note.
            buffer = io.StringIO("\n".join(lines[_first_srt_cue(lines) :]))
            captions = webvtt.from_buffer(buffer, format="srt").captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise NotATranscriptError(
            f"This file is not a readable {name} file ({exc}). {_EXPORT_HINT}"
        ) from exc
    unread = _unread_text(lines, numbers, captions, fmt)
    if unread and not any(caption.lines for caption in captions):
        raise NotATranscriptError(_no_readable_cue_message(unread[0], name))
    # Only text before the first caption is a title; untimed text later is a cue whose
    # timing line was lost, kept with the note below.
    preamble = list(itertools.takewhile(lambda piece: piece.after == 0 and not piece.timed, unread))
    unread = unread[len(preamble) :]
    notes = [_preamble_note(preamble)] if preamble else []
    notes += [_unread_note(unread)] if unread else []
    return _caption_segments(captions, unread, budget), notes


def _preamble_note(preamble: Sequence[_UnreadText]) -> str:
    """Text before the first cue, under no timing: a title or a note the exporter or a
    person put there ("Session 3 transcript"), not speech, so it is left out and said so."""
    count = sum(len(piece.lines) for piece in preamble)
    lines = "line" if count == 1 else "lines"
    return f"Skipped {count} {lines} before the first cue (a title or note, not speech)."


def _first_srt_cue(lines: Sequence[str]) -> int:
    """Where the first cue of normalised SRT ``lines`` starts: the index line before its
    timing line (_normalise_srt gives every timing line one); 0 without any timing."""
    for number, line in enumerate(lines):
        if _is_timing_line(line):
            return max(number - 1, 0)
    return 0


@dataclass(frozen=True)
class _UnreadText:
    """Lines of text that webvtt-py put in no caption: a cue whose timing it could not read
    (or that has none), placed after the first ``after`` captions."""

    after: int
    line: int  # in the upload: the cue's timing line, else its first line of text
    timed: bool  # whether the text follows a timing line (one that could not be read)
    lines: tuple[str, ...]


def _unread_text(
    lines: Sequence[str], numbers: Sequence[int], captions: Sequence[webvtt.Caption], fmt: str
) -> list[_UnreadText]:
    """The text in ``lines`` (the file as handed to webvtt-py) that is in none of
    ``captions``.

    webvtt-py silently leaves out a cue whose timing it cannot read (a mistyped time, a
    WebVTT time past 59 seconds) and, in WebVTT, a block of text without a timing; its SRT
    reader also drops the blocks after such a cue up to the next cue. Each caption's lines
    are found in the file, in order, right after a timing line; what lies between them
    that is not a timing, a cue id, the WebVTT header, a comment, a style or a region is
    text that would otherwise vanish from the transcript without a word.
    """
    unread: list[_UnreadText] = []
    position = _vtt_header_end(lines) if fmt == "vtt" else 0
    for count, caption in enumerate(captions):
        if not caption.lines:
            continue  # nothing to find, nothing to lose
        found = _find_caption(lines, caption, position)
        if found is None:
            # webvtt-py keeps each line as written, so this does not happen; if it ever
            # did, naming lines that were in fact read would be worse than stopping here.
            return unread
        first, end = found
        stop = first - 1  # the caption's timing line
        if caption.identifier and stop > position and lines[stop - 1] == caption.identifier:
            stop -= 1  # its id, read as such whatever it looks like
        unread += _text_between(lines, numbers, position, stop, count, fmt)
        position = end
    unread += _text_between(lines, numbers, position, len(lines), len(captions), fmt)
    return unread


def _vtt_header_end(lines: Sequence[str]) -> int:
    """Where the WebVTT header ends: its "WEBVTT" line and the metadata lines after it (such
    as YouTube's "Kind: captions") run to the first blank or timing line."""
    for number in range(1, len(lines)):
        if not lines[number].strip() or "-->" in lines[number]:
            return number
    return len(lines)


def _find_caption(
    lines: Sequence[str], caption: webvtt.Caption, position: int
) -> tuple[int, int] | None:
    """``(first, end)``: where the lines of a caption are, from ``position`` on: right after
    a timing line with the caption's start time (an unreadable cue before it may hold the
    same words), else, should its start be written in a way only webvtt-py reads, right
    after any timing line."""
    start = caption.start_time.in_milliseconds()
    for same_start in (True, False):
        for timing in range(position, len(lines)):
            if "-->" in lines[timing] and (_timing_start(lines[timing]) == start or not same_start):
                end = _lines_end(lines, timing + 1, caption.lines)
                if end is not None:
                    return timing + 1, end
    return None


def _lines_end(lines: Sequence[str], first: int, expected: Sequence[str]) -> int | None:
    """Where ``expected`` ends if ``lines`` hold it from ``first`` on, else ``None``. Blank
    lines between them are skipped: webvtt-py's SRT reader joins the blocks after a cue to
    it."""
    end = first
    for line in expected:
        while end < len(lines) and not lines[end].strip():
            end += 1
        if end == len(lines) or lines[end] != line:
            return None
        end += 1
    return end


def _timing_start(line: str) -> int | None:
    """The start of a timing line in milliseconds, ``None`` if it cannot be read."""
    try:
        seconds = parse_timestamp(line.split("-->", 1)[0])
    except ValueError:
        return None
    return None if seconds is None else round(seconds * 1000)


def _text_between(
    lines: Sequence[str], numbers: Sequence[int], start: int, stop: int, after: int, fmt: str
) -> list[_UnreadText]:
    """The text in ``lines[start:stop]``, none of which is in a caption, by cue: each
    unreadable timing line starts one. Cue ids, the WebVTT blocks that are not cues
    (comments, styles, regions) and blank lines are not text."""
    pieces: list[_UnreadText] = []
    text: list[str] = []
    first, timed = 0, False  # where the piece being collected starts, and whether at a timing
    skipping = False  # inside a NOTE, STYLE or REGION block
    for index in range(start, stop):
        line = lines[index]
        if not line.strip():
            skipping = False
            continue
        block_start = index == start or not lines[index - 1].strip()
        if fmt == "vtt" and block_start and _VTT_BLOCK_START.match(line):
            skipping = True
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if skipping or (_is_unread_timing(next_line) and _looks_like_cue_id(line)):
            continue
        timing = _is_unread_timing(line)
        if timing or not (text or timed):  # a new piece starts here
            if text:
                pieces.append(_UnreadText(after, first, timed, tuple(text)))
            text, first, timed = [], numbers[index], timing
        if not timing:
            text.append(line)
    if text:
        pieces.append(_UnreadText(after, first, timed, tuple(text)))
    return pieces


def _is_unread_timing(line: str) -> bool:
    """Whether ``line``, which webvtt-py did not read, is a cue timing: one of ours
    (_is_timing_line), or a line of times and an arrow written some other way
    ("00;00;01 --> 00;00;02"), never words. Its text is then a cue whose timing could not
    be read, named in a note, not a title before the first cue left out without a word."""
    if _is_timing_line(line):
        return True
    return "-->" in line and any(c.isdigit() for c in line) and not any(c.isalpha() for c in line)


def _unread_note(unread: Sequence[_UnreadText]) -> str:
    """The note telling the uploader which lines were read without a cue timing."""
    numbers = [str(piece.line) for piece in unread]
    if len(numbers) == 1:
        return (
            f"Line {numbers[0]} of this file has text without a readable cue timing "
            "(mistyped or missing); the text was kept in its place, without a time."
        )
    shown = numbers if len(numbers) <= 5 else [*numbers[:5], f"{len(numbers) - 5} more"]
    return (
        f"Lines {', '.join(shown[:-1])} and {shown[-1]} of this file have text without a "
        "readable cue timing (mistyped or missing); the text was kept in its place, "
        "without a time."
    )


def _no_readable_cue_message(first: _UnreadText, name: str) -> str:
    """Why a caption file none of whose cues could be read is refused: its text could be
    kept, but not one time, so it is more likely a timing format this reader does not know
    than a slip to work around."""
    if first.timed:
        return (
            f"The cue timing on line {first.line} cannot be read, and no other cue timing "
            f"in this {name} file could be either. A cue timing looks like "
            "00:00:01.000 --> 00:00:04.000 (hours:minutes:seconds.milliseconds). Correct "
            "the timings in a text editor, or export the transcript again from your video "
            "platform."
        )
    return (
        f"This {name} file has text (from line {first.line}) but no cue timings such as "
        f"00:00:01.000 --> 00:00:04.000, so it cannot be read as captions. {_EXPORT_HINT}"
    )


# The last lines of a Google Meet transcript document ("Meeting ended after 00:52:31 👋",
# then "This editable transcript was computer generated and might contain errors. People
# can also change the text after it was created."): the platform's, not a speaker's, so
# they must not join the last turn (the first was read as the client's change talk, the
# disclaimer added 20 words to the client's share of the talk).
_EXPORT_FOOTER = re.compile(
    r"^\s*(?:(?:meeting ended after \d{1,2}:\d{2}(?::\d{2})?|transcription ended after "
    r"\d{1,2}:\d{2}(?::\d{2})?)\W*|this editable transcript was computer generated\b.*)$",
    re.IGNORECASE,
)


def _read_text(text: str, budget: _ReadingBudget | None = None) -> list[_Segment]:
    """Segments from plain text: "Speaker: text" or "[Speaker] text" lines, optional
    timestamps.

    Also reads a timestamp before the label ("[00:01:02] Name: ..."), timestamp-only
    lines (Meet transcripts), "Name  0:03" header lines (Otter-style), "Name (00:03):"
    header lines (Rev) and a time after "[Name]" (Zoom's saved captions, "[Ana] 14:03:22").
    A line without a label belongs to the last labelled speaker.

    A timestamp-only or header line times the next line only: a Google Meet document has a
    timestamp every few minutes, and reusing it as the start of every later line made
    every turn zero seconds long (a talk share by time of 0). Untimed turns leave the
    time-based metrics unknown rather than wrong.
    """
    segments = _BudgetedSegments(budget)
    current: str | None = None
    pending: float | None = None  # time of the next segment, from a line of its own
    for line in text.splitlines():
        if not line.strip() or _EXPORT_FOOTER.match(line):
            continue
        if budget is not None:
            budget.entries(1)
        if match := _TIME_ONLY.match(line):
            pending = parse_timestamp(match.group("time"))
            continue
        if header := _speaker_header(line):
            # A header is a use of its label like a "Name:" line, so it counts in
            # _keep_frequent_labels (else, headers being the only labels of these exports,
            # a one-off "So the thing is: ..." in the speech was a speaker); being the
            # export's own line, it is never read back as speech (tagged).
            current, pending, body = header
            segments.append(_Segment(current, body, pending if body else None, tagged=True))
            if body:  # Rev: speech after the header's colon
                pending = None
            continue
        clock, line = _leading_time(line)
        speaker, body, bracketed = _split_text_label(line)
        if bracketed and clock is None and (after := _TIME_AFTER_BRACKET_LABEL.match(body)):
            # Zoom's saved captions: the time was read as the first words of the speech.
            clock, body = parse_timestamp(after.group("time")), after.group("text") or ""
        start = clock if clock is not None else pending
        if speaker is not None:
            # Kept even without text ("Name:" alone names the lines after it), so that a
            # one-off label that reads like speech ("So the thing is:") is counted and read
            # back as speech with its words, like a "Name: text" line.
            current = speaker
            segments.append(_Segment(speaker, body, start if body else None, bracketed=bracketed))
        elif body:
            segments.append(_Segment(current, body, start, None, inherited=True))
        if body:
            pending = None
        elif clock is not None:
            pending = clock  # "[00:01:05] Name:" alone: the time of the speech after it
    return segments


def _speaker_header(line: str) -> tuple[str, float | None, str] | None:
    """``(name, start, text)`` for a header line naming the speaker of the lines after it
    with the time they start speaking: Otter's "Speaker 1  0:03", Rev's "Speaker 1 (00:03):"
    (``text`` is anything after Rev's colon). ``None`` for any other line."""
    match = _HEADER_WITH_TIME.match(line) or _REV_HEADER.match(line)
    if not match:
        return None
    label = _clean_name(match.group("label"))
    if not _is_plausible_name(label) or label.lower() in _NOT_LABELS:
        return None
    text = (match.groupdict().get("text") or "").strip()  # Otter's header has none
    return label, parse_timestamp(match.group("time")), text


def _leading_time(line: str) -> tuple[float | None, str]:
    """The timestamp at the start of a line and the rest of it, or ``(None, line)``.

    A bare time is a timestamp only when a label ("Name:" or "[Name]") follows it: in
    "7:30 I think, then" it is what the client said. A time in brackets ("[00:01:02] ...")
    is never speech.
    """
    match = _LEADING_TIME.match(line)
    if not match:
        return None, line
    rest = line[match.end() :]
    if match.group("bracket") or _split_text_label(rest)[0] is not None:
        return parse_timestamp(match.group("time")), rest
    return None, line


# The column names a CSV of utterances may use, shared with ``rapport code``
# (analysis.code_csv). Who spoke, by name (or by a role word: "Therapist"):
SPEAKER_COLUMNS = ("speaker", "interlocutor", "name")
ROLE_COLUMNS = ("role",)
TEXT_COLUMNS = ("text", "utterance", "utterance_text")
# A transcript upload reads a role column as the speaker's label (roles are confirmed by
# a person before any analysis).
_SPEAKER_COLUMNS = (SPEAKER_COLUMNS[0], *ROLE_COLUMNS, *SPEAKER_COLUMNS[1:])
# A conversation id column: a file of several conversations (``rapport code`` reads those).
CONVERSATION_COLUMNS = (
    "transcript",
    "transcript_id",
    "conversation",
    "conversation_id",
    "session",
    "session_id",
)
_START_COLUMNS = ("start", "timestamp", "start_time")
_END_COLUMNS = ("end", "end_time")


def _read_csv(text: str, budget: _ReadingBudget | None = None) -> list[_Segment]:
    table = read_csv_table(
        text, TEXT_COLUMNS, max_rows=budget.max_entries if budget is not None else None
    )
    speaker_col = find_csv_column(table.header, _SPEAKER_COLUMNS)
    text_col = find_csv_column(table.header, TEXT_COLUMNS)
    missing = [
        what
        for what, col in (("'speaker' or 'role'", speaker_col), ("'text'", text_col))
        if col is None
    ]
    if missing:
        found = ", ".join(repr(f) for f in table.header) or "none"
        raise CsvColumnsError(
            f"The CSV file needs a {' and a '.join(missing)} column (found: {found})."
        )
    assert speaker_col is not None and text_col is not None
    start_col = find_csv_column(table.header, _START_COLUMNS)
    end_col = find_csv_column(table.header, _END_COLUMNS)
    _check_one_conversation(table)
    # A role column beside a speaker column says who is who ("Sam", "client").
    role_col = find_csv_column(table.header, ROLE_COLUMNS)
    role_col = role_col if role_col != speaker_col else None
    segments = _BudgetedSegments(budget)
    for row in table.rows:
        speaker = _clean_name(_cell(row.cells, speaker_col))
        body = " ".join(_cell(row.cells, text_col).split())
        start = _csv_time(table, row, start_col)
        end = _csv_time(table, row, end_col)
        role = _ROLE_ALIASES.get(_cell(row.cells, role_col).strip().lower()) if role_col else None
        if body and not speaker:
            # A row is one utterance with its speaker, unlike a caption continued in the
            # next cue: a blank cell was read as the previous speaker's, so a client's
            # words could be coded and flagged as the therapist's. `rapport code` refuses
            # it too (analysis._conversation_roles).
            raise CsvColumnsError(csv_no_speaker_message(row.line))
        if body:
            segments.append(_Segment(speaker, body, start, end, tagged=True, role=role))
    return segments


def csv_no_speaker_message(line: int) -> str:
    """Why a CSV row with text and a blank (or dashes-only) speaker cell is refused."""
    return (
        f"Line {line} of the CSV file has no speaker. Each row with text needs who said "
        "it in the speaker column; fill it in, or delete the row if it is not speech."
    )


def _check_one_conversation(table: CsvTable) -> None:
    """A session is one conversation: a file whose conversation column names several
    would be read as one session of everyone, its metrics and flags mixed."""
    column = find_csv_column(table.header, CONVERSATION_COLUMNS)
    if column is None:
        return
    ids = dict.fromkeys(v for row in table.rows if (v := _cell(row.cells, column).strip()))
    if len(ids) > 1:
        raise CsvColumnsError(
            f"This CSV file holds {len(ids)} conversations (column "
            f"'{table.header[column]}'), and a session report reads one. Save each "
            "conversation as its own file, or code them all with `rapport code`."
        )


def _cell(cells: Sequence[str], column: int | None) -> str:
    """The cell in ``column``; "" when the column is absent or the row is short."""
    return cells[column] if column is not None and column < len(cells) else ""


_DECIMAL_COMMA = re.compile(r"^\s*\d+,\d+\s*$")


def _csv_time(table: CsvTable, row: CsvRow, column: int | None) -> float | None:
    if column is None:
        return None
    value = _cell(row.cells, column)
    if table.delimiter != "," and _DECIMAL_COMMA.match(value):
        # Where Excel separates cells with ";", it writes 1.5 seconds as "1,5".
        value = value.replace(",", ".")
    try:
        return parse_timestamp(value)
    except ValueError:
        raise CsvColumnsError(
            f"Line {row.line} of the CSV file has {value!r} in the "
            f"'{table.header[column]}' column; use seconds (e.g. 75.5) or a time like "
            "00:01:15.5."
        ) from None


# ---------------------------------------------------------------------------------------
# CSV tables (shared with ``rapport code``, analysis.code_csv)
# ---------------------------------------------------------------------------------------

# Excel writes ";" where the decimal separator is a comma (most of Europe) and tabs in
# "Unicode text" files; the header line tells which one a file uses.
CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t")


@dataclass(frozen=True)
class CsvRow:
    """One CSV record: its first line number in the file and its cells."""

    line: int
    cells: list[str]


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read by :func:`read_csv_table`."""

    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    delimiter: str


def csv_header_key(name: str) -> str:
    """A column name as matched: case, spaces and underscores do not matter, so
    "Start Time", "start_time" and " START_TIME " are the same column."""
    return "_".join(name.replace("_", " ").casefold().split())


def find_csv_column(header: Sequence[str], candidates: Sequence[str]) -> int | None:
    """Index of the first of ``candidates`` present in ``header``; when a header repeats
    a name, its first column is the one used."""
    keys = [csv_header_key(name) for name in header]
    for candidate in candidates:
        key = csv_header_key(candidate)
        if key in keys:
            return keys.index(key)
    return None


def read_csv_table(
    data: str | bytes, text_columns: Sequence[str], *, max_rows: int | None = None
) -> CsvTable:
    """Read CSV text (or bytes: UTF-8, or UTF-16 with a byte-order mark) into a table.

    The delimiter is detected from the header line. A row with more cells than the header
    is a comma inside unquoted text: when the text column (the first of ``text_columns``
    present) is the last column, its extra cells are joined back into the text; otherwise
    the row cannot be read unambiguously and :class:`CsvColumnsError` names its line. An
    opening quote without its closing quote is refused naming its line
    (:func:`_check_runaway_quote`). Any other unreadable CSV also gives a
    :class:`CsvColumnsError`, never ``csv.Error``. A file of more than ``max_rows`` rows
    (after the header) is refused with :class:`TooManyEntriesError` once they are read.
    """
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    delimiter = _csv_delimiter(text, text_columns)
    records = _csv_records(text, delimiter, None if max_rows is None else max_rows + 1)
    if not records:
        return CsvTable((), (), delimiter)
    _check_runaway_quote(text, delimiter, records)
    header = tuple(records[0].cells)
    text_col = find_csv_column(header, text_columns)
    rows = tuple(_fit_to_header(row, len(header), text_col, delimiter) for row in records[1:])
    return CsvTable(header, rows, delimiter)


def _csv_delimiter(text: str, text_columns: Sequence[str]) -> str:
    """The delimiter that splits the header line into a known text column, else the one
    that splits it into the most columns (a comma when none splits it)."""
    first_line = text.split("\n", 1)[0].rstrip("\r")

    def fit(delimiter: str) -> tuple[bool, int]:
        header = _split_header(first_line, delimiter)
        return find_csv_column(header, text_columns) is not None, len(header)

    return max(CSV_DELIMITERS, key=fit)  # ties keep the earlier, so "," by default


def _split_header(line: str, delimiter: str) -> list[str]:
    """The cells of a would-be header line, for guessing only: a header is short, and a
    long first line (a plain-text turn) must not trip csv's field size limit."""
    try:
        return next(csv.reader([line[:4096]], delimiter=delimiter), [])
    except csv.Error:
        return []


def _csv_records(text: str, delimiter: str, limit: int | None = None) -> list[CsvRow]:
    """The records of a CSV text; past ``limit`` records (the header included; blank lines,
    which a full read skips, are not counted), reading stops and the file is refused
    (TooManyEntriesError)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[CsvRow] = []
    counted = 0
    line = 1  # where the next record starts
    try:
        for cells in reader:
            if cells:
                if limit is not None and counted == limit:
                    raise TooManyEntriesError(_too_many_entries_message("rows", limit - 1))
                counted += 1
            records.append(CsvRow(line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvColumnsError(_csv_error_message(line, exc)) from None
    return records


def _csv_error_message(line: int, exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return (
            f"Line {line} of the CSV file has a cell longer than {limit:,} characters, so "
            'it cannot be read. This is usually an opening quote (") without its closing '
            "quote, which swallows the rest of the file into one cell; otherwise split the "
            "text over several rows."
        )
    return f"Line {line} of the CSV file cannot be read ({exc})."


# The line breaks the csv module counts in CsvRow.line (those of io.StringIO(newline="")).
_LINE_BREAK = re.compile(r"\r\n?|\n")
# A quoted cell as the csv module reads it, "" being a quote inside it. Possessive, so
# that a doubled quote just before the end of the file is not taken for the closing one.
_QUOTED_CELL = re.compile(r'"[^"]*+(?:""[^"]*+)*+"')


def _check_runaway_quote(text: str, delimiter: str, records: Sequence[CsvRow]) -> None:
    """Refuse a CSV in which an opening quote (") has no closing quote.

    The csv module reads everything from such a quote to the next quote as one cell: to
    the end of the file when no quote follows, else to the opening quote of a later quoted
    cell. Either way the rows in between became one long turn of one speaker, silently.
    A quote left open on the last line swallows nothing and is read as it is.
    """
    last = records[-1]
    start = sum(map(len, itertools.islice(io.StringIO(text, newline=""), last.line - 1)))
    opened = _quote_open_at_end(text, start, delimiter)
    if opened is not None and _LINE_BREAK.search(text[opened:].rstrip()):
        line = last.line + len(_LINE_BREAK.findall(text, start, opened))
        raise CsvColumnsError(
            f'Line {line} of the CSV file opens a quote (") that is never closed, so every '
            "row after it would be read as part of one cell. Add the closing quote at the "
            "end of that text (or remove the opening quote)."
        )
    runaway = _swallowed_rows(records, delimiter)
    if runaway is not None:
        line, end = runaway
        raise CsvColumnsError(
            f'Line {line} of the CSV file opens a quote (") that is not closed until line '
            f"{end}, so the rows in between would be read as part of one cell. Add the "
            f"closing quote at the end of the text on line {line} (or remove the opening "
            "quote)."
        )


def _quote_open_at_end(text: str, start: int, delimiter: str) -> int | None:
    """Where a quote opens that is still open at the end of ``text``, reading cells from
    ``start`` (the start of a record) as the csv module does; ``None`` if none is.

    A quote opens a quoted cell only as the cell's first character; elsewhere it is text.
    """
    cell_end = re.compile(f"[{re.escape(delimiter)}\r\n]")
    pos = start
    while pos < len(text):
        if text[pos] == '"':
            quoted = _QUOTED_CELL.match(text, pos)
            if quoted is None:
                return pos
            pos = quoted.end()
        # Past the delimiter or line break that ends the cell (or to the end of the text).
        end = cell_end.search(text, pos)
        pos = end.end() if end else len(text)
    return None


def _swallowed_rows(records: Sequence[CsvRow], delimiter: str) -> tuple[int, int] | None:
    """``(first, last)`` lines of a quoted cell that holds rows of the file, else ``None``.

    A cell spanning lines is legitimate (a text with a line break), but a line inside it
    that starts like the file's rows is a row swallowed by a quote that was never closed
    (closed instead by the opening quote of a later quoted cell): its first cell is the
    first-column value of another row (a speaker such as "Therapist"), or, when the first
    column holds ids, a cell in the place of a label column (speaker or role: a few values,
    each on many rows) holds one of that column's values. Values without letters (row
    numbers, ids) are never evidence: "1, ..." also starts lists in speech.
    """
    known = _row_values(records)
    for record in records:
        line = record.line
        for cell in record.cells:
            inner = _LINE_BREAK.split(cell)
            if any(_starts_like_a_row(row.split(delimiter), known) for row in inner[1:]):
                return line, line + len(inner) - 1
            line += len(inner) - 1
    return None


def _row_values(records: Sequence[CsvRow]) -> dict[int, set[str]]:
    """By column: the values a swallowed row would show there (see _swallowed_rows). Every
    first-column value with letters; in later columns, those of label columns only (a text
    column's values mostly differ, and its backchannels, "Yeah", would be false alarms)."""
    columns: dict[int, list[str]] = {}
    for record in records[1:]:
        for index, cell in enumerate(record.cells):
            value = cell.strip().casefold()
            if any(c.isalpha() for c in value) and not _LINE_BREAK.search(value):
                columns.setdefault(index, []).append(value)
    known = {0: set(columns.get(0, []))}
    for index, values in columns.items():
        distinct = set(values)
        if index and len(distinct) <= 10 and len(values) >= 2 * len(distinct):
            known[index] = distinct
    return known


def _starts_like_a_row(fields: Sequence[str], known: dict[int, set[str]]) -> bool:
    """Whether a line split into ``fields`` holds, before its last field, a value that
    column's rows hold."""
    return any(
        index < len(fields) - 1 and fields[index].strip().casefold() in values
        for index, values in known.items()
    )


def _fit_to_header(row: CsvRow, width: int, text_col: int | None, delimiter: str) -> CsvRow:
    """``row`` with no more cells than the header (see :func:`read_csv_table`)."""
    cells = list(row.cells)
    while len(cells) > width and not cells[-1].strip():
        cells.pop()  # trailing empty cells (a stray delimiter at the end) hold nothing
    if len(cells) <= width:
        return CsvRow(row.line, cells)
    if text_col is not None and text_col == width - 1:
        # The writer did not quote a text holding the delimiter: put it back together.
        return CsvRow(row.line, cells[:text_col] + [delimiter.join(cells[text_col:])])
    name = "a tab" if delimiter == "\t" else f"'{delimiter}'"
    raise CsvColumnsError(
        f"Line {row.line} of the CSV file has {len(cells)} cells but the header names "
        f"{width} columns, so its text cannot be told apart from the other columns. Put "
        f"text that contains {name} in double quotes (spreadsheet programs do this when "
        "they save a CSV), or make the text the last column."
    )


# ---------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------


def _merge(segments: Sequence[_Segment]) -> tuple[list[Turn], list[str]]:
    """Merge consecutive segments of one speaker into turns.

    Unlabeled segments continue the last speaker named (platforms split long speech into
    several cues and often label only the first), also by a line without text ("Name:"
    alone, a header line). Unlabeled text before the first label (e.g. "Recording
    started") belongs to nobody and is skipped, with a note.
    Speaker names are matched case-insensitively; the first spelling seen is kept.
    """
    notes: list[str] = []
    spelling: dict[str, str] = {}
    # Each turn's pieces, joined once at the end: joining as we go copied the turn's text
    # for every cue, which took seconds on a long monologue split into thousands of cues.
    pieces: list[tuple[str, list[_Segment]]] = []
    current: str | None = None  # the last speaker named
    skipped = 0
    for seg in segments:
        if seg.speaker is not None:
            current = spelling.setdefault(seg.speaker.casefold(), seg.speaker)
        if not seg.text:
            continue  # a label alone on its line: it names the speaker of what follows
        if current is None:
            skipped += 1
        elif pieces and pieces[-1][0] == current:
            pieces[-1][1].append(seg)
        else:
            pieces.append((current, [seg]))
    turns = [_turn(index, speaker, segs) for index, (speaker, segs) in enumerate(pieces)]
    if skipped:
        notes.append(
            f"Skipped {skipped} line{'s' if skipped > 1 else ''} at the start with no "
            "speaker label."
        )
    return turns, notes


def _turn(index: int, speaker: str, segments: Sequence[_Segment]) -> Turn:
    """One turn from its segments: their texts joined, from the first known start to the
    last known end."""
    starts = [seg.start for seg in segments if seg.start is not None]
    ends = [seg.end for seg in segments if seg.end is not None]
    return Turn(
        index,
        speaker,
        " ".join(seg.text for seg in segments),
        starts[0] if starts else None,
        ends[-1] if ends else None,
    )


def _build(
    segments: list[_Segment], fmt: str, *, had_text: bool, notes: Sequence[str] = ()
) -> Transcript:
    """The transcript of ``segments``; ``notes`` are the reader's (see Transcript.notes)."""
    if not any(seg.text for seg in segments):  # a label alone on its line says nothing
        raise EmptyTranscriptError(
            "This transcript has no spoken text in it." if had_text else "This file is empty."
        )
    segments = _keep_frequent_labels(_demote_one_off_continuation_labels(segments))
    turns, merge_notes = _merge(segments)
    if not turns:  # no text follows a speaker label (there may be labels without text)
        raise NotATranscriptError(
            "No speaker labels were found, so the therapist and the client cannot be told "
            "apart. Each line or caption needs to start with the speaker's name, like "
            "'Therapist: How was your week?' (or a WebVTT voice tag such as <v Therapist>)."
        )
    speakers = tuple(dict.fromkeys(turn.speaker for turn in turns))
    if len(speakers) < 2:
        raise SingleSpeakerError(
            f"Only one speaker ({speakers[0]}) was found. A session transcript needs at "
            "least two, the therapist and the client; check that the export kept the "
            "speaker names."
        )
    return Transcript(
        tuple(turns), speakers, fmt, (*notes, *merge_notes), _stated_roles(segments, speakers)
    )


def _stated_roles(
    segments: Sequence[_Segment], speakers: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    """Each speaker's role as the file states it (its first stated one), by the speaker
    names ``_merge`` kept (matched without regard to case)."""
    spelling = {speaker.casefold(): speaker for speaker in speakers}
    stated: dict[str, str] = {}
    for seg in segments:
        name = spelling.get((seg.speaker or "").casefold())
        if seg.role is not None and name is not None:
            stated.setdefault(name, seg.role)
    return tuple(stated.items())


def parse_transcript(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int = MAX_TRANSCRIPT_BYTES,
    max_speakers: int = MAX_SPEAKERS,
    max_turns: int = MAX_TURNS,
    max_entries: int = MAX_ENTRIES,
) -> Transcript:
    """Parse an uploaded transcript file.

    ``filename`` is used only to help pick the format (content is checked first).
    Raises a :class:`TranscriptError` subclass with a human message when the file
    cannot be used; never anything else for bad input. A file with more than
    ``max_speakers`` speakers or ``max_turns`` turns is refused (see MAX_SPEAKERS and
    MAX_TURNS for why), and so is one of more than ``max_entries`` caption cues, lines or
    rows. Reading stops as soon as the file is certainly refused for one of these
    (_ReadingBudget): more entries than ``max_entries``, or more than twice ``max_turns``
    turns.
    """
    if len(data) > max_bytes:
        raise TranscriptTooLargeError(
            f"This file is {_size(len(data))}; transcripts are limited to {_size(max_bytes)}. "
            "Split the session into parts or remove anything that is not the transcript."
        )
    if not data.strip():
        raise EmptyTranscriptError("This file is empty.")
    _check_binary(data)
    try:
        decoded = _decode(data)
    except TranscriptEncodingError:
        if PurePath(filename or "").suffix.lower() != ".csv":
            raise
        # Excel's plain "CSV" saves in the computer's legacy code page (accents are then
        # not UTF-8); "export it again from your video platform" did not apply.
        raise TranscriptEncodingError(
            "This CSV file is not UTF-8 text, so it cannot be read (Excel's plain 'CSV' "
            "format saves accented letters another way). In Excel, choose Save As and the "
            "type 'CSV UTF-8 (Comma delimited)', then upload that file."
        ) from None
    text = decoded.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _without_format_characters(text)
    fmt = _detect_format(text, filename)
    notes: list[str] = []
    budget = _ReadingBudget(
        max_entries=max_entries,
        max_turns=max_turns,
        max_speakers=max_speakers,
        unit={"vtt": "caption cues", "srt": "caption cues", "csv": "rows"}.get(fmt, "lines"),
    )
    if fmt in ("vtt", "srt"):
        segments, notes = _read_captions(text, fmt, budget)
    elif fmt == "csv":
        segments = _read_csv(text, budget)
    else:
        segments = _read_text(text, budget)
    transcript = _build(segments, fmt, had_text=bool(text.strip()), notes=notes)
    _check_speaker_count(transcript, max_speakers)
    _check_turn_count(transcript, max_turns)
    return transcript


def _check_speaker_count(transcript: Transcript, limit: int) -> None:
    count = len(transcript.speakers)
    if count > limit:
        raise TooManySpeakersError(_too_many_speakers_message(f"{count:,}", limit))


def _check_turn_count(transcript: Transcript, limit: int) -> None:
    count = len(transcript.turns)
    if count > limit:
        raise TooManyTurnsError(_too_many_turns_message(f"{count:,}", limit))


def _too_many_speakers_message(count: str, limit: int) -> str:
    return (
        f"This file names {count} different speakers; a session transcript has a few, "
        f"and at most {limit:,} can be told apart here. Check that each line starts with "
        "the speaker's name, like 'Therapist: How was your week?', and that no other "
        "words at the start of a line are followed by a colon (they are read as names)."
    )


def _too_many_turns_message(count: str, limit: int) -> str:
    return (
        f"This file has {count} turns (changes of speaker); a one-hour session has a "
        f"few hundred, and at most {limit:,} can be analysed at once. If this is a long "
        "recording, split it into parts and upload each part for the session; otherwise "
        "check that each line is what one person said, with the speaker's name before it."
    )


def _too_many_entries_message(unit: str, limit: int) -> str:
    return (
        f"This file has more than {limit:,} {unit}; a long session has a few thousand, and "
        f"at most {limit:,} can be read at once. If this is a long recording, split it into "
        "parts and upload each part for the session."
    )


def transcript_from_rows(
    rows: Iterable[tuple[str, str, float | None, float | None]], fmt: str = "csv"
) -> Transcript:
    """Build a transcript from ``(speaker, text, start, end)`` rows (already split).

    Used for CSV files with several conversations; applies the same merging and checks.
    """
    segments = [
        _Segment(_clean_name(s) or None, " ".join(t.split()), a, b, tagged=True)
        for s, t, a, b in rows
        if t
    ]
    return _build(segments, fmt, had_text=True)


def _size(n: int) -> str:
    """Rounded up, so a file just over the limit never reads as the limit itself."""
    if n >= 1024 * 1024:
        return f"{math.ceil(n * 10 / (1024 * 1024)) / 10:.1f} MB"
    return f"{math.ceil(n / 1024):.0f} kB"


# ---------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------

# Labels that name the role outright. Matched on whole words of the speaker label.
# Nurses, midwives, pharmacists and health visitors hold the clinician's side of the
# conversation in their consultations (wound care, antenatal and medication reviews, home
# visits) and are labelled by their profession, as "Nurse:" / "Patient:" transcripts are.
_THERAPIST_LABEL = re.compile(
    r"\b(therapist|counsell?or|clinician|psychologist|psychotherapist|practitioner|"
    r"nurse|midwife|pharmacist|health visitor|"
    r"interviewer|dr|doctor|prof|th|t|"
    # Credentials clinicians put in their display name ("Jo Smith, LCSW").
    r"lcsw|lmft|lpcc?|lcpc|mft|msw|psyd|phd)\b\.?",
    re.IGNORECASE,
)
_CLIENT_LABEL = re.compile(r"\b(client|patient|service user|interviewee|c|p|pt)\b", re.IGNORECASE)

_ROLE_ALIASES = {
    "therapist": THERAPIST,
    "counsellor": THERAPIST,
    "counselor": THERAPIST,
    "client": CLIENT,
    "patient": CLIENT,
}


def normalise_role(value: str | None) -> str:
    """``"therapist"`` or ``"client"`` from a role value (case and common synonyms).

    Raises :class:`UnknownRoleError` for anything else.
    """
    role = _ROLE_ALIASES.get((value or "").strip().lower())
    if role is None and not (value or "").strip():
        # "Unknown role ''" read as a bug; the cell is simply empty.
        raise UnknownRoleError("The role is empty: each role must be 'therapist' or 'client'.")
    if role is None:
        raise UnknownRoleError(
            f"Unknown role {value!r}: each role must be 'therapist' or 'client'."
        )
    return role


def _role_score(speaker: str, question_share: float, opened: bool) -> float:
    """Higher means more therapist-like.

    Why these cues: a label naming the role is near-certain; therapists ask far more
    questions than clients (in AnnoMI about a third of therapist utterances are
    questions), and in a session recording the therapist usually opens.
    """
    score = 0.0
    if _THERAPIST_LABEL.search(speaker):
        score += 10.0
    if _CLIENT_LABEL.search(speaker):
        score -= 10.0
    score += 3.0 * question_share
    if opened:
        score += 0.5
    return score


def _question_shares(transcript: Transcript) -> dict[str, float]:
    """Each speaker's share of turns with a question, counted in one pass over the turns
    (a pass per speaker took seconds for a file of thousands of speakers)."""
    turns: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    for turn in transcript.turns:
        turns[turn.speaker] += 1
        questions[turn.speaker] += "?" in turn.text
    return {speaker: questions[speaker] / count for speaker, count in turns.items()}


def guess_roles(transcript: Transcript, therapist: str | None = None) -> dict[str, str]:
    """Map each speaker to ``"therapist"`` or ``"client"``.

    Exactly one speaker is the therapist: ``therapist`` when given (matched without
    regard to case), else the one the file names (a CSV role column beside the speaker
    column), otherwise the most therapist-like by label, share of questions and who
    opened. Everyone else is a client (couples and family sessions have several).
    """
    if therapist is not None:
        wanted = _clean_name(therapist).casefold()
        chosen = next((s for s in transcript.speakers if s.casefold() == wanted), None)
        if chosen is None:
            raise UnknownSpeakerError(
                f"There is no speaker called {therapist!r} in this transcript; the speakers "
                f"are {', '.join(transcript.speakers)}."
            )
    elif _one_stated_therapist(transcript) is not None:
        chosen = _one_stated_therapist(transcript)
    else:
        shares = _question_shares(transcript)
        opener = transcript.turns[0].speaker if transcript.turns else None
        chosen = max(
            transcript.speakers,
            key=lambda s: _role_score(s, shares.get(s, 0.0), opened=s == opener),
        )
    return {s: THERAPIST if s == chosen else CLIENT for s in transcript.speakers}


def _one_stated_therapist(transcript: Transcript) -> str | None:
    """The speaker the file itself names as the therapist, if it names exactly one."""
    therapists = [name for name, role in transcript.stated_roles if role == THERAPIST]
    return therapists[0] if len(therapists) == 1 else None
