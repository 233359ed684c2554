"""Read session transcripts (WebVTT, SRT, plain text, CSV) into speaker turns.

Pure module: no Django import. Teletherapy platforms export captions as WebVTT (Zoom,
Microsoft Teams, Google Meet), people also keep SRT files, "Speaker: text" notes and
spreadsheets. Whatever the input, the result is the same: a :class:`Transcript` of
:class:`Turn` objects, where consecutive cues of one speaker are merged into one turn,
because the unit the rest of the pipeline (coding, metrics, flags) reasons about is a
speaking turn, not a caption line that a platform cut at 40 characters.

Cue parsing of WebVTT and SRT is left to webvtt-py, a maintained parser of both
formats; this module only finds the speakers (``<v Name>`` voice tags or a "Name:"
prefix) and merges cues.

Every way an upload can be unusable is a :class:`TranscriptError` subclass with a
message written for the person who uploaded it (see ``docs/transcripts.md``)::

    TranscriptError
    ├── TranscriptTooLargeError   more than MAX_TRANSCRIPT_BYTES
    ├── TranscriptEncodingError   not UTF-8 (or UTF-16 with a byte-order mark) text
    ├── UnsupportedFormatError    a PDF, Word document, spreadsheet or other binary file
    ├── EmptyTranscriptError      nothing was said in it
    ├── NotATranscriptError       no speaker labels, so nobody can be told apart
    ├── SingleSpeakerError        only one speaker: a session needs two
    ├── CsvColumnsError           a CSV without the needed columns, or with bad values
    ├── UnknownRoleError          a role other than therapist/client
    └── UnknownSpeakerError       a therapist override that names nobody in the file
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

__all__ = [
    "CLIENT",
    "FORMATS",
    "MAX_TRANSCRIPT_BYTES",
    "ROLES",
    "THERAPIST",
    "CsvColumnsError",
    "EmptyTranscriptError",
    "NotATranscriptError",
    "SingleSpeakerError",
    "Transcript",
    "TranscriptEncodingError",
    "TranscriptError",
    "TranscriptTooLargeError",
    "Turn",
    "UnknownRoleError",
    "UnknownSpeakerError",
    "UnsupportedFormatError",
    "guess_roles",
    "normalise_role",
    "parse_timestamp",
    "parse_transcript",
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


@dataclass(frozen=True)
class _Segment:
    """A piece of text before merging: a cue line, a text line or a CSV row."""

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None
    inherited: bool = False  # speaker carried over from an earlier label line
    tagged: bool = False  # speaker from a WebVTT voice tag, not a "Name:" prefix


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


_SRT_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d", re.MULTILINE)


def _detect_format(text: str, filename: str) -> str:
    """Pick the format from the content first, the file extension second.

    Content wins because files get renamed (a Teams ``.vtt`` saved as ``.txt``).
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if stripped.startswith("WEBVTT"):
        return "vtt"
    if _SRT_TIMING.search(text[:4096]):
        # Cue timings without a WEBVTT header: SRT (or a headerless VTT, read alike).
        return "srt"
    if suffix == "csv" or (suffix not in {"txt", "text", "vtt", "srt"} and _looks_like_csv(text)):
        return "csv"
    return "txt"


def _looks_like_csv(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0].lower()
    columns = {c.strip().strip('"') for c in first.split(",")}
    return "text" in columns and bool(columns & {"speaker", "role"})


# ---------------------------------------------------------------------------------------
# Speaker labels
# ---------------------------------------------------------------------------------------

