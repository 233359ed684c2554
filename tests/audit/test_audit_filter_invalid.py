"""An audit filter that cannot be applied lists nothing: all events under an error would
read as the filter's result."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", [{"client": "abc"}, {"client": "0"}, {"action": "nonsense"}])
def test_an_invalid_filter_lists_no_events_and_says_what_is_wrong(
    login, therapist_a, client_a, admin_user, query
):
    login(therapist_a).get(f"/clients/{client_a.pk}/")
    response = login(admin_user).get("/manage/audit/", query)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in page
    assert response.context["page"].events == [] and response.context["rows"] == []
    assert "therapist.a@test.invalid" not in page
    assert "Correct the filter to list events." in page


def test_a_valid_filter_and_no_filter_still_list_events(login, therapist_a, client_a, admin_user):
    login(therapist_a).get(f"/clients/{client_a.pk}/")
    http = login(admin_user)
    for query in ({}, {"client": client_a.pk}, {"page": "1"}):
        response = http.get("/manage/audit/", query)
        assert response.status_code == 200
        assert "therapist.a@test.invalid" in response.content.decode()
