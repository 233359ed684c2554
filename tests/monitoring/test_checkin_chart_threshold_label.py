"""The check-in panel's chart names the check-in's alert threshold as the monitoring charts
do: "Alert threshold (36)", where it said "Alert below (36)" beside a monitoring chart of the
same scores saying "Alert threshold (36)" (``lib.charts.threshold_label`` adds the number).
The SVG is read: matplotlib writes each text as a comment before its glyphs."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from rapport.checkins import panels
from rapport.measures.registry import get_instrument
from rapport.monitoring import charts
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.series import EpisodeSeries, SessionPoint
from rapport.monitoring.signals import config_for
from tests.monitoring._helpers import series, session_date
from tests.monitoring.test_chart_svg_labels import texts
from tests.monitoring.test_evidence_text import _checkin


def _svg(uri: str) -> str:
    """The SVG a data URI carries (``lib.charts.svg_data_uri``)."""
    import base64
    import urllib.parse

    head, _, body = uri.partition(",")
    if head.endswith(";base64"):
        return base64.b64decode(body).decode()
    return urllib.parse.unquote(body)


def test_the_checkin_panel_chart_says_alert_threshold_as_the_monitoring_chart_does():
    instrument = get_instrument(CHECKIN)
    threshold = f"{float(instrument.alert_threshold.value):g}"
    answers = [
        SimpleNamespace(pk=pk, total=total, session_date=dt.date(2026, 1, 5 + 7 * pk))
        for pk, total in ((1, 38), (2, 30))
    ]
    counting = panels.Counting(frozenset({1, 2}), frozenset(), {1: (1, 1), 2: (1, 2)})
    uri, _alt = panels._chart(instrument, answers, counting)
    panel_texts = texts(_svg(uri))
    assert f"Alert threshold ({threshold})" in panel_texts
    assert not [t for t in panel_texts if t.startswith("Alert below")]

    # The monitoring chart of the same answers names it the same way.
    observations = [_checkin(1, 10, 10, 9, 9), _checkin(2, 8, 8, 7, 7)]
    client = series(observations)
    data = EpisodeSeries(
        episode=None,
        series=client,
        sessions=tuple(SessionPoint(n, session_date(n), None) for n in (1, 2)),
    )
    built = charts.build_charts(data, config_for([CHECKIN]), ())
    assert any(f"Alert threshold ({threshold})" in texts(_svg(image.uri)) for image in built.images)
