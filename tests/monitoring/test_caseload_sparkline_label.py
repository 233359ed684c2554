"""The caseload's trend sparklines show sighted readers the latest value and which way is
better: the line alone gave no number, and a PHQ-9 falling (better) looked like an alliance
rating falling (worse). The caseload says it as HTML text beside the image (trend_caption);
the image itself draws only the line."""

from __future__ import annotations

import base64
import re

from rapport.lib.charts import sparkline_svg
from rapport.monitoring.selectors import Trend
from rapport.monitoring.templatetags import monitoring_tags

PHQ9 = Trend("phq9", (20.0, 14.0, 12.0), 3, (1, 2, 3))
CHECKIN = Trend("session-checkin", (37.0, 35.0, 23.0), 3, (1, 2, 3))


def svg_of(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode()


def shown_text(svg: str) -> str:
    return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_the_caseload_sparkline_draws_no_text_the_caption_says_it_in_html():
    """Text drawn in the image was about 8 px and did not grow with the browser's text
    size (WCAG 1.4.4): the caseload writes the latest value under the line as HTML."""
    assert shown_text(svg_of(monitoring_tags.sparkline(PHQ9))) == ""
    assert shown_text(svg_of(monitoring_tags.sparkline(CHECKIN))) == ""


def test_the_label_goes_under_the_line_and_the_line_keeps_its_place_and_width():
    plain = sparkline_svg([20, 14, 12], low=0, high=27, width=96)
    labelled = sparkline_svg([20, 14, 12], low=0, high=27, width=96, label="12 \u2193 better")
    size = re.search(r'width="(\d+)" height="(\d+)"', labelled)
    assert size.group(1) == "96" and int(size.group(2)) > 24 + 12  # a text line under it
    assert re.findall(r"<polyline[^>]*>", plain) == re.findall(r"<polyline[^>]*>", labelled)
    text_y = float(re.search(r'<text x="[\d.]+" y="([\d.]+)"', labelled).group(1))
    assert text_y > 24  # under the 24 px of the line
    assert "<text" not in plain


def test_the_alt_text_and_caption_say_it_in_words():
    assert monitoring_tags.trend_text(PHQ9).endswith("; latest 12; lower is better")
    assert monitoring_tags.trend_text(CHECKIN).endswith("; latest 23; higher is better")
    assert monitoring_tags.trend_caption(PHQ9) == "Latest 12; lower is better"
    assert monitoring_tags.trend_caption(CHECKIN) == "Latest 23; higher is better"
    assert monitoring_tags.trend_caption(None) == ""
