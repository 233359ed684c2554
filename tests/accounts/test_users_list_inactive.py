"""The users list calls an account that may not sign in "Inactive", as the edit page, the
caseload and the supervision pages do ("Disabled" read as a different state)."""

from __future__ import annotations

import pytest

from rapport.accounts.services import user_update

pytestmark = pytest.mark.django_db


def test_an_account_switched_off_reads_inactive(login, admin_user, therapist_b):
    user_update(actor=admin_user, user=therapist_b, is_active=False)
    page = login(admin_user).get("/manage/users/").content.decode()
    row = next(r for r in page.split("<tr>") if therapist_b.email in r)
    assert "<td>Inactive</td>" in row
    assert "Disabled" not in page
