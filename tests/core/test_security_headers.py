"""Headers Django's SecurityMiddleware does not send (rapport.core.middleware):
Permissions-Policy on every response, and no referrer from the client's /c/ pages, whose
URL holds the link's token (a proxy logs the Referer of the page's own requests)."""

from __future__ import annotations

import pytest
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")


def denies_features(response) -> bool:
    policy = {
        entry.strip().partition("=")[0]: entry.strip().partition("=")[2]
        for entry in response["Permissions-Policy"].split(",")
    }
    return all(policy.get(feature) == "()" for feature in DENIED)


@pytest.mark.django_db
def test_staff_pages_deny_browser_features_and_keep_the_same_origin_referrer(
    client, login, therapist_a
):
    assert denies_features(client.get("/accounts/login/"))
    caseload = login(therapist_a).get("/caseload/")
    assert caseload.status_code == 200
    assert denies_features(caseload)
    assert caseload["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_every_client_page_sends_no_referrer_and_denies_browser_features(client, client_a):
    _, token = make_link(client_a)
    questionnaire = client.get(f"/c/{token}/")
    thanks = open_and_answer(client, token, PHQ9_ZERO)
    used = client.get(f"/c/{token}/")
    unknown = client.get(f"/c/{'A' * 43}/")
    assert [r.status_code for r in (questionnaire, thanks, used, unknown)] == [200, 200, 410, 404]
    for page in (questionnaire, thanks, used, unknown):
        assert page["Referrer-Policy"] == "no-referrer"
        assert denies_features(page)


@pytest.mark.django_db
def test_mounted_under_a_path_client_pages_still_send_no_referrer(client, client_a):
    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/", SCRIPT_NAME="/rapport")
    assert page.wsgi_request.path == f"/rapport/c/{token}/"
    assert page["Referrer-Policy"] == "no-referrer"
