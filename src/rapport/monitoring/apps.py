import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)

#: The monitoring section sits near the top of the client page, after the risk notices.
PANEL_ORDER = 20


def _recompute_safely(episode) -> None:
    """Recompute one episode's alerts inside the caller's transaction, in a savepoint.

    A failure here must never lose the client's submission or the attendance change that
    triggered it: the savepoint is rolled back, the error logged (ids only), and the
    periodic recompute catches up.
    """
    from django.db import transaction

    from rapport.monitoring.services import alerts_recompute_episode

    try:
        with transaction.atomic():
            alerts_recompute_episode(episode=episode)
    except Exception:  # noqa: BLE001 - see docstring
        logger.exception("monitoring: recomputing alerts for episode %s failed", episode.pk)


def on_response(response) -> None:
    from rapport.clinic.models import Phase

    episode = response.episode
    if episode is None:
        episode = (
            response.client.episodes.exclude(phase=Phase.CLOSED)
            .order_by("-started_on", "-pk")
            .first()
        )
    if episode is not None:
        _recompute_safely(episode)


def on_attendance(appointment) -> None:
    _recompute_safely(appointment.episode)


def demo_alerts(clinic, rng) -> None:
    """Demo extension: compute the demo clinic's alerts once everything else is seeded."""
    from rapport.monitoring.tasks import recompute_alerts

    recompute_alerts(clinic_id=clinic.pk)


class MonitoringConfig(AppConfig):
    name = "rapport.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from rapport.core.hooks import on_attendance_changed, on_response_stored
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension
        from rapport.monitoring.views import client_panel

        on_response_stored(on_response)
        on_attendance_changed(on_attendance)
        register_client_panel(PANEL_ORDER, client_panel)
        # Apps' ready() runs in INSTALLED_APPS order and checkins comes before monitoring,
        # so the demo's responses exist by the time this extension runs.
        register_demo_extension(demo_alerts)
