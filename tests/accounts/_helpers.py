"""Shared helpers for the account tests: a page's HTML, its text as a reader sees it, and
the parts of the app's form layout (includes/form_fields.html) the tests look at.

Each takes a test client's response or the page's HTML as a string."""

from __future__ import annotations

import re
from html import unescape

__all__ = [
    "field_errors",
    "heading",
    "invalid",
    "label",
    "main_html",
    "main_text",
    "page_html",
    "page_text",
    "section",
    "summary_links",
    "visible_text",
]


def page_html(page) -> str:
    return page if isinstance(page, str) else page.content.decode()


def _words(html: str) -> str:
    """The text of ``html``: tags dropped, entities read (``&#x27;`` is an apostrophe),
    whitespace runs one space."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page_text(page) -> str:
    """All the page's text, that of its scripts included: a test that something is not on
    the page looks there too."""
    return _words(page_html(page))


def visible_text(page) -> str:
    """The page's text without its scripts and styles."""
    return _words(re.sub(r"<(script|style).*?</\1>", " ", page_html(page), flags=re.S))


def main_html(page) -> str:
    """The HTML inside the page's <main> (no navigation, no messages)."""
    return page_html(page).split("<main", 1)[1].split("</main>", 1)[0]


def main_text(page) -> str:
    """The visible text of the page's <main> alone."""
    return visible_text("<main" + main_html(page))


def section(page, ident: str) -> str:
    """The text from the element with ``id=ident`` to the next heading."""
    match = re.search(rf'id="{ident}"[^>]*>(.*?)(<h2|</main>|$)', page_html(page), flags=re.S)
    assert match, ident
    return page_text(match.group(1))


def heading(page) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page_html(page), flags=re.S)
    assert match, "no h1"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def label(page, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">(.*?)</label>', page_html(page), flags=re.S)
    assert match, field_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def field_errors(page, field: str) -> str:
    match = re.search(rf'<div id="id_{field}_error">(.*?)</div>', page_html(page), re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())) if match else ""


def summary_links(page) -> list[str]:
    match = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', page_html(page), re.S)
    assert match, "no error summary"
    return re.findall(r'<a href="#([^"]+)">', match.group(1))


def invalid(page, name: str) -> bool:
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page_html(page))
    return any('aria-invalid="true"' in tag for tag in tags)


# -- signing in -------------------------------------------------------------------------

#: What the sign-in page says while the failed sign-in throttle holds.
THROTTLED = "Too many wrong passwords, so signing in is paused."


def sign_in(client, email: str, password: str, address: str = "127.0.0.1", host=None):
    """Post the sign-in form afresh (signed out first) from ``address``, naming ``host``
    in the request's Host header if given."""
    client.logout()
    extra = {"HTTP_HOST": host} if host else {}
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(client, response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session
