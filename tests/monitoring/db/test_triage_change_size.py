"""Among clients of equal need the caseload puts the more urgent kind of alert first and,
within one kind and severity, the bigger change (it used to fall back on the alphabet)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.clinic.selectors import caseload_for
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import bulk_history, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def _caseload(therapist, histories):
    now = timezone.now()
    for name, alliance, outcome in histories:
        client, _, held = make_episode(therapist, name, sessions=5, now=now)
        bulk_history(client, held, alliance=alliance, outcome=outcome)
    recompute_alerts(now=now)
    return caseload_for(therapist)


def _top(row):
    alert = row.alerts[0]
    return alert.kind, alert.severity, alert.evidence


def test_of_two_reliably_worse_clients_the_one_who_got_worse_by_more_comes_first(therapist_a):
    rows = _caseload(
        therapist_a,
        [
            ("Anna Worse", [38] * 5, [10, 12, 14, 16, 17]),  # PHQ-9 up 7
            ("Boris Worse", [38] * 5, [10, 13, 16, 19, 22]),  # PHQ-9 up 12
        ],
    )
    assert [r.client.display_name for r in rows] == ["Boris Worse", "Anna Worse"]
    boris, anna = rows
    assert boris.need == anna.need  # the same alerts: only the size tells them apart
    assert [a.kind for a in boris.alerts] == [a.kind for a in anna.alerts]
    assert _top(boris)[:2] == _top(anna)[:2] == ("reliable_deterioration", "high")
    assert _top(boris)[2]["change"] == 12 and _top(anna)[2]["change"] == 7


def test_of_two_ruptures_the_bigger_drop_comes_first(therapist_a):
    rows = _caseload(
        therapist_a,
        [
            ("Carl Rupture", [38, 38, 38, 32, 33], [14, 14, 13, 13, 12]),  # 6 points down
            ("Dina Rupture", [38, 38, 38, 27, 28], [14, 14, 13, 13, 12]),  # 11 points down
        ],
    )
    assert [r.client.display_name for r in rows] == ["Dina Rupture", "Carl Rupture"]
    dina, carl = rows
    assert dina.need == carl.need
    assert [a.kind for a in dina.alerts] == [a.kind for a in carl.alerts]
    assert _top(dina)[:2] == _top(carl)[:2] == ("alliance_rupture", "medium")
    assert (_top(dina)[2]["drop"], _top(carl)[2]["drop"]) == (11, 6)


def test_among_equal_need_the_more_urgent_kind_comes_first_whatever_the_names(therapist_a):
    rows = _caseload(
        therapist_a,
        [
            ("Aaron Low", [35] * 5, [14, 12, 11, 10, 9]),  # alliance below 36, improving
            ("Zoe Off Track", [38] * 5, [20, 20, 20, 20, 20]),  # no change from a high intake
        ],
    )
    # Not on track comes before a low alliance in the library's order, as on the client page.
    assert [(r.client.display_name, [(a.kind, a.severity) for a in r.alerts]) for r in rows] == [
        ("Zoe Off Track", [("not_on_track", "medium")]),
        ("Aaron Low", [("alliance_low", "medium")]),
    ]
    assert rows[0].need == rows[1].need
