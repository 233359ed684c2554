"""The client page keeps the clinic's guidance library up to date without reading and
comparing every strategy on each view: ``library_load`` runs on the clinic's first page in
a process (a release starts new processes) and again only once the clinic's strategies
changed (``monitoring.views._library_up_to_date``)."""

from __future__ import annotations

from unittest import mock

import pytest

from rapport.guidance.library import load_library
from rapport.guidance.models import Strategy
from rapport.monitoring import views


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch):
    monkeypatch.setattr(views, "_library_checked", {})


def _views_loading(http, path: str, times: int) -> int:
    with mock.patch.object(views, "library_load", wraps=views.library_load) as load:
        for _ in range(times):
            assert http.get(path).status_code == 200
    return load.call_count


@pytest.mark.django_db
def test_the_library_is_loaded_on_the_first_view_only(login, therapist_a, client_a):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    assert _views_loading(http, path, 3) == 1
    shipped = {spec.slug for spec in load_library()}
    assert shipped <= set(
        Strategy.objects.filter(clinic=client_a.clinic).values_list("slug", flat=True)
    )


@pytest.mark.django_db
def test_a_strategy_removed_since_is_loaded_again_on_the_next_view(login, therapist_a, client_a):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    http.get(path)
    Strategy.objects.filter(clinic=client_a.clinic, slug="name-the-rupture").delete()
    assert _views_loading(http, path, 2) == 1
    assert Strategy.objects.filter(clinic=client_a.clinic, slug="name-the-rupture").exists()


@pytest.mark.django_db
def test_an_edited_copy_is_brought_back_to_the_shipped_text_in_a_new_process(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    path = f"/clients/{client_a.pk}/"
    http.get(path)
    # A copy nobody edited with an older text (as after a release corrected it).
    Strategy.objects.filter(clinic=client_a.clinic, slug="name-the-rupture").update(text="Old")
    views._library_checked.clear()  # the release's new process
    http.get(path)
    spec = next(s for s in load_library() if s.slug == "name-the-rupture")
    assert Strategy.objects.get(clinic=client_a.clinic, slug="name-the-rupture").text == spec.text
