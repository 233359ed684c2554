"""The researcher's CSV: one instrument however it is spelled, bad input refused, and each
client judged on their own rows (review findings of 2026-12-06)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from rapport.cli import main
from rapport.monitoring.csvio import read_series_csv, signals_from_csv
from rapport.monitoring.signals import CsvInputError, config_for
from tests.monitoring._helpers import CONFIG

HEADER = "client,session,date,instrument,score\n"


def _problems(text: str, **kwargs) -> tuple[tuple[int, str], ...]:
    with pytest.raises(CsvInputError) as caught:
        signals_from_csv(io.StringIO(text), **kwargs)
    return caught.value.problems


def _kinds(result: dict) -> list[str]:
    return [signal["kind"] for signal in result["signals"]]


# -- one instrument however the file spells it ------------------------------------------------


def test_phq_9_and_phq9_in_one_file_are_one_series():
    text = HEADER + "a,1,2025-01-06,phq-9,10\na,2,2025-01-13,phq9,20\n"
    [result] = signals_from_csv(io.StringIO(text))
    assert _kinds(result) == ["reliable_deterioration"]
    assert result["signals"][0]["evidence"]["instrument"] == "phq9"


def test_a_second_score_of_one_instrument_spelled_another_way_is_a_row_error():
    text = HEADER + "a,1,2025-01-06,phq-9,10\na,2,2025-01-13,phq9,20\na,2,2025-01-13,phq-9,5\n"
    assert _problems(text) == ((4, "a second phq9 score for session 2"),)


def test_the_command_prints_no_signals_for_a_file_with_a_second_score(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text(
        HEADER + "a,1,2025-01-06,phq-9,10\na,2,2025-01-13,phq9,20\na,2,2025-01-13,phq-9,5\n"
    )
    assert main(["signals", "--from-csv", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "row 4: a second phq9 score for session 2" in captured.err


def test_a_callers_config_keeps_its_own_spelling_of_a_registered_id():
    text = HEADER + "a,1,2025-01-06,phq9,10\na,2,2025-01-13,phq9,20\n"
    [result] = signals_from_csv(io.StringIO(text), config=config_for(["phq-9"]))
    assert _kinds(result) == ["reliable_deterioration"]
    assert result["signals"][0]["evidence"]["instrument"] == "phq-9"


# -- bad input that used to pass silently ----------------------------------------------------


def test_a_row_with_more_values_than_the_header_is_an_error():
    text = HEADER + "a,1,2025-01-06,phq9,10\na,2,2025-01-13,phq9,12,yes\n"
    assert _problems(text) == ((3, "6 values but the header has 5 columns"),)


def test_a_session_dated_before_an_earlier_numbered_session_is_an_error():
    text = HEADER + (
        "a,1,2025-01-06,phq9,10\n"
        "a,2,2025-01-20,phq9,12\n"
        "b,1,2025-01-06,phq9,10\n"
        "a,3,2025-01-13,phq9,14\n"
        "a,3,2025-01-13,session-checkin,38\n"
        "b,2,2025-01-06,phq9,11\n"  # the same day is fine
    )
    assert _problems(text) == (
        (5, "session 3 of a is dated 2025-01-13, before its session 2 (2025-01-20)"),
    )


def test_a_missed_session_out_of_date_order_is_an_error_too():
    text = "client,session,date,instrument,score,attended\n" + (
        "a,1,2025-01-06,phq9,10,yes\na,2,2025-01-13,,,no\na,3,2025-01-08,phq9,12,yes\n"
    )
    assert [row for row, _ in _problems(text)] == [4]


def test_a_today_before_the_files_data_is_an_error_on_each_later_row():
    text = HEADER + "a,1,2025-01-06,phq9,10\na,2,2025-01-13,phq9,12\na,3,2025-01-20,phq9,12\n"
    problems = _problems(text, today=dt.date(2025, 1, 13))
    assert problems == (
        (4, "date 2025-01-20 is after 2025-01-13, the day the analysis is run as of"),
    )
    read_series_csv(io.StringIO(text), today=dt.date(2025, 1, 20))  # the last day is fine


def test_the_command_refuses_a_today_before_the_data(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text(HEADER + "a,1,2025-01-06,phq9,10\na,2,2025-01-13,phq9,12\n")
    assert main(["signals", "--from-csv", str(path), "--today", "2025-01-10"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "row 3: date 2025-01-13 is after 2025-01-10" in captured.err


@pytest.mark.parametrize(("instrument", "score"), [("phq9", "18.5"), ("gad7", "7.25")])
def test_a_fraction_on_an_instrument_scored_in_whole_numbers_is_an_error(instrument, score):
    text = HEADER + f"a,1,2025-01-06,{instrument},{score}\n"
    assert _problems(text) == (
        (2, f"score {score} is not a whole number; {instrument} is scored in whole numbers"),
    )


@pytest.mark.parametrize(
    ("instrument", "score"),
    [
        # ORS: four 0-10 lines read to the millimetre and summed (4.6 + 4.6 + 4.6 + 4.7).
        ("ors", 18.5),
        # CORE-10 with one item missing: the 9 answered items' mean x 10, one decimal
        # (11 points / 9 x 10 = 12.2). A whole CORE-10 is 0-40 in steps of 1, so 12.5 is
        # not a score it can give.
        ("core10", 12.2),
    ],
)
def test_a_fraction_on_an_instrument_scored_to_a_decimal_is_fine(
    tmp_path, capsys, instrument, score
):
    text = HEADER + f"a,1,2025-01-06,{instrument},{score}\n"
    [series], instruments = read_series_csv(io.StringIO(text))
    assert instruments == [instrument]
    assert [(o.instrument, o.session, o.score) for o in series.observations] == [
        (instrument, 1, score)
    ]
    path = tmp_path / "scores.csv"
    path.write_text(text)
    assert main(["signals", "--from-csv", str(path), "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_pushed_on_a_measure_that_does_not_ask_it_is_an_error():
    text = "client,session,date,instrument,score,pushed\n" + (
        "a,1,2025-01-06,phq9,10,yes\na,1,2025-01-06,session-checkin,38,a little\n"
    )
    assert _problems(text) == ((2, "pushed is an alliance check-in's answer; phq9 is not one"),)


def test_pushed_on_a_callers_own_alliance_measure_is_fine():
    text = "client,session,date,instrument,score,pushed\na,1,2025-01-06,checkin,38,yes\n"
    [result] = signals_from_csv(io.StringIO(text), config=CONFIG)
    assert "pushed_or_overridden" in _kinds(result)
    bad = "client,session,date,instrument,score,pushed\na,1,2025-01-06,phq9,10,yes\n"
    assert [row for row, _ in _problems(bad, config=CONFIG)] == [2]


# -- each client on their own rows -----------------------------------------------------------

D3 = "d3,1,2025-01-06,phq9,10\nd3,2,2025-01-13,phq9,10\nd3,3,2025-01-20,phq9,9\n"
E = "".join(f"e,{s},2025-01-{6 + 7 * (s - 1):02d},session-checkin,38\n" for s in (1, 2, 3))


def test_a_clients_signals_do_not_depend_on_the_other_clients_in_the_file():
    [alone] = signals_from_csv(io.StringIO(HEADER + D3))
    together = signals_from_csv(io.StringIO(HEADER + D3 + E))
    assert together[0] == alone
    assert "feedback_missing" not in _kinds(together[0])


def test_a_client_who_stopped_answering_check_ins_is_still_noticed():
    stopped = "f,1,2025-01-06,phq9,10\nf,1,2025-01-06,session-checkin,38\n" + "".join(
        f"f,{s},2025-01-{6 + 7 * (s - 1):02d},phq9,10\n" for s in (2, 3)
    )
    # As of the day after session 3: sessions 2 and 3 are each missing their check-in.
    results = signals_from_csv(io.StringIO(HEADER + D3 + stopped), today=dt.date(2025, 1, 21))
    assert "feedback_missing" in _kinds(results[1])


def test_with_a_callers_config_a_client_without_its_check_in_is_not_missing_one():
    text = HEADER + D3.replace("d3,", "a,") + "b,1,2025-01-06,checkin,38\nb,2,2025-01-13,phq9,9\n"
    a, b = signals_from_csv(io.StringIO(text), config=CONFIG)
    assert "feedback_missing" not in _kinds(a)
    assert _kinds(b) == []  # b's one missing check-in is not yet a pattern
