"""The check-in link page: Copy puts the link on the clipboard, Share opens the phone's share
sheet where the browser has one, and without JavaScript the link is still there to copy.

On a phone the therapist could only press and hold a long link in a text field to send it.
The script is a static file (the CSP allows no inline script), so the test also watches for
CSP refusals.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.browser._helpers import sign_in
from tests.browser.conftest import serious_accessibility_violations

from rapport.checkins.models import CheckIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Records what the page asks to share, in a browser without a share sheet (Chromium on
# Linux has none): the page's own code still runs, up to the browser's door.
SHARE_SHEET = """
window.__shared = [];
navigator.share = data => { window.__shared.push(data); return Promise.resolve(); };
"""

# Clipboard API refused (as without the permission) and the older execCommand("copy") too.
REFUSED = """
navigator.clipboard.writeText = () => Promise.reject(new Error("not allowed"));
document.execCommand = () => false;
"""

SELECTED = """() => { const f = document.getElementById('checkin-url');
    return f.value.substring(f.selectionStart, f.selectionEnd); }"""


@pytest.fixture
def open_context(browser):
    contexts = []

    def _open(**options):
        context = browser.new_context(**PHONE, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield _open
    for context in contexts:
        context.close()


def link_page(context, live_server, therapist, client):
    """Sign in, create a PHQ-9 link from the client page; returns the page and its CSP
    complaints (console messages) so far."""
    page = context.new_page()
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, live_server, therapist)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.get_by_role("button", name=re.compile(r"^Link for PHQ-9 before")).first.click()
    page.wait_for_url(re.compile(r"/checkins/\d+/link/$"))
    return page, complaints


def test_copy_puts_the_link_on_the_clipboard_and_says_so(
    open_context, live_server, therapist_a, client_a
):
    context = open_context(permissions=["clipboard-read", "clipboard-write"])
    page, complaints = link_page(context, live_server, therapist_a, client_a)
    link = page.get_by_label("Link to share with the client").input_value()
    assert re.search(r"/c/[A-Za-z0-9_-]{20,}/$", link)

    page.get_by_role("button", name="Copy link").click()
    status = page.get_by_role("status").filter(has_text="Copied")
    status.wait_for(state="visible")
    assert page.evaluate("navigator.clipboard.readText()") == link
    # The focus stays on the button: a screen reader says "Copied", not the whole link (it
    # moved into the link's field, which was then read out, even when the copy worked).
    assert page.evaluate("document.activeElement.textContent") == "Copy link"
    assert complaints == []
    assert serious_accessibility_violations(page) == []


def test_where_copying_is_refused_the_link_is_selected_to_copy_by_hand(
    open_context, live_server, therapist_a, client_a
):
    context = open_context()
    # A browser that refuses both ways of copying.
    context.add_init_script(REFUSED)
    page, complaints = link_page(context, live_server, therapist_a, client_a)
    link = page.get_by_label("Link to share with the client").input_value()
    page.get_by_role("button", name="Copy link").click()
    page.get_by_role("status").filter(has_text="copy it with Ctrl+C").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "checkin-url"
    assert page.evaluate(SELECTED) == link
    assert complaints == []


def test_share_offers_the_phones_share_sheet_where_there_is_one(
    open_context, live_server, therapist_a, client_a
):
    without = open_context()
    page, _ = link_page(without, live_server, therapist_a, client_a)
    page.get_by_role("button", name="Copy link").wait_for(state="visible")
    # No share sheet in this browser: no button that would do nothing.
    assert page.get_by_role("button", name="Share…").count() == 0

    with_sheet = open_context()
    with_sheet.add_init_script(SHARE_SHEET)
    page, complaints = link_page(with_sheet, live_server, therapist_a, client_a)
    link = page.get_by_label("Link to share with the client").input_value()
    page.get_by_role("button", name="Share…").click()
    # The link, with a subject and a line for the client, worded as the emailed link is.
    expires = date_format(timezone.localtime(CheckIn.objects.latest("pk").expires_at), "j M Y, H:i")
    assert page.evaluate("window.__shared") == [
        {
            "url": link,
            "title": "A few questions from your therapist",
            "text": "Your therapist would like you to answer 9 questions. It takes about 2 "
            f"minutes. The link works once and until {expires}.",
        }
    ]
    assert complaints == []


def test_without_javascript_the_link_is_in_its_field_and_no_dead_buttons_show(
    open_context, live_server, therapist_a, client_a
):
    context = open_context(java_script_enabled=False)
    page, _ = link_page(context, live_server, therapist_a, client_a)
    field = page.get_by_label("Link to share with the client")
    assert field.is_visible()
    assert "/c/" in field.input_value()
    assert page.get_by_role("button", name="Copy link").count() == 0
    assert page.get_by_role("button", name="Share…").count() == 0
