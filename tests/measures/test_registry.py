"""The registry loads every data file, validates it, and names the file and field at fault."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

from rapport.measures import registry
from rapport.measures.definitions import Instrument
from rapport.measures.errors import InstrumentDefinitionError, InstrumentNotFound, MeasuresError
from rapport.measures.registry import (
    all_instruments,
    get_instrument,
    load_directory,
    load_file,
)

SHIPPED = {"cnip", "core10", "gad7", "goals", "ors", "phq9", "session-checkin", "srs", "wai-sr"}


def minimal() -> dict:
    return {
        "id": "toy",
        "version": "1.0",
        "title": "Toy scale",
        "short_title": "Toy",
        "kind": "outcome",
        "language": "en",
        "source": "Made up for tests.",
        "licence": "CC0",
        "requires_licensed_wording": False,
        "option_sets": {
            "yn": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}],
        },
        "items": [
            {"id": "toy_1", "response": "options", "options": "yn", "wording": "One?"},
            {"id": "toy_2", "response": "options", "options": "yn", "wording": "Two?"},
        ],
        "total": {
            "rule": "sum",
            "items": ["toy_1", "toy_2"],
            "range": [0, 2],
            "max_missing": 0,
        },
        "direction": "higher_is_worse",
        "bands": {
            "source": "Made up.",
            "bands": [{"min": 0, "max": 0, "label": "Low"}, {"min": 1, "max": 2, "label": "High"}],
        },
    }


def write(tmp_path: Path, data: dict, name: str = "toy.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def definition_error(tmp_path: Path, data: dict, name: str = "toy.json") -> str:
    with pytest.raises(InstrumentDefinitionError) as excinfo:
        load_file(write(tmp_path, data, name))
    return str(excinfo.value)


# -- the shipped registry -----------------------------------------------------------------


def test_it_registers_every_shipped_instrument():
    assert {instrument.id for instrument in all_instruments()} == SHIPPED


def test_all_instruments_are_ordered_by_id():
    ids = [instrument.id for instrument in all_instruments()]
    assert ids == sorted(ids)


def test_it_looks_an_instrument_up_by_id():
    phq9 = get_instrument("phq9")
    assert isinstance(phq9, Instrument)
    assert phq9.short_title == "PHQ-9"


def test_an_unknown_id_raises_instrument_not_found():
    with pytest.raises(InstrumentNotFound, match="oq-45"):
        get_instrument("oq-45")
    assert issubclass(InstrumentNotFound, MeasuresError)
    assert issubclass(InstrumentNotFound, LookupError)


def test_it_caches_the_loaded_instruments():
    assert get_instrument("gad7") is get_instrument("gad7")


def test_loading_every_instrument_takes_milliseconds():
    registry.clear_cache()
    start = time.perf_counter()
    all_instruments()
    assert time.perf_counter() - start < 0.25  # generous for slow CI; typically ~5 ms


@pytest.mark.parametrize("instrument_id", sorted(SHIPPED))
def test_every_published_figure_names_its_source(instrument_id):
    instrument = get_instrument(instrument_id)
    figures = [
        instrument.clinical_cutoff,
        instrument.reliable_change,
        instrument.alert_threshold,
        instrument.reliability.alpha,
        instrument.reliability.test_retest,
        instrument.norms.clinical_mean,
        instrument.norms.clinical_sd,
        instrument.norms.normal_mean,
        instrument.norms.normal_sd,
        *(s.strong_threshold for s in instrument.subscales),
    ]
    assert all(f.source.strip() for f in figures if f is not None)
    assert all(risk.source.strip() for risk in instrument.risk_items)
    if instrument.bands:
        assert instrument.bands_source.strip()


@pytest.mark.parametrize(
    ("instrument_id", "kind"),
    [
        ("phq9", "outcome"),
        ("gad7", "outcome"),
        ("core10", "outcome"),
        ("ors", "outcome"),
        ("cnip", "preferences"),
        ("session-checkin", "alliance"),
        ("srs", "alliance"),
        ("wai-sr", "alliance"),
    ],
)
def test_each_instrument_has_its_kind(instrument_id, kind):
    assert get_instrument(instrument_id).kind == kind


def test_the_docs_list_every_shipped_instrument():
    docs = Path(__file__).parents[2] / "docs" / "instruments.md"
    text = docs.read_text(encoding="utf-8")
    for instrument_id in SHIPPED:
        assert f"`{instrument_id}`" in text


# -- adding an instrument is dropping a file ----------------------------------------------


def test_a_valid_file_dropped_in_a_folder_is_registered(tmp_path):
    write(tmp_path, minimal())
    (loaded,) = load_directory(tmp_path)
    assert loaded.id == "toy"
    assert loaded.total is not None and (loaded.total.min, loaded.total.max) == (0, 2)


def test_two_files_with_the_same_id_are_refused(tmp_path):
    write(tmp_path, minimal())
    write(tmp_path, minimal(), "toy-copy.json")
    with pytest.raises(InstrumentDefinitionError):
        load_directory(tmp_path)


# -- malformed files ----------------------------------------------------------------------


def test_a_missing_field_is_named(tmp_path):
    data = minimal()
    del data["title"]
    assert definition_error(tmp_path, data) == "toy.json: title: required field is missing"


def test_a_wrongly_typed_nested_field_is_named_with_its_path(tmp_path):
    data = minimal()
    data["option_sets"]["yn"][1]["value"] = "1"
    assert "option_sets.yn[1].value: expected a whole number" in definition_error(tmp_path, data)


def test_a_misspelt_field_is_refused_rather_than_ignored(tmp_path):
    data = minimal()
    data["total"]["max_mising"] = 1
    message = definition_error(tmp_path, data)
    assert message.startswith("toy.json: total.max_mising: unknown field")


def test_invalid_json_is_reported_with_its_line(tmp_path):
    (tmp_path / "toy.json").write_text('{"id": "toy",\n  oops}', encoding="utf-8")
    with pytest.raises(InstrumentDefinitionError, match="toy.json: line 2 column 3"):
        load_file(tmp_path / "toy.json")


def test_the_file_name_must_match_the_id(tmp_path):
    assert "must be named toy.json" in definition_error(tmp_path, minimal(), "other.json")


def test_a_declared_range_that_does_not_match_the_items_is_refused(tmp_path):
    data = minimal()
    data["total"]["range"] = [0, 3]
    assert "total.range: items give [0, 2], not [0, 3]" in definition_error(tmp_path, data)


def test_bands_with_a_gap_are_refused(tmp_path):
    data = minimal()
    data["bands"]["bands"][1]["min"] = 2
    assert "bands.bands[1].min: bands overlap or leave a gap" in definition_error(tmp_path, data)


def test_bands_that_do_not_cover_the_range_are_refused(tmp_path):
    data = minimal()
    data["bands"]["bands"][1]["max"] = 1
    assert "must run from 0 to 2" in definition_error(tmp_path, data)


def test_an_unknown_reverse_keyed_item_is_refused(tmp_path):
    data = minimal()
    data["reverse_keyed"] = ["toy_3"]
    assert "reverse_keyed: unknown item 'toy_3'" in definition_error(tmp_path, data)


def test_a_total_over_an_unknown_item_is_refused(tmp_path):
    data = minimal()
    data["total"]["items"] = ["toy_1", "toy_9"]
    assert "total.items: unknown item 'toy_9'" in definition_error(tmp_path, data)


def test_duplicate_item_ids_are_refused(tmp_path):
    data = minimal()
    data["items"][1]["id"] = "toy_1"
    assert "items[1].id: duplicate item id" in definition_error(tmp_path, data)


def test_a_slider_needs_anchor_labels(tmp_path):
    data = minimal()
    data["items"][1] = {
        "id": "toy_2",
        "response": "slider",
        "wording": "How much?",
        "slider": {"min": 0, "max": 10, "step": 1},
    }
    data["total"]["range"] = [0, 11]
    data["bands"]["bands"][1]["max"] = 11
    assert "items[1].anchors" in definition_error(tmp_path, data)


def test_an_unknown_kind_is_refused(tmp_path):
    data = minimal()
    data["kind"] = "mood"
    assert "kind: must be one of outcome, alliance, preferences, feedback" in definition_error(
        tmp_path, data
    )


def test_an_alert_threshold_needs_a_higher_is_better_total(tmp_path):
    data = minimal()
    data["alert_threshold"] = {"value": 1, "source": "Made up."}
    assert "alert_threshold: only for totals where higher is better" in definition_error(
        tmp_path, data
    )


def test_a_figure_without_a_source_is_refused(tmp_path):
    data = minimal()
    data["reliable_change"] = {"value": 1}
    assert "reliable_change.source: required field is missing" in definition_error(tmp_path, data)


def test_a_cutoff_on_the_wrong_side_for_the_direction_is_refused(tmp_path):
    data = minimal()
    data["clinical_cutoff"] = {"value": 1, "source": "Made up.", "clinical_range": "below"}
    assert "clinical_range: must be 'at_or_above'" in definition_error(tmp_path, data)


def test_a_licensed_instrument_with_real_looking_wording_is_refused(tmp_path):
    data = minimal()
    data["requires_licensed_wording"] = True
    message = definition_error(tmp_path, data)
    assert "licensed instrument: text must be a placeholder" in message


def test_a_licensed_instrument_with_only_placeholders_loads(tmp_path):
    data = copy.deepcopy(minimal())
    data["requires_licensed_wording"] = True
    mark = "(licensed wording not loaded)"
    data["option_sets"]["yn"] = [
        {"value": 0, "label": f"No {mark}"},
        {"value": 1, "label": f"Yes {mark}"},
    ]
    for item in data["items"]:
        item["wording"] = f"{item['id']} {mark}"
    loaded = load_file(write(tmp_path, data))
    assert loaded.sendable is False


def test_definition_error_belongs_to_the_package_error_hierarchy():
    assert issubclass(InstrumentDefinitionError, MeasuresError)
    error = InstrumentDefinitionError("toy.json", "items[0].id", "bad")
    assert (error.file, error.field, error.problem) == ("toy.json", "items[0].id", "bad")
