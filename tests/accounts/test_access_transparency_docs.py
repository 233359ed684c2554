"""Where the README and the operations guide speak of roles and of resetting an account,
they lead to what a therapist is shown about who can see their clients (docs/configuration.md,
"Roles, supervision and the audit log"), and that page quotes the notices as they read."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import timezone

from rapport.accounts.models import AccessNotice, AccessNoticeKind
from rapport.accounts.notices import access_notice_text

DOCS = Path(__file__).resolve().parents[2]
LINK = "configuration.md#roles-supervision-and-the-audit-log"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def test_the_anchor_is_a_heading_of_the_configuration_guide():
    assert "\n## Roles, supervision and the audit log\n" in _read("docs/configuration.md")


def test_the_readme_links_to_it_next_to_what_keeps_data_confidential():
    readme = _read("README.md")
    intro = readme[: readme.index("\n## ")]
    assert f"(docs/{LINK})" in intro
    assert "who else can see their clients" in _flat(intro)


def test_the_mfa_reset_in_the_operations_guide_says_the_person_is_told():
    reset = _flat(_section(_read("docs/operations.md"), "## A lost or replaced phone"))
    assert f"({LINK})" in reset
    assert "is told on their caseload who reset their second factors" in reset


def test_the_configuration_guide_quotes_the_notice_of_a_supervisor_made_inactive():
    notice = AccessNotice(
        kind=AccessNoticeKind.SUPERVISOR_SUSPENDED,
        actor_label="admin@example.org",
        other_label="morgan.lee@example.org",
        created_at=timezone.now(),
    )
    text = access_notice_text(notice).split(": ", 1)[1]  # without the date and time
    assert text in _flat(_read("docs/configuration.md"))
    assert "`rapport reset-mfa`" in _flat(
        _section(_read("docs/configuration.md"), "## Roles, supervision and the audit log")
    )
