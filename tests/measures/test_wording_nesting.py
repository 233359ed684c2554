"""A wording file the JSON reader cannot take (nested thousands deep, a number of thousands
of digits) is refused with a message, never a server error."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.measures.errors import WordingError
from rapport.measures.models import ClinicWording
from rapport.measures.wording import parse_wording_file

DEEP = "[" * 100_000 + "]" * 100_000
LONG_NUMBER = '{"instrument": "ors", "version": ' + "9" * 10_000 + "}"


@pytest.mark.parametrize("text", [DEEP, '{"a":' * 100_000 + "1" + "}" * 100_000, LONG_NUMBER])
def test_a_file_too_deep_or_with_a_huge_number_is_a_wording_error(text):
    with pytest.raises(WordingError, match="cannot be read: it nests lists or objects too deeply"):
        parse_wording_file(text)


@pytest.mark.django_db
def test_the_admin_sees_the_message_on_the_page_and_nothing_is_stored(client, admin_user):
    client.force_login(admin_user)
    client.raise_request_exception = False
    response = client.post(
        "/manage/checkins/wording/",
        {"file": SimpleUploadedFile("w.json", DEEP.encode(), "application/json")},
    )
    assert response.status_code == 400
    assert "it nests lists or objects too deeply" in response.content.decode()
    assert not ClinicWording.objects.exists()
