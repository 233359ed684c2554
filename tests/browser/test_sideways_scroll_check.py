"""The check that a page does not scroll sideways sees a page twice as wide as a phone.

The old check, ``scrollWidth <= window.innerWidth``, could not: on a phone Chromium zooms
out to fit a page that is too wide, and ``innerWidth`` grows with the page.
"""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll

pytestmark = pytest.mark.browser

ORIGIN = "http://rapport.test"  # answered by page.route below, never by the network
PAGE = """<!doctype html>
<html lang="en"><head>
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Width test</title></head>
<body style="margin: 0"><div style="width: {width}px; height: 2rem">Words</div></body></html>"""
OLD_CHECK = "document.documentElement.scrollWidth <= window.innerWidth"


def open_page_of_width(page, width: int) -> None:
    page.route(
        f"{ORIGIN}/**",
        lambda route: route.fulfill(content_type="text/html", body=PAGE.format(width=width)),
    )
    page.goto(f"{ORIGIN}/")


def test_a_page_twice_as_wide_as_the_phone_passes_the_old_check_and_fails_the_helper(
    phone_360,
):
    open_page_of_width(phone_360, 720)
    assert phone_360.evaluate("document.documentElement.scrollWidth") == 720
    # The old check is blind: Chromium zoomed out, so innerWidth grew to the page's width.
    assert phone_360.evaluate("window.innerWidth") >= 720
    assert phone_360.evaluate(OLD_CHECK)
    with pytest.raises(AssertionError, match=r"720 CSS px wide on a 360 px screen.*div"):
        assert_no_sideways_scroll(phone_360)


def test_one_pixel_too_wide_fails_and_a_page_that_fits_passes(phone_360):
    open_page_of_width(phone_360, 361)
    with pytest.raises(AssertionError, match="361 CSS px wide"):
        assert_no_sideways_scroll(phone_360)
    phone_360.unroute(f"{ORIGIN}/**")
    open_page_of_width(phone_360, 360)
    assert_no_sideways_scroll(phone_360)
