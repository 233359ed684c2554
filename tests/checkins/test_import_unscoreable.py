"""``rapport import-responses`` refuses rows that cannot be scored: no answers at all, or too
many items missing for the instrument's total. Stored, such a row has no score and its
unanswered PHQ-9 item 9 raises a false "not answered" risk notice."""

from __future__ import annotations

import pytest

from rapport.checkins.csv_import import read_rows, unscoreable
from rapport.cli import main
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments, get_instrument

HEADER = "client,date,instrument," + ",".join(f"phq9_{n}" for n in range(1, 10))
KNOWN = {item for instrument in all_instruments() for item in instrument.item_ids}


def phq9_row(client_id, day, values):
    return f"{client_id},{day},phq9," + ",".join(str(v) for v in values)


@pytest.mark.django_db
def test_a_row_with_no_answers_is_reported_and_nothing_is_imported(tmp_path, capsys, client_a):
    csv = tmp_path / "blank.csv"
    csv.write_text(f"client,date,instrument\n{client_a.pk},2026-01-05,phq9\n")
    assert main(["import-responses", str(csv)]) == 2
    captured = capsys.readouterr()
    assert "blank.csv: line 2: no answers" in captured.out
    assert "nothing imported: 1 of 1 rows are invalid" in captured.err
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_row_with_too_many_items_missing_is_reported_with_the_instruments_limit(
    tmp_path, capsys, client_a
):
    csv = tmp_path / "gaps.csv"
    three_missing = [1, 1, 1, 1, 1, 1, "", "", ""]
    two_missing = [1, 1, 1, 1, 1, 1, 1, "", ""]  # PHQ-9 prorates up to two missing items
    csv.write_text(
        "\n".join(
            [
                HEADER,
                phq9_row(client_a.pk, "2026-01-05", three_missing),
                phq9_row(client_a.pk, "2026-01-12", two_missing),
            ]
        )
        + "\n"
    )
    assert main(["import-responses", str(csv)]) == 2
    out = capsys.readouterr().out
    assert (
        "line 2: too many items missing to score PHQ-9: 3 of 9 not answered, "
        "at most 2 may be missing"
    ) in out
    assert "line 3" not in out
    assert not Response.objects.exists()
    assert main(["import-responses", str(csv), "--skip-invalid"]) == 0
    assert "1 invalid row skipped" in capsys.readouterr().out
    stored = Response.objects.get()
    assert stored.total is not None and stored.prorated


def test_a_comment_alone_does_not_score_a_session_checkin():
    checkin = get_instrument("session-checkin")
    problem = unscoreable(checkin, {"differently": "More time, please"})
    assert problem == (
        "too many items missing to score Check-in: 4 of 4 not answered, at most 0 may be missing"
    )
    assert (
        unscoreable(checkin, {"goals": 9, "approach": 8, "relationship": 9, "overall": 9}) is None
    )


def test_an_instrument_without_a_total_needs_only_some_answer():
    # The C-NIP has scales, no total: one answer is a (partial) response, none is not.
    cnip = get_instrument("cnip")
    assert unscoreable(cnip, {}) == "no answers"
    assert unscoreable(cnip, {cnip.item_ids[0]: 0}) is None


def test_a_bad_cell_is_reported_alone_not_also_as_missing():
    (row,), _ = read_rows(HEADER + "\n" + phq9_row(7, "2026-01-05", [9] * 9) + "\n", KNOWN)
    assert len(row.errors) == 9
    assert all("is not one of the allowed values" in error for error in row.errors)
