"""An alert's "since session N" tag: a check-in that never came started before any session,
which reads "from the first session", never "since session 0"."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string

from rapport.monitoring.models import Alert


def _tags(onset_session: int) -> str:
    alert = Alert(
        kind="feedback_missing",
        severity="low",
        status="open",
        onset_session=onset_session,
        evidence={},
        explanation="No check-in has come yet.",
        source="a source",
    )
    html = render_to_string(
        "monitoring/includes/alert.html", {"view": SimpleNamespace(alert=alert, snoozed=False)}
    )
    return html[html.index('<ul class="alert-tags">') : html.index("</ul>")]


def test_an_alert_about_check_ins_that_never_came_starts_from_the_first_session():
    tags = _tags(0)
    assert "from the first session" in tags and "session 0" not in tags


def test_an_alert_that_started_at_a_session_names_it():
    assert "since session 3" in _tags(3)
