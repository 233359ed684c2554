"""Error pages say what happened in plain words, in the product's own layout."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error


@pytest.mark.django_db
def test_an_unknown_address_is_a_plain_not_found_page(login, therapist_a):
    response = login(therapist_a).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page and 'href="/caseload/"' in page


@pytest.mark.django_db
def test_a_page_the_role_cannot_open_says_whom_to_ask(login, supervisor, admin_user):
    response = login(supervisor).get("/manage/users/")
    assert response.status_code == 403
    assert "ask your clinic's administrator" in response.content.decode()
    # The administrator is not told to ask themselves: they never see client records.
    response = login(admin_user).get("/caseload/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "never see client records" in page and "ask your clinic's administrator" not in page


@pytest.mark.django_db
def test_a_form_refused_for_its_missing_cookie_says_how_to_send_it_again(therapist_a):
    http = Client(enforce_csrf_checks=True)
    http.force_login(therapist_a)
    response = http.post("/clients/new/", {"display_name": "Someone"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Please send the form again" in page and "Nothing was saved." in page
    assert "CSRF verification failed" not in page and "DEBUG" not in page


def test_a_server_error_page_renders_on_its_own():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page and "style=" not in page


@pytest.mark.django_db
def test_a_form_with_more_fields_than_django_reads_is_refused_in_plain_words(therapist_a):
    """More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS is refused at the first read of the
    POST: the page says nothing was stored, not a bare 'Bad Request (400)' (a transcript
    from before the speaker limit could send one)."""
    from rapport.clinic.models import Client as ClinicClient

    http = Client()
    http.force_login(therapist_a)
    fields = {f"speaker_{i}": "client" for i in range(1001)}
    fields["display_name"] = "Someone"
    response = http.post("/clients/new/", fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Request not accepted</h1>" in page and "nothing from it was stored" in page
    assert "Bad Request" not in page and "style=" not in page
    assert not ClinicClient.objects.filter(therapist=therapist_a).exists()
