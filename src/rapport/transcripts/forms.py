"""Input validation for transcript pages. Forms validate (and parse); services write."""

from __future__ import annotations

import logging
import math
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rapport.transcripts.parsing import CLIENT, THERAPIST, TranscriptError, parse_transcript

__all__ = [
    "ALLOWED_SUFFIXES",
    "MAX_UPLOAD_BYTES",
    "DeleteForm",
    "RolesForm",
    "UploadForm",
    "roles_fit_in_one_request",
]

logger = logging.getLogger(__name__)

# A one-hour session exported as WebVTT is about 100-150 kB; 2 MB allows a long session
# with chatty caption splitting while keeping a web worker's memory and time bounded.
# Also the most of any uploaded file the server keeps, in memory only
# (rapport.core.uploads): past it the rest is dropped as it arrives and this form says how
# large the file was. So this is the largest limit of any upload form.
# The file is parsed, coded and flagged inside the request that confirms its roles
# (gunicorn's timeout: 60 s). Since long turns are coded from their start and each lexicon
# pattern runs only where its words are (2026-12-07), that work follows the number of turns
# more than the bytes: in one run on a loaded 2-core host, `rapport analyze` took 17.6 s of
# CPU for 2 MB of 4,990 ordinary turns and 20.6 s for 1 MB of 4,674, against 9.3 s for 2 MB
# of punctuation-free turns dense with lexicon words. A lower limit would not bound it;
# parsing.MAX_TURNS does.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# How the limit reads in messages: one figure, so the text cannot drift from the check.
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
ALLOWED_SUFFIXES = (".vtt", ".srt", ".txt", ".csv")

ROLE_CHOICES = [(THERAPIST, _("Therapist")), (CLIENT, _("Client"))]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Transcript file"),
        help_text=format_lazy(
            _(
                "WebVTT (.vtt) or SubRip (.srt) captions from your video platform, plain text "
                "(.txt) with one 'Speaker: words' line per turn, or CSV (.csv) with 'speaker' "
                "and 'text' columns. Up to {limit} MB."
            ),
            limit=MAX_UPLOAD_MB,
        ),
        widget=forms.FileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
        error_messages={
            "required": _("Choose the transcript file to upload."),
            "empty": _("This file is empty."),
        },
    )

    parsed = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                _(
                    "Upload a .vtt, .srt, .txt or .csv file. Export the transcript from your "
                    "video platform as WebVTT (.vtt) if you can."
                )
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "This file is %(size).1f MB; transcripts are limited to %(limit)d MB. Split "
                    "the session into parts or remove anything that is not the transcript."
                )
                # Rounded up: 2.04 MB must not read "This file is 2.0 MB".
                % {
                    "size": math.ceil(upload.size * 10 / (1024 * 1024)) / 10,
                    "limit": MAX_UPLOAD_MB,
                }
            )
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        try:
            self.parsed = parse_transcript(data, upload.name, max_bytes=MAX_UPLOAD_BYTES)
        except TranscriptError as error:
            raise forms.ValidationError(str(error)) from None
        except Exception as error:  # noqa: BLE001 - a bad file must never become a 500
            # The exception type only: its message could quote the file.
            logger.warning("transcript parser failed unexpectedly: %s", type(error).__name__)
            raise forms.ValidationError(
                _(
                    "This file could not be read as a transcript. Export it again from your "
                    "video platform as WebVTT (.vtt), or save it as plain text with one "
                    "'Speaker: words' line per turn."
                )
            ) from None
        return upload


def roles_fit_in_one_request(speaker_count: int) -> bool:
    """Whether the roles form of this many speakers can be sent at all.

    The form posts one field per speaker and the CSRF token, and Django refuses a request of
    more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields before any view runs (a bare "Bad
    Request (400)" page). Uploads are now limited to 20 speakers (parsing.MAX_SPEAKERS), but
    a transcript stored before that can name a thousand or more: its page must say so rather
    than offer a form that can never be sent.
    """
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return limit is None or speaker_count + 1 <= limit


class RolesForm(forms.Form):
    """One role choice per speaker, pre-filled with the guess (or the last confirmed roles),
    and whether medication information is part of the clinician's role in this session."""

    def __init__(
        self,
        *args,
        speakers: list[str],
        roles: dict[str, str],
        medical_role: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.speakers = speakers
        for index, name in enumerate(speakers):
            self.fields[f"speaker_{index}"] = forms.ChoiceField(
                label=name,
                choices=ROLE_CHOICES,
                initial=roles.get(name, CLIENT),
                widget=forms.Select,
            )
        # After the speakers: it is about the therapist once they are named. A nurse,
        # midwife, pharmacist or prescriber telling a patient how to take a medicine is
        # doing their job; for a counsellor it is advice outside their role (PRACTICES.md).
        self.fields["medical_role"] = forms.BooleanField(
            label=_(
                "Medication information is part of my role in this session (nurse, midwife, "
                "pharmacist, prescriber)"
            ),
            help_text=_(
                "Then explaining how to take a medicine is not flagged as medical advice. "
                "Leave it unticked for counselling and psychotherapy. A therapist speaker "
                "named 'Nurse', 'Pharmacist' or 'GP' in the transcript counts as ticked."
            ),
            required=False,
            initial=medical_role,
        )

    def clean(self):
        cleaned = super().clean()
        chosen = {cleaned.get(f"speaker_{i}") for i in range(len(self.speakers))}
        if not self.errors:
            if THERAPIST not in chosen:
                raise forms.ValidationError(_("Choose which speaker is the therapist."))
            if CLIENT not in chosen:
                raise forms.ValidationError(_("At least one speaker must be the client."))
        return cleaned

    @property
    def roles(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"speaker_{index}"] for index, name in enumerate(self.speakers)
        }


class DeleteForm(forms.Form):
    TEXT, EVERYTHING = "text", "everything"
    what = forms.ChoiceField(
        label=_("What should be deleted?"),
        choices=[
            (TEXT, _("The text only: keep the codes, metrics and flags (without quotes)")),
            (EVERYTHING, _("Everything: the transcript and its analysis")),
        ],
        initial="text",
        error_messages={"required": _("Choose what to delete.")},
    )
