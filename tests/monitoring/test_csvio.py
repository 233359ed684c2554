from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from rapport.monitoring.csvio import read_series_csv, signals_for_series, signals_from_csv
from rapport.monitoring.signals import CsvInputError
from tests.monitoring._helpers import CONFIG, scores, series

HEADER = "client,session,date,instrument,score,attended,mandated,age,trainee_therapist,pushed\n"

GOOD = HEADER + (
    "a,1,2025-01-06,phq9,18,yes,no,22,yes,\n"
    "a,1,2025-01-06,checkin,38,yes,,,,no\n"
    "a,2,2025-01-13,phq9,19,yes,,,,\n"
    "a,2,2025-01-13,checkin,33,yes,,,,yes\n"
    "a,3,2025-01-20,,,no,,,,\n"
    "a,4,2025-01-27,phq9,21,yes,,,,\n"
    "b,1,2025-01-06,ors,18,,,40,,\n"
    "b,2,2025-01-13,ors,24,,,,,\n"
)


def _run(text, **kwargs):
    return signals_from_csv(io.StringIO(text), config=CONFIG, **kwargs)


def test_each_client_gets_signals_and_a_dropout_estimate_in_file_order():
    result = _run(GOOD)
    assert [r["client"] for r in result] == ["a", "b"]
    first = result[0]
    assert {"alliance_rupture", "alliance_low", "pushed_or_overridden"} <= {
        s["kind"] for s in first["signals"]
    }
    assert set(first["signals"][0]) == {
        "kind",
        "severity",
        "session",
        "evidence",
        "explanation",
        "source",
    }
    assert 0 < first["dropout_risk"]["probability"] < 1
    assert first["dropout_risk"]["factors"][0]["name"] == "weak_alliance"
    json.dumps(result)


def test_a_missed_appointment_row_counts_towards_dropout_risk():
    [client] = read_series_csv(io.StringIO(GOOD), config=CONFIG)[0][:1]
    assert [a.status for a in client.attendance] == ["attended", "attended", "no_show", "attended"]
    factors = {f["name"] for f in _run(GOOD)[0]["dropout_risk"]["factors"]}
    assert "missed_appointments" in factors


def test_the_clock_is_the_latest_date_in_the_file_unless_given():
    clients, _ = read_series_csv(io.StringIO(GOOD), config=CONFIG)
    assert clients[0].today == dt.date(2025, 1, 27)
    clients, _ = read_series_csv(io.StringIO(GOOD), config=CONFIG, today=dt.date(2025, 3, 1))
    assert clients[0].today == dt.date(2025, 3, 1)


def test_attributes_are_read_once_per_client():
    clients, _ = read_series_csv(io.StringIO(GOOD), config=CONFIG)
    assert clients[0].attributes.age == 22
    assert clients[0].attributes.trainee_therapist is True
    assert clients[0].attributes.mandated is False


def test_bad_rows_are_all_reported_with_their_row_numbers():
    text = HEADER + (
        "a,one,2025-01-06,phq9,18,yes,,,,\n"
        "a,1,2025/01/06,phq9,18,maybe,,,,\n"
        "a,2,2025-01-13,nope,3,yes,,,,\n"
        ",3,2025-01-20,phq9,3,yes,,,,\n"
        "a,4,2025-01-27,phq9,x,yes,,,,\n"
        "a,5,2025-02-03,checkin,30,yes,,,,sometimes\n"
    )
    with pytest.raises(CsvInputError) as caught:
        _run(text)
    rows = [row for row, _ in caught.value.problems]
    assert rows == [2, 3, 3, 4, 5, 6, 7]
    message = str(caught.value)
    assert "row 2: session must be a whole number, not 'one'" in message
    assert "row 4: unknown instrument 'nope'" in message
    assert "row 5: client is empty" in message


def test_conflicting_attributes_and_duplicate_scores_are_errors():
    text = HEADER + (
        "a,1,2025-01-06,phq9,18,yes,,30,,\n"
        "a,2,2025-01-13,phq9,18,yes,,31,,\n"
        "a,2,2025-01-13,phq9,17,yes,,,,\n"
    )
    with pytest.raises(CsvInputError) as caught:
        _run(text)
    assert caught.value.problems == (
        (3, "age is 31 here but 30 on an earlier row for this client"),
        (4, "a second phq9 score for session 2"),
    )


def test_a_missing_column_is_reported_on_the_header_row():
    with pytest.raises(CsvInputError, match="row 1: missing column"):
        _run("client,session,date,score\na,1,2025-01-06,3\n")


def test_an_unknown_column_is_reported_so_typos_are_not_ignored():
    with pytest.raises(CsvInputError, match="unknown column.*atended"):
        _run("client,session,date,instrument,score,atended\na,1,2025-01-06,phq9,3,yes\n")


def test_an_empty_file_is_an_error():
    with pytest.raises(CsvInputError, match="no data rows"):
        _run("client,session,date,instrument,score\n")


def test_a_file_path_works_too(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert [r["client"] for r in signals_from_csv(path, config=CONFIG)] == ["a", "b"]


def test_the_database_path_gets_the_same_shape_for_one_series():
    result = signals_for_series(series(scores("phq9", [18, 11])), CONFIG)
    assert set(result) == {"client", "signals", "dropout_risk"}
    assert result["signals"][0]["kind"] == "reliable_improvement"


def test_scores_outside_a_registered_instruments_range_are_refused():
    pytest.importorskip("rapport.measures.registry")
    text = "client,session,date,instrument,score\na,1,2025-01-06,phq9,28\n"
    with pytest.raises(CsvInputError, match="outside phq9's range 0-27"):
        signals_from_csv(io.StringIO(text))