# "Name: text". A label is short, starts with a letter and has no sentence punctuation,
# so "Note, this: ..." or "I said: no" inside a sentence are less likely to be taken for
# speakers; the frequency rule in _keep_frequent_labels removes the rest.
_LABEL = re.compile(
    r"^\s*(?P<label>[^\W\d_][\w.'’\- ]{0,38}?(?:\s*\(\w[\w ]{0,20}\))?)\s*:(?:\s+|$)(?P<text>.*)$"
)
_MAX_LABEL_WORDS = 5
# A leading timestamp on a text line: "[00:01:02] Name: text", "00:01 Name: text".
_LEADING_TIME = re.compile(r"^\s*\[?(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]?\s+")
# A line that is only a timestamp (Google Meet transcripts, some note formats).
_TIME_ONLY = re.compile(r"^\s*\[?(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]?\s*$")
# "Speaker 1  0:03" header lines followed by the speech (Otter.ai-style exports).
_HEADER_WITH_TIME = re.compile(
    r"^\s*(?P<label>[^\W\d_][\w.'’\- ]{0,38}?)\s{2,}(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s*$"
)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_timestamp(value: str | float | int | None) -> float | None:
    """Seconds from ``"01:02:03.5"``, ``"02:03"``, ``"12.5"`` or a number; ``None`` if blank.

    Raises ``ValueError`` for anything else.
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        match = _CLOCK.match(text)
        if not match:
            raise ValueError(f"not a time: {value!r}") from None
        hours, minutes, secs, frac = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
        if frac:
            seconds += int(frac) / 10 ** len(frac)
    if seconds < 0 or seconds != seconds:  # negative or NaN
        raise ValueError(f"not a time: {value!r}")
    return float(seconds)


def _split_label(line: str) -> tuple[str | None, str]:
    """``("Name", "text")`` for a "Name: text" line, else ``(None, line)``."""
    match = _LABEL.match(line)
    if not match:
        return None, line.strip()
    label = _clean_name(match.group("label"))
    if len(label.split()) > _MAX_LABEL_WORDS or label.lower() in _NOT_LABELS:
        return None, line.strip()
    return label, match.group("text").strip()


# Words that precede a colon in speech but are not speakers ("Note: ...", "Example: ...").
_NOT_LABELS = frozenset(
    {"note", "notes", "example", "e.g", "i.e", "ps", "p.s", "nb", "n.b", "http", "https"}
)


def _clean_name(name: str) -> str:
    return " ".join(name.replace("\u00a0", " ").split()).strip(" -")


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
    ]
)


def _looks_like_speech(label: str) -> bool:
    words = label.split()
    return words[0].lower() in _SENTENCE_STARTERS or any(w[:1].islower() for w in words[1:])


def _keep_frequent_labels(segments: list[_Segment]) -> list[_Segment]:
    """Turn a one-off "Name:" label that reads like speech back into text.

    In a real transcript speaker labels repeat; a label seen once, while at least two
    others recur, that starts like a sentence ("So the thing is: ...") is a colon inside
    speech. Voice tags are never second-guessed.
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
    out: list[_Segment] = []
    for seg in segments:
        if not seg.speaker or seg.speaker.casefold() not in demoted:
            out.append(seg)
        elif seg.inherited:
            out.append(_Segment(None, seg.text, seg.start, seg.end))
        else:
            out.append(_Segment(None, f"{seg.speaker}: {seg.text}", seg.start, seg.end))
    return out


# ---------------------------------------------------------------------------------------
# Format readers: each returns segments in order
# ---------------------------------------------------------------------------------------


def _caption_segments(captions: Iterable[webvtt.Caption]) -> list[_Segment]:
    """Segments from WebVTT/SRT captions, one per speaker within a cue.

    A cue line either opens with a voice tag (``<v Jane Doe>`` in Teams exports, read
    with webvtt-py's own voice pattern) or with a "Name:" prefix (Zoom, Meet). A line
    with neither continues the previous speaker.
    """
    segments: list[_Segment] = []
    for caption in captions:
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        for raw_line in caption.lines:
            for voice, piece in _voice_pieces(raw_line):
                text = html.unescape(webvtt.Caption(text=piece).text).strip()
                tagged = voice is not None
                if voice is None:
                    voice, text = _split_label(text)
                if text:
                    segments.append(_Segment(voice, text, start, end, tagged=tagged))
    return segments


def _voice_pieces(raw_line: str) -> list[tuple[str | None, str]]:
    """Split a raw cue line at its ``<v Name>`` voice spans (there may be several)."""
    matches = list(webvtt.Caption.VOICE_SPAN_PATTERN.finditer(raw_line))
    if not matches:
        return [(None, raw_line)]
    pieces: list[tuple[str | None, str]] = []
    if raw_line[: matches[0].start()].strip():
        pieces.append((None, raw_line[: matches[0].start()]))
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(raw_line)
        pieces.append((_clean_name(match.group(1)), raw_line[match.end() : stop]))
    return pieces


def _read_captions(text: str, fmt: str) -> list[_Segment]:
    try:
        if fmt == "vtt":
            captions = webvtt.from_string(text).captions
        else:
            captions = webvtt.from_buffer(io.StringIO(text), format="srt").captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        name = "WebVTT" if fmt == "vtt" else "SubRip (SRT)"
        raise NotATranscriptError(
            f"This file is not a readable {name} file ({exc}). {_EXPORT_HINT}"
        ) from exc
    return _caption_segments(captions)


