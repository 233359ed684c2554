"""The client's page: accessible, numbered, works without JavaScript, and explains gaps."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from tests.checkins._helpers import CHECKIN_ANSWERS, PHQ9_ZERO, form_key, make_link
from tests.checkins.test_wording_upload import wording_file

from rapport.measures.models import Response
from rapport.measures.services import wording_upload


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
    # On a shared tablet the browser must not offer the previous client's answers.
    assert '<form method="post" novalidate class="questionnaire" autocomplete="off">' in page


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
def test_it_shows_the_instruments_attribution_but_not_the_staff_licence_note(client, client_a):
    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/").content.decode()
    assert "Developed by Drs. Robert L. Spitzer" in page
    assert "Free to reproduce" not in page  # the licence field is a note for the clinic


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
    assert "A few questions are not answered yet." in page
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
    wording_upload(actor=admin_user, clinic=clinic, text=wording_file("srs"))
    _, token = make_link(client_a, "srs")
    page = client.get(f"/c/{token}/").content.decode()
    assert "Licensed scale 1 text" in page
    assert "licensed wording not loaded" not in page
    # SRS scales are read to 0.1: a decimal field with its anchors, not 101 radio buttons.
    assert 'type="text" id="a-srs_1" name="srs_1" inputmode="decimal"' in page
    assert "A number from 0 to 10, e.g. 7.5" in page
    # Not type="number": a browser would turn a typed "0,5" into 05 before the server sees it.
    assert 'type="number"' not in page


def summary(page: str) -> str:
    match = re.search(r'<div class="error-summary[^"]*".*?</div>', page, re.S)
    assert match, "the page has an error summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def error_of(page: str, item_id: str) -> str:
    match = re.search(rf'id="e-{item_id}">([^<]*)<', page)
    assert match, f"an error next to {item_id}"
    return match.group(1)


@pytest.mark.django_db
def test_a_post_without_the_csrf_cookie_still_stores_the_answers(client_a):
    # A phone that blocks cookies, or a cookie that expired while the client was answering:
    # the token in the URL is the credential, so the answers are stored, not lost to a 403.
    _, token = make_link(client_a, "session-checkin")
    http = Client(enforce_csrf_checks=True)
    key = form_key(http.get(f"/c/{token}/").content.decode())
    http.cookies.clear()
    response = http.post(f"/c/{token}/", {**CHECKIN_ANSWERS, "form_key": key})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Response.objects.count() == 1
    # The single-use form key still counts the submission once.
    assert http.post(f"/c/{token}/", {**CHECKIN_ANSWERS, "form_key": key}).status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_2000_character_comment_with_line_breaks_is_accepted_as_the_browser_counted_it(
    client, client_a
):
    # The textarea's maxlength counts a line break as one character; the browser sends CRLF.
    _, token = make_link(client_a, "session-checkin")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    comment = "\r\n".join(["A line about the session, written on a phone."] * 40)
    comment += "x" * (2000 - len(comment.replace("\r\n", "\n")))
    assert len(comment.replace("\r\n", "\n")) == 2000 and len(comment) == 2039
    response = client.post(
        f"/c/{token}/", {**CHECKIN_ANSWERS, "differently": comment, "form_key": key}
    )
    assert response.status_code == 200, summary(response.content.decode())
    stored = json.loads(Response.objects.get().text_answers)
    assert stored["differently"] == comment.replace("\r\n", "\n")


@pytest.mark.django_db
def test_a_too_long_optional_comment_needs_correcting_rather_than_an_answer(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answers = {**CHECKIN_ANSWERS, "differently": "y" * 2001, "form_key": key}
    response = client.post(f"/c/{token}/", answers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "not answered yet" not in page
    assert "One answer needs correcting. Question 6 " in summary(page)
    assert "2000" in error_of(page, "differently")
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_missing_and_invalid_answers_are_summarised_separately(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answers = {**CHECKIN_ANSWERS, "goals": "", "approach": "12", "form_key": key}
    text = summary(client.post(f"/c/{token}/", answers).content.decode())
    assert "One question is not answered yet. Question 1 " in text
    assert "One answer needs correcting. Question 2 " in text


@pytest.fixture
def ors_token(client_a, clinic, admin_user):
    # Placeholder wording from the test helper: licensed wording never enters the repository.
    wording_upload(actor=admin_user, clinic=clinic, text=wording_file("ors"))
    return make_link(client_a, "ors")[1]


ORS_PLAIN = "Give a number from 0 to 10, with at most one decimal, e.g. 7.5."


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["7.55", "12", "-1", "10.1", "seven", "1e3"])
def test_a_number_that_cannot_be_stored_gets_one_plain_message_and_needs_correcting(
    client, ors_token, typed
):
    key = form_key(client.get(f"/c/{ors_token}/").content.decode())
    answers = {"ors_1": typed, "ors_2": "5", "ors_3": "5", "ors_4": "5", "form_key": key}
    response = client.post(f"/c/{ors_token}/", answers)
    assert response.status_code == 400
    page = response.content.decode()
    assert error_of(page, "ors_1") == ORS_PLAIN
    assert "multiple of" not in page
    assert "One answer needs correcting. Question 1 " in summary(page)
    assert "not answered yet" not in page
    assert f'value="{typed}"' in page  # kept, so the client can correct it
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_decimal_comma_is_read_as_a_decimal_point(client, ors_token):
    key = form_key(client.get(f"/c/{ors_token}/").content.decode())
    answers = {"ors_1": "7,5", "ors_2": "6", "ors_3": "5,0", "ors_4": "10", "form_key": key}
    assert client.post(f"/c/{ors_token}/", answers).status_code == 200
    stored = Response.objects.get()
    assert stored.item_values["ors_1"] == 7.5 and stored.item_values["ors_3"] == 5
    assert float(stored.total) == 28.5


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "", "short", "not a valid key!" * 2])
def test_a_missing_or_malformed_form_key_says_the_form_expired_and_keeps_the_answers(
    client, client_a, key
):
    _, token = make_link(client_a, "session-checkin")
    client.get(f"/c/{token}/")
    data = dict(CHECKIN_ANSWERS)
    if key is not None:
        data["form_key"] = key
    response = client.post(f"/c/{token}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This form has expired" in summary(page)
    assert page.count("This form has expired") == 1
    assert 'name="goals" value="8" checked' in page
    fresh = form_key(page)
    assert fresh != key
    # The fresh key lets the next submit through, once.
    assert client.post(f"/c/{token}/", {**CHECKIN_ANSWERS, "form_key": fresh}).status_code == 200
    assert Response.objects.count() == 1


def links(page: str) -> list[str]:
    """Every link on a page except in-page ones (the skip link, the error summary)."""
    return [h for h in re.findall(r'<a [^>]*href="([^"]*)"', page) if not h.startswith("#")]


@pytest.mark.django_db
def test_the_client_pages_link_to_no_staff_page(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    question_page = client.get(f"/c/{token}/").content.decode()
    assert links(question_page) == []
    assert '<span class="brand">Rapport</span>' in question_page
    answers = {**CHECKIN_ANSWERS, "form_key": form_key(question_page)}
    thanks = client.post(f"/c/{token}/", answers).content.decode()
    assert "Thank you" in thanks and links(thanks) == []
    used = client.get(f"/c/{token}/").content.decode()
    assert "Your answers were already sent" in used and links(used) == []
    assert links(client.get(f"/c/{'A' * 43}/").content.decode()) == []


@pytest.mark.django_db
def test_a_client_page_opened_in_a_signed_in_browser_shows_no_staff_navigation(
    login, therapist_a, client_a
):
    _, token = make_link(client_a, "session-checkin")
    page = login(therapist_a).get(f"/c/{token}/").content.decode()
    assert 'name="form_key"' in page  # the questionnaire itself
    assert links(page) == []
    assert therapist_a.email not in page


@pytest.mark.django_db
def test_staff_pages_keep_the_home_link(login, therapist_a):
    page = login(therapist_a).get("/caseload/").content.decode()
    assert '<a class="brand" href="/">Rapport</a>' in page


@pytest.mark.django_db
def test_the_ors_licence_note_is_shown_to_staff_not_to_the_client(
    client, ors_token, login, admin_user
):
    note = "the clinic must hold a licence for the ORS wording"
    page = client.get(f"/c/{ors_token}/").content.decode()
    assert "Outcome Rating Scale (Miller &amp; Duncan)" in page  # the attribution stays
    assert note not in page
    assert note in login(admin_user).get("/manage/checkins/").content.decode()
