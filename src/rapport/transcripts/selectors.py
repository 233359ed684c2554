"""Reads of transcripts, always scoped to the requesting user (DESIGN §3, §5).

Scope comes from :mod:`rapport.clinic.selectors`: a transcript is visible exactly when its
client is. Views get a transcript only through :func:`get_transcript_for_user` (404
outside scope). The functions that return text or analysis do not audit; the views and
panel that show them do, once per page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from rapport.clinic.models import MISSED, Appointment, Client
from rapport.clinic.selectors import clients_for
from rapport.transcripts.metrics import REFERENCES
from rapport.transcripts.models import Transcript, TranscriptStatus

__all__ = [
    "SpeakerSample",
    "TrendRow",
    "appointments_for_upload",
    "client_trend",
    "get_transcript_for_user",
    "speaker_samples",
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


def client_trend(client: Client) -> list[TrendRow]:
    """Metrics of each analysed session of an already-scoped client, oldest first."""
    analysed = list(transcripts_for_client(client).filter(status=TranscriptStatus.ANALYSED))
    parts = Counter(transcript.appointment_id for transcript in analysed)
    seen: Counter[int] = Counter()
    rows = []
    for transcript in analysed:
        values = transcript.metrics.get("values", {})
        seen[transcript.appointment_id] += 1
        rows.append(
            TrendRow(
                transcript_id=transcript.pk,
                starts_at=transcript.appointment.starts_at,
                values={name: values.get(name) for name in TREND_METRICS},
                quality_estimate=transcript.quality_estimate,
                flag_total=len(transcript.flags),
                part=seen[transcript.appointment_id],
                parts=parts[transcript.appointment_id],
                unrated=_unrated(values, transcript.metrics.get("ratings", {})),
            )
        )
    return rows


def _unrated(values: dict[str, Any], ratings: dict[str, Any]) -> frozenset[str]:
    """The trend metrics with a value but, for want of coded behaviours, no rating.

    Read from the stored ratings, as the session report reads them, so the trend and the
    report of each session agree. Only metrics rated on a count of behaviours
    (``Reference.min_count``) qualify: therapist input has no reference at all and is
    "not rated" by design, not for thin evidence.
    """
    return frozenset(
        name
        for name in TREND_METRICS
        if values.get(name) is not None
        and (ref := REFERENCES.get(name)) is not None
        and ref.min_count > 0
        and ratings.get(name) is None
    )
