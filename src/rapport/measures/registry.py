"""Load, validate and look up instrument definitions.

Registering an instrument means dropping ``<id>.json`` into ``rapport/measures/instruments/``;
nothing else has to change. Every file is validated when the registry first loads (a malformed
file raises :class:`InstrumentDefinitionError` naming the file and the field), and the result
is cached, so lookups after the first cost a dictionary access. The file format is documented
in ``docs/instruments.md``.

Errors (see :mod:`rapport.measures.errors` for the full hierarchy)::

    MeasuresError
    ├── InstrumentNotFound          get_instrument() with an unknown id
    └── InstrumentDefinitionError   a malformed data file
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapport.measures._fields import Node
from rapport.measures.definitions import (
    PLACEHOLDER_MARK,
    Band,
    Figure,
    Instrument,
    Item,
    Labelling,
    Norms,
    Option,
    Reliability,
    RiskItem,
    Slider,
    Subscale,
    Total,
)
from rapport.measures.errors import InstrumentDefinitionError, InstrumentNotFound

__all__ = [
    "CLIENT_TITLE_MAX_CHARS",
    "INSTRUMENTS_DIR",
    "all_instruments",
    "clear_cache",
    "client_facing_texts",
    "client_title_problem",
    "get_instrument",
    "load_directory",
    "load_file",
    "parse_instrument",
]

INSTRUMENTS_DIR = Path(__file__).with_name("instruments")

_INSTRUMENT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ITEM_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_KINDS = ("outcome", "alliance", "preferences", "feedback")
_DIRECTIONS = ("higher_is_worse", "higher_is_better")
_RULES = ("sum", "mean")
_EPSILON = 1e-9

#: A client title is a heading and a browser tab's title on a phone: a few words. 80
#: characters leaves room for a translation of the longest shipped one (35).
CLIENT_TITLE_MAX_CHARS = 80
# Shown escaped, so markup would reach the client as literal "<b>" and an entity as "&amp;".
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#?\w+;")

_TOP_KEYS = (
    "id",
    "version",
    "title",
    "short_title",
    "client_title",
    "kind",
    "language",
    "source",
    "licence",
    "attribution",
    "requires_licensed_wording",
    "validated",
    "verbatim_labelling",
    "notes",
    "instructions",
    "option_sets",
    "items",
    "reverse_keyed",
    "total",
    "subscales",
    "bands",
    "direction",
    "clinical_cutoff",
    "reliable_change",
    "reliability",
    "norms",
    "alert_threshold",
    "risk_items",
)


# -- public lookup ------------------------------------------------------------------------


def get_instrument(instrument_id: str) -> Instrument:
    """Return the registered instrument with this id, or raise :class:`InstrumentNotFound`."""
    try:
        return _registry()[instrument_id]
    except KeyError:
        raise InstrumentNotFound(instrument_id) from None


def all_instruments() -> tuple[Instrument, ...]:
    """Every registered instrument, ordered by id."""
    registry = _registry()
    return tuple(registry[key] for key in sorted(registry))


def clear_cache() -> None:
    """Forget the loaded instruments (for tests that add files at run time)."""
    _registry.cache_clear()


@lru_cache(maxsize=1)
def _registry() -> dict[str, Instrument]:
    return {instrument.id: instrument for instrument in load_directory(INSTRUMENTS_DIR)}


# -- loading files ------------------------------------------------------------------------


def load_directory(directory: Path) -> tuple[Instrument, ...]:
    """Load and validate every ``*.json`` file in ``directory``; ids must be unique."""
    instruments: dict[str, Instrument] = {}
    for path in sorted(Path(directory).glob("*.json")):
        instrument = load_file(path)
        if instrument.id in instruments:
            raise InstrumentDefinitionError(path.name, "id", f"duplicate id {instrument.id!r}")
        instruments[instrument.id] = instrument
    return tuple(instruments.values())


def load_file(path: Path) -> Instrument:
    """Load one instrument file. Its name must be ``<id>.json`` so files are easy to find."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InstrumentDefinitionError(path.name, where, f"not valid JSON ({exc.msg})") from None
    instrument = parse_instrument(data, path.name)
    if path.stem != instrument.id:
        raise InstrumentDefinitionError(
            path.name, "id", f"file must be named {instrument.id}.json to match its id"
        )
    return instrument


