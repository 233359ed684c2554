"""An uploaded transcript never touches the disk, however large: a file over the 2 MB limit
is dropped as it arrives and refused with its size, and nothing of it is kept anywhere.

Django's default handlers would write a file over 2.5 MB to the temporary folder in plain
text while the request arrives; a transcript is client free text, encrypted at rest only.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.test import RequestFactory

from rapport.audit.models import AuditEvent
from rapport.core.uploads import OversizedUpload
from rapport.transcripts.forms import MAX_UPLOAD_BYTES
from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import fixture_bytes

pytestmark = pytest.mark.django_db

MB = 1024 * 1024

# Files opened (for anything) under the watched folder while `files_opened_in` runs. An audit
# hook sees every open() and os.open() of the process, including the temporary file Django's
# TemporaryFileUploadHandler creates and deletes again within the request; hooks cannot be
# removed, so this one records only while a test watches.
_watched: list[str] = []
_opened: list[str] = []


def _record_open(event: str, args: tuple) -> None:
    if event != "open" or not _watched or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if any(path.startswith(folder + os.sep) for folder in _watched):
        _opened.append(path)


sys.addaudithook(_record_open)


@contextmanager
def files_opened_in(folder: Path) -> Iterator[list[str]]:
    _opened.clear()
    _watched.append(str(folder.resolve()))
    try:
        yield _opened
    finally:
        _watched.clear()


@pytest.fixture
def temp_folder(tmp_path, settings, monkeypatch) -> Path:
    """A fresh, empty folder as both Django's upload folder and Python's temporary folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def appointment(client_a):
    return client_a.episodes.get().appointments.order_by("starts_at").first()


def long_session(size: int) -> bytes:
    """A synthetic WebVTT transcript of exactly ``size`` bytes."""
    cues = []
    for n in range(size // 60 + 1):
        speaker = "Jo Counsellor" if n % 2 else "Robin"
        cues.append(f"{n:05}\n00:00:01.000 --> 00:00:02.000\n<v {speaker}>And then?\n\n")
    return (b"WEBVTT\n\n" + "".join(cues).encode())[:size]


def upload(http, appointment, name, data, **extra_files):
    files = {"file": SimpleUploadedFile(name, data, content_type="text/vtt"), **extra_files}
    return http.post(f"/appointments/{appointment.pk}/transcripts/new/", files)


def test_a_large_transcript_is_refused_with_its_size_and_never_written_to_disk(
    login, therapist_a, appointment, temp_folder
):
    data = long_session(int(4.45 * MB))  # past Django's 2.5 MB switch to a temporary file
    http = login(therapist_a)

    with files_opened_in(temp_folder) as opened:
        response = upload(http, appointment, "long-session.vtt", data)

    assert response.status_code == 400
    assert "This file is 4.5 MB; transcripts are limited to 2 MB." in response.content.decode()
    assert opened == []
    assert list(temp_folder.iterdir()) == []
    assert Transcript.objects.count() == 0
    assert not AuditEvent.objects.filter(target__startswith="transcript").exists()


def test_a_transcript_within_the_limit_is_still_stored(
    login, therapist_a, appointment, temp_folder
):
    http = login(therapist_a)

    with files_opened_in(temp_folder) as opened:
        response = upload(http, appointment, "session.vtt", fixture_bytes("session.vtt"))

    transcript = Transcript.objects.get()
    assert response["Location"] == f"/transcripts/{transcript.pk}/roles/"
    assert transcript.read_content()["speakers"] == ["Jo Counsellor", "Robin"]
    assert opened == []


def _parsed_files(data: bytes, **extra_files):
    files = {"file": SimpleUploadedFile("session.vtt", data), **extra_files}
    return RequestFactory().post("/", files).FILES


def test_a_file_of_exactly_the_limit_is_kept_whole_in_memory():
    data = long_session(MAX_UPLOAD_BYTES)
    upload_ = _parsed_files(data)["file"]
    assert type(upload_) is InMemoryUploadedFile
    assert upload_.size == MAX_UPLOAD_BYTES
    assert upload_.read() == data


def test_one_byte_more_is_kept_as_its_name_and_size_only():
    upload_ = _parsed_files(long_session(MAX_UPLOAD_BYTES + 1))["file"]
    assert isinstance(upload_, OversizedUpload)
    assert (upload_.name, upload_.size) == ("session.vtt", MAX_UPLOAD_BYTES + 1)
    assert upload_.file.getvalue() == b""
    with pytest.raises(ValueError, match="check the size first"):
        upload_.read()  # a form that forgot the size check must not get an empty "file"


def test_a_request_with_a_second_file_is_refused_and_stores_nothing(
    login, therapist_a, appointment
):
    # Every upload form takes one file; more would each be held in memory.
    with pytest.raises(TooManyFilesSent):
        _parsed_files(b"WEBVTT\n", other=SimpleUploadedFile("b.vtt", b"WEBVTT\n"))
    http = login(therapist_a)
    extra = SimpleUploadedFile("copy.vtt", fixture_bytes("session.vtt"))
    response = upload(http, appointment, "session.vtt", fixture_bytes("session.vtt"), other=extra)
    assert response.status_code == 400
    assert Transcript.objects.count() == 0


def test_form_fields_over_one_megabyte_are_refused(login, therapist_a, appointment):
    http = login(therapist_a)
    response = http.post(
        f"/appointments/{appointment.pk}/transcripts/new/",
        {"file": SimpleUploadedFile("session.vtt", fixture_bytes("session.vtt")), "x": "a" * MB},
    )
    assert response.status_code == 400
    assert Transcript.objects.count() == 0


def test_no_upload_form_accepts_more_than_the_server_keeps():
    from rapport.checkins.forms import WordingUploadForm

    # A form with a larger limit would pass an OversizedUpload's size check and then fail.
    assert WordingUploadForm.MAX_BYTES <= MAX_UPLOAD_BYTES
