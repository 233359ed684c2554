"""Uploaded files are held in memory only, and only up to the largest size a page accepts.

Django's default handlers stream a file larger than 2.5 MB into a temporary file while the
request arrives. An uploaded transcript is client free text, which is kept encrypted at rest
(DESIGN §5): written in plain text to the temporary folder, it would stay readable there (and
on the disk's free blocks) whatever the database encryption does. So ``settings.py`` names
:class:`MemoryOnlyUploadHandler` as the only handler: no upload is ever written to disk.

Memory stays bounded: a file is kept only up to :data:`MAX_UPLOAD_BYTES`, the largest file
any page accepts (the transcript limit; the licensed-wording file's is smaller). Past that
the rest of the file is read and dropped as it arrives, and the form receives an
:class:`OversizedUpload` that knows the file's name and full size but holds nothing, so its
own size check refuses it with the usual message ("This file is 4.6 MB; transcripts are
limited to 2 MB") and nothing is stored.

Why not ``SkipFile`` or ``StopUpload``: both make Django drop the file altogether (and
``StopUpload`` every field after it), so the form would only see that no file was chosen
("Choose the transcript file to upload"), not that it was too large. Neither stops the
upload any sooner either: without a connection reset (which browsers show as a network
error) Django reads the rest of the request anyway.
Refusing a large request before it is read is the reverse proxy's job (docs/transcripts-app.md).
"""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from rapport.transcripts.forms import MAX_UPLOAD_BYTES

__all__ = ["MAX_UPLOAD_BYTES", "MemoryOnlyUploadHandler", "OversizedUpload"]


class OversizedUpload(InMemoryUploadedFile):
    """A file that passed :data:`MAX_UPLOAD_BYTES`: its name and size, none of its bytes.

    Every upload form checks ``size`` before reading; reading this one is a programming
    error, and raises rather than handing over an empty file as if it were the upload.
    """

    def __init__(self, field_name, name, content_type, size, charset, content_type_extra):
        super().__init__(
            BytesIO(), field_name, name, content_type, size, charset, content_type_extra
        )

    def read(self, *args, **kwargs):
        raise self._not_kept()

    def chunks(self, chunk_size=None):
        raise self._not_kept()

    def _not_kept(self) -> ValueError:
        return ValueError(
            f"{self.size} bytes uploaded, over the {MAX_UPLOAD_BYTES} kept: check the size first."
        )


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps each uploaded file in memory up to :data:`MAX_UPLOAD_BYTES`, then drops it."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file = BytesIO()
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if not self.too_large and start + len(raw_data) > MAX_UPLOAD_BYTES:
            # Let go of what was kept; Django goes on counting the file's size.
            self.too_large = True
            self.file = BytesIO()
        if not self.too_large:
            self.file.write(raw_data)
        # None: no other handler gets the chunk (there is none; and none may write it out).
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        about = (self.field_name, self.file_name, self.content_type, file_size, self.charset)
        if self.too_large:
            return OversizedUpload(*about, self.content_type_extra)
        self.file.seek(0)
        return InMemoryUploadedFile(self.file, *about, self.content_type_extra)
