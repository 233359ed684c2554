"""The admin's Audit page says what happened in words a clinic admin reads ("Signed in —
Therapist.A", "Changed check-in settings"), the stored event on a smaller line under them
for an investigation; its filter offers the kinds of event an admin looks for (sign-ins,
failed sign-ins, passwords and second factors...), where sign-ins were listed under "User
or setting created" and failed ones under "… changed"; and its times are in the app's
format with their time zone, where they were ISO with none."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.audit.test_admin_audit_coarse import _details, _rows, _table

from rapport.accounts import security_audit
from rapport.accounts.services import user_update
from rapport.audit.models import Action
from rapport.audit.selectors import (
    ACCOUNT_SECURITY,
    CLIENT_READ,
    FAILED_SIGN_INS,
    SCHEDULED_OR_COMMAND_LINE,
    SETTINGS_CHANGED,
    SIGN_INS,
    STAFF_ACCOUNTS,
)
from rapport.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_day_of_events(login, therapist_a, therapist_b, client_a, admin_user):
    """Sign-ins, a failed one, a second factor turned on, an admin's changes to an account
    and to the settings, a read of a client's record and a scheduled run."""
    security_audit.sign_in_failed(email=therapist_a.email, request=None)
    security_audit.signed_in(user=therapist_a, request=None)
    assert login(therapist_a).get(f"/clients/{client_a.pk}/").status_code == 200
    security_audit.signed_out(user=therapist_a, request=None)
    security_audit.mfa_code_rejected(user=therapist_b, request=None)
    security_audit._record(
        user=therapist_b, action=Action.CREATE, what="mfa:totp:added", request=None
    )
    user_update(actor=admin_user, user=therapist_b, is_active=False)
    audit_record(actor=admin_user, action=Action.UPDATE, target=f"user:{therapist_b.pk}:password")
    audit_record(actor=admin_user, action=Action.UPDATE, target="checkin-schedule")
    audit_record(actor=admin_user, action=Action.UPDATE, target="clinic-settings:require_mfa")
    audit_record(
        actor=None, action=Action.UPDATE, target=f"alerts-recompute:clinic:{admin_user.clinic_id}"
    )
    return login(admin_user)


def test_every_row_says_what_happened_in_words_with_the_stored_event_under_them(
    a_day_of_events, therapist_a, therapist_b, client_a
):
    page = a_day_of_events.get("/manage/audit/").content.decode()
    a, b = therapist_a.pk, therapist_b.pk
    assert [row[1] for row in _rows(page)] == [
        "Checked time-based alerts (scheduled run)",
        "Changed clinic settings",
        "Changed check-in settings",
        "Set a new password — Therapist.B",
        "Made account inactive — Therapist.B",
        "Turned on two-factor authentication — Therapist.B",
        "Wrong two-factor code — Therapist.B",
        "Signed out — Therapist.A",
        "Read client record",
        "Signed in — Therapist.A",
        "Sign-in failed: wrong password — Therapist.A",
    ]
    # The event as stored, for an investigation: never for a client's record.
    assert _details(page) == [
        f"Changed · alerts-recompute:clinic:{client_a.clinic_id}",
        "Changed · clinic-settings:require_mfa",
        "Changed · checkin-schedule",
        f"Changed · user:{b}:password",
        f"Changed · user:{b}:deactivated",
        f"Created · auth:user:{b}:mfa:totp:added",
        f"Changed · auth:user:{b}:sign-in-failed:mfa-code",
        f"Deleted · auth:user:{a}:sign-out",
        "",
        f"Created · auth:user:{a}:sign-in",
        f"Changed · auth:user:{a}:sign-in-failed",
    ]
    # No stored target is the row's main text any more.
    assert not [row for row in _rows(page) if re.search(r"\w:\w", row[1])]


