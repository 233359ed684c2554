"""The guidance library as plain data: strategies mapped to signal kinds and client context.

Pure (no Django): the shipped strategies live in ``strategies.json`` beside this module,
each with the signal kinds it answers, the context conditions under which it fits, and the
sources it rests on. :func:`choose` picks the two to four strategies shown with an alert,
only ever the kind's own that fit the client: fewer when a clinic has disabled or narrowed
too many of them (:func:`fewer_than_needed`: the alert says so), and none when it has turned
off every one (:func:`kind_turned_off`: the alert says that instead). Another kind's
strategy is never put in their place. :func:`kinds_short_of_own` and
:func:`kinds_turned_off` name the kinds left in those states, for the admin.
A strategy marked ``safety`` (it prompts asking about risk) is never crowded out of an alert
it fits, :func:`narrowing` names what an edit would take away from where it is shown, and
:func:`safety_gaps` names the alert kinds a change would leave without a safety step.
The Django side (``models.Strategy``) copies the library into each clinic so admins can edit,
disable and add strategies; the same :func:`choose` ranks the clinic's rows.

Errors::

    GuidanceError
    └── LibraryError      the strategies file is malformed (names the entry and field)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rapport.monitoring.kinds import KIND_LABELS, POSITIVE_KINDS
from rapport.monitoring.signals.model import KINDS

__all__ = [
    "CONDITIONS",
    "LIBRARY_PATH",
    "MAX_SHOWN",
    "STRATEGY_FIELDS",
    "MIN_SHOWN",
    "POSITIVE_KINDS",
    "GuidanceError",
    "LibraryError",
    "SafetyGaps",
    "StrategySpec",
    "choose",
    "describe_safety_gaps",
    "fewer_than_needed",
    "kind_turned_off",
    "kinds_short_of_own",
    "kinds_turned_off",
    "load_library",
    "narrowed_from",
    "narrowing",
    "parse_library",
    "safety_cover",
    "safety_gaps",
    "safety_gaps_of_change",
]

LIBRARY_PATH = Path(__file__).with_name("strategies.json")

#: Each alert shows two to four strategies: enough to choose from, few enough to read.
MIN_SHOWN = 2
MAX_SHOWN = 4

#: The context conditions a strategy can require (all must hold) or exclude (none may).
#: Computed for each alert from the client's episode (``rapport.guidance.selectors``).
CONDITIONS: Mapping[str, str] = {
    "goals_low": "Goals was the lowest part of the last check-in (or tied), below 9 of 10",
    "tasks_low": "The way of working (tasks) was the lowest part of the last check-in (or "
    "tied), below 9",
    "bond_low": "Feeling heard and respected (bond) was the lowest part (or tied), below 9 of 10",
    "has_goals": "Goals are agreed, in the client's own words",
    "no_goals": "No goals are agreed for this episode yet (goals the client wrote and nobody "
    "has talked through do not count)",
    "mandated": "Attendance is mandated (legal, family or work obligation)",
    "quiet_client": "The latest analysed transcript flagged the client going quiet in session",
    "early_phase": "Three sessions or fewer (up to six while still marked establishing)",
    "ending_phase": "The episode is in its ending phase",
    "repeated_rupture": "Two or more alliance ruptures in this episode",
    "poor_fit": "Persistent poor fit: repeated ruptures, or alliance below threshold three "
    "check-ins in a row",
    "trainee": "The therapist is a trainee",
    "pushed": "The client said they felt pushed or overridden (a 'felt pushed' alert is open)",
    "missed_sessions": "Two or more missed or cancelled appointments",
    "young": "The client is under 25",
    "not_improving": "Not on track, or reliably worse than at intake",
}

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: A strategy's fields besides its slug: what the library file holds and an admin edits.
STRATEGY_FIELDS = (
    "title",
    "text",
    "sources",
    "kinds",
    "conditions",
    "unless",
    "priority",
    "show_goals",
    "safety",
)
_KEYS = {"slug", *STRATEGY_FIELDS}


class GuidanceError(Exception):
    """Base class for the guidance library's errors."""


class LibraryError(GuidanceError, ValueError):
    """The strategies file cannot be used as it is; the message names entry and field."""


