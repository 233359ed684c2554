"""`rapport serve` refuses, in one line and before gunicorn starts, what would otherwise
start quietly wrong: plain HTTP outside one machine (cookies without Secure, no HSTS,
http:// check-in links) unless --allow-insecure-http, and an address already in use
(gunicorn retried for 5 s, logging an error each time). gunicorn opens no control socket
of its own (~/.gunicorn/gunicorn.ctl, shared by every server of the account)."""

from __future__ import annotations

import socket

import pytest

from rapport import cli
from rapport.cli import main


@pytest.fixture
def started(monkeypatch, settings):
    """gunicorn is not started: the argv ``rapport serve`` would run is recorded."""
    settings.WHITENOISE_USE_FINDERS = True
    runs: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execvp", lambda path, argv: runs.append(argv))
    return runs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_serve_refuses_plain_http_for_a_public_address_unless_asked(
    settings, capsys, started, clinic
):
    """As behind a TLS proxy with RAPPORT_HTTPS=0: the proxy's X-Forwarded-Proto is not
    read, so cookies lose Secure and there is no HSTS."""
    settings.HTTPS = False
    settings.BASE_URL = "https://rapport.example.org"
    bind = f"127.0.0.1:{_free_port()}"

    assert main(["serve", "--bind", bind]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rapport: RAPPORT_HTTPS is off: sign-in cookies would not be Secure")
    assert "RAPPORT_HTTPS=1" in err and "--allow-insecure-http" in err
    assert err.count("\n") == 1
    assert started == []

    assert main(["serve", "--bind", bind, "--allow-insecure-http"]) == 0
    assert started


@pytest.mark.django_db
def test_serve_refuses_plain_http_listening_beyond_this_machine(settings, capsys, started, clinic):
    settings.HTTPS = False
    settings.BASE_URL = "http://127.0.0.1:8000"
    assert main(["serve", "--bind", f"0.0.0.0:{_free_port()}"]) == 2
    assert capsys.readouterr().err.startswith("rapport: RAPPORT_HTTPS is off")
    assert main(["serve", "--bind", "unix:/tmp/rapport-test-never-made.sock"]) == 2
    assert started == []


@pytest.mark.django_db
def test_plain_http_on_this_machine_alone_still_serves(settings, started, clinic):
    """One practitioner's own computer: listening on loopback, links to loopback."""
    settings.HTTPS = False
    settings.BASE_URL = "http://localhost:8000"
    assert main(["serve", "--bind", f"127.0.0.1:{_free_port()}"]) == 0
    assert started


@pytest.mark.django_db
def test_serve_says_in_one_line_that_the_address_is_in_use(settings, capsys, started, clinic):
    settings.HTTPS = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--bind", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"rapport: cannot listen on 127.0.0.1:{port}: in use; choose another address with "
        "--bind or RAPPORT_BIND, or stop what is using it\n"
    )
    assert started == []
    # Free again: it serves.
    assert main(["serve", "--bind", f"127.0.0.1:{port}"]) == 0


@pytest.mark.django_db
def test_gunicorn_opens_no_control_socket(settings, started, clinic):
    from gunicorn.config import Config

    settings.HTTPS = True
    assert main(["serve", "--bind", f"127.0.0.1:{_free_port()}"]) == 0
    (argv,) = started
    assert Config().parser().parse_args(argv[1:]).control_socket_disable is True


def test_the_demo_still_says_its_port_is_in_use(capsys, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port), "--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert err == f"rapport: port {port} is in use: choose another with --port\n"
