"""System checks: warnings an operator should see before serving client data.

Django runs them with ``rapport demo`` (runserver) and ``manage.py check``; ``rapport
serve`` prints them before it starts gunicorn, which runs no checks.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from rapport.lib.private_files import open_to_others

__all__ = ["private_paths_check", "private_paths_warnings"]


def private_paths_warnings() -> list[checks.Warning]:
    """One warning per secret or database file (or their folder) that other accounts on
    this machine can reach: the SQLite file holds live sessions and MFA secrets, the key
    files decrypt every client's free text (DESIGN §5)."""
    return [
        checks.Warning(
            f"{found.path} can be reached by other accounts on this machine "
            f"(mode {found.mode:04o}); it holds "
            + ("Rapport's database or keys." if found.is_dir else "secrets or client data."),
            hint=f"Make it private to the account that runs Rapport: {found.fix}",
            id="rapport.W001",
        )
        for found in open_to_others(getattr(settings, "PRIVATE_PATHS", []))
    ]


@checks.register(checks.Tags.security)
def private_paths_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return list(private_paths_warnings())