def parse_instrument(data: Any, file: str = "<instrument>") -> Instrument:
    """Validate already-decoded JSON and build an :class:`Instrument`."""
    root = Node(data, file)
    root.check_keys(_TOP_KEYS)
    instrument_id = root.text("id")
    if not _INSTRUMENT_ID.match(instrument_id):
        raise root.error(
            "id", "use lower-case letters, digits and single hyphens, e.g. 'session-checkin'"
        )
    items = _parse_items(root)
    by_id = {item.id: item for item in items}
    total = _parse_total(root, by_id)
    direction = _parse_direction(root, total)
    cutoff, clinical_range = _parse_cutoff(root, direction)
    instrument = Instrument(
        id=instrument_id,
        version=root.text("version"),
        title=root.text("title"),
        short_title=root.text("short_title"),
        kind=root.choice("kind", _KINDS),  # type: ignore[arg-type]
        language=root.text("language"),
        source=root.text("source"),
        licence=root.text("licence"),
        attribution=root.text("attribution", "", allow_empty=True),
        requires_licensed_wording=root.flag("requires_licensed_wording"),
        instructions=root.text("instructions", "", allow_empty=True),
        items=items,
        total=total,
        direction=direction,  # type: ignore[arg-type]
        subscales=_parse_subscales(root, by_id),
        bands=_parse_bands(root, total),
        bands_source=_bands_source(root),
        clinical_cutoff=cutoff,
        clinical_range=clinical_range,  # type: ignore[arg-type]
        reliable_change=_optional_figure(root, "reliable_change"),
        reliability=_parse_reliability(root),
        norms=_parse_norms(root),
        alert_threshold=_parse_alert(root, direction, total),
        risk_items=_parse_risk_items(root, by_id),
        validated=root.flag("validated", True),
        notes=root.text("notes", "", allow_empty=True),
        client_title=_parse_client_title(root),
        verbatim_labelling=_parse_verbatim_labelling(root),
    )
    _check_placeholders(root, instrument)
    return instrument


def _parse_verbatim_labelling(root: Node) -> Labelling | None:
    # Only for an instrument Rapport ships in paraphrase (C-NIP): what it is called once a
    # clinic loads the published wording. A licensed one's labels are the published ones.
    node = root.optional_child("verbatim_labelling")
    if node is None:
        return None
    node.check_keys(("attribution", "source", "validated"))
    if root.flag("validated", True):
        raise root.error(
            "verbatim_labelling",
            "only for an instrument shipped in paraphrase, which is not validated as shipped "
            "(set 'validated' to false)",
        )
    return Labelling(
        attribution=node.text("attribution"),
        source=node.text("source"),
        validated=node.flag("validated", True),
    )


def _parse_client_title(root: Node) -> str:
    # Optional (a clinic's own file may leave it out), but never blank when given.
    if "client_title" not in root.data:
        return ""
    title = root.text("client_title")
    problem = client_title_problem(title)
    if problem:
        raise root.error("client_title", problem)
    return title.strip()


def client_title_problem(title: str) -> str | None:
    """Why ``title`` cannot be a client title (a heading and a tab title), or ``None``.

    Shared with wording files (:mod:`rapport.measures.wording`), which may replace it.
    """
    text = title.strip()
    if not text:
        return "must not be empty"
    if len(text) > CLIENT_TITLE_MAX_CHARS:
        return (
            f"is {len(text)} characters; a heading and a tab title take at most "
            f"{CLIENT_TITLE_MAX_CHARS}"
        )
    # Tabs, line breaks and control characters (Cc, Zl, Zp); a no-break space is allowed
    # (French puts one before "?").
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in text):
        return "must be one line of text, without line breaks, tabs or control characters"
    if _MARKUP.search(text):
        return "must be plain text: it is shown as written, so markup or HTML entities would show"
    return None


# -- items --------------------------------------------------------------------------------

_ITEM_KEYS = (
    "id",
    "wording",
    "response",
    "options",
    "slider",
    "anchors",
    "allow_decline",
    "required",
    "wording_status",
)


