"""Real-browser tests: Playwright driving Debian's Chromium against Django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does it in CI)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    yield from _page_in_new_context(browser, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(browser):
    yield from _page_in_new_context(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


@pytest.fixture
def phone_360(browser):
    # A small Android phone, 360 CSS px wide (narrower than phone_page's 390).
    yield from _page_in_new_context(
        browser, viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True
    )


@pytest.fixture
def narrow_page(browser):
    # WCAG 1.4.10 (reflow): content at 320 CSS px wide must not need sideways scrolling.
    yield from _page_in_new_context(
        browser, viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True
    )


def _page_in_new_context(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def serious_accessibility_violations(page) -> list[str]:
    """axe-core (bundled by axe-playwright-python, no network) on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]
