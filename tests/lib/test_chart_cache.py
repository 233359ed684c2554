"""Rendered charts are kept in a bounded in-process cache, keyed by their content.

The client page drew its five charts afresh on every view. The cache draws a chart once
for each distinct content: any change to what the chart shows (a score, a session, a
label, a marker, its size) is another key, drawn anew, so a cached chart never shows
old numbers; and what it returns is the very text a fresh drawing gives.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest

from rapport.lib import charts
from rapport.lib.charts import Band, Chart, Line, Marker, Threshold, line_chart_svg

BASE = Chart(
    title="PHQ-9: scores and expected course",
    x_label="Session",
    y_label="Score",
    lines=[
        Line("PHQ-9", [1, 2, 3, 4], [16.0, None, 14.0, 12.0]),
        Line("Expected course", [1, 2, 3, 4], [16.0, 15.0, 14.0, 13.0], dashed=True),
    ],
    bands=[Band("Expected range", [1, 2, 3, 4], [13, 12, 11, 10], [19, 18, 17, 16])],
    thresholds=[Threshold("Clinical cut-off (10)", 10.0)],
    markers=[Marker("Rupture", 3, 14.0, "v")],
    y_range=(0, 27),
)


def changed(**fields) -> Chart:
    return dataclasses.replace(BASE, **fields)


# One change to each input of the drawing; each must be drawn anew.
CHANGES = {
    "a score": changed(
        lines=[Line("PHQ-9", [1, 2, 3, 4], [16.0, None, 14.0, 11.0]), BASE.lines[1]]
    ),
    "a score where there was none": changed(
        lines=[Line("PHQ-9", [1, 2, 3, 4], [16.0, 15.0, 14.0, 12.0]), BASE.lines[1]]
    ),
    "a session": changed(
        lines=[Line("PHQ-9", [1, 2, 3, 5], [16.0, None, 14.0, 12.0]), BASE.lines[1]]
    ),
    "a line's label": changed(
        lines=[Line("GAD-7", [1, 2, 3, 4], [16.0, None, 14.0, 12.0]), BASE.lines[1]]
    ),
    "a line's dashes": changed(
        lines=[BASE.lines[0], dataclasses.replace(BASE.lines[1], dashed=False)]
    ),
    "the lines' order": changed(lines=list(reversed(BASE.lines))),
    "the title": changed(title="GAD-7: scores and expected course"),
    "the x label": changed(x_label="Answer"),
    "the y label": changed(y_label="Total"),
    "the band": changed(
        bands=[Band("Expected range", [1, 2, 3, 4], [13, 12, 11, 9], [19, 18, 17, 16])]
    ),
    "the band's label": changed(bands=[dataclasses.replace(BASE.bands[0], label="Range")]),
    "a threshold's value": changed(thresholds=[Threshold("Clinical cut-off (10)", 11.0)]),
    "a threshold's label": changed(thresholds=[Threshold("Alert below", 10.0)]),
    "a marker's session": changed(markers=[Marker("Rupture", 4, 14.0, "v")]),
    "a marker's height": changed(markers=[Marker("Rupture", 3, 13.0, "v")]),
    "a marker's symbol": changed(markers=[Marker("Rupture", 3, 14.0, "^")]),
    "a marker's label": changed(markers=[Marker("Repair", 3, 14.0, "v")]),
    "another marker": changed(markers=[*BASE.markers, Marker("Action logged", 2, -2.0, "D")]),
    "the y range": changed(y_range=(0, 40)),
    "no y range": changed(y_range=None),
    "the size": changed(size=(5.0, 2.8)),
}


@pytest.fixture
def draws(monkeypatch):
    """Each drawing the chart cache asks for, with an empty cache to start."""
    charts.chart_cache_clear()
    drawn: list[Chart] = []
    render = charts._render

    def counting(chart: Chart) -> str:
        drawn.append(chart)
        return render(chart)

    monkeypatch.setattr(charts, "_render", counting)
    yield drawn
    charts.chart_cache_clear()


def test_the_same_chart_is_drawn_once(draws):
    first = line_chart_svg(BASE)
    again = line_chart_svg(dataclasses.replace(BASE))  # equal content, another object
    assert again == first
    assert len(draws) == 1
    assert charts.chart_cache_info()["hits"] == 1


def test_a_cached_chart_is_the_text_a_fresh_drawing_gives(draws):
    line_chart_svg(BASE)
    cached = line_chart_svg(BASE)
    assert len(draws) == 1
    assert cached == charts._render(BASE)


@pytest.mark.parametrize("what", CHANGES)
def test_any_change_is_drawn_anew(draws, what):
    before = line_chart_svg(BASE)
    after = line_chart_svg(CHANGES[what])
    assert len(draws) == 2
    assert after != before
    assert after == charts._render(CHANGES[what])  # the new content, not the old picture


def test_each_change_has_its_own_key():
    keys = {charts._chart_key(chart) for chart in [BASE, *CHANGES.values()]}
    assert len(keys) == 1 + len(CHANGES)


def test_a_whole_number_and_its_float_are_the_same_drawing():
    as_ints = changed(lines=[Line("PHQ-9", [1, 2], [16, 14])])
    as_floats = changed(lines=[Line("PHQ-9", [1.0, 2.0], [16.0, 14.0])])
    assert charts._chart_key(as_ints) == charts._chart_key(as_floats)
    assert charts._render(as_ints) == charts._render(as_floats)


def test_the_key_holds_the_drawing_code_its_styles_and_matplotlibs_version(monkeypatch):
    key = charts._chart_key(BASE)
    monkeypatch.setattr(charts.matplotlib, "__version__", "0.0.0")
    assert charts._chart_key(BASE) != key
    monkeypatch.undo()
    monkeypatch.setattr(charts, "_DRAWING_VERSION", charts._DRAWING_VERSION + 1)
    assert charts._chart_key(BASE) != key
    monkeypatch.undo()
    monkeypatch.setattr(charts, "PALETTE", ["#000000", *charts.PALETTE[1:]])
    assert charts._chart_key(BASE) != key
    monkeypatch.undo()
    monkeypatch.setattr(charts, "_LAYOUT", (*charts._LAYOUT, 1.0))  # a margin changed
    assert charts._chart_key(BASE) != key


def test_the_cache_is_bounded_by_size_and_drops_the_least_recently_used():
    cache = charts._ChartCache(max_bytes=25, max_entries=10)
    cache.put("a", "a" * 10)
    cache.put("b", "b" * 10)
    assert cache.get("a") == "a" * 10  # a is now the most recently used
    cache.put("c", "c" * 10)  # 30 characters: over the bound, b goes
    assert cache.get("b") is None
    assert cache.get("a") == "a" * 10 and cache.get("c") == "c" * 10
    assert cache.info()["bytes"] == 20
    cache.put("huge", "h" * 26)  # larger than the whole cache: not kept, nothing dropped
    assert cache.get("huge") is None
    assert cache.info()["entries"] == 2


def test_the_cache_is_bounded_by_entries():
    cache = charts._ChartCache(max_bytes=10_000, max_entries=3)
    for key in "abcde":
        cache.put(key, key)
    assert [cache.get(key) for key in "abcde"] == [None, None, "c", "d", "e"]
    assert cache.info()["entries"] == 3


def test_the_process_cache_has_a_bound():
    info = charts.chart_cache_info()
    assert 0 < info["max_bytes"] <= 64 * 1024 * 1024
    assert info["max_entries"] > 0


def test_charts_drawn_from_several_threads_at_once_are_each_right(draws):
    # Matplotlib's object API with a fresh figure per chart: threads do not mix drawings.
    wanted = {what: charts._render(chart) for what, chart in CHANGES.items()}
    got: dict[str, str] = {}

    def draw(what: str) -> None:
        got[what] = line_chart_svg(CHANGES[what])

    threads = [threading.Thread(target=draw, args=(what,)) for what in CHANGES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == wanted
