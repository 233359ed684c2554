"""A submission is stored exactly once: double clicks, resubmits, two tabs, retries, races."""

from __future__ import annotations

import pytest
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link
from tests.clinic._races import real_concurrency, run_at_once, run_twice_at_once

from rapport.audit.models import AuditEvent
from rapport.checkins.models import CheckIn
from rapport.checkins.services import CheckinUnavailable, checkin_submit
from rapport.core import hooks
from rapport.measures.models import Response

ANSWERS = {k: int(v) for k, v in PHQ9_ZERO.items()}


@pytest.mark.django_db
def test_a_resubmit_of_the_stored_submission_shows_the_same_thank_you_page(client, client_a):
    _, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    first = client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key})
    second = client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_a_second_tab_cannot_store_a_second_response(client, client_a):
    _, token = make_link(client_a)
    tab_one = form_key(client.get(f"/c/{token}/").content.decode())
    tab_two = form_key(client.get(f"/c/{token}/").content.decode())
    assert tab_one != tab_two
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": tab_one}).status_code == 200
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": tab_two}).status_code == 410
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_the_link_is_marked_used_in_the_same_transaction_as_the_response(client_a):
    checkin, _ = make_link(client_a)
    response, created = checkin_submit(checkin=checkin, answers=ANSWERS, form_key="k" * 22)
    checkin.refresh_from_db()
    assert created and checkin.used_at is not None and checkin.response == response
    assert response.checkin == checkin
    event = AuditEvent.objects.get(target__startswith=f"response:{response.pk}")
    assert event.actor_label == "client link" and event.action == "submit"


@pytest.mark.django_db
def test_a_failure_while_storing_leaves_the_link_unused_and_nothing_stored(client_a):
    checkin, _ = make_link(client_a)

    def explode(response):
        raise RuntimeError("listener failed")

    hooks.on_response_stored(explode)
    try:
        with pytest.raises(RuntimeError):
            checkin_submit(checkin=checkin, answers=ANSWERS, form_key="k" * 22)
    finally:
        hooks._response_listeners.remove(explode)
    checkin.refresh_from_db()
    assert checkin.used_at is None
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_the_one_to_one_link_is_a_database_constraint(client_a):
    from django.db import IntegrityError, transaction

    first, _ = make_link(client_a)
    second, _ = make_link(client_a, "session-checkin")
    response, _ = checkin_submit(checkin=first, answers=ANSWERS, form_key="k" * 22)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.filter(pk=second.pk).update(response=response, used_at=response.received_at)


@pytest.mark.django_db
def test_a_network_retry_after_the_link_expired_still_gets_its_thank_you(
    client, client_a, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    _, token = make_link(client_a)
    page = client.get(f"/c/{token}/").content.decode()
    key = form_key(page)
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key}).status_code == 200
    later = timezone.now() + timedelta(days=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key}).status_code == 200
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_submit_stores_one_response(client_a):
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; see the real-server test")
    checkin, _ = make_link(client_a)

    def submit_from(tab):
        # Two tabs racing: different form keys, the same link.
        return lambda: checkin_submit(checkin=checkin, answers=ANSWERS, form_key=tab + "k" * 16)

    results = list(run_at_once({tab: submit_from(tab) for tab in ("tab-0-", "tab-1-")}).values())
    stored = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, CheckinUnavailable)]
    assert len(stored) == 1 and len(refused) == 1, results
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_click_stores_one_response_and_both_get_it(client_a):
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; see the real-server test")
    checkin, _ = make_link(client_a)

    def submit():
        return checkin_submit(checkin=checkin, answers=ANSWERS, form_key="same-key-" + "k" * 16)

    results = run_twice_at_once(submit)
    assert all(isinstance(r, tuple) for r in results), results
    assert {r[0].pk for r in results} == {Response.objects.get().pk}
    assert sorted(r[1] for r in results) == [False, True]


def test_concurrent_submissions_through_a_real_server_store_exactly_once():
    """gunicorn with four worker processes on a file-based SQLite database (WAL, IMMEDIATE
    transactions), as ``rapport serve`` runs: 10 links submitted at the same moment plus 10
    racing submissions of one link (each from its own form, as separate tabs) store 11."""
    bench = _load_bench()
    with bench.running_server(11, workers=4) as server:
        burst = bench.concurrency(server, server.tokens[:10], server.tokens[10], 10)
        server.stop()
        responses, used = bench.stored_responses(server.database)
    assert burst["distinct_ok"] == 10 and burst["same_link_ok"] == 1, burst
    assert burst["same_link_refused_410"] == 9 and not burst["other_statuses"], burst
    assert (responses, used) == (11, 11)


def _load_bench():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_checkins.py"
    spec = importlib.util.spec_from_file_location("bench_checkins", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module