def _parse_items(root: Node) -> tuple[Item, ...]:
    option_sets = _parse_option_sets(root)
    reverse = set(root.strings("reverse_keyed", []))
    items: list[Item] = []
    seen: set[str] = set()
    for node in root.children("items"):
        item = _parse_item(node, option_sets, reverse)
        if item.id in seen:
            raise node.error("id", f"duplicate item id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise root.error("items", "an instrument needs at least one item")
    for item_id in sorted(reverse - seen):
        raise root.error("reverse_keyed", f"unknown item {item_id!r}")
    return tuple(items)


def _parse_option_sets(root: Node) -> dict[str, tuple[Option, ...]]:
    sets_node = root.optional_child("option_sets")
    if sets_node is None:
        return {}
    return {name: _parse_options(sets_node, name) for name in sets_node.data}


def _parse_options(node: Node, key: str) -> tuple[Option, ...]:
    options = []
    for option_node in node.children(key):
        option_node.check_keys(("value", "label"))
        options.append(Option(option_node.whole("value"), option_node.text("label")))
    values = [option.value for option in options]
    if len(options) < 2:
        raise node.error(key, "needs at least two options")
    if len(set(values)) != len(values):
        raise node.error(key, "option values must be unique")
    if values != sorted(values):
        raise node.error(key, "list options from the lowest value to the highest")
    return tuple(options)


def _parse_item(
    node: Node, option_sets: Mapping[str, tuple[Option, ...]], reverse: set[str]
) -> Item:
    node.check_keys(_ITEM_KEYS)
    item_id = node.text("id")
    if not _ITEM_ID.match(item_id):
        raise node.error("id", "use lower-case letters, digits and underscores, e.g. 'phq9_1'")
    response = node.choice("response", ("options", "slider", "text"))
    options: tuple[Option, ...] = ()
    slider: Slider | None = None
    if response == "options":
        options = _item_options(node, option_sets)
    elif response == "slider":
        slider = _parse_slider(node.child("slider"))
    else:
        _check_text_item(node)
    if item_id in reverse and response == "text":
        raise node.error("id", "a free-text item cannot be reverse-keyed")
    item = Item(
        id=item_id,
        wording=node.text("wording"),
        response=response,  # type: ignore[arg-type]
        options=options,
        slider=slider,
        allow_decline=node.flag("allow_decline", False),
        required=node.flag("required", response != "text"),
        reverse_keyed=item_id in reverse,
        wording_status=node.text("wording_status", "verbatim"),
    )
    return _with_anchors(node, item)


def _item_options(node: Node, option_sets: Mapping[str, tuple[Option, ...]]) -> tuple[Option, ...]:
    if "slider" in node.data:
        raise node.error("slider", "an options item cannot also have a slider")
    raw = node.data.get("options")
    if isinstance(raw, str):
        if raw not in option_sets:
            raise node.error("options", f"unknown option set {raw!r}")
        return option_sets[raw]
    return _parse_options(node, "options")


def _parse_slider(node: Node) -> Slider:
    node.check_keys(("min", "max", "step"))
    low, high, step = node.number("min"), node.number("max"), node.number("step")
    if low >= high:
        raise node.error("max", "must be greater than min")
    if step <= 0:
        raise node.error("step", "must be greater than zero")
    if not _is_multiple((high - low), step):
        raise node.error("step", "max - min must be a whole number of steps")
    return Slider(low, high, step)


def _check_text_item(node: Node) -> None:
    for key in ("options", "slider", "anchors"):
        if key in node.data:
            raise node.error(key, "a free-text item has no options, slider or anchors")
    if node.flag("allow_decline", False):
        raise node.error("allow_decline", "a free-text item is simply left empty; omit this")


def _with_anchors(node: Node, item: Item) -> Item:
    if "anchors" not in node.data:
        if item.response == "slider":
            raise node.error("anchors", "a slider needs anchor labels at least at both ends")
        return item
    anchors = _parse_options(node, "anchors")
    for index, anchor in enumerate(anchors):
        if not item.min_value <= anchor.value <= item.max_value:
            raise InstrumentDefinitionError(
                node.file, f"{node.field('anchors')}[{index}].value", "outside the item's range"
            )
    return replace(item, anchors=anchors)


# -- total, subscales, bands --------------------------------------------------------------


def _parse_total(root: Node, items: Mapping[str, Item]) -> Total | None:
    node = root.optional_child("total")
    if node is None:
        return None
    node.check_keys(
        ("rule", "items", "range", "decimals", "max_missing", "missing_source", "prorate")
    )
    rule = node.choice("rule", _RULES)
    item_ids = _scored_item_list(node, "items", items)
    low, high = _declared_range(node, _computed_range(rule, [items[i] for i in item_ids]))
    max_missing = node.whole("max_missing", minimum=0)
    if max_missing >= len(item_ids):
        raise node.error("max_missing", "must be fewer than the number of items")
    missing_source = node.text("missing_source", "", allow_empty=True)
    if max_missing and not missing_source:
        raise node.error("missing_source", "say where the missing-item rule comes from")
    return Total(
        rule=rule,  # type: ignore[arg-type]
        items=item_ids,
        min=low,
        max=high,
        max_missing=max_missing,
        decimals=_decimals(node, 0),
        missing_source=missing_source,
        prorate=node.choice("prorate", ("mean_of_answered",), "mean_of_answered"),  # type: ignore[arg-type]
    )


def _parse_direction(root: Node, total: Total | None) -> str | None:
    if "direction" not in root.data and total is None:
        return None  # e.g. C-NIP: bipolar preference scales have no better or worse end
    return root.choice("direction", _DIRECTIONS)


def _decimals(node: Node, default: int) -> int:
    decimals = node.whole("decimals", default, minimum=0)
    if decimals > 4:
        raise node.error("decimals", "at most 4 decimal places")
    return decimals


def _scored_item_list(node: Node, key: str, items: Mapping[str, Item]) -> tuple[str, ...]:
    ids = node.strings(key)
    if not ids:
        raise node.error(key, "list at least one item")
    if len(set(ids)) != len(ids):
        raise node.error(key, "an item is listed twice")
    for item_id in ids:
        if item_id not in items:
            raise node.error(key, f"unknown item {item_id!r}")
        if not items[item_id].scored:
            raise node.error(key, f"free-text item {item_id!r} cannot be scored")
    return ids


def _computed_range(rule: str, items: list[Item]) -> tuple[float, float]:
    if rule == "sum":
        return sum(i.min_value for i in items), sum(i.max_value for i in items)
    return min(i.min_value for i in items), max(i.max_value for i in items)


def _declared_range(node: Node, computed: tuple[float, float]) -> tuple[int | float, int | float]:
    """The file states the valid range so reviewers can check it; it must match the items."""
    raw = node.array("range")
    if len(raw) != 2 or any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw):
        raise node.error("range", "expected [min, max]")
    if not (math.isclose(raw[0], computed[0]) and math.isclose(raw[1], computed[1])):
        raise node.error(
            "range", f"items give [{computed[0]:g}, {computed[1]:g}], not [{raw[0]:g}, {raw[1]:g}]"
        )
    return raw[0], raw[1]


