"""A request naming a host Rapport does not answer to is refused with 400 and logged as one
line, without Django's traceback: any scanner can send such requests at will, and a
traceback each time would bury the log's real errors."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_a_foreign_host_is_answered_400_and_logged_as_one_warning_line(client, console_output):
    response = client.get("/accounts/login/", HTTP_HOST="scanner.example")

    assert response.status_code == 400
    lines = console_output.getvalue().splitlines()
    assert len(lines) == 1, console_output.getvalue()
    assert " WARNING django.security.DisallowedHost " in lines[0]
    assert "Invalid HTTP_HOST header: 'scanner.example'" in lines[0]
    assert "Traceback" not in console_output.getvalue()


@pytest.mark.django_db
def test_a_huge_foreign_host_header_makes_a_short_line(client, console_output):
    response = client.get("/", HTTP_HOST="a" * 5000 + ".example")

    assert response.status_code == 400
    [line] = console_output.getvalue().splitlines()
    assert len(line) < 400
