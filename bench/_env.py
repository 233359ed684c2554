"""The environment every database benchmark runs in: a throw-away data folder, fresh keys,
no HTTPS, quiet logs; and how they time a page. Imported by the bench scripts (run as
``python bench/bench_x.py``, so this folder is on ``sys.path``)."""

from __future__ import annotations

import base64
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def throwaway_environment(data_dir: Path, database_url: str | None = None) -> None:
    """Point Rapport at ``data_dir`` (SQLite there unless ``database_url`` names another
    database) with keys made for this run, before Django is set up."""
    os.environ.pop("RAPPORT_DATABASE_URL", None)
    if database_url:
        os.environ["RAPPORT_DATABASE_URL"] = database_url
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "rapport.settings",
            "RAPPORT_DATA_DIR": str(data_dir),
            "RAPPORT_SECRET_KEY": secrets.token_urlsafe(50),
            "RAPPORT_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "RAPPORT_HTTPS": "0",
            "RAPPORT_ALLOWED_HOSTS": "testserver",
            "RAPPORT_STATIC_FROM_PACKAGE": "1",
            "RAPPORT_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT / "src"))


def time_page(http, path: str, requests: int) -> tuple[list[float], list[dict[str, str]]]:
    """The seconds of each of ``requests`` GETs of ``path`` on the test client ``http``
    (after three that warm the caches: templates, registry, connection), and the queries of
    one more request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches (templates, registry, connection)
        assert http.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as queries:
        http.get(path)
    # Read now: the next request resets Django's query log.
    captured = list(queries.captured_queries)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = http.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, path
    return times, captured


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]
