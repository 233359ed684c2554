"""``rapport checkin-link`` and ``rapport import-responses``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.conftest import make_client

from rapport.checkins.models import CheckIn
from rapport.checkins.tokens import hash_token
from rapport.cli import main
from rapport.clinic.models import Appointment, Attendance
from rapport.measures.models import Response

HEADER = "client,date,instrument," + ",".join(f"phq9_{n}" for n in range(1, 11))


def phq9_row(client_id, day, values, extra=""):
    return f"{client_id},{day},phq9," + ",".join(str(v) for v in values) + f",{extra}"


@pytest.mark.django_db
def test_checkin_link_prints_a_url_for_the_next_appointment(capsys, client_a, settings):
    settings.BASE_URL = "https://rapport.example.org"
    assert main(["checkin-link", "--client", str(client_a.pk), "--instrument", "phq9"]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("https://rapport.example.org/c/") and url.endswith("/")
    token = url.rsplit("/", 2)[1]
    checkin = CheckIn.objects.get(token_hash=hash_token(token))
    upcoming = client_a.episodes.get().appointments.order_by("starts_at").last()
    assert checkin.appointment == upcoming and checkin.timing == "before"
    # An operator's hand-run command, told apart from scheduled work in the audit log.
    from rapport.audit.models import AuditEvent

    created = AuditEvent.objects.get(action="create", client_id=client_a.pk)
    assert created.actor_label == "cli"


@pytest.mark.django_db
def test_checkin_link_prefers_the_appointment_under_way(capsys, client_a):
    episode = client_a.episodes.get()
    now_on = Appointment.objects.create(
        episode=episode, starts_at=timezone.now() - timedelta(minutes=20)
    )
    assert main(["checkin-link", "--client", str(client_a.pk), "--instrument", "phq9"]) == 0
    assert CheckIn.objects.get().appointment == now_on


@pytest.mark.django_db
def test_checkin_link_explains_a_missing_appointment(capsys, therapist_a):
    lonely = make_client(therapist_a, "No Appointments", with_episode=False)
    assert main(["checkin-link", "--client", str(lonely.pk), "--instrument", "phq9"]) == 2
    assert "no current or upcoming appointment" in capsys.readouterr().err


@pytest.mark.django_db
def test_checkin_link_ignores_cancelled_appointments(capsys, client_a):
    client_a.episodes.get().appointments.update(attendance=Attendance.CANCELLED)
    assert main(["checkin-link", "--client", str(client_a.pk), "--instrument", "phq9"]) == 2
    assert "no current or upcoming appointment" in capsys.readouterr().err


@pytest.mark.django_db
def test_checkin_link_refuses_unknown_instruments_and_clients(capsys, client_a):
    assert main(["checkin-link", "--client", str(client_a.pk), "--instrument", "phq-99"]) == 2
    assert "unknown instrument 'phq-99'" in capsys.readouterr().err
    assert main(["checkin-link", "--client", "999999", "--instrument", "phq9"]) == 2
    assert "no client with id 999999" in capsys.readouterr().err


@pytest.mark.django_db
def test_checkin_link_refuses_a_licensed_instrument_without_wording(capsys, client_a):
    assert main(["checkin-link", "--client", str(client_a.pk), "--instrument", "srs"]) == 2
    assert "licensed wording" in capsys.readouterr().err
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_import_is_all_or_nothing_with_a_row_by_row_report(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "2026-01-05", [1] * 9),
                phq9_row(client_a.pk, "2026-01-12", [1, 1, 1, 4, 1, 1, 1, 1, 1]),
                phq9_row(999999, "2026-01-19", [0] * 9),
                phq9_row(client_a.pk, "12/01/2026", [0] * 9),
            ]
        )
        + "\n"
    )
    assert main(["import-responses", str(csv)]) == 2
    captured = capsys.readouterr()
    assert "history.csv: line 3: phq9_4: 4 is not one of the allowed values" in captured.out
    assert "line 4: no client with id 999999" in captured.out
    assert "line 5: date '12/01/2026' is not a date" in captured.out
    assert "nothing imported: 3 of 4 rows are invalid" in captured.err
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_client_id_of_zero_or_below_is_a_row_error_not_a_crash(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    rows = [HEADER, phq9_row(0, "2026-01-05", [1] * 9), phq9_row(-3, "2026-01-12", [1] * 9)]
    csv.write_text("\n".join(rows) + "\n")
    assert main(["import-responses", str(csv)]) == 2
    captured = capsys.readouterr()
    assert "line 2: client '0' is not a client id" in captured.out
    assert "line 3: client '-3' is not a client id" in captured.out
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_skip_invalid_imports_the_valid_rows(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "2026-01-05", [2] * 9),
                phq9_row(client_a.pk, "2026-01-12", [1, 1, 1, 9, 1, 1, 1, 1, 1]),
            ]
        )
    )
    assert main(["import-responses", str(csv), "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "line 3: phq9_4" in out
    assert "Imported 1 response; 0 were already there; 1 invalid row skipped." in out
    stored = Response.objects.get()
    assert (stored.total, stored.source, stored.client) == (18, "import", client_a)
    assert timezone.localdate(stored.administered_at).isoformat() == "2026-01-05"


@pytest.mark.django_db
def test_importing_the_same_file_twice_never_duplicates(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "2026-01-05", [1] * 9),
                phq9_row(client_a.pk, "2026-01-12", [0] * 9, extra="2"),
            ]
        )
    )
    assert main(["import-responses", str(csv)]) == 0
    assert main(["import-responses", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 responses" in out
    assert "Imported 0 responses; 2 were already there" in out
    assert Response.objects.count() == 2


@pytest.mark.django_db
def test_a_corrected_file_never_stores_a_second_answer_for_the_same_day(tmp_path, capsys, client_a):
    first = tmp_path / "history.csv"
    first.write_text("\n".join([HEADER, phq9_row(client_a.pk, "2026-01-05", [1] * 9)]) + "\n")
    assert main(["import-responses", str(first)]) == 0
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "2026-01-05", [2] * 9),
                phq9_row(client_a.pk, "2026-01-12", [1] * 9),
                phq9_row(client_a.pk, "2026-01-12", [3] * 9),
            ]
        )
        + "\n"
    )
    capsys.readouterr()
    assert main(["import-responses", str(corrected)]) == 2
    out = capsys.readouterr().out
    assert (
        f"line 2: client {client_a.pk} already has a phq9 on 2026-01-05 from an earlier import, "
        "with other answers"
    ) in out
    assert f"line 4: client {client_a.pk} already has a phq9 on 2026-01-12 in line 3" in out
    assert [r.total for r in Response.objects.all()] == [9]


@pytest.mark.django_db
def test_a_file_may_mix_instruments_but_not_their_items(tmp_path, capsys, client_a):
    csv = tmp_path / "mixed.csv"
    csv.write_text(
        "client,date,instrument,phq9_1,goals,approach,relationship,overall,pushed,differently\n"
        f'{client_a.pk},2026-02-02,session-checkin,,9,8,9,9,0,"More, please"\n'
        f"{client_a.pk},2026-02-09,session-checkin,2,9,8,9,9,0,\n"
    )
    assert main(["import-responses", str(csv)]) == 2
    assert "line 3: column 'phq9_1' is an item of another instrument" in capsys.readouterr().out
    assert main(["import-responses", str(csv), "--skip-invalid"]) == 0
    stored = Response.objects.get()
    assert stored.total == 35 and "More, please" in stored.text_answers


@pytest.mark.django_db
def test_a_file_without_the_required_columns_is_refused(tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("who,when,phq9_1\n1,2026-01-01,0\n")
    assert main(["import-responses", str(csv)]) == 2
    assert "missing column(s) client, date, instrument" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(capsys, tmp_path):
    assert main(["import-responses", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err


@pytest.mark.django_db
def test_rows_dated_in_the_future_or_before_1900_are_row_errors(tmp_path, capsys, client_a):
    tomorrow = timezone.localdate() + timedelta(days=1)
    csv = tmp_path / "history.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "2099-01-05", [1] * 9),
                phq9_row(client_a.pk, "1899-12-31", [1] * 9),
                phq9_row(client_a.pk, tomorrow.isoformat(), [1] * 9),
                phq9_row(client_a.pk, "2099-01-05T10:00:00+00:00", [1] * 9),
                phq9_row(client_a.pk, "2026-01-05", [1] * 9),
            ]
        )
        + "\n"
    )
    assert main(["import-responses", str(csv)]) == 2
    out = capsys.readouterr().out
    assert "line 2: date 2099-01-05 is in the future" in out
    assert "line 3: date 1899-12-31 is before 1900" in out
    assert f"line 4: date {tomorrow.isoformat()} is in the future" in out
    assert "line 5: date 2099-01-05T10:00:00+00:00 is in the future" in out
    assert "line 6" not in out
    assert not Response.objects.exists()
    assert main(["import-responses", str(csv), "--skip-invalid"]) == 0
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_out_of_range_dates_and_client_ids_are_row_errors_not_crashes(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "9999-12-31T23:00:00-05:00", [1] * 9),
                phq9_row("99999999999999999999", "2026-01-05", [1] * 9),
                phq9_row(client_a.pk, "9999-12-31T23:00:00", [1] * 9),
            ]
        )
        + "\n"
    )
    assert main(["import-responses", str(csv), "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "line 2: date 9999-12-31T23:00:00-05:00 is out of range" in out
    assert "line 3: client '99999999999999999999' is not a client id" in out
    assert "line 4: date 9999-12-31T23:00:00 is in the future" in out
    assert "Imported 0 responses" in out
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_cell_too_long_for_csv_is_one_clear_line(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        "\n".join([HEADER, phq9_row(client_a.pk, "2026-01-05", [1] * 9), f"{'9' * 140_000}"]) + "\n"
    )
    assert main(["import-responses", str(csv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rapport: line 3: the file cannot be read as CSV: field larger than")
    assert err.count("\n") == 1
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_column_named_twice_in_the_header_refuses_the_file(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(f"client,date,instrument,phq9_1,phq9_1\n{client_a.pk},2026-01-05,phq9,0,3\n")
    assert main(["import-responses", str(csv)]) == 2
    assert "line 1: column(s) phq9_1 appear more than once" in capsys.readouterr().err
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_an_imported_comment_cannot_be_confirmed_from_the_stored_key(tmp_path, client_a):
    # The key is stored in the clear beside the item values; a plain hash of the row would
    # let anyone reading the database check a guess at the (encrypted) comment.
    import hashlib
    import json

    from rapport.checkins.csv_import import read_rows, row_digest
    from rapport.measures.registry import all_instruments

    text = (
        "client,date,instrument,goals,approach,relationship,overall,pushed,differently\n"
        f"{client_a.pk},2026-02-02,session-checkin,9,8,9,9,0,I relapsed\n"
    )
    csv = tmp_path / "history.csv"
    csv.write_text(text)
    assert main(["import-responses", str(csv)]) == 0
    stored = Response.objects.get().idempotency_key
    (row,), _ = read_rows(text, {item for i in all_instruments() for item in i.item_ids})
    guess = json.dumps(
        [row.client_id, row.instrument_id, row.administered.isoformat(), row.answers],
        sort_keys=True,
        separators=(",", ":"),
    )
    assert row.answers["differently"] == "I relapsed"
    assert hashlib.sha256(guess.encode()).hexdigest() == row_digest(row)
    assert row_digest(row) not in stored
    assert stored.startswith("import:") and len(stored) == len("import:") + 64
    # The same file again still adds nothing.
    assert main(["import-responses", str(csv)]) == 0
    assert Response.objects.count() == 1
    from rapport.audit.models import AuditEvent

    imported = AuditEvent.objects.filter(action="create", client_id=client_a.pk)
    assert [e.actor_label for e in imported] == ["cli"]
