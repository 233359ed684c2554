"""``rapport import-responses`` names each problem by the line of the file it is on.

Review finding: messages said "row N" while N was a line number of the file, and for a
row whose quoted comment holds line breaks it was the row's *last* line (the csv reader's
``line_num``), a line that may hold nothing but the end of the comment. Now "line N", the
line the row starts on, counting the header as line 1 and blank lines as lines.
"""

from __future__ import annotations

import pytest

from rapport.checkins.csv_import import read_rows
from rapport.cli import main
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments

HEADER = "client,date,instrument,goals,approach,relationship,overall,pushed,differently"
KNOWN = {item_id for instrument in all_instruments() for item_id in instrument.item_ids}


def checkin_row(client_id, day, goals="8", comment=""):
    return f'{client_id},{day},session-checkin,{goals},7,9,8,0,"{comment}"'


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


@pytest.mark.django_db
def test_a_row_is_named_by_the_line_it_starts_on(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        lines(
            HEADER,  # line 1
            checkin_row(client_a.pk, "2026-01-05", comment="Slower,\nplease,\nand more breaks"),
            "",  # line 5
            checkin_row(client_a.pk, "2026-01-12", goals="11", comment="Two\nlines"),  # 6-7
            checkin_row(client_a.pk, "2026-01-19", goals="12"),  # line 8
        )
    )
    assert main(["import-responses", str(csv)]) == 2
    out = capsys.readouterr().out
    assert "history.csv: line 6: goals: " in out
    assert "history.csv: line 8: goals: " in out
    assert "line 7" not in out and "row " not in out
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_clash_names_the_line_of_the_other_row(tmp_path, capsys, client_a):
    csv = tmp_path / "history.csv"
    csv.write_text(
        lines(
            HEADER,
            checkin_row(client_a.pk, "2026-01-05", comment="First\nanswer"),  # lines 2-3
            checkin_row(client_a.pk, "2026-01-05", goals="3"),  # line 4
        )
    )
    assert main(["import-responses", str(csv)]) == 2
    out = capsys.readouterr().out
    assert (
        f"history.csv: line 4: client {client_a.pk} already has a session-checkin on "
        "2026-01-05 in line 2, with other answers"
    ) in out


def test_a_file_that_cannot_be_read_names_the_line_its_record_starts_on():
    # A comment over the csv module's limit, after a line break in its quotes (lines 3-4).
    too_long = checkin_row(1, "2026-01-12", comment="Start\n" + "9" * 140_000)
    rows, errors = read_rows(lines(HEADER, checkin_row(1, "2026-01-05"), too_long), KNOWN)
    assert rows == [] and len(errors) == 1
    assert str(errors[0]).startswith("line 3: the file cannot be read as CSV: field larger")


def test_the_header_after_blank_lines_is_named_by_its_line():
    _, errors = read_rows(lines("", "", "client,date,instrument,phq9_1,phq9_1"), KNOWN)
    assert [str(e) for e in errors] == ["line 3: column(s) phq9_1 appear more than once"]


def test_a_row_with_more_cells_than_columns_is_named_by_its_line():
    rows, _ = read_rows(lines(HEADER, "", checkin_row(1, "2026-01-05") + ",extra"), KNOWN)
    assert [(row.row, row.errors) for row in rows] == [(3, ("more cells than columns",))]
