"""``rapport code``, ``rapport analyze``, ``rapport purge-transcripts`` and
``rapport reanalyse-transcripts``.

``code`` and ``analyze`` are researcher tools: they run the pure pipeline on files and
need no database, no settings and no Django. ``purge-transcripts`` applies the clinics'
retention rule to the database (for cron or a systemd timer; ``rapport serve`` and
``rapport demo`` run it when they start); ``reanalyse-transcripts`` brings stored analyses
up to date after a model upgrade (deleting, not analysing, text past the limit).

Bad input prints one clear line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rapport.cli import CommandError, on_start, register

__all__ = ["JSON_KEYS", "SUFFIXES", "add_commands"]

SUFFIXES = (".vtt", ".srt", ".txt", ".csv")
# The public shape of ``rapport analyze --json`` (docs/transcripts-app.md).
JSON_KEYS = ("metrics", "quality_estimate", "flags", "utterances")


def _load_coder(model: str | None):
    from rapport.transcripts.coding import CoderError, load_coder

    try:
        return load_coder(model)
    except CoderError as error:
        raise CommandError(f"cannot load the utterance coder: {error}") from None


# --- rapport code -----------------------------------------------------------------------


def cmd_code(args: argparse.Namespace) -> None:
    import csv

    from rapport.transcripts.analysis import code_csv
    from rapport.transcripts.parsing import CsvColumnsError, TranscriptError

    if not args.output:
        raise CommandError("-o is empty: name the file to write, or '-' for the screen")
    source = Path(args.input)
    if source.is_dir():
        raise CommandError(f"{args.input}: is a folder; `rapport code` reads one CSV file")
    if not source.is_file():
        raise CommandError(f"{args.input}: no such file")
    if args.output != "-" and _same_file(source, Path(args.output)):
        # Coding in place would overwrite a 'code', 'subcode' or 'confidence' column the
        # input already has (expert codes, say) with no copy left to compare against.
        raise CommandError(
            f"{args.output} is the input file; write the coded CSV to another file "
            "(the input is left as it is)"
        )
    if _is_caption_file(source):
        # Read as a CSV, a caption file failed with "Line 5 of the CSV file has 2 cells but
        # the header names 1 columns", which says nothing of what to do instead.
        raise CommandError(
            f"{args.input}: this is a caption file (WebVTT or SRT), not a CSV of utterances; "
            f"`rapport code` reads a CSV with 'role' or 'speaker' and 'text' columns. To code "
            f"a transcript, use `rapport analyze {args.input} --json`."
        )
    coder = _load_coder(args.model)
    try:
        if args.output == "-":
            count = code_csv(source, sys.stdout, coder)
        else:
            with _replaced_whole(args.output, bom=_has_bom(source)) as out:
                count = code_csv(source, out, coder)
    except CsvColumnsError as error:
        if _is_text_transcript(source):
            # Read as a CSV, "Therapist: How are you, Sam?" failed with "Line 2 of the CSV
            # file has 2 cells but the header names 1 columns".
            raise CommandError(
                f"{args.input}: this is a plain-text transcript ('Speaker: text' lines), "
                "not a CSV of utterances; `rapport code` reads a CSV with 'role' or "
                f"'speaker' and 'text' columns. To code a transcript, use `rapport analyze "
                f"{args.input} --json`."
            ) from None
        raise CommandError(f"{args.input}: {error}") from None
    except TranscriptError as error:
        raise CommandError(f"{args.input}: {error}") from None
    except UnicodeDecodeError:
        raise CommandError(
            f"{args.input}: not UTF-8 text; save the CSV with the UTF-8 encoding"
        ) from None
    except csv.Error as error:
        raise CommandError(f"{args.input}: not a readable CSV file ({error})") from None
    except OSError as error:
        # Reading the input fails the same way as writing the output: say which it was.
        doing = "read" if error.filename and Path(error.filename) == source else "write"
        target = args.input if doing == "read" else args.output
        raise CommandError(f"cannot {doing} {target}: {error.strerror or error}") from None
    if args.output != "-":
        print(f"Coded {_count(count, 'utterance')} into {args.output}.", file=sys.stderr)


def _same_file(source: Path, output: Path) -> bool:
    try:
        return output.exists() and source.samefile(output)
    except OSError:
        return False  # the write or the read says why


def _has_bom(path: Path) -> bool:
    """Whether the input starts with a byte-order mark, as Excel's "CSV UTF-8" and
    "Unicode text" files do: the output then starts with one too, or Excel would open the
    coded file as ANSI and garble every accented letter of it."""
    try:
        with path.open("rb") as file:
            head = file.read(3)
    except OSError:
        return False  # code_csv says why it cannot be read
    return head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


@contextmanager
def _replaced_whole(target: str, *, bom: bool) -> Iterator[IO[str]]:
    """A stream whose text replaces ``target`` only once the block has finished: written
    to a private (0600) file beside it and renamed over it, so an error, a full disk or
    Ctrl-C half-way leaves no half-written OUT file and an existing one as it was. A
    target that is not a plain file (``/dev/null``, a pipe) is written to directly."""
    if target.endswith(("/", os.sep)):
        # "out/" names a folder: Path() and realpath() drop the slash and wrote a file "out".
        raise IsADirectoryError(errno.EISDIR, "a folder, not a file", target)
    real = Path(os.path.realpath(target))
    if real.exists() and not real.is_file():
        with open(real, "w", encoding="utf-8", newline="") as direct:  # noqa: PTH123
            yield direct
        return
    fd, part = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".part")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:  # noqa: PTH123
            if bom:
                out.write("\ufeff")
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, real)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


def _is_text_transcript(path: Path) -> bool:
    """Whether a file ``rapport code`` could not read as a CSV is a plain-text transcript
    ("Speaker: text" lines): its first line names no text column, and the parser reads it
    as one."""
    from rapport.transcripts.parsing import (
        CSV_DELIMITERS,
        TEXT_COLUMNS,
        TranscriptError,
        find_csv_column,
        parse_transcript,
    )

    try:
        data = path.read_bytes()
        first = data.decode("utf-8-sig").split("\n", 1)[0]
        if any(find_csv_column(first.split(d), TEXT_COLUMNS) is not None for d in CSV_DELIMITERS):
            return False
        return parse_transcript(data, path.name).format == "txt"
    except (OSError, UnicodeDecodeError, TranscriptError):
        return False


def _is_caption_file(path: Path) -> bool:
    if path.suffix.lower() in (".vtt", ".srt"):
        return True
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError:
        return False  # code_csv says why it cannot be read
    return head.removeprefix(b"\xef\xbb\xbf").startswith(b"WEBVTT")


# --- rapport analyze --------------------------------------------------------------------


# Said as the upload page says it (forms.TranscriptUploadForm), so the two agree.
NOT_A_TRANSCRIPT_SUFFIX = (
    "not a .vtt, .srt, .txt or .csv file. Export the transcript from your video platform "
    "as WebVTT (.vtt) if you can."
)
# How many skipped files a folder run names before "and N more".
_SKIPPED_SHOWN = 5


def _inputs(path: Path) -> list[Path]:
    if path.is_dir():
        listing = sorted(path.iterdir(), key=lambda p: p.name)
        files = [p for p in listing if _is_transcript_file(p)]
        _report_skipped([p for p in listing if _is_other_file(p)])
        if not files:
            raise CommandError(f"{path}: no .vtt, .srt, .txt or .csv files in this folder")
        return files
    if not path.is_file():
        raise CommandError(f"{path}: no such file or folder")
    if path.suffix.lower() not in SUFFIXES:
        # Read anyway, a .py or .json file was "analysed" (lines with a colon taken for
        # speakers), while the upload page refuses it by its extension.
        raise CommandError(f"{path}: {NOT_A_TRANSCRIPT_SUFFIX}")
    return [path]


def _is_other_file(path: Path) -> bool:
    """A file a folder run leaves out and names: not hidden, not a transcript type."""
    return not path.name.startswith(".") and path.is_file() and not _is_transcript_file(path)


def _report_skipped(skipped: list[Path]) -> None:
    """Name, on one stderr line, the files of a folder that are not read. Not silently:
    a session exported as .docx or .json would otherwise drop out of a study's data
    without a word. Not an error either (the exit status stays 0): a folder of transcripts
    also holds notes and earlier outputs such as all.json."""
    if not skipped:
        return
    names = ", ".join(p.name for p in skipped[:_SKIPPED_SHOWN])
    more = len(skipped) - _SKIPPED_SHOWN
    if more > 0:
        names += f" and {more} more"
    count = _count(len(skipped), "file")
    print(
        f"rapport: skipped {count} that {'is' if len(skipped) == 1 else 'are'} not .vtt, "
        f".srt, .txt or .csv: {names}",
        file=sys.stderr,
    )


def _is_transcript_file(path: Path) -> bool:
    # Hidden files are not the user's transcripts: editors' and sync tools' leftovers, and
    # the "._session.vtt" AppleDouble files macOS writes next to every file on a USB stick
    # or network share, which are binary and would each be reported as unreadable.
    if path.name.startswith("."):
        return False
    # A broken link (a session moved or deleted after it was linked in) is kept, so that
    # it is named as unreadable rather than dropping out of the run without a word.
    broken_link = path.is_symlink() and not path.exists()
    return (path.is_file() or broken_link) and path.suffix.lower() in SUFFIXES


def _analyze_file(
    path: Path, therapist: str | None, coder, *, medical_role: bool = False
) -> tuple[dict[str, Any], Any]:
    from rapport.transcripts.analysis import analysis_to_json, analyze
    from rapport.transcripts.flags import FlagSettings
    from rapport.transcripts.parsing import guess_roles, parse_transcript

    if path.is_symlink() and not path.exists():
        raise CommandError(f"a link to {os.readlink(path)}, which does not exist")
    try:
        data = path.read_bytes()
    except OSError as error:
        # Not prefixed with the name: the caller names the file ("rapport: a.vtt: ...").
        raise CommandError(f"cannot read the file ({error.strerror})") from None
    transcript = parse_transcript(data, path.name)
    roles = guess_roles(transcript, therapist)
    analysis = analyze(
        transcript, roles, coder, flag_settings=FlagSettings(medical_role=medical_role)
    )
    full = analysis_to_json(analysis)
    return {key: full[key] for key in JSON_KEYS}, analysis


def _progress(stream: IO[str], done: int, total: int, name: str) -> None:
    """A plain progress bar: redrawn in place on a terminal, one line per file otherwise."""
    width = 24
    filled = width * done // total
    line = f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} {name}"
    if stream.isatty():
        stream.write("\r" + line[:78].ljust(78) + ("\n" if done == total else ""))
    else:
        stream.write(line + "\n")
    stream.flush()


def _print_quality_reference(out: IO[str]) -> None:
    """What expert-rated demonstrations scored, so a bare 0-1 figure is not read as a
    probability (the estimate above comes from the installed model, whose reference it is)."""
    from rapport.transcripts.quality import QualityModelError, quality_reference

    try:
        reference = quality_reference()
    except QualityModelError:
        return
    if reference is not None:
        print(
            "    read as a ranking: demonstration sessions rated high quality scored a median of "
            f"{reference.high.median:.2f}, those rated low {reference.low.median:.2f}",
            file=out,
        )


def _print_serious_flags_caveat(analysis, out: IO[str]) -> None:
    """Beside the estimate, the serious flags it does not weigh (as the report says it)."""
    from rapport.transcripts.quality import serious_flags_not_weighed

    serious = serious_flags_not_weighed(flag.kind for flag in analysis.flags)
    if serious:
        listed = ", ".join(f"{kind.replace('_', ' ')} ({n})" for kind, n in serious.items())
        print(
            "    caution: the estimate rests on the mix of codes and does not weigh the "
            f"flags listed below: {listed}",
            file=out,
        )


def _summary(name: str, analysis, out: IO[str], *, medical_role: bool = False) -> None:
    from rapport.transcripts.flags import names_medical_role
    from rapport.transcripts.metrics import REFERENCES

    transcript, metrics = analysis.transcript, analysis.metrics
    roles = ", ".join(f"{speaker} ({role})" for speaker, role in analysis.roles.items())
    print(f"{name}: {len(transcript.turns)} utterances ({transcript.format}); {roles}", file=out)
    labels = {
        "reflection_to_question_ratio": ("Reflections per question", "{:.2f}", 1),
        "percent_open_questions": ("Open questions", "{:.0f}%", 1),
        "percent_complex_reflections": ("Complex reflections", "{:.0f}%", 1),
        "percent_therapist_input": ("Therapist input", "{:.0f}%", 1),
        "therapist_talk_share": ("Therapist talk share", "{:.0f}%", 100),
        "therapist_talk_share_by_time": ("  by speaking time", "{:.0f}%", 100),
        "change_talk_ratio": ("Change talk ratio", "{:.0f}%", 100),
    }
    for metric, (label, fmt, scale) in labels.items():
        value = metrics.value(metric)
        shown = "n/a" if value is None else fmt.format(value * scale)
        rating = metrics.rating(metric)
        ref = REFERENCES.get(metric)
        if rating:
            hint = f"  [{rating}]"
        elif ref is not None and ref.good is None and ref.fair is None:
            hint = "  [context, no threshold]"  # therapist input: never rated, not thin data
        else:
            hint = "  [not rated]" if ref else ""
        print(f"  {label:<26}{shown:>8}{hint}", file=out)
    if analysis.quality is None and analysis.unrated_by is not None:
        # Too few therapist utterances to rate: said here, not only among the notes.
        print("  Quality estimate: not rated (too short a session; see the notes)", file=out)
    elif analysis.quality is None:
        print("  Quality estimate: not available", file=out)
    else:
        print(
            f"  Quality estimate: {analysis.quality.score:.2f} (0-1, an estimate of how much "
            "the session resembles expert-rated high-quality MI)",
            file=out,
        )
        _print_serious_flags_caveat(analysis, out)
        _print_quality_reference(out)
        for reason in analysis.quality.top_reasons:
            print(f"    - {reason}", file=out)
    if analysis.flags:
        kinds: dict[str, list[int]] = {}
        for flag in analysis.flags:
            kinds.setdefault(flag.kind, []).append(flag.utterance + 1)
        # Counted from 1 as a reader counts; --json gives each flag's 0-based index.
        print(f"  Flags ({len(analysis.flags)}; utterances counted from 1):", file=out)
        for kind, turns in kinds.items():
            shown = ", ".join(str(t) for t in turns[:8]) + (", …" if len(turns) > 8 else "")
            print(f"    {kind.replace('_', ' ')}: utterance {shown}", file=out)
    else:
        print("  Flags: none", file=out)
    # Said, so that no medical-advice flag is not read as no medication advice given.
    if medical_role:
        print(
            "  Medical advice: not flagged (--medical-role: medication information is part "
            "of the clinician's role)",
            file=out,
        )
    elif any(r == "therapist" and names_medical_role(s) for s, r in analysis.roles.items()):
        print(
            "  Medical advice: not flagged (the therapist's speaker label names a role that "
            "includes medication information)",
            file=out,
        )
    if analysis.notes:
        # What was cut, skipped or left unrated (a turn coded from its start only, a
        # session too short to rate): the summary's figures are read with these.
        print(f"  Notes ({len(analysis.notes)}):", file=out)
        for note in analysis.notes:
            print(f"    - {note}", file=out)


def _print_notes(name: str, analysis, out: IO[str]) -> None:
    """Each note of a --json run as one line on stderr (``note: FILE: NOTE``): stdout keeps
    the documented JSON (JSON_KEYS) alone, which has no room for them, and a researcher
    would otherwise never hear that a turn was coded from its first 5,000 characters or
    that a session was too short to rate. Notes are Rapport's own sentences, with counts
    and line numbers, never words of the transcript."""
    for note in analysis.notes:
        print(f"note: {name}: {' '.join(note.split())}", file=out)


def cmd_analyze(args: argparse.Namespace) -> None:
    from rapport.transcripts.parsing import TranscriptError

    path = Path(args.input)
    files = _inputs(path)
    folder = path.is_dir()
    coder = _load_coder(args.model)
    results: list[dict[str, Any]] = []
    failed = 0
    for number, file in enumerate(files, start=1):
        try:
            data, analysis = _analyze_file(
                file, args.therapist, coder, medical_role=args.medical_role
            )
        except (TranscriptError, CommandError) as error:
            if not folder:
                raise CommandError(f"{file.name}: {error}") from None
            failed += 1
            print(f"rapport: {file.name}: {error}", file=sys.stderr)
        else:
            if args.json:
                results.append({"file": file.name, **data} if folder else data)
                _print_notes(file.name, analysis, sys.stderr)
            else:
                _summary(file.name, analysis, sys.stdout, medical_role=args.medical_role)
        if folder:
            _progress(sys.stderr, number, len(files), file.name)
    if args.json:
        json.dump(results if folder else results[0], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    if failed:
        raise CommandError(f"{failed} of {len(files)} files could not be analysed (see above)")


# --- rapport purge-transcripts ---------------------------------------------------------


def cmd_purge(args: argparse.Namespace) -> None:
    from rapport.cli import _check_database, _setup_django

    _setup_django()
    _check_database()
    from rapport.transcripts.services import transcripts_purge_expired

    count = transcripts_purge_expired()
    if count or not args.quiet:
        print(f"Deleted the text of {count} transcript{'s' if count != 1 else ''}.")


def purge_at_start() -> None:
    """The retention purge, run when ``rapport serve`` or ``rapport demo`` starts: the
    clinic's rule then holds after each restart even where nobody installed the daily
    job (pages also delete text past the limit when they would show it)."""
    from rapport.transcripts.services import transcripts_purge_expired

    count = transcripts_purge_expired()
    if count:
        print(
            f"Transcript retention: deleted the text of {_count(count, 'transcript')} past "
            "the clinic's limit.",
            file=sys.stderr,
        )


def cmd_reanalyse(args: argparse.Namespace) -> None:
    from rapport.cli import _check_database, _setup_django

    _setup_django()
    _check_database()
    from rapport.transcripts.services import CoderUnavailable, transcripts_reanalyse

    try:
        done = transcripts_reanalyse(everything=args.all)
    except CoderUnavailable as error:
        raise CommandError(f"cannot load the utterance coder: {error}") from None
    if done.reanalysed or not args.quiet:
        print(
            f"Re-analysed {_count(done.reanalysed, 'transcript')} with the installed models; "
            f"{done.current} already up to date; {done.without_text} kept as they were "
            "(text deleted)."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- registration -----------------------------------------------------------------------


def add_commands(sub: argparse._SubParsersAction) -> None:
    code = sub.add_parser(
        "code",
        help="add MI codes to each utterance of a CSV (no database needed)",
        description=(
            "Code each row of a CSV of utterances. INPUT needs a 'role' (therapist/client) "
            "or 'speaker' column and a 'text' column, and may have a 'transcript' column "
            "naming the conversation. OUTPUT keeps every row and column in order and adds "
            "'code', 'subcode' and 'confidence'."
        ),
    )
    code.add_argument("input", metavar="INPUT.csv", help="CSV of utterances")
    code.add_argument(
        "-o", "--output", required=True, metavar="OUT.csv", help="where to write ('-' = stdout)"
    )
    code.add_argument("--model", metavar="PATH", help="coder model file (default: shipped model)")
    code.set_defaults(handler=cmd_code)

    analyze = sub.add_parser(
        "analyze",
        help="analyse a session transcript, or a folder of them (no database needed)",
        description=(
            "Parse, code and analyse a .vtt, .srt, .txt or .csv transcript (or every such "
            "file in a folder): session metrics, flags, quality estimate and coded "
            "utterances. Roles are guessed; name the therapist with --therapist."
        ),
    )
    analyze.add_argument("input", metavar="INPUT", help="transcript file or folder")
    analyze.add_argument(
        "--therapist", metavar="NAME", help="the speaker who is the therapist (default: guessed)"
    )
    analyze.add_argument(
        "--medical-role",
        action="store_true",
        help=(
            "medication information is part of the clinician's role (nurse, midwife, "
            "pharmacist, prescriber): how to take a medicine is not flagged as medical "
            "advice, nor taking a prescribed medicine as prescribed as advice, nor "
            "examination findings and narrating the care being given as interventions "
            "without a reflection. A therapist named 'Nurse', 'Pharmacist' or 'GP' in the "
            "transcript counts as this too"
        ),
    )
    analyze.add_argument(
        "--json",
        action="store_true",
        help="print JSON (a list with a 'file' key per object for a folder)",
    )
    analyze.add_argument("--model", metavar="PATH", help="coder model file")
    analyze.set_defaults(handler=cmd_analyze)

    purge = sub.add_parser(
        "purge-transcripts",
        help="delete transcript text older than each clinic's retention setting",
        description=(
            "Delete the text of transcripts uploaded more than the clinic's 'delete "
            "transcript text after (days)' ago, keeping codes and metrics. Run it daily "
            "(cron or a systemd timer), e.g. '40 3 * * * rapport purge-transcripts --quiet'. "
            "'rapport serve' and 'rapport demo' also run it when they start, and a page "
            "deletes such text when it would show it. Clinics with 0 days keep the text."
        ),
    )
    purge.add_argument(
        "--quiet", action="store_true", help="print nothing when there was nothing to delete"
    )
    purge.set_defaults(handler=cmd_purge)

    reanalyse = sub.add_parser(
        "reanalyse-transcripts",
        help="analyse stored transcripts again after installing a new coder or quality model",
        description=(
            "Analyse again, with the installed coder and quality models, every analysed "
            "transcript that still has its text and was analysed by another model, keeping "
            "the roles people confirmed. Run it after upgrading Rapport or retraining a "
            "model, so a client's sessions are compared on the same codes. Transcripts "
            "whose text was deleted keep the analysis they have; text past the clinic's "
            "retention limit is deleted first, not analysed again."
        ),
    )
    reanalyse.add_argument(
        "--all", action="store_true", help="also those already analysed by the installed models"
    )
    reanalyse.add_argument(
        "--quiet", action="store_true", help="print nothing when there was nothing to do"
    )
    reanalyse.set_defaults(handler=cmd_reanalyse)


register(add_commands)
on_start(purge_at_start)