_SUBSCALE_KEYS = (
    "id",
    "label",
    "rule",
    "items",
    "max_missing",
    "decimals",
    "poles",
    "strong_threshold",
)


def _parse_subscales(root: Node, items: Mapping[str, Item]) -> tuple[Subscale, ...]:
    subscales: list[Subscale] = []
    for node in root.children("subscales", []):
        node.check_keys(_SUBSCALE_KEYS)
        subscale_id = node.text("id")
        if subscale_id in {s.id for s in subscales}:
            raise node.error("id", f"duplicate subscale id {subscale_id!r}")
        rule = node.choice("rule", _RULES)
        item_ids = _scored_item_list(node, "items", items)
        max_missing = node.whole("max_missing", 0, minimum=0)
        if max_missing >= len(item_ids):
            raise node.error("max_missing", "must be fewer than the number of items")
        subscales.append(
            Subscale(
                id=subscale_id,
                label=node.text("label"),
                rule=rule,  # type: ignore[arg-type]
                items=item_ids,
                max_missing=max_missing,
                decimals=_decimals(node, 2 if rule == "mean" else 0),
                poles=_parse_poles(node),
                strong_threshold=_optional_figure(node, "strong_threshold"),
            )
        )
    return tuple(subscales)


def _parse_poles(node: Node) -> tuple[str, str] | None:
    if "poles" not in node.data:
        return None
    poles = node.strings("poles")
    if len(poles) != 2:
        raise node.error("poles", "expected [negative pole, positive pole]")
    return poles[0], poles[1]


def _parse_bands(root: Node, total: Total | None) -> tuple[Band, ...]:
    node = root.optional_child("bands")
    if node is None:
        return ()
    if total is None:
        raise root.error("bands", "bands need a total")
    node.check_keys(("source", "bands"))
    bands = []
    for band_node in node.children("bands"):
        band_node.check_keys(("min", "max", "label"))
        band = Band(band_node.number("min"), band_node.number("max"), band_node.text("label"))
        if band.min > band.max:
            raise band_node.error("max", "must not be below min")
        bands.append(band)
    _check_band_cover(node, bands, total)
    return tuple(bands)


def _check_band_cover(node: Node, bands: list[Band], total: Total) -> None:
    """Bands must run from the lowest to the highest total, in order, without overlap."""
    if not bands:
        raise node.error("bands", "list at least one band")
    if bands[0].min != total.min or bands[-1].max != total.max:
        raise node.error("bands", f"must run from {total.min:g} to {total.max:g}")
    for index, (lower, upper) in enumerate(zip(bands, bands[1:], strict=False), start=1):
        gap = upper.min - lower.max
        # Whole-number totals need touching bands (4 | 5); rounded totals may fall in a gap
        # below 1 (10.6 between 10 and 11) and take the lower band.
        if gap <= 0 or gap > 1 or (total.decimals == 0 and gap != 1):
            raise InstrumentDefinitionError(
                node.file, f"{node.field('bands')}[{index}].min", "bands overlap or leave a gap"
            )