@dataclass(frozen=True)
class StrategySpec:
    """One strategy: what to do, when it fits, and where it comes from.

    ``conditions`` must all hold in the client's context and ``unless`` must all be absent.
    ``priority`` orders strategies that fit equally well (higher first). ``show_goals``
    asks the page to show the client's own goals next to the strategy. ``safety`` marks a
    safety step (e.g. asking about self-harm when scores are reliably worse): clinical data
    that travels with the strategy, so that disabling or narrowing it asks the admin to
    confirm (``guidance.services``) and :func:`choose` always shows it where it fits.
    """

    slug: str
    title: str
    text: str
    sources: tuple[str, ...]
    kinds: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    priority: int = 50
    show_goals: bool = False
    safety: bool = False
    enabled: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def fits(self, kind: str, context: Iterable[str]) -> bool:
        present = set(context)
        return (
            self.enabled
            and kind in self.kinds
            and all(c in present for c in self.conditions)
            and not any(c in present for c in self.unless)
        )


def load_library(path: Path | None = None) -> tuple[StrategySpec, ...]:
    """The shipped strategies (or those in ``path``), validated."""
    path = Path(path or LIBRARY_PATH)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LibraryError(
            f"{path.name}: not valid JSON ({error.msg}, line {error.lineno})"
        ) from None
    return parse_library(data, path.name)


def parse_library(data: Any, name: str = "<library>") -> tuple[StrategySpec, ...]:
    if not isinstance(data, dict) or not isinstance(data.get("strategies"), list):
        raise LibraryError(f"{name}: expected an object with a 'strategies' list")
    specs: list[StrategySpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["strategies"]):
        spec = _parse_entry(entry, f"{name}: strategies[{index}]")
        if spec.slug in seen:
            raise LibraryError(f"{name}: duplicate slug {spec.slug!r}")
        seen.add(spec.slug)
        specs.append(spec)
    return tuple(specs)


def _parse_entry(entry: Any, where: str) -> StrategySpec:
    if not isinstance(entry, dict):
        raise LibraryError(f"{where}: expected an object")
    unknown = set(entry) - _KEYS
    if unknown:
        raise LibraryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    slug = _text(entry, "slug", where)
    if not _SLUG.match(slug):
        raise LibraryError(f"{where}.slug: use lower-case words joined by hyphens")
    kinds = _strings(entry, "kinds", where)
    if not kinds:
        raise LibraryError(f"{where}.kinds: map the strategy to at least one signal kind")
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise LibraryError(f"{where}.kinds: unknown signal kind(s) {', '.join(bad)}")
    conditions = _strings(entry, "conditions", where, required=False)
    unless = _strings(entry, "unless", where, required=False)
    bad = [c for c in (*conditions, *unless) if c not in CONDITIONS]
    if bad:
        raise LibraryError(f"{where}: unknown condition(s) {', '.join(bad)}")
    sources = _strings(entry, "sources", where)
    if not sources:
        raise LibraryError(f"{where}.sources: every strategy cites at least one source")
    priority = entry.get("priority", 50)
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 100:
        raise LibraryError(f"{where}.priority: a whole number from 0 to 100")
    show_goals = entry.get("show_goals", False)
    if not isinstance(show_goals, bool):
        raise LibraryError(f"{where}.show_goals: true or false")
    safety = entry.get("safety", False)
    if not isinstance(safety, bool):
        raise LibraryError(f"{where}.safety: true or false")
    return StrategySpec(
        slug=slug,
        title=_text(entry, "title", where),
        text=_text(entry, "text", where),
        sources=sources,
        kinds=kinds,
        conditions=conditions,
        unless=unless,
        priority=priority,
        show_goals=show_goals,
        safety=safety,
    )


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LibraryError(f"{where}.{key}: required text")
    return value.strip()


