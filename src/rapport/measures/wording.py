"""Licensed wording: a clinic loads the wording it holds a licence for from its own file.

The repository ships licensed instruments (ORS, SRS, WAI-SR) with placeholder text only
(DESIGN.md §3). A clinic that holds a licence writes a wording file::

    {
      "instrument": "ors",
      "version": "1.0",
      "client_title": "...",                      optional: the client page's heading and tab
      "instructions": "...",                      optional unless the shipped one is a placeholder
      "items": {"ors_1": "...", "ors_2": "..."},  every item of the instrument
      "anchors": {                                labels by value; "*" applies to every item
        "*": {"0": "...", "10": "..."},
        "ors_4": {"0": "..."}
      },
      "verbatim": true                            optional: see below
    }

:func:`parse_wording_file` checks it against the instrument and :func:`apply_wording` returns
a copy of the instrument with that wording, which is then sendable to clients. The same file
format can carry a translation of a free instrument.

``"verbatim": true`` is the clinic saying the file holds the published wording, word for word,
of an instrument Rapport ships in paraphrase (the C-NIP). It must then replace every text the
client reads (instructions, each item, every option and anchor label), and the instrument takes
its published labels (``Instrument.verbatim_labelling``: attribution, source, validated).
Without it, a clinic's file for such an instrument (a translation of Rapport's paraphrase, say)
keeps the "adapted from" labels: loading a file is not checking it against the publication.

Errors (see :mod:`rapport.measures.errors`)::

    MeasuresError
    ├── InstrumentNotFound   the file names an unknown instrument
    └── WordingError         anything else wrong with the file; all problems in one message
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rapport.measures.definitions import PLACEHOLDER_MARK, Instrument, Item, Option
from rapport.measures.errors import WordingError
from rapport.measures.registry import client_facing_texts, client_title_problem, get_instrument

__all__ = ["apply_wording", "parse_wording_file"]

_KEYS = {"instrument", "version", "client_title", "instructions", "items", "anchors", "verbatim"}
_ALL_ITEMS = "*"


def parse_wording_file(text: str, instrument: Instrument | None = None) -> dict[str, Any]:
    """Parse and validate a wording file; return it normalised.

    The result is ``{"instrument", "version", "instructions", "items", "anchors"}`` with
    anchor values as ints, and ``"client_title"`` when the file gives one (left out
    otherwise, so a stored result reads back as the same file). Without ``instrument`` the
    one the file names is looked up in the registry; with it, the file must name that
    instrument.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WordingError(
            f"Wording file is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})."
        ) from None
    except (RecursionError, ValueError):
        # Lists or objects nested thousands deep exhaust the parser's recursion (a 500 on
        # upload before), and a number of thousands of digits is past Python's limit for
        # reading one; a wording file is a flat object of texts, so neither is one.
        raise WordingError(
            "Wording file cannot be read: it nests lists or objects too deeply or holds a "
            "number too long to read. A wording file is one JSON object naming the "
            "instrument, with its items' texts and labels."
        ) from None
    if not isinstance(data, dict):
        raise WordingError("Wording file must be a JSON object.")
    instrument_id = data.get("instrument")
    if not isinstance(instrument_id, str) or not instrument_id:
        raise WordingError("Wording file: 'instrument' must name an instrument id.")
    if instrument is None:
        instrument = get_instrument(instrument_id)
    normal = _normalise(instrument, data)
    apply_wording(instrument, normal)  # refuse at upload time what could not be applied later
    return normal


def apply_wording(instrument: Instrument, wording: Mapping[str, Any]) -> Instrument:
    """Return a copy of ``instrument`` carrying the clinic's wording; it becomes sendable."""
    normal = _normalise(instrument, wording)
    items = tuple(_worded_item(item, normal) for item in instrument.items)
    worded = replace(
        instrument,
        items=items,
        instructions=normal["instructions"] or instrument.instructions,
        client_title=normal.get("client_title") or instrument.client_title,
        wording_loaded=True,
    )
    published = instrument.verbatim_labelling
    if normal.get("verbatim") and published is not None:
        # The published wording throughout: the inventory itself, named as such.
        worded = replace(
            worded,
            attribution=published.attribution,
            source=published.source,
            validated=published.validated,
        )
    leftovers = [name for name, text in client_facing_texts(worded) if PLACEHOLDER_MARK in text]
    if leftovers:
        raise WordingError(
            f"Wording for {instrument.id} leaves placeholder text in: {', '.join(leftovers)}."
        )
    return worded


# -- validation ---------------------------------------------------------------------------


def _normalise(instrument: Instrument, data: Mapping[str, Any]) -> dict[str, Any]:
    problems: list[str] = []
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    if data.get("instrument") != instrument.id:
        problems.append(f"'instrument' is {data.get('instrument')!r}, expected {instrument.id!r}")
    if str(data.get("version")) != instrument.version:
        problems.append(
            f"'version' is {data.get('version')!r}, but the shipped definition is version "
            f"{instrument.version!r}; check the wording matches this version"
        )
    client_title = _client_title(data, problems)
    instructions = _instructions(data, problems)
    items = _item_wording(instrument, data.get("items"), problems)
    anchors = _anchors(instrument, data.get("anchors", {}), problems)
    verbatim = _verbatim(instrument, data, instructions, items, anchors, problems)
    if problems:
        raise WordingError(f"Wording file for {instrument.id}: " + "; ".join(problems) + ".")
    normal: dict[str, Any] = {
        "instrument": instrument.id,
        "version": instrument.version,
        "instructions": instructions,
        "items": items,
        "anchors": anchors,
    }
    if client_title:
        normal["client_title"] = client_title
    if verbatim:
        normal["verbatim"] = True
    return normal


