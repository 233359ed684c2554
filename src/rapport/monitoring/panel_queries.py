"""What the client page's monitoring panel reads besides ``selectors.client_monitoring``:
who did what to each alert, and whether a risk answer is waiting to be followed up.

A supervisor may acknowledge or act on an alert of a supervisee's client; the therapist
must see that someone else did, and who (the alert keeps who acknowledged, snoozed and
dismissed it; each action who logged it). Each read here is one query for the whole panel
(people, risk answers), never one per alert or action, so the client page's query
count does not grow with the number of alerts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapport.core.hooks import clients_with_open_risk_notices
from rapport.monitoring.models import Alert, AlertStatus, RepairAction

if TYPE_CHECKING:
    from rapport.accounts.models import User
    from rapport.clinic.models import Client

__all__ = ["Deed", "PanelFacts", "alert_history", "open_risk_answer", "panel_facts"]


@dataclass(frozen=True)
class Deed:
    """One thing a person did to an alert: acknowledged (good news: noted), snoozed or
    dismissed it.

    ``by`` is None when the account is gone or the change came from the command line."""

    what: str
    by: User | None
    on: dt.datetime


@dataclass(frozen=True)
class PanelFacts:
    #: A risk answer (PHQ-9 item 9 ...) nobody has followed up yet: the panel must not read
    #: as all-clear under the risk notice.
    risk_open: bool = False
    history: Mapping[int, tuple[Deed, ...]] = field(default_factory=dict)


def panel_facts(client: Client, alerts: Sequence[Alert], actions: Iterable[RepairAction]):
    """The panel's facts for these alerts and actions (their people filled in too)."""
    return PanelFacts(risk_open=open_risk_answer(client), history=alert_history(alerts, actions))


def open_risk_answer(client: Client) -> bool:
    """Whether the client has a risk answer waiting, by the very rules the risk notice at the
    top of the page uses: a stored answer nobody has followed up
    (``measures.selectors.unreviewed_risk_responses``), or a notice another app keeps of one
    nothing was stored of (check-ins: a risk answer sent on a link that could no longer be
    used), asked through ``core.hooks.clients_with_open_risk_notices`` only when there is
    no stored one (one query more at most)."""
    from rapport.measures.selectors import unreviewed_risk_responses

    if unreviewed_risk_responses(client):
        return True
    return client.pk in clients_with_open_risk_notices([client])


def alert_history(
    alerts: Sequence[Alert], actions: Iterable[RepairAction] = ()
) -> dict[int, tuple[Deed, ...]]:
    """Who acknowledged, snoozed or dismissed each alert, and when, oldest first.

    Also fills ``acknowledged_by``, ``snoozed_by``, ``dismissed_by`` and each action's
    ``created_by`` from one query, so a template reading them costs nothing more."""
    actions = list(actions)
    people = _people(alerts, actions)
    history: dict[int, list[Deed]] = defaultdict(list)
    for alert in alerts:
        if alert.acknowledged_at is not None:
            history[alert.pk].append(
                Deed(
                    "noted" if alert.is_positive else "acknowledged",  # the button's word
                    _person(people, alert.acknowledged_by_id),
                    alert.acknowledged_at,
                )
            )
        # The snooze in force only: once it ends or the alert is acted on, it is no news.
        if alert.status == AlertStatus.SNOOZED and alert.snoozed_at is not None:
            history[alert.pk].append(
                Deed("snoozed", _person(people, alert.snoozed_by_id), alert.snoozed_at)
            )
        if alert.status == AlertStatus.DISMISSED and alert.dismissed_at is not None:
            history[alert.pk].append(
                Deed("dismissed", _person(people, alert.dismissed_by_id), alert.dismissed_at)
            )
    return {pk: tuple(sorted(deeds, key=lambda d: d.on)) for pk, deeds in history.items()}


def _people(alerts: Sequence[Alert], actions: Sequence[RepairAction]) -> dict[int, User]:
    from rapport.accounts.models import User

    ids = {a.acknowledged_by_id for a in alerts} | {a.dismissed_by_id for a in alerts}
    ids |= {a.snoozed_by_id for a in alerts}
    ids |= {action.created_by_id for action in actions}
    ids.discard(None)
    people = User.objects.in_bulk(ids) if ids else {}
    # Fill Django's relation caches (the ids stay as stored): reading alert.acknowledged_by
    # or action.created_by in a template then reads no row.
    for alert in alerts:
        _cache(alert, "acknowledged_by", _person(people, alert.acknowledged_by_id))
        _cache(alert, "dismissed_by", _person(people, alert.dismissed_by_id))
        _cache(alert, "snoozed_by", _person(people, alert.snoozed_by_id))
    for action in actions:
        _cache(action, "created_by", _person(people, action.created_by_id))
    return people


def _person(people: Mapping[int, User], pk: int | None) -> User | None:
    return people.get(pk) if pk is not None else None


def _cache(instance, name: str, person) -> None:
    getattr(type(instance), name).field.set_cached_value(instance, person)
