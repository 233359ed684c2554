"""The triage caseload: clients who need attention first, trends, filters, team figures,
and a fixed number of queries whatever the caseload size."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.accounts.models import Role, SupervisionLink
from rapport.audit.models import AuditEvent
from rapport.clinic.models import EndReason, Episode, Phase
from rapport.clinic.selectors import caseload_for
from rapport.monitoring.tasks import recompute_alerts
from tests.conftest import make_user
from tests.monitoring.db.helpers import bulk_history, make_episode, outcome_answers, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def names(rows):
    return [row.client.display_name for row in rows]


@pytest.fixture
def caseload(therapist_a):
    """Four clients: steady, a rupture, check-ins stopped, and reliably worse."""
    now = timezone.now()
    built = {}
    for name, alliance, outcome in [
        ("Ada Steady", [38, 38, 39, 38, 39], [14, 12, 11, 10, 9]),
        ("Bram Rupture", [38, 38, 38, 28, 29], [14, 14, 13, 13, 12]),
        ("Cleo Quiet", [38, 38, 38, None, None], [14, 13, 12, 12, 11]),
        ("Dario Worse", [38, 38, 37, 38, 38], [10, 12, 14, 16, 18]),
    ]:
        client, episode, held = make_episode(therapist_a, name, sessions=5, now=now)
        bulk_history(client, held, alliance=alliance, outcome=outcome)
        built[name] = client
    recompute_alerts(now=now)
    return built


def test_clients_are_ordered_by_need_with_overdue_feedback_after_open_alerts(therapist_a, caseload):
    rows = caseload_for(therapist_a)
    # Reliably worse is high severity; the rupture medium; stopped check-ins come after any
    # open alert; the steady client last.
    assert names(rows) == ["Dario Worse", "Bram Rupture", "Cleo Quiet", "Ada Steady"]
    worse, rupture, quiet, steady = rows
    assert [a.kind for a in worse.alerts][0] == "reliable_deterioration"
    assert {a.kind for a in rupture.alerts} >= {"alliance_rupture", "alliance_low"}
    assert quiet.feedback_overdue and [a.kind for a in quiet.alerts] == ["feedback_missing"]
    assert steady.alerts == () and steady.alliance_trend.values == (38, 38, 39, 38, 39)
    assert steady.outcome_trend.values == (14, 12, 11, 10, 9)


def test_an_unreviewed_risk_answer_puts_the_client_first_until_it_is_followed_up(
    login, therapist_a, caseload
):
    # Ada has no alert, but her last PHQ-9 answers item 9 ("thoughts that you would be
    # better off dead") with "several days": that comes before every alert.
    ada = caseload["Ada Steady"]
    answers = {**outcome_answers("phq9", 9), "phq9_9": 1}
    response = record(ada, "phq9", answers, at=timezone.now() - dt.timedelta(hours=1))
    assert response.risk_flags
    rows = caseload_for(therapist_a)
    assert names(rows) == ["Ada Steady", "Dario Worse", "Bram Rupture", "Cleo Quiet"]
    assert rows[0].risk_unreviewed and not any(r.risk_unreviewed for r in rows[1:])
    page = login(therapist_a).get("/caseload/").content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    assert body.index("Ada Steady") < body.index("Dario Worse")
    first_row = body[: body.index("</tr>")]
    assert "Ada Steady" in first_row and "Risk answer" in first_row
    # The caseload read is audited for every client shown, Ada's risk answer not singled out.
    assert AuditEvent.objects.filter(target="caseload", client_id=ada.pk).exists()
    assert not AuditEvent.objects.filter(target__contains="risk").exists()

    response.risk_reviewed_at = timezone.now()
    response.save(update_fields=["risk_reviewed_at"])
    assert names(caseload_for(therapist_a))[-1] == "Ada Steady"


def test_the_page_shows_alerts_and_trend_lines_with_their_numbers(login, therapist_a, caseload):
    page = login(therapist_a).get("/caseload/").content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    order = [m for m in re.findall(r">([A-Z][a-z]+ [A-Z][a-z]+)</a></th>", body)]
    assert order == ["Dario Worse", "Bram Rupture", "Cleo Quiet", "Ada Steady"]
    assert ">Rupture</li>" in body and ">No check-ins</li>" in body
    # High priority is marked in text as well as colour (WCAG 1.4.1).
    high = '<span aria-hidden="true">! </span><span class="sr-only">High priority: </span>Worse'
    assert high in body and body.count("High priority:") == 1
    # Medium and low are told apart in words too, not by their colour alone.
    assert '<span class="sr-only">Medium priority: </span>Rupture' in body
    assert '<span class="sr-only">Low priority: </span>No check-ins' in body
    # The latest value and which way is better close the alt text (e1f57a8).
    assert (
        'alt="Check-in, last 5: 38, 38, 38, 28, 29 (below 36 is low); latest 29; '
        'higher is better"' in body
    )
    assert (
        'alt="PHQ-9, last 5: 10, 12, 14, 16, 18 (cut-off 10); latest 18; lower is better"' in body
    )
    assert body.count('class="spark"') == 8
    assert AuditEvent.objects.filter(target="caseload").count() == 4


def test_each_sparkline_says_its_latest_value_and_better_way_on_hover(login, therapist_a, caseload):
    """The sparkline's title (a tooltip for a pointer) says in words what its label under
    the line says with an arrow ('29 ↑ better'): monitoring_tags.trend_caption."""
    page = login(therapist_a).get("/caseload/").content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    sparks = re.findall(r'<img class="spark"[^>]*>', body)
    assert len(sparks) == 8
    assert all(re.search(r' title="Latest \d+; (higher|lower) is better"', s) for s in sparks)
    bram = body[body.index("Bram Rupture") :]
    bram = bram[: bram.index("</tr>")]
    assert 'title="Latest 29; higher is better"' in bram  # check-in 38, 38, 38, 28, 29
    dario = body[body.index("Dario Worse") :]
    dario = dario[: dario.index("</tr>")]
    assert 'title="Latest 18; lower is better"' in dario  # PHQ-9 10, 12, 14, 16, 18


def test_the_caseload_filters_by_alert_kind(login, therapist_a, caseload):
    http = login(therapist_a)
    page = http.get("/caseload/", {"kind": "alliance_rupture"}).content.decode()
    assert "Bram Rupture" in page and "Ada Steady" not in page and "Dario Worse" not in page
    assert AuditEvent.objects.filter(target="caseload").count() == 1
    response = http.get("/caseload/", {"kind": "no_such_kind"})
    assert response.status_code == 400
    assert names(caseload_for(therapist_a, kind="feedback_missing")) == ["Cleo Quiet"]


def test_a_supervisor_sees_each_supervisees_caseload_filterable_by_therapist(
    login, therapist_a, therapist_b, supervisor, caseload
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    make_episode(therapist_b, "Eli Other", sessions=2)
    outsider = make_user(therapist_a.clinic, "outsider@test.invalid", Role.THERAPIST)
    make_episode(outsider, "Zed Outside", sessions=2)
    http = login(supervisor)
    page = http.get("/caseload/").content.decode()
    assert "Eli Other" in page and "Bram Rupture" in page and "Zed Outside" not in page
    assert "Team figures" in page
    page = http.get("/caseload/", {"therapist": therapist_b.pk}).content.decode()
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    assert "Eli Other" in table and "Bram Rupture" not in table
    assert http.get("/caseload/", {"therapist": outsider.pk}).status_code == 400


def test_team_figures_give_alliance_not_on_track_dropout_and_completion(
    login, therapist_a, supervisor, caseload
):
    # Two ended episodes of therapist A, one a dropout: too few to set 50% against 19.7%.
    for name, reason in (("Ended One", EndReason.DROPPED_OUT), ("Ended Two", EndReason.PLANNED)):
        _, episode, _ = make_episode(therapist_a, name, sessions=2)
        Episode.objects.filter(pk=episode.pk).update(
            phase=Phase.CLOSED, ended_on=timezone.localdate(), end_reason=reason
        )
    page = login(supervisor).get("/caseload/").content.decode()
    figures = page[page.index('id="figures-h"') :]
    row = figures[figures.index("Therapist.A") :]
    row = row[: row.index("</tr>")]
    # Latest alliance: 39, 29, 38 (Cleo's last check-in), 38 of 40 -> mean 36.0, 90% of scale.
    assert '90% <span class="muted">(n=4)</span>' in row
    assert "1 of 2" in row and "too few to compare with 19.7%" in row and "50.0%" not in row
    # 20 sessions attended in the last 12 weeks (the ended episodes are older), 18 check-ins.
    assert "(18/20)" in row and "90.0%" in row
    # Not on track: Dario of the 4 clients with outcome scores.
    assert "25.0%" in row and "(1/4)" in row
    assert "19.7%" in figures and "Swift &amp; Greenberg (2012)" in figures


def _grow(therapist, count, start):
    now = timezone.now()
    for i in range(count):
        client, episode, held = make_episode(therapist, f"Client {start + i:03d}", sessions=4)
        alliance = [38, 38, 38, 28] if i % 3 == 0 else [38, 37, 38, 38]
        bulk_history(client, held, alliance=alliance, outcome=[16, 15, 17, 19])
    recompute_alerts(now=now)


@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_the_caseload_runs_the_same_number_of_queries_for_10_and_100_clients(
    login, therapist_a, supervisor, role
):
    http = login(therapist_a if role == "therapist" else supervisor)
    _grow(therapist_a, 10, 0)
    with CaptureQueriesContext(connection) as small:
        response = http.get("/caseload/")
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row"><a href="/clients/') == 10
    _grow(therapist_a, 90, 10)
    with CaptureQueriesContext(connection) as large:
        page = http.get("/caseload/").content.decode()
    assert page.count('<th scope="row"><a href="/clients/') == 100
    # The audit rows (one per client listed) go in one bulk INSERT, which SQLite splits into
    # batches of at most 999 parameters: a batch per ~90 rows is not a query per client.
    audit_inserts = _audit_inserts(large)
    assert len(audit_inserts) <= 2 and len(_audit_inserts(small)) == 1
    assert len(large.captured_queries) - len(audit_inserts) == len(small.captured_queries) - 1


def _audit_inserts(captured):
    return [
        q
        for q in captured.captured_queries
        if q["sql"].startswith('INSERT INTO "audit_auditevent"')
    ]


def test_good_news_is_shown_but_never_raises_a_client(therapist_a):
    now = timezone.now()
    for name, outcome in (("Ann Recovered", [18, 14, 10, 7, 5]), ("Bob Plain", [12] * 5)):
        client, _, held = make_episode(therapist_a, name, sessions=5, now=now)
        bulk_history(client, held, alliance=[38] * 5, outcome=outcome)
    recompute_alerts(now=now)
    rows = caseload_for(therapist_a)
    assert names(rows) == ["Ann Recovered", "Bob Plain"]  # alphabetical: nobody needs action
    assert [a.kind for a in rows[0].good_news] == ["recovered"] and rows[0].alerts == ()
    assert rows[0].need == rows[1].need


def test_closed_episodes_leave_the_caseload(therapist_a, caseload):
    episode = caseload["Ada Steady"].episodes.get()
    Episode.objects.filter(pk=episode.pk).update(
        phase=Phase.CLOSED, ended_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert "Ada Steady" not in names(caseload_for(therapist_a))


def test_alliance_on_different_scales_is_averaged_as_a_share_of_each_scale():
    from rapport.monitoring.selectors import Trend, _latest_alliance_share

    # WAI-SR is a mean of 1-5; the check-in and the SRS run 0-40.
    assert _latest_alliance_share(Trend("wai-sr", (3.0, 5.0))) == 100.0
    assert _latest_alliance_share(Trend("wai-sr", (1.0,))) == 0.0
    assert _latest_alliance_share(Trend("session-checkin", (40.0, 36.0))) == 90.0
    assert _latest_alliance_share(Trend("session-checkin", ())) is None
    assert _latest_alliance_share(None) is None


def test_check_in_completion_counts_each_session_once_and_any_alliance_measure(
    login, therapist_a, supervisor
):
    from tests.monitoring.db.helpers import checkin_answers, record

    client, _episode, held = make_episode(
        therapist_a, "Completion C.", sessions=3, now=timezone.now()
    )
    hour = dt.timedelta(hours=1)
    # Session 1 answered three times (phone, tablet, a retry); session 2 by the SRS;
    # session 3 not at all: two sessions of three have a check-in.
    for later in (1, 2, 3):
        answers = checkin_answers(9, 9, 9, 9)
        at = held[0].starts_at + later * hour
        record(client, "session-checkin", answers, at=at, appointment=held[0])
    srs = {f"srs_{n}": 9.5 for n in range(1, 5)}
    record(client, "srs", srs, at=held[1].starts_at + hour, appointment=held[1])
    page = login(supervisor).get("/caseload/").content.decode()
    figures = page[page.index('id="figures-h"') :]
    row = figures[figures.index("Therapist.A") :]
    row = row[: row.index("</tr>")]
    assert "(2/3)" in row and "66.7%" in row
