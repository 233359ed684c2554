"""The environment every database benchmark runs in: a throw-away data folder, fresh keys,
no HTTPS, quiet logs. Imported by the bench scripts (run as ``python bench/bench_x.py``, so
this folder is on ``sys.path``)."""

from __future__ import annotations

import base64
import os
import secrets
import sys
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
