"""Orchestration: transcript -> codes -> flags -> metrics -> quality estimate.

Pure module: no Django import. Used by the CLI (``rapport analyze INPUT --json``,
``rapport code-csv``) and by the session report pages, so both show the same numbers.

The JSON shape of :func:`analysis_to_json` is a public contract::

    {
      "metrics": {"reflection_to_question_ratio", "percent_open_questions",
                  "percent_complex_reflections", "percent_therapist_input",
                  "therapist_talk_share", "change_talk_ratio"},
      "quality_estimate": float | null,
      "flags": [{"kind", "utterance", "start", "end", "text", "explanation", "source"}],
      "utterances": [{"speaker", "role", "text", "code", "subcode", "confidence"}],
      ... extra keys: "ratings", "reference_values", "quality_reasons", "quality_model"
      (the version of the model that made the estimate), "flag_counts",
      "therapist_talk_share_by_time", "counts", "notes", "format", "speakers", "roles"
    }
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from .flags import Flag, FlagSettings, detect_flags
from .metrics import REFERENCES, SessionMetrics, session_metrics
from .parsing import (
    CONVERSATION_COLUMNS,
    ROLE_COLUMNS,
    SPEAKER_COLUMNS,
    TEXT_COLUMNS,
    CsvColumnsError,
    SingleSpeakerError,
    Transcript,
    TranscriptEncodingError,
    TranscriptError,
    csv_no_speaker_message,
    find_csv_column,
    guess_roles,
    normalise_role,
    read_csv_table,
    speaker_key,
    transcript_from_rows,
)
from .quality import (
    MIN_THERAPIST_UTTERANCES,
    QualityEstimate,
    QualityModelError,
    quality_estimate,
    quality_model_version,
    unrated_estimate_note,
)

__all__ = [
    "CoderLike",
    "SessionAnalysis",
    "analysis_to_json",
    "analyze",
    "code_csv",
]

JSON_METRICS: tuple[str, ...] = (
    "reflection_to_question_ratio",
    "percent_open_questions",
    "percent_complex_reflections",
    "percent_therapist_input",
    "therapist_talk_share",
    "change_talk_ratio",
)


class CodeLike(Protocol):
    code: str
    subcode: str | None
    confidence: float


class CoderLike(Protocol):
    """What analysis needs from a coder (``coding.Coder`` satisfies it)."""

    def code_conversation(self, turns: Sequence[tuple[str, str]]) -> Sequence[CodeLike]: ...

    def code_many(
        self, conversations: Sequence[Sequence[tuple[str, str]]]
    ) -> Sequence[Sequence[CodeLike]]: ...


@dataclass(frozen=True)
class SessionAnalysis:
    """Everything the report shows about one session."""

    transcript: Transcript
    roles: Mapping[str, str]
    codes: tuple[CodeLike, ...]
    flags: tuple[Flag, ...]
    metrics: SessionMetrics
    quality: QualityEstimate | None
    notes: tuple[str, ...] = ()
    # The coder's version (``coding.coder_version``) when it has one.
    coder_version: str | None = None
    # The quality model's version when the estimate was not rated (``quality`` is None):
    # the analysis is still that model's, for re-analysis to find it up to date.
    unrated_by: str | None = None


@functools.cache
def rules_version() -> str:
    """Which flag, metric and quality-estimate rules made an analysis: a digest of the
    lexicons and of the modules that apply them. Stored with every analysis, so that a
    release that changes a rule (a lexicon fix, a new threshold, the fewest therapist
    utterances an estimate is rated on) finds the analyses made under the old one
    (``rapport reanalyse-transcripts``), as a new coder or quality model does. The quality
    model's coefficients have their own version (``quality_model_version``); quality.py
    holds the rules around them (the features, which reasons are given, when the estimate
    is not rated), and those shape what is stored too."""
    return rules_digest(Path(__file__).resolve().parent)


def rules_digest(folder: Path) -> str:
    """The digest of ``folder``'s flags.py, metrics.py, quality.py and lexicons/*.json."""
    digest = hashlib.sha256()
    rules = ("flags.py", "metrics.py", "quality.py")
    files = [*(folder / name for name in rules), *sorted(folder.glob("lexicons/*.json"))]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"rules-{digest.hexdigest()[:12]}"