def test_a_deleted_users_rows_read_deleted_account(login, admin_user, therapist_b):
    gone = therapist_b.pk
    user_update(actor=admin_user, user=therapist_b, is_active=False)
    security_audit.signed_in(user=therapist_b, request=None)
    # No page deletes an account; an operator may, in the database (the log keeps its rows).
    therapist_b.delete()
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert [row[1] for row in _rows(page)] == [
        "Signed in — Deleted account",
        "Made account inactive — Deleted account",
    ]
    assert _details(page) == [
        f"Created · auth:user:{gone}:sign-in",
        f"Changed · user:{gone}:deactivated",
    ]


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        (SIGN_INS, ["Signed out — Therapist.A", "Signed in — Therapist.A"]),
        (
            FAILED_SIGN_INS,
            [
                "Wrong two-factor code — Therapist.B",
                "Sign-in failed: wrong password — Therapist.A",
            ],
        ),
        (
            ACCOUNT_SECURITY,
            [
                "Set a new password — Therapist.B",
                "Turned on two-factor authentication — Therapist.B",
            ],
        ),
        (STAFF_ACCOUNTS, ["Made account inactive — Therapist.B"]),
        (SETTINGS_CHANGED, ["Changed clinic settings", "Changed check-in settings"]),
        (SCHEDULED_OR_COMMAND_LINE, ["Checked time-based alerts (scheduled run)"]),
        (CLIENT_READ, ["Read client record"]),
    ],
)
def test_the_filter_picks_each_kind_of_event_an_admin_looks_for(a_day_of_events, kind, shown):
    page = a_day_of_events.get("/manage/audit/", {"action": kind})
    assert page.status_code == 200
    assert [row[1] for row in _rows(page.content.decode())] == shown


def test_sign_ins_are_no_longer_users_or_settings_created_or_changed(a_day_of_events):
    """The filters by stored action keep the admin's own work on users and settings."""
    http = a_day_of_events
    created = _rows(http.get("/manage/audit/", {"action": "create"}).content.decode())
    changed = _rows(http.get("/manage/audit/", {"action": "update"}).content.decode())
    assert created == []
    assert [row[1] for row in changed] == [
        "Checked time-based alerts (scheduled run)",
        "Changed clinic settings",
        "Changed check-in settings",
        "Set a new password — Therapist.B",
        "Made account inactive — Therapist.B",
    ]


def test_the_filter_offers_the_kinds_first(login, admin_user):
    page = login(admin_user).get("/manage/audit/").content.decode()
    select = page.split('name="action"', 1)[1].split("</select>", 1)[0]
    kinds = select.split('label="Kind of event"', 1)[1].split("</optgroup>", 1)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", kinds) == [
        "Sign-ins and sign-outs",
        "Failed or refused sign-ins",
        "Passwords, two-factor and API tokens",
        "Staff accounts and supervision links",
        "Clinic settings, wording and strategies changed",
        "Scheduled runs and command line",
    ]


def test_a_kind_costs_one_bounded_query_of_the_clinics_rows_whatever_the_log(
    login, admin_user, therapist_a
):
    http = login(admin_user)

    def audit_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/manage/audit/", {"action": FAILED_SIGN_INS}).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    security_audit.sign_in_failed(email=therapist_a.email, request=None)
    few = audit_queries()
    for _ in range(60):
        security_audit.sign_in_failed(email=therapist_a.email, request=None)
        security_audit.signed_in(user=therapist_a, request=None)
    many = audit_queries()
    assert len(many) == len(few)
    [log] = [sql for sql in many if "audit_auditevent" in sql and "LIMIT" in sql.upper()]
    assert '"audit_auditevent"."clinic_id" = ' in log and "LIMIT 51" in log.upper()
    page = http.get("/manage/audit/", {"action": FAILED_SIGN_INS}).content.decode()
    assert len(_rows(page)) == 50 and 'rel="next">Older</a>' in page


def test_times_are_in_the_apps_format_with_their_zone(login, admin_user, settings):
    settings.TIME_ZONE = "Europe/London"
    winter = dt.datetime(2026, 12, 7, 17, 7, 52, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 1, 8, 30, 5, tzinfo=dt.UTC)
    for at, target in ((summer, "checkin-schedule"), (winter, "clinic-settings:name")):
        with mock.patch("django.utils.timezone.now", return_value=at):
            audit_record(actor=admin_user, action=Action.UPDATE, target=target)
    page = login(admin_user).get("/manage/audit/").content.decode()
    table = _table(page)
    assert '<th scope="col">When (Europe/London)</th>' in table
    assert '<time datetime="2026-12-07T17:07:52+00:00">7 Dec 2026, 17:07:52 GMT</time>' in table
    assert '<time datetime="2026-07-01T09:30:05+01:00">1 Jul 2026, 09:30:05 BST</time>' in table
    assert "2026-12-07 17:07:52" not in page
    assert "Times are in the server's time zone, Europe/London." in page


def test_a_security_row_without_words_of_its_own_still_reads_in_words(login, admin_user):
    # A kind of second factor this version does not word (allauth's WebAuthn, say).
    security_audit._record(
        user=admin_user, action=Action.CREATE, what="mfa:webauthn:added", request=None
    )
    page = login(admin_user).get("/manage/audit/").content.decode()
    assert [row[1] for row in _rows(page)] == ["Account security change — Admin"]
    assert _details(page) == [f"Created · auth:user:{admin_user.pk}:mfa:webauthn:added"]
