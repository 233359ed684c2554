"""Registers each package's ``rapport`` subcommands (kept apart so cli.py stays small)."""

from __future__ import annotations

import rapport.api.cli  # noqa: F401 - rapport token
import rapport.checkins.cli  # noqa: F401 - rapport checkin-link / import-responses
import rapport.monitoring.cli  # noqa: F401 - rapport signals / recompute-alerts / calibrate
import rapport.transcripts.cli  # noqa: F401 - rapport code / analyze / purge-transcripts