def _verbatim(
    instrument: Instrument,
    data: Mapping[str, Any],
    instructions: str,
    items: Mapping[str, str],
    anchors: Mapping[str, Mapping[int, str]],
    problems: list[str],
) -> bool:
    # The clinic vouches for the published wording; Rapport checks only that nothing of its
    # own paraphrase is left in front of the client under the published name.
    value = data.get("verbatim", False)
    if not isinstance(value, bool):
        problems.append("'verbatim' must be true or false")
        return False
    if not value:
        return False
    if instrument.verbatim_labelling is None:
        problems.append(
            f"'verbatim' is for an instrument Rapport ships in paraphrase; {instrument.id} "
            f"is not one"
        )
        return False
    left = []
    if instrument.instructions and not instructions.strip():
        left.append("instructions")
    for item in instrument.items:
        if item.id not in items:
            continue  # reported as missing already
        labels = {**anchors.get(_ALL_ITEMS, {}), **anchors.get(item.id, {})}
        unlabelled = sorted(_labelled_values(item) - set(labels))
        if unlabelled:
            left.append(f"labels {', '.join(map(str, unlabelled))} of {item.id}")
    if left:
        problems.append(
            "'verbatim' needs the published text of everything the client reads; still "
            f"Rapport's paraphrase: {'; '.join(left)}"
        )
        return False
    return True


def _client_title(data: Mapping[str, Any], problems: list[str]) -> str:
    # The client page's heading and tab title ("How you've been feeling"): a translation
    # needs it in the client's language. Optional; the shipped one stays when it is absent.
    if "client_title" not in data:
        return ""
    value = data["client_title"]
    if not isinstance(value, str):
        problems.append("'client_title' must be a string")
        return ""
    problem = client_title_problem(value)
    if problem:
        problems.append(f"'client_title' {problem}")
        return ""
    return value.strip()


def _instructions(data: Mapping[str, Any], problems: list[str]) -> str:
    value = data.get("instructions", "")
    if not isinstance(value, str):
        problems.append("'instructions' must be a string")
        return ""
    return value


def _item_wording(instrument: Instrument, raw: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        problems.append("'items' must be an object of item id to wording")
        return {}
    known = instrument.item_ids
    unknown = [key for key in raw if key not in known]
    missing = [key for key in known if key not in raw]
    if unknown:
        problems.append(f"unknown item(s) {', '.join(map(str, unknown))}")
    if missing:
        problems.append(f"missing wording for item(s) {', '.join(missing)}")
    empty = [key for key in raw if not isinstance(raw[key], str) or not raw[key].strip()]
    if empty:
        problems.append(f"wording must be non-empty text for item(s) {', '.join(empty)}")
    return {key: value for key, value in raw.items() if key in known and key not in empty}


def _anchors(instrument: Instrument, raw: Any, problems: list[str]) -> dict[str, dict[int, str]]:
    if not isinstance(raw, Mapping):
        problems.append("'anchors' must be an object of item id (or '*') to labels")
        return {}
    anchors: dict[str, dict[int, str]] = {}
    for key, labels in raw.items():
        targets = _anchor_targets(instrument, key, problems)
        parsed = _labels(key, labels, problems)
        for value in parsed:
            if targets and not any(value in _labelled_values(item) for item in targets):
                problems.append(f"anchors[{key!r}]: no label with value {value} to replace")
        anchors[key] = parsed
    return anchors


def _anchor_targets(instrument: Instrument, key: str, problems: list[str]) -> list[Item]:
    if key == _ALL_ITEMS:
        return [item for item in instrument.items if item.scored]
    if key not in instrument.item_ids:
        problems.append(f"anchors for unknown item {key!r}")
        return []
    item = instrument.item(key)
    if not item.scored:
        problems.append(f"anchors for free-text item {key!r}")
        return []
    return [item]


def _labels(key: str, labels: Any, problems: list[str]) -> dict[int, str]:
    if not isinstance(labels, Mapping):
        problems.append(f"anchors[{key!r}] must be an object of value to label")
        return {}
    parsed: dict[int, str] = {}
    for value, label in labels.items():
        try:
            number = int(value)
        except (TypeError, ValueError):
            problems.append(f"anchors[{key!r}]: {value!r} is not a whole-number value")
            continue
        if not isinstance(label, str) or not label.strip():
            problems.append(f"anchors[{key!r}][{value!r}] must be non-empty text")
            continue
        parsed[number] = label
    return parsed


def _labelled_values(item: Item) -> set[int]:
    return {option.value for option in item.options} | {a.value for a in item.anchors}


# -- applying -----------------------------------------------------------------------------


def _worded_item(item: Item, wording: Mapping[str, Any]) -> Item:
    labels = {**wording["anchors"].get(_ALL_ITEMS, {}), **wording["anchors"].get(item.id, {})}
    return replace(
        item,
        wording=wording["items"][item.id],
        options=_relabel(item.options, labels),
        anchors=_relabel(item.anchors, labels),
        wording_status="licensed wording loaded by the clinic",
    )


def _relabel(options: tuple[Option, ...], labels: Mapping[int, str]) -> tuple[Option, ...]:
    return tuple(Option(o.value, labels.get(o.value, o.label)) for o in options)
