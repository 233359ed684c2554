"""Smaller things on the client's page: the risk line, mangled links, the error summary,
the C-NIP's answers, and no CSRF cookie."""

from __future__ import annotations

import pytest
from django.conf import settings
from tests.checkins._helpers import CHECKIN_ANSWERS, PHQ9_ZERO, form_key, make_link

from rapport.measures.models import Response

RISK_LINE = "Your therapist may not read these answers before your next session."


# -- the risk line on measures with a risk item ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("instrument", ["phq9", "core10"])
def test_a_risk_measure_says_where_to_get_help_before_any_answer(client, client_a, instrument):
    _, token = make_link(client_a, instrument)
    page = client.get(f"/c/{token}/").content.decode()
    assert RISK_LINE in page
    assert "If you need help now, call your local emergency number." in page


@pytest.mark.django_db
def test_the_risk_line_names_the_clinics_crisis_contacts_when_set(client, client_a, clinic):
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/").content.decode()
    assert f"{RISK_LINE} If you need help now:" in page
    assert 'Duty line (example): <a href="tel:0100000000"' in page


@pytest.mark.django_db
def test_other_measures_carry_no_risk_line(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    assert RISK_LINE not in client.get(f"/c/{token}/").content.decode()


# -- links mangled by a messaging app -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["/).", ".", ").", "/extra/path", "/.", "\u201d", ""])
def test_a_mangled_link_leads_to_the_questionnaire(client, client_a, suffix):
    _, token = make_link(client_a)
    mangled = client.get(f"/c/{token}{suffix}")
    assert mangled.status_code == 302
    assert mangled["Location"] == f"/c/{token}/"
    page = client.get(mangled["Location"]).content.decode()
    assert 'name="form_key"' in page


@pytest.mark.django_db
def test_a_form_posted_to_a_mangled_address_is_stored(client, client_a):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    assert client.post(f"/c/{token}/).", {**PHQ9_ZERO, "form_key": key}).status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/c/", "/c/short/", "/c/short/).", f"/c/{'A' * 44}/", "/c/x/y/z"])
def test_anything_else_under_c_gets_the_calm_client_page_without_a_query(
    client, path, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link cannot be used" in page
    assert "Go to the start page" not in page and "/accounts/login" not in page


# -- the error summary --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_error_summary_is_focused_and_names_the_questions(client, client_a):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answers = {k: v for k, v in PHQ9_ZERO.items() if k != "phq9_5"}
    page = client.post(f"/c/{token}/", {**answers, "form_key": key}).content.decode()
    assert 'id="problems" autofocus' in page
    assert '<a href="#q-phq9_5">Question 5</a>' in page
    # By number only: the question's own words are at the question, not repeated above.
    assert page.count("Poor appetite or overeating") == 1


# -- the C-NIP ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_cnip_answers_name_the_side_in_the_items_own_words(client, client_a):
    _, token = make_link(client_a, "cnip")
    page = client.get(f"/c/{token}/").content.decode()
    assert "<span>Strongly: Structure the therapy sessions</span>" in page
    assert "<span>Slightly: Allow the therapy sessions to be unstructured</span>" in page
    assert "<span>No preference or neutral</span>" in page
    assert "preference for the first" not in page and "for the second" not in page


# -- no CSRF cookie -----------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_the_questionnaire_sets_no_cookie(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    response = client.get(f"/c/{token}/")
    assert response.status_code == 200
    # The app's own name (with RAPPORT_HTTPS on, "__Host-csrftoken"), not Django's default.
    assert settings.CSRF_COOKIE_NAME not in response.cookies
    assert not response.has_header("Set-Cookie") and not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    # And it can be sent without one.
    sent = client.post(
        f"/c/{token}/", {**CHECKIN_ANSWERS, "form_key": form_key(response.content.decode())}
    )
    assert sent.status_code == 200
