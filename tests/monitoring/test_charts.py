"""The client page's outcome chart and table say what the drawn band is (no database)."""

from __future__ import annotations

from rapport.lib.charts import padded
from rapport.monitoring import charts
from rapport.monitoring.series import EpisodeSeries
from rapport.monitoring.signals import config_for
from tests.monitoring._helpers import scores, series


def build(instrument: str, values):
    data = EpisodeSeries(
        episode=None,  # type: ignore[arg-type]  # the charts read only the series
        series=series(scores(instrument, values)),
        sessions=(),
    )
    return charts.build_charts(data, config_for([instrument]), actions=())


def test_the_band_is_labelled_as_the_middle_80_percent_it_covers(drawn):
    # expected +/- 1.2816 spread: one-sided 90% (the not-on-track limit), two-sided 80%.
    build("phq9", [18, 16, 15, 14])
    (band,) = drawn["PHQ-9: scores and expected course"].bands
    assert band.label == "Expected range (middle 80%; off track above it)"
    assert "90%" not in band.label


def test_on_a_higher_is_better_scale_off_track_is_below_the_band(drawn):
    build("ors", [18, 20, 22, 24])
    (band,) = drawn["ORS: scores and expected course"].bands
    assert band.label == "Expected range (middle 80%; off track below it)"


def test_the_table_tells_a_score_from_the_limit_it_just_crossed(drawn):
    # ORS intake 18: the limit at session 4 is 17.918; the score 17.9 is below it.
    table = build("ors", [18, 18, 18, 17.9])
    row = next(r for r in table.rows if r.session == 4)
    assert row.outcome["ors"] == "17.9"
    assert row.expected["ors"].endswith("(off track below 17.92)")


def test_a_score_at_the_top_of_the_scale_is_drawn_inside_the_plot():
    low, high = padded((0, 27))
    assert low < 0 and 27 < high < 28.5
