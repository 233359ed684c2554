"""A request naming a host Rapport does not answer to is refused with 400 and logged as one
line, without Django's traceback: any scanner can send such requests at will, and a
traceback each time would bury the log's real errors."""

from __future__ import annotations

import io
import logging

import pytest


@pytest.fixture
def console():
    """What the configured console handler writes (the one systemd's journal reads)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    # Swapped by hand: setStream would flush the previous stream, which pytest's output
    # capture may have closed already.
    previous, handler.stream = handler.stream, stream
    try:
        yield stream
    finally:
        handler.stream = previous


@pytest.mark.django_db
def test_a_foreign_host_is_answered_400_and_logged_as_one_warning_line(client, console):
    response = client.get("/accounts/login/", HTTP_HOST="scanner.example")

    assert response.status_code == 400
    lines = console.getvalue().splitlines()
    assert len(lines) == 1, console.getvalue()
    assert " WARNING django.security.DisallowedHost " in lines[0]
    assert "Invalid HTTP_HOST header: 'scanner.example'" in lines[0]
    assert "Traceback" not in console.getvalue()


@pytest.mark.django_db
def test_a_huge_foreign_host_header_makes_a_short_line(client, console):
    response = client.get("/", HTTP_HOST="a" * 5000 + ".example")

    assert response.status_code == 400
    [line] = console.getvalue().splitlines()
    assert len(line) < 400