def _read_text(text: str) -> list[_Segment]:
    """Segments from plain text: "Speaker: text" lines, optional timestamps.

    Also reads a timestamp before the label ("[00:01:02] Name: ..."), timestamp-only
    lines (Meet transcripts) and "Name  0:03" header lines (Otter-style). A line without
    a label belongs to the last labelled speaker.
    """
    segments: list[_Segment] = []
    current: str | None = None
    clock: float | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if match := _TIME_ONLY.match(line):
            clock = parse_timestamp(match.group("time"))
            continue
        if match := _HEADER_WITH_TIME.match(line):
            current = _clean_name(match.group("label"))
            clock = parse_timestamp(match.group("time"))
            continue
        if match := _LEADING_TIME.match(line):
            clock = parse_timestamp(match.group("time"))
            line = line[match.end() :]
        speaker, body = _split_label(line)
        if speaker is not None:
            current = speaker
        if body:
            segments.append(_Segment(current, body, clock, None, inherited=speaker is None))
    return segments


_SPEAKER_COLUMNS = ("speaker", "role", "interlocutor", "name")
_TEXT_COLUMNS = ("text", "utterance", "utterance_text")
_START_COLUMNS = ("start", "timestamp", "start_time")
_END_COLUMNS = ("end", "end_time")


def _find_column(fieldnames: Sequence[str], candidates: Sequence[str]) -> str | None:
    lowered = {name.strip().lower(): name for name in fieldnames}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def _read_csv(text: str) -> list[_Segment]:
    reader = csv.DictReader(io.StringIO(text))
    fieldnames = reader.fieldnames or []
    speaker_col = _find_column(fieldnames, _SPEAKER_COLUMNS)
    text_col = _find_column(fieldnames, _TEXT_COLUMNS)
    missing = [
        what
        for what, col in (("'speaker' or 'role'", speaker_col), ("'text'", text_col))
        if col is None
    ]
    if missing:
        found = ", ".join(repr(f) for f in fieldnames) or "none"
        raise CsvColumnsError(
            f"The CSV file needs a {' and a '.join(missing)} column (found: {found})."
        )
    assert speaker_col is not None and text_col is not None
    start_col = _find_column(fieldnames, _START_COLUMNS)
    end_col = _find_column(fieldnames, _END_COLUMNS)
    segments: list[_Segment] = []
    for line_no, row in enumerate(reader, start=2):
        speaker = _clean_name(row.get(speaker_col) or "")
        body = " ".join((row.get(text_col) or "").split())
        start = _csv_time(row, start_col, line_no)
        end = _csv_time(row, end_col, line_no)
        if body:
            segments.append(_Segment(speaker or None, body, start, end))
    return segments


def _csv_time(row: Mapping[str, str | None], column: str | None, line_no: int) -> float | None:
    if column is None:
        return None
    value = row.get(column)
    try:
        return parse_timestamp(value)
    except ValueError:
        raise CsvColumnsError(
            f"Line {line_no} of the CSV file has {value!r} in the '{column}' column; "
            "use seconds (e.g. 75.5) or a time like 00:01:15.5."
        ) from None


# ---------------------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------------------


def _merge(segments: Sequence[_Segment]) -> tuple[list[Turn], list[str]]:
    """Merge consecutive segments of one speaker into turns.

    Unlabeled segments continue the previous speaker (platforms split long speech into
    several cues and often label only the first). Unlabeled text before the first label
    (e.g. "Recording started") belongs to nobody and is skipped, with a note.
    Speaker names are matched case-insensitively; the first spelling seen is kept.
    """
    notes: list[str] = []
    spelling: dict[str, str] = {}
    turns: list[Turn] = []
    skipped = 0
    for seg in segments:
        if seg.speaker is None and not turns:
            skipped += 1
            continue
        if seg.speaker is None:
            speaker = turns[-1].speaker
        else:
            speaker = spelling.setdefault(seg.speaker.casefold(), seg.speaker)
        if turns and turns[-1].speaker == speaker:
            last = turns[-1]
            turns[-1] = Turn(
                last.index,
                speaker,
                f"{last.text} {seg.text}",
                last.start if last.start is not None else seg.start,
                seg.end if seg.end is not None else last.end,
            )
        else:
            turns.append(Turn(len(turns), speaker, seg.text, seg.start, seg.end))
    if skipped:
        notes.append(
            f"Skipped {skipped} line{'s' if skipped > 1 else ''} at the start with no "
            "speaker label."
        )
    return turns, notes


