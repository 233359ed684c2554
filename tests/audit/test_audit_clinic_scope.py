"""Each audit row stores the clinic whose admin sees it, decided when it is written by the
rule the page applied to the whole log on every view (the actor's clinic, the client's,
the user or clinic an operator's target names); the page reads that one indexed column,
pages Newer/Older by position, and never counts or scans the log."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.audit._clinic_log import elsewhere, old_rule_ids, write_a_log
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role
from rapport.audit.models import Action, AuditEvent
from rapport.audit.selectors import CLIENT_READ, audit_events_for
from rapport.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def there(db):
    return elsewhere()


@pytest.fixture
def a_log(client, admin_user, therapist_a, client_a, there, monkeypatch, capsys):
    write_a_log(
        client,
        admin=admin_user,
        therapist=therapist_a,
        client=client_a,
        there=there,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )


def _ids(admin) -> set[int]:
    return set(audit_events_for(admin).values_list("pk", flat=True))


def test_each_row_is_the_clinic_the_old_rule_gave_it_and_the_installations_none(
    a_log, admin_user, there
):
    ours, theirs = _ids(admin_user), _ids(there.admin)
    assert ours == old_rule_ids(admin_user) and ours
    assert theirs == old_rule_ids(there.admin) and theirs
    assert not ours & theirs
    rest = AuditEvent.objects.exclude(pk__in=ours | theirs)
    # The installation's own work (with the shipped library the set-up loaded): no clinic.
    assert {
        "dropout-calibration:clinic:1000000",
        "encryption-key-rotation",
        "guidance-library:12",
        f"user:{admin_user.clinic.staff.get(email='therapist.a@test.invalid').pk}:y",
    } <= set(rest.values_list("target", flat=True))
    assert set(rest.values_list("clinic_id", flat=True)) == {None}
    # The system's run over both clinics: each row with its client's clinic.
    run = dict(
        AuditEvent.objects.filter(target="signals-recompute").values_list("client_id", "clinic_id")
    )
    assert run == {c.pk: c.clinic_id for c in (*admin_user.clinic.clients.all(), there.client)}


def _cells(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    ]


def test_another_clinics_rows_never_show_on_the_page(
    a_log, login, admin_user, therapist_a, client_a, there
):
    for admin, own, foreign in (
        (admin_user, (therapist_a, client_a), (there.therapist, there.client)),
        (there.admin, (there.therapist, there.client), (therapist_a, client_a)),
    ):
        http = login(admin)
        cells = _cells(http.get("/manage/audit/").content.decode())
        who = {row[1] for row in cells}  # when, who, what happened, client id, address
        assert {own[0].email, admin.email, "cli", "system", "client link"} <= who
        assert who <= {own[0].email, admin.email, "cli", "system", "client link"}
        clients = {row[3] for row in cells} | {
            listed for row in cells for listed in re.findall(r"client=(\d+)", row[2])
        }
        assert str(own[1].pk) in clients and str(foreign[1].pk) not in clients
        shown = " ".join(row[2] for row in cells)
        assert foreign[0].full_name not in shown and f"user:{foreign[0].pk}:" not in shown
        assert "encryption-key-rotation" not in shown and "guidance-library" not in shown
        for query in ({"client": foreign[1].pk}, {"actor": foreign[0].email}):
            cells = _cells(http.get("/manage/audit/", query).content.decode())
            assert cells == [["No matching events."]], query


def test_rows_stay_with_the_clinic_they_were_written_in_when_a_person_moves(
    login, clinic, admin_user, therapist_a, client_a, there
):
    """No page moves a user or a client to another clinic; should the database be changed
    by hand, the rows written before stay the first clinic's: the new clinic's admin never
    reads what its newcomer did, or what was done to its new client, elsewhere."""
    login(therapist_a).get("/caseload/")
    colleague = make_user(clinic, "second.admin@test.invalid", Role.ADMIN)
    audit_record(actor=colleague, action=Action.UPDATE, target=f"user:{therapist_a.pk}:full_name")
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    for moved in (therapist_a, colleague, client_a):
        moved.clinic = there.admin.clinic
        moved.save(update_fields=["clinic"])
    audit_record(actor=colleague, action=Action.VIEW, target="users")
    after = set(AuditEvent.objects.values_list("pk", flat=True)) - before
    assert _ids(admin_user) == before
    assert _ids(there.admin) == after
    page = login(there.admin).get("/manage/audit/").content.decode()
    assert [cells[1:] for cells in _cells(page)] == [
        [colleague.email, 'Viewed: users<br><small class="meta">Viewed · users</small>', "—", "—"]
    ]


def _audit_queries(http, path, query=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = http.get(path, query or {})
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries if "audit_auditevent" in q["sql"]]


def test_the_pages_queries_read_one_clinics_rows_and_count_nothing(
    a_log, login, admin_user, client_a
):
    http = login(admin_user)
    newest, oldest = (audit_events_for(admin_user).values_list("pk", flat=True)[i] for i in (0, 3))
    for query in (
        {},
        {"client": client_a.pk},
        {"actor": "therapist"},
        {"action": CLIENT_READ},
        {"before": newest},
        {"after": oldest},
    ):
        queries = _audit_queries(http, "/manage/audit/", query)
        assert queries, query
        for sql in queries:
            assert "COUNT(" not in sql.upper(), (query, sql)
            # No subquery of any kind: one SELECT, on the one table, narrowed to the
            # clinic by its index and to a page (or one row) by LIMIT.
            assert sql.upper().count("SELECT") == 1, (query, sql)
            assert '"audit_auditevent"."clinic_id" = ' in sql, (query, sql)
            assert " LIMIT " in sql.upper(), (query, sql)


def _page(http, url: str):
    page = http.get("/manage/audit/" + url).content.decode()
    links = dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(r'<a href="(\?[^"]*)" rel="[a-z]+">(Newer|Older)</a>', page)
    )
    # Each row's target as stored, on the line under its words ("Changed · setting:3"), or
    # its words alone for a client's record (no target shown).
    return [
        (re.search(r"· (.*?)</small>", cells[2]) or re.search("(.*)", cells[2])).group(1)
        for cells in _cells(page)
    ], links


def test_newer_and_older_walk_the_clinics_log_once_each_way_keeping_the_filters(
    login, admin_user, therapist_a, there
):
    """120 of the clinic's events about users (one a line) among another clinic's, half of
    them written at the very same instant (ties go by id)."""
    for n in range(120):
        audit_record(actor=admin_user, action=Action.UPDATE, target=f"setting:{n}")
        audit_record(actor=there.admin, action=Action.UPDATE, target=f"setting:{n}")
    tied = AuditEvent.objects.filter(target__in=[f"setting:{n}" for n in range(30, 90)])
    with connection.cursor() as cursor:  # the log's guard is the app's; a test may set times
        cursor.execute(
            "UPDATE audit_auditevent SET at = (SELECT MIN(at) FROM audit_auditevent)"
            " WHERE id BETWEEN %s AND %s",
            [min(tied.values_list("pk", flat=True)), max(tied.values_list("pk", flat=True))],
        )
    expected = [f"setting:{n}" for n in reversed(range(120))]
    ordered = list(audit_events_for(admin_user).values_list("target", flat=True))
    http = login(admin_user)
    pages, url = [], "?actor=admin%40test"
    while True:
        shown, links = _page(http, url)
        pages.append(shown)
        assert len(shown) <= 50 and ("Newer" in links) == (len(pages) > 1)
        if "Older" not in links:
            break
        assert "actor=admin%40test" in links["Older"]
        url = links["Older"]
    assert [len(p) for p in pages] == [50, 50, 20]
    assert sum(pages, []) == ordered and sorted(ordered) == sorted(expected)
    back = [pages[-1]]
    while "Newer" in links:
        shown, links = _page(http, links["Newer"])
        back.append(shown)
    assert back[::-1] == pages


def test_a_cursor_of_another_clinics_event_gives_the_newest_page(login, admin_user, there):
    audit_record(actor=admin_user, action=Action.UPDATE, target="setting:ours")
    theirs = audit_record(actor=there.admin, action=Action.UPDATE, target="setting:theirs")
    http = login(admin_user)
    for query in ({"before": theirs.pk}, {"after": theirs.pk}, {"before": "x1"}, {"page": "7"}):
        shown, links = _page(http, "?" + "&".join(f"{k}={v}" for k, v in query.items()))
        assert shown == ["setting:ours"] and links == {}, query


def test_a_client_on_page_two_is_kept_by_the_older_link(login, admin_user, therapist_a):
    """A client filter's rows page the same way (each is one line: other requests)."""
    one = make_client(therapist_a, "Olly Other")
    for _ in range(55):
        audit_record(actor=therapist_a, action=Action.VIEW, target="client", client_id=one.pk)
    http = login(admin_user)
    shown, links = _page(http, f"?client={one.pk}")
    assert len(shown) == 50 and set(links) == {"Older"}
    assert f"client={one.pk}" in links["Older"]
    shown, links = _page(http, links["Older"])
    assert len(shown) == 5 and set(links) == {"Newer"}
