"""The client's page: accessible, numbered, works without JavaScript, and explains gaps."""

from __future__ import annotations

import re

import pytest
from tests.checkins._helpers import CHECKIN_ANSWERS, PHQ9_ZERO, form_key, make_link

from rapport.measures.models import Response


@pytest.mark.django_db
def test_each_item_is_a_numbered_fieldset_with_a_legend(client, client_a):
    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/").content.decode()
    assert page.count("<fieldset") == 10  # nine scored items and the difficulty question
    assert page.count("<legend>") == 10
    assert "Question 3 of 10" in page
    assert "Question 10 of 10 (optional)" in page
    assert "Little interest or pleasure in doing things" in page
    assert page.count('type="radio" name="phq9_9"') == 4


@pytest.mark.django_db
def test_the_page_works_without_javascript_and_with_the_strict_csp(client, client_a):
    _, token = make_link(client_a)
    response = client.get(f"/c/{token}/")
    page = response.content.decode()
    assert "<script" not in page
    assert "style=" not in page
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


@pytest.mark.django_db
def test_it_shows_the_instruments_attribution_and_licence(client, client_a):
    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/").content.decode()
    assert "Developed by Drs. Robert L. Spitzer" in page
    assert "Free to reproduce" in page


@pytest.mark.django_db
def test_the_session_checkin_offers_0_to_10_radio_groups_and_prefer_not_to_answer(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    page = client.get(f"/c/{token}/").content.decode()
    values = re.findall(r'type="radio" name="goals" value="(\d+)"', page)
    assert values == [str(n) for n in range(11)]
    assert 'name="pushed" value="prefer_not_to_answer"' in page
    assert 'name="goals" value="prefer_not_to_answer"' not in page
    assert "Prefer not to answer" in page
    assert '<label for="a-differently"' in page and "<textarea" in page


@pytest.mark.django_db
def test_missing_answers_are_pointed_out_next_to_their_question_and_nothing_is_saved(
    client, client_a
):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    partial = {k: v for k, v in PHQ9_ZERO.items() if k not in ("phq9_4", "phq9_7")}
    response = client.post(f"/c/{token}/", {**partial, "form_key": key})
    assert response.status_code == 400
    page = response.content.decode()
    assert "2 questions still need an answer" in page
    assert 'href="#q-phq9_4"' in page and 'href="#q-phq9_7"' in page
    assert 'id="e-phq9_4"' in page and 'id="e-phq9_7"' in page
    assert 'id="e-phq9_1"' not in page
    # What was answered is kept, and the same key is reused for the next try.
    assert 'name="phq9_1" value="0" checked' in page
    assert form_key(page) == key
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_an_out_of_range_answer_is_refused_next_to_the_question(client, client_a):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    response = client.post(f"/c/{token}/", {**PHQ9_ZERO, "phq9_2": "7", "form_key": key})
    assert response.status_code == 400
    assert 'id="e-phq9_2"' in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_prefer_not_to_answer_is_stored_as_declined(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answers = {**CHECKIN_ANSWERS, "pushed": "prefer_not_to_answer", "form_key": key}
    assert client.post(f"/c/{token}/", answers).status_code == 200
    response = Response.objects.get()
    assert response.declined == ["pushed"]
    assert "pushed" not in response.item_values
    assert response.total == 32


@pytest.mark.django_db
def test_a_complete_submission_stores_answers_and_scores_and_thanks_the_client(client, client_a):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answers = {**PHQ9_ZERO, "phq9_1": "2", "phq9_2": "3", "phq9_3": "1"}
    response = client.post(f"/c/{token}/", {**answers, "form_key": key})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    stored = Response.objects.get()
    assert stored.total == 6 and stored.band == "Mild"
    assert stored.item_values["phq9_2"] == 3
    assert stored.source == "link"
    assert stored.appointment is not None and stored.episode is not None


@pytest.mark.django_db
def test_free_text_is_encrypted_at_rest(client, client_a):
    from django.db import connection

    _, token = make_link(client_a, "session-checkin")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    comment = "Please slow down when we talk about my sister"
    answers = {**CHECKIN_ANSWERS, "differently": comment, "form_key": key}
    client.post(f"/c/{token}/", answers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text_answers FROM measures_response")
        (raw,) = cursor.fetchone()
    assert comment not in raw
    assert comment in Response.objects.get().text_answers


@pytest.mark.django_db
def test_a_licensed_instrument_with_clinic_wording_is_shown_in_that_wording(
    client, client_a, clinic, admin_user
):
    from tests.checkins.test_wording_upload import wording_file

    from rapport.measures.services import wording_upload

    wording_upload(actor=admin_user, clinic=clinic, text=wording_file("srs"))
    _, token = make_link(client_a, "srs")
    page = client.get(f"/c/{token}/").content.decode()
    assert "Licensed scale 1 text" in page
    assert "licensed wording not loaded" not in page
    # SRS scales are read to 0.1: a number field with its anchors, not 101 radio buttons.
    assert 'type="number"' in page and 'step="0.1"' in page
