"""The caseload's rows do no work that is the same for every row, and a trend already
drawn is not drawn again: rendering was about 60% of a supervisor's caseload view
(240 rows), most of it repeated per row. Each row's words, dates and tags are made once
in Python (``clinic.selectors.caseload_lines``), so the template's row loop only places
them: no translation, filter or tag runs per row. What the page shows does not change (the
caseload's other tests say what it shows)."""

from __future__ import annotations

import base64

import pytest
from django.template import loader
from django.template.base import VariableNode
from django.template.defaulttags import ForNode, URLNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode

from rapport.clinic.models import Episode, Phase
from rapport.monitoring.selectors import Trend
from rapport.monitoring.templatetags import monitoring_tags


def _nodes(nodelist):
    for node in nodelist:
        yield node
        for attr in node.child_nodelists:
            yield from _nodes(getattr(node, attr, None) or [])


def _row_loop() -> ForNode:
    template = loader.get_template("clinic/caseload.html").template
    loops = [
        node
        for node in _nodes(template.nodelist)
        if isinstance(node, ForNode) and node.sequence.token == "lines"
    ]
    assert len(loops) == 1
    return loops[0]


def test_no_word_is_translated_again_for_each_row():
    """The column labels are the same on every row: translated once before the rows; a
    row's own words come made (``caseload_lines``): no translation, filter, date or URL
    tag runs for each of hundreds of rows."""
    loop = list(_nodes(_row_loop().nodelist_loop))
    assert [n for n in loop if isinstance(n, TranslateNode | BlockTranslateNode | URLNode)] == []
    filtered = [
        n.filter_expression.token
        for n in loop
        if isinstance(n, VariableNode) and n.filter_expression.filters
    ]
    assert filtered == []
    # The words are still there, once, translated before the loop.
    labels = loader.get_template("clinic/caseload.html").template.source
    for word in ("Needs attention", "Next appointment", "Last seen", "No episode"):
        assert f'{{% translate "{word}" as ' in labels


def _count_drawings(monkeypatch) -> list[int]:
    drawn: list[int] = []
    real = monitoring_tags.sparkline_svg

    def counting(*args, **kwargs):
        drawn.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(monitoring_tags, "sparkline_svg", counting)
    monitoring_tags._sparkline.cache_clear()
    monitoring_tags._trend_text.cache_clear()
    return drawn


def test_a_trend_already_drawn_is_not_drawn_again(monkeypatch):
    drawn = _count_drawings(monkeypatch)
    trend = Trend("session-checkin", (38.0, 36.0, 31.0), count=3, sessions=(1, 2, 3))
    first = monitoring_tags.sparkline(trend)
    again = monitoring_tags.sparkline(Trend("session-checkin", (38.0, 36.0, 31.0), 3, (1, 2, 3)))
    assert first == again and len(drawn) == 1
    assert base64.b64decode(first.split(",", 1)[1]).decode().startswith("<svg")


def test_a_trend_that_differs_in_anything_drawn_is_drawn_anew(monkeypatch):
    drawn = _count_drawings(monkeypatch)
    base = monitoring_tags.sparkline(Trend("session-checkin", (38.0, 36.0), 2, (1, 2)))
    gap = monitoring_tags.sparkline(Trend("session-checkin", (38.0, 36.0), 2, (1, 4)))
    value = monitoring_tags.sparkline(Trend("session-checkin", (38.0, 35.0), 2, (1, 2)))
    other = monitoring_tags.sparkline(Trend("phq9", (38.0, 36.0), 2, (1, 2)))
    assert len({base, gap, value, other}) == 4 and len(drawn) == 4
    assert monitoring_tags.trend_text(
        Trend("session-checkin", (38.0, 36.0), 2, (1, 4))
    ) != monitoring_tags.trend_text(Trend("session-checkin", (38.0, 36.0), 2, (1, 2)))
    assert "no rating at sessions 2" in monitoring_tags.trend_text(
        Trend("session-checkin", (38.0, 36.0), 2, (1, 4))
    )
    assert monitoring_tags.sparkline(None) == monitoring_tags.trend_text(None) == ""
    assert monitoring_tags.sparkline(Trend("phq9", ())) == ""


@pytest.mark.parametrize("phase", [*Phase.values, "not-a-phase"])
def test_the_phase_reads_as_the_episode_says_it(phase):
    assert monitoring_tags.phase_label(phase) == Episode(phase=phase).get_phase_display()


@pytest.mark.django_db
def test_the_caseload_decrypts_only_what_it_shows(monkeypatch, login, supervisor, client_a):
    """Each row shows the client's name; the episode's referral source and ending summary
    (encrypted, not shown) are not read, so not decrypted."""
    from rapport.core.fields import EncryptedTextField

    client_a.episodes.update(referral_source="GP", ending_summary="")
    decrypted: list[str] = []
    real = EncryptedTextField.from_db_value

    def counting(self, value, expression, connection):
        decrypted.append(f"{self.model.__name__}.{self.name}")
        return real(self, value, expression, connection)

    monkeypatch.setattr(EncryptedTextField, "from_db_value", counting)
    page = login(supervisor).get("/caseload/")
    assert "Canary-7f3a Client" in page.content.decode()
    assert "Client.display_name" in decrypted
    assert not [name for name in decrypted if name.startswith("Episode.")]


@pytest.mark.django_db
def test_the_caseload_reads_of_each_alert_only_what_it_uses(login, therapist_a):
    """Kind, severity, workflow state and evidence: not the explanation, the JSON of what was
    seen or the timestamps (40% of the alert query's time on 311 rows); and reading none of
    them later costs a query per alert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from tests.conftest import make_client

    from rapport.monitoring.models import Alert

    def alert(name: str, kind: str) -> None:
        client = make_client(therapist_a, name)
        now = timezone.now()
        Alert.objects.create(
            client=client,
            episode=client.episodes.get(),
            kind=kind,
            severity="medium",
            signal_key=f"{kind}:test",
            first_detected_at=now,
            last_detected_at=now,
            explanation="Explained",
            seen={"keys": ["x"]},
        )

    alert("Ada A.", "alliance_low")
    http = login(therapist_a)
    with CaptureQueriesContext(connection) as one:
        page = http.get("/caseload/").content.decode()
    assert "Ada A." in page and 'title="Alliance below threshold"' in page
    alert("Bo B.", "alliance_rupture")
    alert("Cy C.", "not_on_track")
    with CaptureQueriesContext(connection) as three:
        http.get("/caseload/")
    assert len(three.captured_queries) == len(one.captured_queries)
    (sql,) = [q["sql"] for q in three.captured_queries if 'FROM "monitoring_alert"' in q["sql"]]
    for unread in ("seen", "explanation", "first_detected_at", "woken_reason", "signal_key"):
        assert f'"monitoring_alert"."{unread}"' not in sql
    for read in ("kind", "severity", "status", "snoozed_until", "evidence"):
        assert f'"monitoring_alert"."{read}"' in sql
