import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)

#: The monitoring section sits near the top of the client page, after the risk notices.
PANEL_ORDER = 10


def _recompute_safely(episode_id: int) -> None:
    """Recompute one episode's alerts; a failure is logged (ids only), never raised.

    Whatever goes wrong here must not turn the client's stored answers or the therapist's
    attendance change into an error page; the periodic recompute catches up.
    """
    from rapport.clinic.models import Episode
    from rapport.monitoring.services import alerts_recompute_episode

    try:
        alerts_recompute_episode(episode=Episode(pk=episode_id))
    except Exception:  # noqa: BLE001 - see docstring
        logger.exception("monitoring: recomputing alerts for episode %s failed", episode_id)


def _schedule(episode_id: int) -> None:
    """Recompute once the caller's transaction has committed, once per episode.

    After the commit, so the recompute can never roll back (or slow the locks of) the
    transaction that stored a client's answers; once per episode, so a transaction storing
    many responses (an import, the demo) recomputes each episode once, not per response.
    Outside a transaction ``on_commit`` runs at once.
    """
    from django.db import connection, transaction

    # Django keeps (savepoint ids, callable, robust) tuples here; reading it avoids queueing
    # a second recompute of the same episode in one transaction.
    for _savepoints, queued, _robust in connection.run_on_commit:  # type: ignore[misc]
        if getattr(queued, "monitoring_episode_id", None) == episode_id and not queued.done:
            return

    def run() -> None:
        run.done = True  # type: ignore[attr-defined]
        _recompute_safely(episode_id)

    run.monitoring_episode_id = episode_id  # type: ignore[attr-defined]
    run.done = False  # type: ignore[attr-defined]
    transaction.on_commit(run)


def on_response(response) -> None:
    from rapport.clinic.models import Phase

    episode_id = response.episode_id
    if episode_id is None:
        episode_id = (
            response.client.episodes.exclude(phase=Phase.CLOSED)
            .order_by("-started_on", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
    if episode_id is not None:
        _schedule(episode_id)


def on_attendance(appointment) -> None:
    _schedule(appointment.episode_id)


def on_phase_changed(episode) -> None:
    _schedule(episode.pk)


def counted_responses(client):
    """``core.hooks.counted_responses`` provider: which of the client's answers monitoring
    counts and which it replaced, across all their episodes (the check-ins panel charts
    every episode's answers). Counted is what ``series.load_many`` builds the alerts and
    charts from, so the panel cannot drift from it; a constant number of queries however
    many answers and episodes the client has (the client page calls this on every view,
    and reads the series once for both).
    """
    from rapport.core.hooks import CountedResponses
    from rapport.core.panels import page_now
    from rapport.monitoring.instruments import stored_ids
    from rapport.monitoring.selectors import client_series

    # On the client page, the very series its monitoring section was built from (read once
    # per page view, ``selectors.client_series``).
    built = list(client_series(client, now=page_now()).values())
    counted = {pk for one in built for pk in one.response_ids.values()}
    placed = {pk for one in built for pk in one.placed_ids}
    return CountedResponses(
        instruments=frozenset(stored_ids()),
        counted=frozenset(counted),
        replaced=frozenset(placed - counted),
        placed_at={
            pk: (one.episode.pk, session)
            for one in built
            for (_instrument, session), pk in one.response_ids.items()
        },
    )


def demo_alerts(clinic, rng) -> None:
    """Demo extension: compute the demo clinic's alerts once everything else is seeded."""
    from rapport.monitoring.tasks import recompute_alerts

    recompute_alerts(clinic_id=clinic.pk)


class MonitoringConfig(AppConfig):
    name = "rapport.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from rapport.core.hooks import (
            on_attendance_changed,
            on_clinic_settings_note,
            on_counted_responses,
            on_episode_phase_changed,
            on_response_stored,
        )
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension
        from rapport.monitoring.views import client_panel

        on_response_stored(on_response)
        on_attendance_changed(on_attendance)
        on_episode_phase_changed(on_phase_changed)
        register_client_panel(PANEL_ORDER, client_panel)
        # The check-ins panel charts the same scores: it asks which answers count here
        # rather than copying the placement rules (checkins sits below monitoring).
        on_counted_responses(counted_responses)
        # Apps' ready() runs in INSTALLED_APPS order and checkins comes before monitoring,
        # so the demo's responses exist by the time this extension runs.
        register_demo_extension(demo_alerts)
        # The clinic settings page (accounts) says when the periodic recompute last ran.
        from rapport.monitoring.freshness import settings_note

        on_clinic_settings_note(settings_note)