#: Under this many therapist utterances the quality estimate is not rated
#: (quality.unrated_estimate_note).
SHORT_SESSION_TURNS = MIN_THERAPIST_UTTERANCES


def analyze(
    transcript: Transcript,
    roles: Mapping[str, str] | None,
    coder: CoderLike,
    *,
    flag_settings: FlagSettings | None = None,
    quality_model: str | Path | None = None,
) -> SessionAnalysis:
    """Code every turn, then derive flags, metrics and the quality estimate.

    ``roles`` maps speakers to therapist/client; ``None`` guesses them
    (:func:`parsing.guess_roles`). A missing quality model leaves ``quality`` as
    ``None`` with a note rather than failing the whole analysis.
    """
    roles = dict(roles) if roles is not None else guess_roles(transcript)
    turns = transcript.turns
    pairs = [(roles.get(turn.speaker, "client"), turn.text) for turn in turns]
    codes = tuple(coder.code_conversation(pairs))
    if len(codes) != len(turns):
        raise ValueError(f"the coder returned {len(codes)} codes for {len(turns)} turns")
    flags = tuple(detect_flags(turns, roles, codes, flag_settings))
    metrics = session_metrics(turns, roles, codes, flags)
    notes = list(transcript.notes) + list(metrics.notes)
    # The shipped coder reads a turn's first ``coding.CODED_CHARS`` characters.
    coded_chars = getattr(coder, "coded_chars", None)
    cut = coded_from_start_note((t.text for t in turns), coded_chars) if coded_chars else None
    if cut is not None:
        notes.append(cut)
    quality: QualityEstimate | None = None
    therapist_turns = sum(1 for turn in turns if roles.get(turn.speaker) == "therapist")
    unrated = unrated_estimate_note(therapist_turns)
    unrated_by = None
    if unrated is not None:
        notes.append(unrated)  # as a metric on too few behaviours: not rated
        unrated_by = quality_model_version(quality_model)
    else:
        try:
            quality = quality_estimate(metrics, quality_model)
        except QualityModelError as exc:
            notes.append(f"No quality estimate: {exc}.")
    meta = getattr(coder, "meta", None)
    version = meta.get("version") if isinstance(meta, dict) else None
    return SessionAnalysis(
        transcript, roles, codes, flags, metrics, quality, tuple(notes), version, unrated_by
    )


def coded_from_start_note(texts: Iterable[str], coded_chars: int) -> str | None:
    """The note for utterances longer than the coder reads (``coded_chars``), if any."""
    long = sum(1 for text in texts if len(text.strip()) > coded_chars)
    if not long:
        return None
    which = "1 utterance is" if long == 1 else f"{long:,} utterances are"
    its = "its" if long == 1 else "their"
    return (
        f"{which} longer than {coded_chars:,} characters (a whole one-hour session is "
        f"about 50,000-100,000): coded from {its} first {coded_chars:,} characters only; "
        "the flags read all of the text. A caption export that lost its speaker labels or "
        "punctuation can run a session into a few utterances: check the file."
    )


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def analysis_to_json(analysis: SessionAnalysis) -> dict[str, Any]:
    """The JSON-ready dict described in the module docstring."""
    metrics = analysis.metrics
    quality = analysis.quality
    return {
        "metrics": {name: _round(metrics.value(name)) for name in JSON_METRICS},
        "quality_estimate": None if quality is None else round(quality.score, 3),
        "flags": [
            {
                "kind": f.kind,
                "utterance": f.utterance,
                "start": f.start,
                "end": f.end,
                "text": f.text,
                "explanation": f.explanation,
                "source": f.source,
            }
            for f in analysis.flags
        ],
        "utterances": [
            {
                "speaker": turn.speaker,
                "role": analysis.roles.get(turn.speaker, "client"),
                "text": turn.text,
                "code": code.code,
                "subcode": code.subcode,
                "confidence": round(float(code.confidence), 3),
            }
            for turn, code in zip(analysis.transcript.turns, analysis.codes, strict=True)
        ],
        "ratings": metrics.ratings(),
        "reference_values": {
            name: {
                "good": ref.good,
                "fair": ref.fair,
                "higher_is_better": ref.higher_is_better,
                "text": ref.text,
                "source": ref.source,
            }
            for name, ref in REFERENCES.items()
        },
        "quality_reasons": [] if quality is None else list(quality.top_reasons),
        "quality_model": analysis.unrated_by if quality is None else quality.model_version,
        "coder_model": analysis.coder_version,
        "rules_version": rules_version(),
        "flag_counts": dict(metrics.flag_counts),
        "therapist_talk_share_by_time": _round(metrics.therapist_talk_share_by_time),
        "counts": {k: _round(float(v)) for k, v in metrics.counts.items()},
        "notes": list(analysis.notes),
        "format": analysis.transcript.format,
        "speakers": list(analysis.transcript.speakers),
        "roles": dict(analysis.roles),
    }