def _bands_source(root: Node) -> str:
    node = root.optional_child("bands")
    return "" if node is None else node.text("source")


# -- published figures --------------------------------------------------------------------


def _figure(node: Node, *extra_keys: str) -> Figure:
    node.check_keys(("value", "source", "note", *extra_keys))
    return Figure(
        node.number("value"), node.text("source"), node.text("note", "", allow_empty=True)
    )


def _optional_figure(node: Node, key: str) -> Figure | None:
    child = node.optional_child(key)
    return None if child is None else _figure(child)


def _parse_cutoff(root: Node, direction: str | None) -> tuple[Figure | None, str | None]:
    node = root.optional_child("clinical_cutoff")
    if node is None:
        return None, None
    if direction is None:
        raise root.error("clinical_cutoff", "a clinical cut-off needs a total and a direction")
    clinical_range = node.choice("clinical_range", ("at_or_above", "below"))
    expected = "at_or_above" if direction == "higher_is_worse" else "below"
    if clinical_range != expected:
        raise node.error("clinical_range", f"must be {expected!r} when {direction}")
    return _figure(node, "clinical_range"), clinical_range


def _parse_alert(root: Node, direction: str | None, total: Total | None) -> Figure | None:
    """Alert thresholds flag a total *below* the value (alliance scales: SRS < 36)."""
    figure = _optional_figure(root, "alert_threshold")
    if figure is None:
        return None
    if direction != "higher_is_better" or total is None:
        raise root.error("alert_threshold", "only for totals where higher is better")
    if not total.min < figure.value <= total.max:
        raise root.error("alert_threshold", "must lie inside the total's range")
    return figure


def _parse_reliability(root: Node) -> Reliability:
    node = root.optional_child("reliability")
    if node is None:
        return Reliability()
    node.check_keys(("alpha", "test_retest"))
    return Reliability(_optional_figure(node, "alpha"), _optional_figure(node, "test_retest"))


def _parse_norms(root: Node) -> Norms:
    node = root.optional_child("norms")
    if node is None:
        return Norms()
    keys = ("clinical_mean", "clinical_sd", "normal_mean", "normal_sd")
    node.check_keys(keys)
    return Norms(*(_optional_figure(node, key) for key in keys))


def _parse_risk_items(root: Node, items: Mapping[str, Item]) -> tuple[RiskItem, ...]:
    risks = []
    for node in root.children("risk_items", []):
        node.check_keys(("item", "at_or_above", "source"))
        item_id = node.text("item")
        if item_id not in items or not items[item_id].scored:
            raise node.error("item", f"unknown or free-text item {item_id!r}")
        threshold = node.number("at_or_above")
        item = items[item_id]
        if not item.min_value < threshold <= item.max_value:
            raise node.error("at_or_above", "must lie inside the item's range, above its minimum")
        risks.append(RiskItem(item_id, threshold, node.text("source")))
    return tuple(risks)


# -- licensed wording guard ---------------------------------------------------------------


def client_facing_texts(instrument: Instrument) -> Iterable[tuple[str, str]]:
    """(field, text) for every string a client would read: instructions, wording, labels."""
    if instrument.instructions:
        yield "instructions", instrument.instructions
    for item in instrument.items:
        yield f"items.{item.id}.wording", item.wording
        for option in item.options:
            yield f"items.{item.id}.options.{option.value}", option.label
        for anchor in item.anchors:
            yield f"items.{item.id}.anchors.{anchor.value}", anchor.label


def _check_placeholders(root: Node, instrument: Instrument) -> None:
    """Licensed instruments may only carry placeholder text, so no licensed wording can slip
    into the repository (DESIGN.md §3, "Licensed wording never enters the repository")."""
    if not instrument.requires_licensed_wording:
        return
    for field, text in client_facing_texts(instrument):
        if PLACEHOLDER_MARK not in text:
            raise InstrumentDefinitionError(
                root.file,
                field,
                f"licensed instrument: text must be a placeholder containing "
                f"{PLACEHOLDER_MARK!r}; clinics load the real wording from a file",
            )


def _is_multiple(value: float, step: float) -> bool:
    ratio = value / step
    return abs(ratio - round(ratio)) < _EPSILON * max(1.0, abs(ratio))
