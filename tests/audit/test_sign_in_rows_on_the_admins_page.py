"""The admin's Audit page words sign-ins and account-security changes ("Signed in —
Therapist.A", "Sign-in failed: wrong password — …") instead of the stored action alone
("Created", "Changed"), beside the rows about client records, which keep their coarse
words."""

from __future__ import annotations

import pytest
from tests.audit.test_admin_audit_coarse import _details, _rows
from tests.conftest import PASSWORD, make_client

pytestmark = pytest.mark.django_db


def _sign_in(client, email, password):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR="198.51.100.7"
    )


def test_sign_ins_read_as_such_between_the_client_record_lines(
    client, login, therapist_a, client_a, admin_user
):
    make_client(therapist_a, "Second Person")
    _sign_in(client, therapist_a.email, "not-the-password-at-all-77")
    assert _sign_in(client, therapist_a.email, PASSWORD).status_code == 302
    assert client.get("/caseload/").status_code == 200  # two clients' records: one line
    client.post("/accounts/logout/", REMOTE_ADDR="198.51.100.7")

    page = login(admin_user).get("/manage/audit/").content.decode()
    pk, email = therapist_a.pk, therapist_a.email
    assert _rows(page)[:3] == [
        [email, "Signed out — Therapist.A", "—", "198.51.100.7"],
        [email, "Signed in — Therapist.A", "—", "198.51.100.7"],
        [email, "Sign-in failed: wrong password — Therapist.A", "—", "198.51.100.7"],
    ]
    assert _details(page)[:3] == [
        f"Deleted · auth:user:{pk}:sign-out",
        f"Created · auth:user:{pk}:sign-in",
        f"Changed · auth:user:{pk}:sign-in-failed",
    ]
    # The caseload's line (two clients' records, one line) keeps its words, in its place.
    group = page.index('<tr class="audit-group">')
    assert page.index("sign-out") < group < page.index(f"auth:user:{pk}:sign-in<")
    assert "<td><details><summary>Read 2 client records" in page[group:]