def _strings(
    entry: Mapping[str, Any], key: str, where: str, *, required: bool = True
) -> tuple[str, ...]:
    value = entry.get(key, None if required else [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LibraryError(f"{where}.{key}: a list of non-empty strings")
    return tuple(v.strip() for v in value)


def choose(
    strategies: Sequence[Any],
    *,
    kind: str,
    context: Iterable[str],
    limit: int = MAX_SHOWN,
) -> list[Any]:
    """The strategies to show with an alert of ``kind`` for a client in ``context``.

    Works on :class:`StrategySpec` or anything with the same attributes (the clinic's
    ``Strategy`` rows). A safety step that fits comes first, whatever its priority and
    however many others fit: a reliably-worse alert without the prompt to ask about risk
    would leave out the one check that cannot wait (Lambert, Whipple & Kleinstäuber 2018),
    so neither a lowered priority nor a clinic's added strategies can crowd it out. Then the
    best general strategy for the kind, so the core move (e.g. naming a rupture) is never
    crowded out; then the strategies written for this client's context, most specific first;
    then other general ones, up to ``limit``.

    Only strategies written for ``kind`` (it is among their ``kinds``; a strategy meant for
    every alert is mapped to every kind) whose conditions hold for this client. Fewer than
    :data:`MIN_SHOWN` fit only when a clinic disabled or narrowed a kind's own strategies
    (the shipped library has two for every client of every kind); the alert then shows
    those and says there are fewer (:func:`fewer_than_needed`). Nothing is borrowed in their
    place: another kind's strategy answers another signal (checking the check-in link
    beside a dropout risk, naming a rupture beside missing check-ins), and one of the
    kind's own gated on a fact this client lacks ("persistent poor fit" for referral) is
    wrong without it. None at all when the clinic has turned off every strategy of the
    kind (:func:`kind_turned_off`): the alert says so instead. In both cases the admin is
    told, on the library page, for as long as it holds (``guidance.views``), and the
    alert's own explanation still says what to follow up.
    """
    present = frozenset(context)
    # A kind turned off (:func:`kind_turned_off`) has no enabled strategy written for it,
    # so none fits: no early return needed.
    fitting = [s for s in strategies if _fits(s, kind, present)]

    def rank(s: Any) -> tuple[bool, int, int, str]:
        return (not s.safety, -len(s.conditions), -int(s.priority), str(s.title))

    general = sorted((s for s in fitting if not s.conditions), key=rank)
    specific = sorted((s for s in fitting if s.conditions), key=rank)
    ordered = general[:1] + specific + general[1:]
    return ([s for s in ordered if s.safety] + [s for s in ordered if not s.safety])[:limit]


def fewer_than_needed(strategies: Sequence[Any], chosen: Sequence[Any], kind: str) -> bool:
    """Whether an alert of ``kind`` shows fewer than :data:`MIN_SHOWN` strategies
    (``chosen``, from :func:`choose`) although the clinic has not turned the kind off: the
    alert says so, rather than leave the therapist to wonder where the others went."""
    return len(chosen) < MIN_SHOWN and not kind_turned_off(strategies, kind)


# What is taken away, in words for each use: the kinds it drops, the conditions it now
# requires and the exclusions it adds ({} names them).
_AS_AN_EDIT_WOULD = (
    "it would no longer be shown with {} alerts",
    "it would be shown only when this also holds: {}",
    "it would no longer be shown when: {}",
)
_AS_THE_COPY_IS = (
    "not shown with {} alerts",
    "shown only when this also holds: {}",
    "not shown when: {}",
)


def narrowing(before: Any, after: Mapping[str, Any]) -> tuple[str, ...]:
    """What an edit (``after``: the changed fields) takes away from where ``before`` is
    shown, in the admin's words; empty when it takes nothing away.

    A kind it no longer answers drops it from those alerts; a new condition or exclusion
    drops it for some clients. Removing conditions or exclusions, or adding kinds, only
    widens it. Used to ask for confirmation before a safety step is narrowed.
    """
    return _narrowed(before, after, _AS_AN_EDIT_WOULD)


def narrowed_from(shipped: Any, row: Any) -> tuple[str, ...]:
    """What a clinic's copy (``row``) no longer covers of the strategy as the library ships
    it (``shipped``), in the admin's words; empty when the copy is shown wherever the
    shipped one would be. For the library page's lasting notice about safety steps."""
    after = {"kinds": row.kinds, "conditions": row.conditions, "unless": row.unless or ()}
    return _narrowed(shipped, after, _AS_THE_COPY_IS)


def _narrowed(
    before: Any, after: Mapping[str, Any], wording: tuple[str, str, str]
) -> tuple[str, ...]:
    taken = zip(
        wording, _taken_away(before, after), (_kind_labels, _conditions, _conditions), strict=True
    )
    return tuple(words.format(named(found)) for words, found, named in taken if found)


def _taken_away(before: Any, after: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """The kinds ``after`` drops, and the conditions and exclusions it adds."""
    kinds = set(after.get("kinds", before.kinds))
    conditions = set(after.get("conditions", before.conditions))
    unless = set(after.get("unless", before.unless or ()))
    dropped = [k for k in before.kinds if k not in kinds]
    required = sorted(conditions - set(before.conditions))
    excluded = sorted(unless - set(before.unless or ()))
    return dropped, required, excluded


def _kind_labels(kinds: Iterable[str]) -> str:
    return ", ".join(KIND_LABELS.get(k, k) for k in kinds)


def _conditions(conditions: Iterable[str]) -> str:
    return "; ".join(CONDITIONS.get(c, c) for c in conditions)


@dataclass(frozen=True)
class SafetyGaps:
    """The alert kinds a change leaves with less of a safety step than they had.

    ``uncovered``: no enabled safety step is shown with them any more. ``partly``: one was
    shown for every client, and now only for some (a condition or exclusion). False when
    the change leaves every kind as covered as before.
    """

    uncovered: tuple[str, ...] = ()
    partly: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.uncovered or self.partly)


def safety_cover(strategies: Iterable[Any]) -> dict[str, bool]:
    """Each alert kind that an enabled safety step is shown with: True when one of them
    fits every client (no conditions, no exclusions), False when they fit only some."""
    cover: dict[str, bool] = {}
    for s in strategies:
        if s.enabled and s.safety:
            every_client = not s.conditions and not (s.unless or ())
            for kind in s.kinds:
                cover[kind] = cover.get(kind, False) or every_client
    return cover


def safety_gaps(before: Iterable[Any], after: Iterable[Any]) -> SafetyGaps:
    """What a change from the strategies ``before`` to those ``after`` takes away from the
    alerts' safety steps, kinds in the library's order.

    A reliably-worse alert without the prompt to ask about risk leaves out the one check
    that cannot wait (Lambert, Whipple & Kleinstäuber 2018), so the last safety step of a
    kind is not disabled or narrowed until another one covers it (``guidance.services``).
    The rule keeps what a clinic has and asks for nothing more: a step that fitted only
    some clients may be narrowed further while it still fits some.
    """
    was, now = safety_cover(before), safety_cover(after)
    return SafetyGaps(
        uncovered=tuple(k for k in KINDS if k in was and k not in now),
        partly=tuple(k for k in KINDS if was.get(k) and now.get(k) is False),
    )


def safety_gaps_of_change(others: Iterable[Any], strategy: Any, **change: Any) -> SafetyGaps:
    """What changing ``strategy`` (``change``: its new ``enabled``, ``safety``, ``kinds``,
    ``conditions`` or ``unless``) takes away from the safety steps, beside the clinic's
    ``others``."""
    names = ("kinds", "conditions", "unless", "enabled", "safety")
    changed = SimpleNamespace(**({name: getattr(strategy, name) for name in names} | change))
    others = list(others)
    return safety_gaps([*others, strategy], [*others, changed])


def describe_safety_gaps(gaps: SafetyGaps) -> str:
    """The refusal an admin reads: which alerts would lose their safety step, and what to
    do first."""
    parts = []
    if gaps.uncovered:
        parts.append(
            "This change would leave these alerts without a safety step: "
            f"{_kind_labels(gaps.uncovered)}."
        )
    if gaps.partly:
        parts.append(
            "This change would leave these alerts with a safety step for some clients only: "
            f"{_kind_labels(gaps.partly)}."
        )
    parts.append(
        "Enable or add another safety strategy shown with them for every client first "
        "(marked as a safety step), then change this one."
    )
    return " ".join(parts)


def _fits(strategy: Any, kind: str, present: frozenset[str]) -> bool:
    return (
        bool(strategy.enabled)
        and kind in strategy.kinds
        and all(c in present for c in strategy.conditions)
        and not any(c in present for c in (strategy.unless or ()))
    )


def kind_turned_off(strategies: Iterable[Any], kind: str) -> bool:
    """Whether none of the clinic's enabled ``strategies`` is written for ``kind``: the
    clinic has turned off (or re-mapped) every strategy of that kind of alert."""
    return not any(s.enabled and kind in s.kinds for s in strategies)


def kinds_turned_off(strategies: Iterable[Any]) -> list[str]:
    """The alert kinds with no enabled strategy of their own (:func:`kind_turned_off`), in
    the library's order: their alerts show none, and say the clinic turned them off."""
    strategies = list(strategies)
    return [k for k in KINDS if kind_turned_off(strategies, k)]


def kinds_short_of_own(strategies: Iterable[Any]) -> list[str]:
    """The alert kinds with fewer than :data:`MIN_SHOWN` enabled strategies of their own
    that fit any client (no conditions, no exclusions), in the library's order.

    Their alerts may show fewer than two (:func:`choose` borrows nothing from other kinds):
    the library page tells the admin for as long as a kind is left so (``guidance.views``).
    """
    universal: dict[str, int] = dict.fromkeys(KINDS, 0)
    for s in strategies:
        if s.enabled and not s.conditions and not (s.unless or ()):
            for k in set(s.kinds) & set(universal):
                universal[k] += 1
    return [k for k in KINDS if universal[k] < MIN_SHOWN]
