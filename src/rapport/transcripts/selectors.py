"""Reads of transcripts, always scoped to the requesting user (DESIGN §3, §5).

Scope comes from :mod:`rapport.clinic.selectors`: a transcript is visible exactly when its
client is. Views get a transcript only through :func:`get_transcript_for_user` (404
outside scope). The functions that return text or analysis do not audit; the views and
panel that show them do, once per page. The retention status alone reads a whole clinic,
for its admin: counts and a date, never a client.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.clinic.models import MISSED, Appointment, Client, Clinic
from rapport.clinic.selectors import clients_for
from rapport.transcripts.metrics import REFERENCES
from rapport.transcripts.models import TextDeletion, Transcript, TranscriptStatus
from rapport.transcripts.quality import unrated_estimate_note

__all__ = [
    "RetentionStatus",
    "SpeakerSample",
    "TrendRow",
    "appointments_for_upload",
    "client_trend",
    "get_transcript_for_user",
    "retention_settings_note",
    "speaker_samples",
    "transcript_retention_status",
    "transcripts_for_client",
]


def get_transcript_for_user(user, transcript_id) -> Transcript:
    try:
        return Transcript.objects.select_related(
            "appointment", "appointment__episode", "appointment__episode__client"
        ).get(pk=int(transcript_id), appointment__episode__client__in=clients_for(user))
    except (Transcript.DoesNotExist, ValueError, TypeError):
        raise Http404("No such transcript") from None


def transcripts_for_client(client: Client) -> QuerySet[Transcript]:
    """Transcripts of an already-scoped client, in session order."""
    # Lists never need the text: the encrypted column is left unread (and undecrypted).
    return (
        Transcript.objects.filter(appointment__episode__client=client)
        .select_related("appointment")
        .defer("content", "utterances")
        .order_by("appointment__starts_at", "uploaded_at", "pk")
    )


def appointments_for_upload(client: Client, *, limit: int = 6, now=None) -> list[Appointment]:
    """The client's most recent sessions that have happened (or may have): upload targets."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(episode__client=client, starts_at__lte=now)
        .exclude(attendance__in=MISSED)
        .order_by("-starts_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class SpeakerSample:
    index: int
    name: str
    guessed_role: str
    role: str
    turns: int
    words: int
    samples: tuple[str, ...]


def speaker_samples(content: dict[str, Any], *, per_speaker: int = 3) -> list[SpeakerSample]:
    """Each speaker with a few of their longer early lines, so a person can tell who is who."""
    speakers: list[str] = content["speakers"]
    roles: dict[str, str] = content.get("roles", {})
    guessed: dict[str, str] = content.get("guessed_roles", roles)
    # Each speaker's lines, gathered in one pass over the turns: a pass per speaker took
    # seconds for a transcript stored with thousands of "speakers".
    lines: dict[int, list[str]] = {}
    for turn in content["turns"]:
        lines.setdefault(turn[0], []).append(turn[1])
    out = []
    for index, name in enumerate(speakers):
        own = lines.get(index, [])
        # Prefer lines with some substance ("Yeah." tells nobody who is speaking).
        substantial = [text for text in own if len(text.split()) >= 4] or own
        samples = tuple(_shorten(text) for text in substantial[:per_speaker])
        out.append(
            SpeakerSample(
                index=index,
                name=name,
                guessed_role=guessed.get(name, "client"),
                role=roles.get(name, "client"),
                turns=len(own),
                words=sum(len(text.split()) for text in own),
                samples=samples,
            )
        )
    return out


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Metrics shown in the trend, in display order (all from analysis_to_json's contract).
TREND_METRICS: tuple[str, ...] = (
    "reflection_to_question_ratio",
    "percent_open_questions",
    "percent_complex_reflections",
    "percent_therapist_input",
    "therapist_talk_share",
    "change_talk_ratio",
)


@dataclass(frozen=True)
class TrendRow:
    transcript_id: int
    starts_at: Any
    values: dict[str, float | None]
    quality_estimate: float | None
    flag_total: int
    # A session uploaded in parts (a long recording split to fit the size limit) has a row
    # per part: "part 2 of 2", so it does not read as two sessions on one day.
    part: int = 1
    parts: int = 1
    # Metrics whose value is shown but not rated: it rests on too few coded behaviours
    # (metrics.MIN_RATED), so "100% open" from a single question is no peak.
    unrated: frozenset[str] = frozenset()
    # Reflections coded and no questions: reflections per question has no value, yet the
    # session's report rates it (it meets "at least 2 per question"), so the table says
    # "No questions" rather than the "—" of a value that could not be computed.
    no_questions: bool = False
    # The quality estimate is not rated (too few therapist utterances); see
    # quality_unrated_note.
    quality_unrated: bool = False


def quality_unrated_note(transcript: Transcript) -> str | None:
    """Why the transcript's quality estimate is not rated, or ``None``
    (quality.unrated_estimate_note). Decided from its counts, so an estimate stored before
    the rule is not shown either; an analysis without the count keeps its estimate."""
    count = transcript.metrics.get("counts", {}).get("therapist_utterances")
    return None if count is None else unrated_estimate_note(count)


def client_trend(client: Client) -> list[TrendRow]:
    """Metrics of each analysed session of an already-scoped client, oldest first."""
    analysed = list(transcripts_for_client(client).filter(status=TranscriptStatus.ANALYSED))
    parts = Counter(transcript.appointment_id for transcript in analysed)
    seen: Counter[int] = Counter()
    rows = []
    for transcript in analysed:
        values = transcript.metrics.get("values", {})
        ratings = transcript.metrics.get("ratings", {})
        no_questions = only_reflections(transcript.metrics.get("counts", {}))
        seen[transcript.appointment_id] += 1
        quality_unrated = quality_unrated_note(transcript) is not None
        rows.append(
            TrendRow(
                transcript_id=transcript.pk,
                starts_at=transcript.appointment.starts_at,
                values={name: values.get(name) for name in TREND_METRICS},
                quality_estimate=None if quality_unrated else transcript.quality_estimate,
                flag_total=len(transcript.flags),
                part=seen[transcript.appointment_id],
                parts=parts[transcript.appointment_id],
                unrated=_unrated(values, ratings, no_questions),
                no_questions=no_questions,
                quality_unrated=quality_unrated,
            )
        )
    return rows


def only_reflections(counts: dict[str, Any]) -> bool:
    """Reflections coded but no questions, from a stored analysis's counts (as
    ``metrics.SessionMetrics.only_reflections`` says of a fresh one)."""
    return not counts.get("questions") and bool(counts.get("reflections"))


def _unrated(
    values: dict[str, Any], ratings: dict[str, Any], no_questions: bool = False
) -> frozenset[str]:
    """The trend metrics with a value but, for want of coded behaviours, no rating.

    Read from the stored ratings, as the session report reads them, so the trend and the
    report of each session agree. Only metrics rated on a count of behaviours
    (``Reference.min_count``) qualify: therapist input has no reference at all and is
    "not rated" by design, not for thin evidence. Reflections per question in a session
    with reflections and no questions has no value but is rated on the reflections: with
    fewer than three it is not rated either.
    """
    return frozenset(
        name
        for name in TREND_METRICS
        if (
            values.get(name) is not None
            or (no_questions and name == "reflection_to_question_ratio")
        )
        and (ref := REFERENCES.get(name)) is not None
        and ref.min_count > 0
        and ratings.get(name) is None
    )


# --- the clinic settings page ------------------------------------------------------------


@dataclass(frozen=True)
class RetentionStatus:
    """How the clinic's retention rule is being kept, for its settings page: counts of the
    clinic as a whole, read for its admin, who sees no client (DESIGN §5)."""

    days: int  # the clinic's limit (0: text is kept)
    past_due: int  # transcripts still holding text past the limit
    # ... of which past it for more than a day: a daily job would have deleted them.
    past_due_over_a_day: int
    last_deleted_at: datetime | None  # the latest deletion under the rule in this clinic


def transcript_retention_status(clinic: Clinic, *, now: datetime | None = None) -> RetentionStatus:
    """Whether text past ``clinic``'s limit is waiting to be deleted (one query)."""
    now = now or timezone.now()
    days = clinic.transcript_retention_days
    in_clinic = Transcript.objects.filter(appointment__episode__client__clinic=clinic)
    cutoff = now - timedelta(days=days)
    holding = Q(text_deleted_at__isnull=True)
    counts = in_clinic.aggregate(
        past_due=Count("pk", filter=holding & Q(uploaded_at__lt=cutoff)),
        over_a_day=Count("pk", filter=holding & Q(uploaded_at__lt=cutoff - timedelta(days=1))),
        last=Max("text_deleted_at", filter=Q(text_deletion=TextDeletion.RETENTION)),
    )
    return RetentionStatus(
        days=days,
        past_due=counts["past_due"] if days > 0 else 0,
        past_due_over_a_day=counts["over_a_day"] if days > 0 else 0,
        last_deleted_at=counts["last"],
    )


def retention_settings_note(clinic) -> str:
    """What the clinic settings page says about the retention rule at work: whether text
    past the limit is waiting (text past it for over a day means the daily job is not
    running) and when text was last deleted under the rule. Empty when text is kept.
    Registered as a ``core.hooks`` clinic settings note (``apps.py``): the settings page
    belongs to accounts, which imports no transcripts code."""
    status = transcript_retention_status(clinic)
    if status.days == 0:
        return ""
    parts = [
        ngettext(
            "Transcript retention (%(days)s day):",
            "Transcript retention (%(days)s days):",
            status.days,
        )
        % {"days": status.days}
    ]
    if status.past_due:
        parts.append(
            ngettext(
                "%(n)s transcript still holds text past the limit: its text is deleted when "
                "someone opens it, or by the daily job.",
                "%(n)s transcripts still hold text past the limit: their text is deleted when "
                "someone opens them, or by the daily job.",
                status.past_due,
            )
            % {"n": status.past_due}
        )
    else:
        parts.append(_("no transcript holds text past the limit."))
    if status.past_due_over_a_day:
        parts.append(
            ngettext(
                "%(n)s has been past the limit for more than a day: check that the daily job "
                "(rapport purge-transcripts) runs.",
                "%(n)s have been past the limit for more than a day: check that the daily job "
                "(rapport purge-transcripts) runs.",
                status.past_due_over_a_day,
            )
            % {"n": status.past_due_over_a_day}
        )
    if status.last_deleted_at is None:
        parts.append(_("No text has been deleted under the rule yet."))
    else:
        when = formats.date_format(timezone.localtime(status.last_deleted_at), "j M Y, H:i")
        parts.append(_("Text was last deleted under the rule on %(when)s.") % {"when": when})
    return " ".join(parts)
