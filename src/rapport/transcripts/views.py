"""Transcript pages: upload, role confirmation, session report, deletion.

Views only translate HTTP into selector and service calls: every object comes from a
``get_*_for_user`` helper (404 outside scope) and every read of client data is audited.
Each page applies the clinic's retention rule (``services.transcript_enforce_retention``)
before it reads a transcript's text, so text past the limit is never shown.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from rapport.audit.services import Action, audit_batch, audit_page_view, audit_record
from rapport.clinic.selectors import get_appointment_for_user
from rapport.core.decorators import clinician_required
from rapport.core.forms import add_service_errors
from rapport.lib.charts import Chart, Line, line_chart_svg, svg_data_uri
from rapport.transcripts import quality, selectors, services
from rapport.transcripts.flags import names_medical_role
from rapport.transcripts.forms import (
    DeleteForm,
    RolesForm,
    UploadForm,
    roles_fit_in_one_request,
)
from rapport.transcripts.metrics import MIN_RATED, REFERENCES, Reference
from rapport.transcripts.models import TextDeletion, Transcript
from rapport.transcripts.quality import (
    QualityModelError,
    QualityReference,
    quality_reference,
    serious_flags_not_weighed,
)

# --- labels -----------------------------------------------------------------------------

CODE_LABELS = {
    "reflection": gettext_lazy("Reflection"),
    "question": gettext_lazy("Question"),
    "therapist_input": gettext_lazy("Information or advice"),
    "other": gettext_lazy("Other (therapist)"),
    "change": gettext_lazy("Change talk"),
    "neutral": gettext_lazy("Neutral (client)"),
    "sustain": gettext_lazy("Sustain talk"),
}
SUBCODE_LABELS = {
    "open": gettext_lazy("open"),
    "closed": gettext_lazy("closed"),
    "simple": gettext_lazy("simple"),
    "complex": gettext_lazy("complex"),
    "information": gettext_lazy("information"),
    "advice": gettext_lazy("advice"),
    "negotiation": gettext_lazy("negotiation"),
    "options": gettext_lazy("options"),
}
# Timeline categories: questions split by open/closed because runs of closed questions are
# what the clinician looks for. Order = legend order.
TIMELINE_CLASSES = (
    ("reflection", gettext_lazy("Reflection")),
    ("question-open", gettext_lazy("Open question")),
    ("question-closed", gettext_lazy("Closed question")),
    ("therapist_input", gettext_lazy("Information or advice")),
    ("other", gettext_lazy("Other (therapist)")),
    ("change", gettext_lazy("Change talk (client)")),
    ("neutral", gettext_lazy("Neutral (client)")),
    ("sustain", gettext_lazy("Sustain talk (client)")),
)
FLAG_LABELS = {
    "judgmental_language": gettext_lazy("Judgmental language"),
    "advice": gettext_lazy("Advice the client did not ask for"),
    "medical_advice": gettext_lazy("Medical advice"),
    "religious_advice": gettext_lazy("Religious advice"),
    "self_disclosure": gettext_lazy("Therapist self-disclosure"),
    "off_topic_small_talk": gettext_lazy("Off-topic small talk"),
    "intervention_without_reflection": gettext_lazy("Intervention without a reflection first"),
    "closed_question_run": gettext_lazy("A run of closed questions"),
    "client_quiet": gettext_lazy("The client went quiet"),
    "change_sustain_balance": gettext_lazy("More sustain talk than change talk"),
}
METRIC_LABELS = {
    "reflection_to_question_ratio": gettext_lazy("Reflections per question"),
    "percent_open_questions": gettext_lazy("Open questions (% of questions)"),
    "percent_complex_reflections": gettext_lazy("Complex reflections (% of reflections)"),
    "percent_therapist_input": gettext_lazy(
        "Therapist input: information, advice, options (% of therapist utterances)"
    ),
    "therapist_talk_share": gettext_lazy("Therapist's share of the words"),
    "therapist_talk_share_by_time": gettext_lazy("Therapist's share of the speaking time"),
    "change_talk_ratio": gettext_lazy("Change talk (share of change and sustain talk)"),
}
# The trend table's column headers: short, as the chart's legend names the same lines. The
# report's metric labels above, written to be read alone, made nine columns too wide for a
# tablet (at 820 px the quality estimate and the flags, the columns a clinician looks
# for first, were scrolled out of sight); the metrics table on the same page defines each.
TREND_LABELS = {
    "reflection_to_question_ratio": gettext_lazy("Reflections per question"),
    "percent_open_questions": gettext_lazy("Open questions %"),
    "percent_complex_reflections": gettext_lazy("Complex reflections %"),
    "percent_therapist_input": gettext_lazy("Therapist input %"),
    "therapist_talk_share": gettext_lazy("Therapist talk share %"),
    "change_talk_ratio": gettext_lazy("Change talk %"),
}
RATING_LABELS = {
    "good": gettext_lazy("Good"),
    "fair": gettext_lazy("Fair"),
    "below": gettext_lazy("Below the standard"),
}
ROLE_LABELS = {"therapist": gettext_lazy("Therapist"), "client": gettext_lazy("Client")}


def _rating_label(rating: str | None, ref: Reference | None) -> str:
    """The verdict column's words when there is no verdict. A metric without a threshold
    (therapist input) is context, which "Not rated" beside the thin-evidence values misread
    as missing data."""
    if rating in RATING_LABELS:
        return str(RATING_LABELS[rating])
    if ref is not None and ref.good is None and ref.fair is None:
        return _("For context (no threshold)")
    return _("Not rated")


def _format_metric(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    if name.startswith("percent_"):
        return f"{value:.0f}%"
    if name.endswith("_ratio") and name != "reflection_to_question_ratio":
        return f"{value * 100:.0f}%"
    if name.endswith("_share") or name.endswith("_by_time"):
        return f"{value * 100:.0f}%"
    return f"{value:.2f}"


def _no_questions(reflections: int | None = None) -> str:
    """Reflections per question where reflections were coded and no questions: no ratio,
    but not missing either (it is rated: it meets "at least 2 per question"), so not "—",
    which beside "Meets the reference" read as a contradiction."""
    if reflections is None:
        return _("No questions")
    return ngettext(
        "No questions (%(n)s reflection)", "No questions (%(n)s reflections)", reflections
    ) % {"n": reflections}


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


# A long session's timeline is wrapped into rows, each labelled: ten minutes a row when the
# utterances have times, else 100 utterances. One row of 600 utterances gave each under
# 2 px at 1280 px with nothing to say where in the session a cell was; a row of ten
# minutes (about 100 utterances in a brisk session) keeps them several pixels wide.
TIMELINE_ROW_SECONDS = 600
TIMELINE_ROW_UTTERANCES = 100


def _timeline_rows(
    utterances: list[dict[str, Any]], starts: list[float | None]
) -> list[dict[str, Any]]:
    """The timeline's rows, each ``{"label", "utterances"}``; one unlabelled row for a
    session that fits in one (under ten minutes, or up to 100 utterances without times)."""
    known = [start for start in starts if start is not None]
    timed = len(known) >= 0.8 * len(starts) if starts else False  # as metrics._time_share
    if timed and known and max(known) >= TIMELINE_ROW_SECONDS:
        rows: dict[int, list[dict[str, Any]]] = {}
        window = 0
        for utterance, start in zip(utterances, starts, strict=True):
            if start is not None:  # an utterance without a time stays with the one before
                window = max(window, int(start // TIMELINE_ROW_SECONDS))
            rows.setdefault(window, []).append(utterance)
        return [
            {
                "label": _("%(start)s to %(end)s")
                % {
                    "start": _clock(window * TIMELINE_ROW_SECONDS),
                    "end": _clock((window + 1) * TIMELINE_ROW_SECONDS),
                },
                "utterances": row,
            }
            for window, row in rows.items()
        ]
    if timed or len(utterances) <= TIMELINE_ROW_UTTERANCES:
        return [{"label": None, "utterances": utterances}]
    return [
        {
            "label": _("Utterances %(first)s to %(last)s")
            % {"first": row[0]["number"], "last": row[-1]["number"]},
            "utterances": row,
        }
        for row in (
            utterances[i : i + TIMELINE_ROW_UTTERANCES]
            for i in range(0, len(utterances), TIMELINE_ROW_UTTERANCES)
        )
    ]


def _timeline_class(code: str, subcode: str | None) -> str:
    if code == "question":
        return "question-closed" if subcode == "closed" else "question-open"
    return code


def _code_label(code: str, subcode: str | None) -> str:
    label = str(CODE_LABELS.get(code, code))
    return f"{label} ({SUBCODE_LABELS.get(subcode, subcode)})" if subcode else label


def _highlight(turn_text: str | None, span: str) -> dict[str, str]:
    """Split the utterance around the flagged span, for a <mark> in the template."""
    needle = span.rstrip("…").strip()
    if turn_text and needle:
        at = turn_text.find(needle)
        if at >= 0:
            return {
                "before": turn_text[:at],
                "mark": turn_text[at : at + len(needle)],
                "after": turn_text[at + len(needle) :],
            }
    return {"before": "", "mark": span, "after": ""}


# --- pages ------------------------------------------------------------------------------


def _audit_view(request, transcript: Transcript, suffix: str = "") -> None:
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target=f"transcript:{transcript.pk}{':' + suffix if suffix else ''}",
        client_id=transcript.appointment.episode.client_id,
        request=request,
    )


@clinician_required
@require_http_methods(["GET", "POST"])
def transcript_upload(request, appointment_id):
    appointment = get_appointment_for_user(request.user, appointment_id)
    client = appointment.episode.client
    form = UploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST" and form.is_valid():
        try:
            transcript = services.transcript_upload(
                actor=request.user,
                appointment=appointment,
                parsed=form.parsed,
                filename=form.cleaned_data["file"].name,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if getattr(transcript, "already_uploaded", False):
                messages.info(request, _("This transcript was already uploaded for this session."))
                if transcript.is_analysed:
                    return redirect("transcript_report", transcript_id=transcript.pk)
            else:
                messages.success(
                    request, _("Transcript uploaded. Check who is who before the analysis.")
                )
                part = appointment.transcripts.filter(pk__lte=transcript.pk).count()
                if part > 1:
                    messages.info(
                        request,
                        _(
                            "This session already had a transcript: this one is part "
                            "%(part)s of the session (Cancel on this page deletes it if it "
                            "was uploaded by mistake)."
                        )
                        % {"part": part},
                    )
            return redirect("transcript_roles", transcript_id=transcript.pk)
    audit_page_view(request, client.pk)
    # Said before the upload, not only after: a second file for the session becomes its
    # next part, which the clinician learnt only once it was stored.
    existing = list(
        appointment.transcripts.defer("content", "utterances").order_by("uploaded_at", "pk")
    )
    return render(
        request,
        "transcripts/upload.html",
        {
            "form": form,
            "client": client,
            "appointment": appointment,
            "existing_transcripts": existing,
            # Its file is stored again as a new part (documented): said here, before the
            # trend counts one conversation twice.
            "text_deleted_parts": any(not earlier.has_text for earlier in existing),
            "next_part": len(existing) + 1,
        },
        status=400 if form.errors else 200,
    )


def _label_role_choices(form: RolesForm) -> None:
    """Name each select by what it asks: labelled only "Therapist" (a speaker's name), a
    select whose options are Therapist and Client reads as a riddle to a screen reader."""
    for index, speaker in enumerate(form.speakers):
        form.fields[f"speaker_{index}"].label = _("Role of %(speaker)s") % {"speaker": speaker}


@clinician_required
@require_http_methods(["GET", "POST"])
def transcript_roles(request, transcript_id):
    transcript = selectors.get_transcript_for_user(request.user, transcript_id)
    services.transcript_enforce_retention(transcript)
    client = transcript.appointment.episode.client
    content = transcript.read_content()
    if content is None:
        messages.error(
            request,
            _(
                "The text of this transcript has been deleted, so its roles can no longer be "
                "changed."
            ),
        )
        return redirect("transcript_report", transcript_id=transcript.pk)
    if not roles_fit_in_one_request(len(content["speakers"])):
        return _too_many_speakers(request, transcript, len(content["speakers"]))
    form = RolesForm(
        request.POST if request.method == "POST" else None,
        speakers=content["speakers"],
        roles=content.get("roles", {}),
        medical_role=transcript.medical_role,
    )
    _label_role_choices(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.transcript_set_roles(
                actor=request.user,
                transcript=transcript,
                roles=form.roles,
                medical_role=form.cleaned_data["medical_role"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Session analysed."))
            return redirect("transcript_report", transcript_id=transcript.pk)
    context = {
        "form": form,
        "transcript": transcript,
        "client": client,
        "appointment": transcript.appointment,
        "speakers": selectors.speaker_samples(content),
        "role_labels": ROLE_LABELS,
        "notes": content.get("notes", []),
    }
    # Audited where the page is rendered: a form sent back with errors shows the speakers'
    # names and lines again.
    _audit_view(request, transcript, "roles")
    return render(request, "transcripts/roles.html", context, status=400 if form.errors else 200)


def _too_many_speakers(request, transcript: Transcript, count: int):
    """The roles page of a transcript stored before the speaker limit with more speakers
    than one request can confirm: it says why nothing can be confirmed and offers the
    deletion, with no form (Django would answer its submission with a bare 400 page).
    The speakers' names and lines are not shown: a thousand rows of misread labels help
    nobody decide, and nothing can be done with them here."""
    client = transcript.appointment.episode.client
    _audit_view(request, transcript, "roles")
    context = {
        "transcript": transcript,
        "client": client,
        "appointment": transcript.appointment,
        "too_many_speakers": f"{count:,}",
    }
    # A POST can only come from a page sent before this one (a crafted or stale request
    # small enough to reach the view): nothing is changed, and it says so as a refusal.
    status = 400 if request.method == "POST" else 200
    return render(request, "transcripts/roles.html", context, status=status)


@clinician_required
def transcript_report(request, transcript_id):
    # The page reads the transcript and the analysis of every other session of the client
    # (the trend): two audit rows, written in one INSERT when the block ends, before the
    # page is rendered (as the client page does).
    with audit_batch():
        context = _report_page(request, transcript_id)
    if isinstance(context, HttpResponse):
        return context
    return render(request, "transcripts/report.html", context)


def _report_page(request, transcript_id) -> dict[str, Any] | HttpResponse:
    """What the report shows, every read of it audited (inside ``audit_batch``), or the
    roles page to go to first."""
    transcript = selectors.get_transcript_for_user(request.user, transcript_id)
    services.transcript_enforce_retention(transcript)
    if not transcript.is_analysed and transcript.has_text:
        return redirect("transcript_roles", transcript_id=transcript.pk)
    _audit_view(request, transcript)
    client = transcript.appointment.episode.client
    # The trend shows the codes, metrics and flag counts of the client's other sessions:
    # a read of each of them, recorded against the client (as the client page's
    # transcripts panel is), not only of the transcript this report is about.
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="transcripts-trend",
        client_id=client.pk,
        request=request,
    )
    content = transcript.read_content()
    return {
        "transcript": transcript,
        "client": client,
        "appointment": transcript.appointment,
        "has_text": content is not None,
        # A transcript stored before the speaker limit may name more speakers than the
        # roles form can send: its report offers no correction that could never be saved.
        "roles_can_change": content is not None
        and roles_fit_in_one_request(len(content.get("speakers", []))),
        "deleted_by_retention": transcript.text_deletion == TextDeletion.RETENTION,
        **_report(transcript, content),
        **_trend(client),
    }


@clinician_required
@require_http_methods(["GET", "POST"])
def transcript_delete(request, transcript_id):
    transcript = selectors.get_transcript_for_user(request.user, transcript_id)
    # Not a read of the text, but the page offers to delete text the rule has deleted.
    services.transcript_enforce_retention(transcript)
    client = transcript.appointment.episode.client
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["what"] == DeleteForm.EVERYTHING:
            services.transcript_delete(actor=request.user, transcript=transcript, request=request)
            messages.success(request, _("Transcript and analysis deleted."))
            return redirect("client_detail", client_id=client.pk)
        services.transcript_delete_text(actor=request.user, transcript=transcript, request=request)
        messages.success(request, _("Transcript text deleted. The codes and metrics are kept."))
        return redirect("transcript_report", transcript_id=transcript.pk)
    audit_page_view(request, client.pk)
    return render(
        request,
        "transcripts/delete.html",
        {"form": form, "transcript": transcript, "client": client},
        status=400 if form.errors else 200,
    )


@clinician_required
@require_POST
def transcript_discard(request, transcript_id):
    """*Cancel* on the roles page of a new upload: the upload is deleted, nothing kept.

    A POST (with its CSRF token) from a button, never a link: a link that deletes could be
    followed by a prefetch or a crawler. Scoped as every transcript page (404 outside the
    sender's clients). An analysed transcript is not discarded here (its roles page is a
    correction, whose cancel keeps the report): the delete page offers its choices.
    """
    transcript = selectors.get_transcript_for_user(request.user, transcript_id)
    client = transcript.appointment.episode.client
    try:
        services.transcript_discard_upload(
            actor=request.user, transcript=transcript, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("transcript_report", transcript_id=transcript.pk)
    messages.success(request, _("Upload cancelled: the transcript was deleted, nothing is kept."))
    return redirect("client_detail", client_id=client.pk)


# --- report building --------------------------------------------------------------------


def _speaker_name(content: dict[str, Any] | None, index: int, role: str) -> str:
    if content is not None:
        return content["speakers"][index]
    # Names were deleted with the text: say what the speaker was.
    return f"{ROLE_LABELS.get(role, role)} {index + 1}"


def _report(transcript: Transcript, content: dict[str, Any] | None) -> dict[str, Any]:
    texts = [turn[1] for turn in content["turns"]] if content else None
    flag_texts = content.get("flags", []) if content else []
    flagged_kinds: dict[int, list[str]] = {}
    flags = []
    for i, flag in enumerate(transcript.flags):
        private = flag_texts[i] if i < len(flag_texts) else {}
        turn_text = texts[flag["utterance"]] if texts and flag["utterance"] < len(texts) else None
        flags.append(
            {
                "kind": flag["kind"],
                "label": FLAG_LABELS.get(flag["kind"], flag["kind"]),
                "turn": flag["utterance"] + 1,
                "anchor": f"u{flag['utterance'] + 1}",
                "at": _clock(flag.get("start")),
                "explanation": private.get("explanation") or flag["explanation"],
                "source": flag["source"],
                "span": _highlight(turn_text, private["text"]) if private.get("text") else None,
            }
        )
        flagged_kinds.setdefault(flag["utterance"], []).append(
            str(FLAG_LABELS.get(flag["kind"], flag["kind"]))
        )

    utterances = []
    counts: Counter[str] = Counter()
    for i, u in enumerate(transcript.utterances):
        css = _timeline_class(u["code"], u.get("subcode"))
        counts[css] += 1
        speaker = _speaker_name(content, u["speaker"], u["role"])
        role_label = str(ROLE_LABELS.get(u["role"], u["role"]))
        utterances.append(
            {
                "number": i + 1,
                "anchor": f"u{i + 1}",
                "speaker": speaker,
                "role": u["role"],
                "role_label": role_label,
                # "Jo (Therapist) (Therapist)" says nothing twice.
                "name_says_role": role_label.casefold() in speaker.casefold(),
                "code_label": _code_label(u["code"], u.get("subcode")),
                "css": css,
                "confidence": u.get("confidence"),
                "at": _clock(u.get("start")),
                "text": texts[i] if texts else None,
                "flags": flagged_kinds.get(i, []),
            }
        )
    legend = [
        {"css": css, "label": label, "count": counts.get(css, 0)} for css, label in TIMELINE_CLASSES
    ]
    timeline_summary = _(
        "Timeline of %(n)s utterances in order, therapist above and client below, coloured by "
        "code: %(parts)s. The coded utterances are listed below."
    ) % {
        "n": len(utterances),
        "parts": "; ".join(f"{item['label']} {item['count']}" for item in legend if item["count"]),
    }

    values = dict(transcript.metrics.get("values", {}))
    ratings = transcript.metrics.get("ratings", {})
    share_time = transcript.metrics.get("therapist_talk_share_by_time")
    names = list(values)
    if share_time is not None:
        values["therapist_talk_share_by_time"] = share_time
        at = names.index("therapist_talk_share") + 1 if "therapist_talk_share" in names else 0
        names.insert(at, "therapist_talk_share_by_time")
    counts_all = transcript.metrics.get("counts", {})
    metric_rows = []
    for name in names:
        ref = REFERENCES.get(name)
        rating = ratings.get(name)
        value = _format_metric(name, values.get(name))
        if name == "reflection_to_question_ratio" and selectors.only_reflections(counts_all):
            value = _no_questions(int(counts_all.get("reflections", 0)))
        metric_rows.append(
            {
                "name": name,
                "label": METRIC_LABELS.get(name, name),
                "value": value,
                "rating": rating,
                "rating_label": _rating_label(rating, ref),
                "reference": ref.text if ref else "",
                "source": ref.source if ref else "",
            }
        )

    share = values.get("therapist_talk_share")
    quality_unrated = selectors.quality_unrated_note(transcript)
    return {
        "flags": flags,
        "flags_by_kind": _flags_by_kind(flags),
        "flag_groups": _flag_groups(flags),
        "flags_summary": _flags_summary(flags),
        "utterances": utterances,
        "timeline_rows": _timeline_rows(
            utterances, [u.get("start") for u in transcript.utterances]
        ),
        "legend": legend,
        "timeline_summary": timeline_summary,
        "metric_rows": metric_rows,
        "talk": {
            "therapist_percent": None if share is None else round(share * 100),
            "client_percent": None if share is None else 100 - round(share * 100),
            "therapist_time_percent": None if share_time is None else round(share_time * 100),
            "client_time_percent": None if share_time is None else 100 - round(share_time * 100),
            "therapist_words": int(counts_all.get("therapist_words", 0) or 0),
            "client_words": int(counts_all.get("client_words", 0) or 0),
        },
        "quality_percent": (
            None
            if transcript.quality_estimate is None or quality_unrated
            else round(transcript.quality_estimate * 100)
        ),
        "quality_unrated": quality_unrated,
        "quality_reference": (
            None
            if transcript.quality_estimate is None
            else _quality_reference(transcript.metrics.get("quality_model"))
        ),
        "quality_flags_caveat": _quality_flags_caveat(transcript),
        "medical_role_note": _medical_role_note(transcript, content),
        # The "not rated" note is shown in the quality section; stored in analysis_notes
        # too (for the CLI and the API), it is not repeated under the metrics.
        "notes": [
            note
            for note in (content.get("notes", []) if content else [])
            + transcript.analysis_notes
            + _advice_coded_otherwise(transcript)
            if note != quality_unrated
        ],
    }


def _medical_role_note(transcript: Transcript, content: dict[str, Any] | None) -> str | None:
    """Why no medical-advice flag can appear in this report, when none could be raised:
    the clinician said medication information is part of their role in this session, or
    the therapist's speaker label names such a role ("Nurse"). A report silent about it
    would read as a session with no medication advice in it."""
    if transcript.medical_role:
        return _(
            "Medical-advice flags were not raised in this session: when the roles were "
            "confirmed, medication information was said to be part of the clinician's role "
            "(nurse, midwife, pharmacist, prescriber)."
        )
    if content is None:
        return None
    roles = content.get("roles", {})
    if any(role == "therapist" and names_medical_role(name) for name, role in roles.items()):
        return _(
            "Medical-advice flags were not raised in this session: the therapist's speaker "
            "label names a role that includes medication information (nurse, midwife, "
            "pharmacist, prescriber)."
        )
    return None


# The flags of advice, found in the words, beside the coder's codes.
_ADVICE_FLAGS = ("advice", "medical_advice", "religious_advice")


def _advice_coded_otherwise(transcript: Transcript) -> list[str]:
    """A note when utterances flagged as advice were coded as something else: "You should
    just go for a walk every morning", coded a reflection, was flagged as advice while the
    metrics said therapist input 0% and 2 reflections per question, meeting the reference.
    The metrics are the coder's; the note says so, so the page does not read as saying both."""
    utterances = transcript.utterances
    flagged = {
        flag["utterance"]
        for flag in transcript.flags
        if flag["kind"] in _ADVICE_FLAGS and flag["utterance"] < len(utterances)
    }
    otherwise = sum(1 for i in flagged if utterances[i]["code"] != "therapist_input")
    if not otherwise:
        return []
    return [
        ngettext(
            "%(n)s utterance flagged as advice was coded as something else (such as a "
            "reflection): therapist input, reflections per question and the quality "
            "estimate come from the codes, so they count it as that.",
            "%(n)s utterances flagged as advice were coded as something else (such as a "
            "reflection): therapist input, reflections per question and the quality "
            "estimate come from the codes, so they count them as that.",
            otherwise,
        )
        % {"n": otherwise}
    ]


def _flag_groups(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flags by utterance, in order: one card per utterance, however many of its
    flags (three cards for one sentence of advice read as three moments)."""
    groups: dict[int, dict[str, Any]] = {}
    for flag in flags:
        group = groups.setdefault(
            flag["turn"],
            {"turn": flag["turn"], "anchor": flag["anchor"], "at": flag["at"], "flags": []},
        )
        group["flags"].append(flag)
    for group in groups.values():
        group["labels"] = [str(flag["label"]) for flag in group["flags"]]
    return list(groups.values())


def _flags_by_kind(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many flags of each kind, in the order each kind first appears, with the first
    one's utterance and the kind's source (issue 5: flags by kind beside the metrics). A
    long session had 109 flags on 62 cards and no way to see that most were of one kind."""
    kinds: dict[str, dict[str, Any]] = {}
    for flag in flags:
        kind = kinds.setdefault(
            flag["kind"],
            {
                "label": flag["label"],
                "count": 0,
                "first_turn": flag["turn"],
                "first_anchor": flag["anchor"],
                "source": flag["source"],
            },
        )
        kind["count"] += 1
    return list(kinds.values())


def _flags_summary(flags: list[dict[str, Any]]) -> str:
    """ "5 moments worth a second look (8 flags)": the moments are utterances, so the
    count matches the cards and the outlined cells of the timeline."""
    moments = len({flag["turn"] for flag in flags})
    text = ngettext(
        "%(n)s moment worth a second look", "%(n)s moments worth a second look", moments
    ) % {"n": moments}
    if len(flags) == moments:
        return f"{text}."
    return _("%(moments)s (%(flags)s flags).") % {"moments": text, "flags": len(flags)}


def _quality_flags_caveat(transcript: Transcript) -> str | None:
    """Beside the estimate: the serious flags it does not weigh, by kind. A session full of
    judgmental language and medical and religious advice scored 0.89, which a clinician
    reads as good; the flags further down the page said otherwise."""
    if transcript.quality_estimate is None:
        return None
    serious = serious_flags_not_weighed(flag["kind"] for flag in transcript.flags)
    if not serious:
        return None
    return _(
        "The estimate rests on the mix of codes and does not weigh the flags listed below: "
        "%(flags)s."
    ) % {"flags": ", ".join(f"{FLAG_LABELS[kind]} ({n})" for kind, n in serious.items())}


def _quality_reference(scored_by: str | None) -> QualityReference | None:
    """What sessions experts rated high and low scored, to read this session's estimate
    against: only when the estimate came from the installed model (``scored_by``, its
    version), whose references they are. A missing or malformed model file only hides it
    (the estimate is stored)."""
    try:
        reference = quality_reference()
    except QualityModelError:
        return None
    if reference is None or scored_by is None or reference.model_version != scored_by:
        return None
    return reference


# The chart's lines: metrics the report shows as percentages (a 0-1 share times 100), so
# one 0-100 % axis reads true for each. (key, scale to %, legend label, name in the alt text)
TREND_LINES = (
    (
        "percent_open_questions",
        1.0,
        gettext_lazy("Open questions %"),
        gettext_lazy("open questions"),
    ),
    (
        "percent_complex_reflections",
        1.0,
        gettext_lazy("Complex reflections %"),
        gettext_lazy("complex reflections"),
    ),
    (
        "therapist_talk_share",
        100.0,
        gettext_lazy("Therapist talk share %"),
        gettext_lazy("therapist talk share"),
    ),
    ("change_talk_ratio", 100.0, gettext_lazy("Change talk %"), gettext_lazy("change talk")),
)
# The quality estimate is left off the chart, for the table below it. The report gives it
# as a number from 0 to 1 to be read as a ranking, not a probability ("At a glance");
# drawn as "Quality estimate %" on the % axis beside real percentages it read as "62% of
# something", and a second y axis on a 4-inch chart is easily read against the wrong
# scale. The table shows it per session exactly as the report does (0.62).

# A gap in the line: charts.py breaks a line at NaN (and at None), so a session without a
# value is never bridged by a line suggesting one in between. NaN keeps the series floats.
_GAP = float("nan")


def _plotted(row: selectors.TrendRow, name: str, scale: float) -> float:
    """The value as drawn, or a gap in the line where it is missing or not rated.

    A value resting on fewer than ``MIN_RATED`` coded behaviours is not rated in the
    report ("100% open questions" from one question); drawn on the line like the others it
    looked like a real peak. A missing value is a gap too: a line through it would suggest
    a value in between.
    """
    value = row.values.get(name)
    if value is None or name in row.unrated:
        return _GAP
    return value * scale


def _session_name(row: selectors.TrendRow) -> str:
    when = formats.date_format(timezone.localtime(row.starts_at), "j M Y")
    if row.parts > 1:
        return _("%(when)s (part %(part)s of %(parts)s)") % {
            "when": when,
            "part": row.part,
            "parts": row.parts,
        }
    return when


def _trend_row(i: int, row: selectors.TrendRow) -> dict[str, Any]:
    return {
        "number": i + 1,
        "transcript_id": row.transcript_id,
        "starts_at": row.starts_at,
        "values": [
            {
                "text": (
                    _no_questions()
                    if name == "reflection_to_question_ratio" and row.no_questions
                    else _format_metric(name, row.values.get(name))
                ),
                "not_rated": name in row.unrated,
                # Each cell names its column, for the table's narrow layout (a card per
                # session, transcripts.css) where the header row is hidden.
                "label": TREND_LABELS[name],
            }
            for name in selectors.TREND_METRICS
        ],
        "quality_estimate": row.quality_estimate,
        "quality_unrated": row.quality_unrated,
        "flag_total": row.flag_total,
        "part": row.part,
        "parts": row.parts,
    }


def _trend_chart(rows: list[selectors.TrendRow]) -> tuple[str | None, list[str]]:
    """The chart as a data URI, and the alt-text names of the lines drawn; no chart when
    no session has a value to draw (the table still lists them)."""
    # Days since the first analysed session: shows the spacing of sessions, and keeps
    # the axis in whole numbers.
    first = rows[0].starts_at
    xs = [(row.starts_at - first).total_seconds() / 86400 for row in rows]
    lines, names = [], []
    for name, scale, label, alt_name in TREND_LINES:
        ys = [_plotted(row, name, scale) for row in rows]
        if all(math.isnan(y) for y in ys):
            continue  # nothing rated to draw: no legend entry for an empty line
        lines.append(Line(str(label), xs, ys))
        names.append(str(alt_name))
    if not lines:
        return None, []
    chart = Chart(
        title=_("This client's sessions"),
        x_label=_("Days since the first analysed session"),
        y_label="%",
        lines=lines,
        y_range=(0, 100),
    )
    return svg_data_uri(line_chart_svg(chart)), names


def _listed(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _trend_alt(rows: list[selectors.TrendRow], drawn: list[str]) -> str:
    parts = [
        _("Line chart of %(lines)s (in %%) across this client's %(n)s analysed sessions.")
        % {"lines": _listed(drawn), "n": len(rows)}
    ]
    left_out = [
        _("%(metric)s on %(sessions)s")
        % {
            "metric": alt_name,
            "sessions": ", ".join(_session_name(row) for row in rows if name in row.unrated),
        }
        for name, _scale, _label, alt_name in TREND_LINES
        if any(name in row.unrated for row in rows)
    ]
    if left_out:
        parts.append(
            _(
                "Left out of the lines because they rest on fewer than %(min)s coded "
                "behaviours and are not rated: %(left_out)s."
            )
            % {"min": MIN_RATED, "left_out": "; ".join(left_out)}
        )
    parts.append(
        _(
            "The quality estimate (0 to 1, an estimate, not a percentage) is not drawn. The "
            "same numbers, and the quality estimate, are in the table below."
        )
    )
    return " ".join(parts)


def _short_reference(name: str) -> str:
    """A metric's reference in a few words, for a column of the trend table: "Fair from 1,
    good from 2", "Good below 50%", "No threshold". Its full wording and its source are in
    the Metrics table of the same page."""
    ref = REFERENCES.get(name)
    if ref is None or (ref.good is None and ref.fair is None):
        return str(_("No threshold"))

    def shown(value: float) -> str:
        text = _format_metric(name, value)
        return text[:-3] if text.endswith(".00") else text

    if not ref.higher_is_better:
        return _("Good below %(good)s") % {"good": shown(ref.good)} if ref.good else ""
    if ref.fair is not None and ref.good is not None:
        return _("Fair from %(fair)s, good from %(good)s") % {
            "fair": shown(ref.fair),
            "good": shown(ref.good),
        }
    return _("Good from %(good)s") % {"good": shown(ref.good or ref.fair or 0)}


def _trend(client) -> dict[str, Any]:
    rows = selectors.client_trend(client)
    chart: str | None = None
    alt = ""
    if len(rows) >= 2:
        chart, drawn = _trend_chart(rows)
        alt = _trend_alt(rows, drawn) if chart else ""
    return {
        "trend_rows": [_trend_row(i, row) for i, row in enumerate(rows)],
        "trend_headers": [TREND_LABELS[name] for name in selectors.TREND_METRICS],
        "trend_references": [
            {"label": TREND_LABELS[name], "text": _short_reference(name)}
            for name in selectors.TREND_METRICS
        ],
        "trend_chart": chart,
        "trend_alt": alt,
        "trend_min_rated": MIN_RATED,
        "trend_has_unrated": any(row.unrated for row in rows),
        "trend_quality_unrated": any(row.quality_unrated for row in rows),
        # Read when the page is made: the minimum is quality's (tests lower it).
        "quality_min_utterances": quality.MIN_THERAPIST_UTTERANCES,
    }
