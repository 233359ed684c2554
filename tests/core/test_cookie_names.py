"""With HTTPS on, the session and CSRF cookies carry the ``__Host-`` prefix: browsers accept
them only Secure, with Path=/ and no Domain, so a sibling subdomain or a plain-HTTP answer on
the network cannot set or overwrite them (session fixation, a CSRF token of the attacker's
choosing). Over plain HTTP (demo, debug) browsers refuse such cookies: the usual names stay.

Settings are read from the environment once, so each mode is evaluated in a process of its
own (as tests/accounts/test_hsts_covers_subdomains.py does)."""

from __future__ import annotations

import json
import re

import pytest
from tests.conftest import PASSWORD
from tests.core.test_settings import stdout_under_settings

# What a response sets, through Django's own middleware: the CSRF cookie as any form page
# sets it, the session cookie as a sign-in does (cookie-stored sessions here only so that
# no database is needed; the cookie's name and attributes are the session settings').
_COOKIES = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory

settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

def view(request):
    get_token(request)
    request.session["signed-in"] = True
    return HttpResponse()

request = RequestFactory().get("/", secure=True, HTTP_HOST="rapport.example.org")
response = SessionMiddleware(CsrfViewMiddleware(view))(request)
print(json.dumps({
    "names": [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME],
    "paths": [settings.SESSION_COOKIE_PATH, settings.CSRF_COOKIE_PATH],
    "domains": [settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN],
    "set": {name: morsel.OutputString() for name, morsel in response.cookies.items()},
}))
"""


def _cookies(tmp_path, **env_overrides) -> dict:
    out = stdout_under_settings(tmp_path, _COOKIES, **env_overrides)
    return json.loads(out)


def _attributes(set_cookie: str) -> set[str]:
    """The attributes of a Set-Cookie value, lowercased, without the name=value pair."""
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_with_https_the_session_and_csrf_cookies_are_host_only_and_secure(tmp_path):
    cookies = _cookies(tmp_path)  # RAPPORT_HTTPS is on by default outside demo and debug
    assert cookies["names"] == ["__Host-sessionid", "__Host-csrftoken"]
    # The prefix's conditions: Path=/ and no Domain (browsers drop the cookie otherwise).
    assert cookies["paths"] == ["/", "/"]
    assert cookies["domains"] == [None, None]
    assert sorted(cookies["set"]) == ["__Host-csrftoken", "__Host-sessionid"]
    for name, set_cookie in cookies["set"].items():
        attributes = _attributes(set_cookie)
        assert {"path=/", "secure", "httponly", "samesite=lax"} <= attributes, name
        assert not [a for a in attributes if a.startswith("domain")], name


@pytest.mark.parametrize(
    "mode", [{"RAPPORT_HTTPS": "0"}, {"RAPPORT_DEMO": "1"}, {"RAPPORT_DEBUG": "1"}]
)
def test_over_plain_http_the_cookies_keep_their_usual_names(tmp_path, mode):
    cookies = _cookies(tmp_path, **mode)
    assert cookies["names"] == ["sessionid", "csrftoken"]
    assert sorted(cookies["set"]) == ["csrftoken", "sessionid"]
    for name, set_cookie in cookies["set"].items():
        assert "secure" not in _attributes(set_cookie), name


@pytest.mark.django_db
def test_signing_in_works_with_the_prefixed_names(settings, therapist_a):
    """Nothing in the app reads the cookies by their usual names: a sign-in over HTTPS with
    CSRF checks on sets and uses only the prefixed ones."""
    from django.test import Client

    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    browser = Client(enforce_csrf_checks=True)
    https = {"secure": True, "HTTP_REFERER": "https://testserver/accounts/login/"}
    page = browser.get("/accounts/login/", secure=True).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert "__Host-csrftoken" in browser.cookies and "csrftoken" not in browser.cookies
    response = browser.post(
        "/accounts/login/",
        {"login": therapist_a.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        **https,
    )
    assert response.status_code == 302
    assert "__Host-sessionid" in browser.cookies and "sessionid" not in browser.cookies
    assert browser.get("/caseload/", secure=True).status_code == 200