def _build(segments: list[_Segment], fmt: str, *, had_text: bool) -> Transcript:
    if not segments:
        raise EmptyTranscriptError(
            "This transcript has no spoken text in it." if had_text else "This file is empty."
        )
    segments = _keep_frequent_labels(segments)
    if not any(seg.speaker for seg in segments):
        raise NotATranscriptError(
            "No speaker labels were found, so the therapist and the client cannot be told "
            "apart. Each line or caption needs to start with the speaker's name, like "
            "'Therapist: How was your week?' (or a WebVTT voice tag such as <v Therapist>)."
        )
    turns, notes = _merge(segments)
    speakers = tuple(dict.fromkeys(turn.speaker for turn in turns))
    if len(speakers) < 2:
        raise SingleSpeakerError(
            f"Only one speaker ({speakers[0]}) was found. A session transcript needs at "
            "least two, the therapist and the client; check that the export kept the "
            "speaker names."
        )
    return Transcript(tuple(turns), speakers, fmt, tuple(notes))


def parse_transcript(
    data: bytes, filename: str = "", *, max_bytes: int = MAX_TRANSCRIPT_BYTES
) -> Transcript:
    """Parse an uploaded transcript file.

    ``filename`` is used only to help pick the format (content is checked first).
    Raises a :class:`TranscriptError` subclass with a human message when the file
    cannot be used; never anything else for bad input.
    """
    if len(data) > max_bytes:
        raise TranscriptTooLargeError(
            f"This file is {_size(len(data))}; transcripts are limited to {_size(max_bytes)}. "
            "Split the session into parts or remove anything that is not the transcript."
        )
    if not data.strip():
        raise EmptyTranscriptError("This file is empty.")
    _check_binary(data)
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    fmt = _detect_format(text, filename)
    if fmt in ("vtt", "srt"):
        segments = _read_captions(text, fmt)
    elif fmt == "csv":
        segments = _read_csv(text)
    else:
        segments = _read_text(text)
    return _build(segments, fmt, had_text=bool(text.strip()))


def transcript_from_rows(
    rows: Iterable[tuple[str, str, float | None, float | None]], fmt: str = "csv"
) -> Transcript:
    """Build a transcript from ``(speaker, text, start, end)`` rows (already split).

    Used for CSV files with several conversations; applies the same merging and checks.
    """
    segments = [
        _Segment(_clean_name(s) or None, " ".join(t.split()), a, b) for s, t, a, b in rows if t
    ]
    return _build(segments, fmt, had_text=True)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


# ---------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------

# Labels that name the role outright. Matched on whole words of the speaker label.
_THERAPIST_LABEL = re.compile(
    r"\b(therapist|counsell?or|clinician|psychologist|psychotherapist|practitioner|"
    r"interviewer|dr|doctor|prof|th|t)\b\.?",
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
    if role is None:
        raise UnknownRoleError(
            f"Unknown role {value!r}: each role must be 'therapist' or 'client'."
        )
    return role


def _role_score(transcript: Transcript, speaker: str) -> float:
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
    own = [t for t in transcript.turns if t.speaker == speaker]
    if own:
        score += 3.0 * sum("?" in t.text for t in own) / len(own)
    if transcript.turns and transcript.turns[0].speaker == speaker:
        score += 0.5
    return score


def guess_roles(transcript: Transcript, therapist: str | None = None) -> dict[str, str]:
    """Map each speaker to ``"therapist"`` or ``"client"``.

    Exactly one speaker is the therapist: ``therapist`` when given (matched without
    regard to case), otherwise the most therapist-like by label, share of questions and
    who opened. Everyone else is a client (couples and family sessions have several).
    """
    if therapist is not None:
        wanted = _clean_name(therapist).casefold()
        chosen = next((s for s in transcript.speakers if s.casefold() == wanted), None)
        if chosen is None:
            raise UnknownSpeakerError(
                f"There is no speaker called {therapist!r} in this transcript; the speakers "
                f"are {', '.join(transcript.speakers)}."
            )
    else:
        chosen = max(transcript.speakers, key=lambda s: _role_score(transcript, s))
    return {s: THERAPIST if s == chosen else CLIENT for s in transcript.speakers}
