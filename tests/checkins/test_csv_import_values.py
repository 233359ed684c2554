"""``rapport import-responses`` stores only answers an item can take, read exactly as the
cell says them: a cell that a float would round onto an allowed answer (4.0000000000000001
onto CORE-10's 4, 1e-400 onto 0) is refused like 12.5, naming the row and the column, and
a file with such a cell imports nothing."""

from __future__ import annotations

import pytest

from rapport.audit.models import AuditEvent
from rapport.checkins.csv_import import read_rows
from rapport.cli import main
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments

KNOWN = {item_id for instrument in all_instruments() for item_id in instrument.item_ids}


def _scored_items():
    """Every item with a numeric answer, of every instrument, from the definitions."""
    return [
        pytest.param(instrument, item, id=item.id)
        for instrument in all_instruments()
        for item in instrument.items
        if item.scored
    ]


def _cell_errors(instrument, item, cell: str):
    text = f"client,date,instrument,{item.id}\n1,2026-01-05,{instrument.id},{cell}\n"
    rows, file_errors = read_rows(text, KNOWN)
    assert not file_errors
    (row,) = rows
    return row, [error for error in row.errors if error.startswith(f"{item.id}:")]


@pytest.mark.parametrize(("instrument", "item"), _scored_items())
def test_a_cell_a_float_would_round_onto_an_allowed_answer_is_refused(instrument, item):
    cell = f"{item.max_value}.0000000000000001"
    row, errors = _cell_errors(instrument, item, cell)
    assert item.id not in row.answers and f"{cell} is not " in errors[0]
    row, errors = _cell_errors(instrument, item, f"{item.min_value}.00000000000000001")
    assert item.id not in row.answers and errors
    if item.min_value == 0:
        row, errors = _cell_errors(instrument, item, "1e-400")
        assert item.id not in row.answers and "1e-400 is not " in errors[0]


@pytest.mark.parametrize(("instrument", "item"), _scored_items())
def test_the_allowed_answers_are_read_as_written_with_or_without_trailing_zeros(instrument, item):
    for cell, value in (
        (str(item.max_value), item.max_value),
        (f"{item.max_value}.000", item.max_value),
        (str(item.min_value), item.min_value),
    ):
        row, errors = _cell_errors(instrument, item, cell)
        assert not errors, cell
        assert row.answers[item.id] == value


def test_the_message_says_what_the_item_can_take_from_its_definition():
    core10 = next(i for i in all_instruments() if i.id == "core10")
    _, errors = _cell_errors(core10, core10.item("core10_1"), "4.0000000000000001")
    assert errors == [
        "core10_1: 4.0000000000000001 is not one of the allowed values (0, 1, 2, 3, 4)"
    ]
    ors = next(i for i in all_instruments() if i.id == "ors")
    _, errors = _cell_errors(ors, ors.item("ors_1"), "3.00000000000000001")
    assert errors == ["ors_1: 3.00000000000000001 is not a value from 0 to 10 in steps of 0.1"]
    _, errors = _cell_errors(core10, core10.item("core10_1"), "9" * 5000)
    assert errors == [
        "core10_1: 99999999999999999999… is not one of the allowed values (0, 1, 2, 3, 4)"
    ]


CORE10 = "client,date,instrument," + ",".join(f"core10_{n}" for n in range(1, 11))


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["12.5", "4.0000000000000001", "1e-400"])
def test_a_file_with_an_impossible_core10_answer_imports_nothing(tmp_path, capsys, client_a, bad):
    csv = tmp_path / "core10.csv"
    csv.write_text(
        f"{CORE10}\n"
        f"{client_a.pk},2026-01-05,core10,1,1,1,1,1,0,1,1,1,1\n"
        f"{client_a.pk},2026-01-12,core10,1,1,{bad},1,1,0,1,1,1,1\n"
    )
    audited = AuditEvent.objects.count()
    assert main(["import-responses", str(csv)]) == 2
    captured = capsys.readouterr()
    assert captured.out == (
        f"core10.csv: line 3: core10_3: {bad} is not one of the allowed values (0, 1, 2, 3, 4)\n"
    )
    assert "nothing imported: 1 of 2 rows are invalid" in captured.err
    assert not Response.objects.exists()
    assert AuditEvent.objects.count() == audited