# ---------------------------------------------------------------------------------------
# Coding a CSV of utterances
# ---------------------------------------------------------------------------------------

ADDED_COLUMNS: tuple[str, ...] = ("code", "subcode", "confidence")


def _column(header: Sequence[str], *names: str) -> int | None:
    """The first of ``names`` in ``header``. Each field of ``rapport code``'s input accepts
    the documented name, then the names of common exports (AnnoMI's own files use
    transcript_id, interlocutor and utterance_text: parsing.CONVERSATION_COLUMNS,
    SPEAKER_COLUMNS and their neighbours), so such a file is coded as it is instead of being
    refused or, worse, read as one long conversation. Case, spaces and underscores do not
    matter; a repeated name means its first column."""
    return find_csv_column(header, names)


def _open(target: str | os.PathLike[str] | IO[str], mode: str, stack: ExitStack) -> IO[str]:
    if isinstance(target, str | os.PathLike):
        if mode == "w":
            return stack.enter_context(_private_output(target))
        return stack.enter_context(open(target, mode, encoding="utf-8-sig", newline=""))  # noqa: SIM115
    return target


def _private_output(path: str | os.PathLike[str]) -> IO[str]:
    """``path`` opened for writing, readable by this account only (0600), as ``rapport
    backup`` writes: the output holds every client utterance of the input. Created so from
    the start (the umask would otherwise leave it readable by every account on the
    machine); an existing file is overwritten, and made private too if it is a plain file
    (a device such as /dev/null is left as it is)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, 0o600)
        return open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by the caller
    except BaseException:
        os.close(fd)
        raise


def _read_input(source: str | os.PathLike[str] | IO[str]) -> str | bytes:
    """The input CSV: bytes from a path (decoded like an upload: UTF-8, or UTF-16 with a
    byte-order mark as Excel's "Unicode text" writes), text from an open stream."""
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    return source.read()


def _conversation_roles(
    rows: list[list[str]], line_numbers: list[int], speaker_col: int, text_col: int, label: str
) -> list[str]:
    """Therapist/client per row of one conversation (``speaker`` column only): the
    speakers' own names when every one is a role ('Therapist', 'Client'), else guessed."""
    for row, line in zip(rows, line_numbers, strict=True):
        if not speaker_key(row[speaker_col]):  # blank, or only dashes
            raise CsvColumnsError(csv_no_speaker_message(line))
    try:
        return [normalise_role(row[speaker_col]) for row in rows]
    except TranscriptError:
        pass  # names, not roles: guess them below
    try:
        transcript = transcript_from_rows(
            (row[speaker_col], row[text_col] or "…", None, None) for row in rows
        )
        roles = guess_roles(transcript)
    except SingleSpeakerError as exc:
        # Roles cannot be guessed from one speaker; the file can still say them.
        raise SingleSpeakerError(
            f"{label}: {exc} To code a conversation of one speaker, give the file a 'role' "
            "column (therapist or client on each row)."
        ) from exc
    except TranscriptError as exc:
        raise type(exc)(f"{label}: {exc}") from exc
    # Looked up the way the transcript matched them: "- Jo" and "jo" are one speaker (a
    # plain whitespace-and-case key missed those and crashed with a KeyError).
    by_key = {speaker_key(speaker): role for speaker, role in roles.items()}
    return [by_key[speaker_key(row[speaker_col])] for row in rows]


def code_csv(
    in_file: str | os.PathLike[str] | IO[str],
    out_file: str | os.PathLike[str] | IO[str],
    coder: CoderLike,
) -> int:
    """Add ``code``, ``subcode``, ``confidence`` to every row of a CSV of utterances.

    Input columns: ``role`` (therapist/client) or ``speaker`` (roles are then guessed per
    conversation), ``text``, and optionally ``transcript`` (conversation id; rows are in
    order within each conversation, conversations may interleave); other common names for
    them are accepted (see ``CONVERSATION_COLUMNS`` and its neighbours; case, spaces and
    underscores in names do not matter). The delimiter (comma, semicolon or tab) is read
    from the header line and used for the output too. Every row and column is written back
    in its original order; existing code columns are overwritten in place. A row with more
    cells than the header has them joined back into its text when ``text`` is the last
    column (an unquoted comma), and is refused otherwise. Each row is coded as its own
    utterance (rows are not merged into turns, so the output lines up with the input).
    Returns the number of rows coded.
    """
    try:
        # Rows with more cells than the header are joined back or refused here, so the
        # added columns below never land on (and overwrite) cells of the input.
        table = read_csv_table(_read_input(in_file), TEXT_COLUMNS)
    except TranscriptEncodingError:
        raise CsvColumnsError(
            "The CSV file is not UTF-8 text; save it again as 'CSV UTF-8' (or as UTF-16 "
            "'Unicode text')."
        ) from None
    header = list(table.header)
    if not header:
        raise CsvColumnsError("The CSV file is empty; it needs a header row.")
    body = [row.cells for row in table.rows]
    role_col, speaker_col = _column(header, *ROLE_COLUMNS), _column(header, *SPEAKER_COLUMNS)
    text_col, conv_col = _column(header, *TEXT_COLUMNS), _column(header, *CONVERSATION_COLUMNS)
    missing = []
    if role_col is None and speaker_col is None:
        missing.append("'role' (or 'speaker')")
    if text_col is None:
        missing.append("'text'")
    if missing:
        raise CsvColumnsError(
            f"The CSV file needs a {' and a '.join(missing)} column "
            f"(found: {', '.join(repr(h) for h in header)})."
        )
    assert text_col is not None
    out_header = list(header)
    positions = []
    for name in ADDED_COLUMNS:
        existing = _column(out_header, name)
        if existing is None:
            out_header.append(name)
            existing = len(out_header) - 1
        positions.append(existing)
    width = len(out_header)
    rows = [row + [""] * (width - len(row)) for row in body]
    lines = [row.line for row in table.rows]

    # Blank rows are written back untouched and not coded.
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if any(cell.strip() for cell in row):
            key = row[conv_col].strip() if conv_col is not None else ""
            groups.setdefault(key, []).append(i)

    # Every conversation's roles first, so a bad row fails before any coding is done.
    conversations = []
    for conv_id, idx in groups.items():
        label = f"Conversation {conv_id!r}" if conv_col is not None else "The conversation"
        group_rows, group_lines = [rows[i] for i in idx], [lines[i] for i in idx]
        if role_col is not None:
            roles = []
            for row, line in zip(group_rows, group_lines, strict=True):
                try:
                    roles.append(normalise_role(row[role_col]))
                except TranscriptError as exc:
                    raise type(exc)(f"Line {line}: {exc}") from exc
        else:
            assert speaker_col is not None
            roles = _conversation_roles(group_rows, group_lines, speaker_col, text_col, label)
        conversations.append(
            [(role, row[text_col]) for role, row in zip(roles, group_rows, strict=True)]
        )
    # Coded together (each still reads only its own turns): the encoder's workers stay busy
    # across conversations instead of idling at the end of each.
    coded = coder.code_many(conversations)
    for idx, codes in zip(groups.values(), coded, strict=True):
        for row, code in zip([rows[i] for i in idx], codes, strict=True):
            row[positions[0]] = code.code
            row[positions[1]] = code.subcode or ""
            row[positions[2]] = f"{float(code.confidence):.3f}"

    buffer = io.StringIO()
    # The input's delimiter, so a ";" file from a European Excel opens in it again.
    writer = csv.writer(buffer, delimiter=table.delimiter, lineterminator="\n")
    writer.writerow(out_header)
    writer.writerows(rows)
    with ExitStack() as stack:
        _open(out_file, "w", stack).write(buffer.getvalue())
    return sum(len(idx) for idx in groups.values())
