"""A rupture's evidence states the level it was judged against and how many ratings it rests on.

An exploratory test found a rupture at a client's second-ever rating (40, then 36) whose rule
read "below the mean of the previous 3 ratings" when one earlier rating existed. A single drop
between two ratings is a weak marker (Zlotnick et al. 2020), so a therapist must be able to see
that this one rests on a single earlier rating.
"""

from __future__ import annotations

import io

from rapport.monitoring import charts
from rapport.monitoring.csvio import signals_from_csv
from rapport.monitoring.series import EpisodeSeries
from rapport.monitoring.signals import config_for, detect_ruptures
from tests.monitoring._helpers import CHECKIN, scores, series


def _rupture(values):
    (found,) = detect_ruptures(series(scores("checkin", values)), CHECKIN)
    return found


def test_a_rupture_on_the_second_rating_says_it_rests_on_the_one_earlier_rating():
    found = _rupture([40, 36])
    assert found.session == 2
    assert found.evidence["rule"] == "drop of at least 4 points below the one earlier rating (40)"
    assert found.evidence["recent_sessions"] == [1] and found.evidence["recent_level"] == 40
    assert found.explanation.startswith(
        "The relationship rating fell to 36 at session 2 from 40 at session 1, the only "
        "earlier rating, a drop of 4 points; a drop of 4 or more counts as a rupture."
    )
    assert "previous 3" not in found.evidence["rule"] + found.explanation


def test_with_two_earlier_ratings_the_rule_names_their_mean_and_their_number():
    found = _rupture([38, 40, 33])
    assert found.evidence["rule"] == (
        "drop of at least 4 points below the mean of the previous 2 ratings (39)"
    )
    assert "from a recent level of 39, the mean of the 2 earlier ratings, a drop of 6 points" in (
        found.explanation
    )


def test_with_a_full_window_the_rule_gives_the_mean_it_used():
    found = _rupture([38, 39, 39, 34])
    assert found.evidence["rule"] == (
        "drop of at least 4 points below the mean of the previous 3 ratings (38.7)"
    )
    assert "from a recent level of 38.7, a drop of 4.7 points" in found.explanation


def test_the_researcher_csv_gives_the_same_honest_rule():
    text = (
        "client,session,date,instrument,score\n"
        "kai,1,2026-11-02,session-checkin,40\n"
        "kai,2,2026-11-09,session-checkin,36\n"
    )
    (result,) = signals_from_csv(io.StringIO(text))
    (rupture,) = [s for s in result["signals"] if s["kind"] == "alliance_rupture"]
    assert rupture["session"] == 2
    assert rupture["evidence"]["rule"] == (
        "drop of at least 4 points below the one earlier rating (40)"
    )


def test_the_chart_table_marks_the_rupture_against_the_one_earlier_rating():
    data = EpisodeSeries(
        episode=None,  # type: ignore[arg-type]  # the charts read only the series
        series=series(scores("session-checkin", [40, 36])),
        sessions=(),
    )
    table = charts.build_charts(data, config_for(["session-checkin"]), actions=())
    row = next(r for r in table.rows if r.session == 2)
    assert row.events == ["Rupture: 36, 4 below the one earlier rating (40)"]
