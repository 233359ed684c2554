"""Run by test_earlier_risk_follow_up_browser.py in its own process: Playwright's sync API
cannot run beside the browser tests' session-wide one (tests/browser/conftest.py) in the
same process, and that fixture is not visible outside tests/browser.

Signs in on a 320 px phone, opens the client page, then the same page at the anchor of a
follow-up record, and prints what the reader sees there as JSON.

Usage: _risk_jump_script.py BASE_URL EMAIL PASSWORD CLIENT_PATH TARGET_ID OTHER_ID
"""

from __future__ import annotations

import json
import os
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")

SEEN = """([target, other]) => {
  const on = (e) => { const b = e.getBoundingClientRect();
    return b.height > 0 && b.top >= 0 && b.top + 16 <= window.innerHeight; };
  const record = document.getElementById(target);
  const heading = document.getElementById('risk-history-h');
  return {
    record_visible: record.checkVisibility(),
    record_on_screen: on(record),
    heading_on_screen: on(heading),
    record_text: record.innerText,
    details_open: document.querySelector('.risk-history details').open,
    other_visible: document.getElementById(other).checkVisibility(),
  };
}"""


def main(base: str, email: str, password: str, path: str, target: str, other: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.set_default_timeout(30000)  # a shared, busy machine
        page.goto(f"{base}/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(f"{base}/caseload/")
        page.goto(f"{base}{path}")
        unlinked = page.evaluate(
            "() => [...document.querySelectorAll('li.risk-linked')].map(li => li.checkVisibility())"
        )
        page.goto(f"{base}{path}#{target}")
        page.wait_for_function("() => window.scrollY > 0")
        seen = page.evaluate(SEEN, [target, other])
        browser.close()
    print(json.dumps({"unlinked_copies_visible": unlinked, **seen}))


if __name__ == "__main__":
    main(*sys.argv[1:7])
