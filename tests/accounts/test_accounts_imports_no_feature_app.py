"""Accounts sits under the apps that hold clinical work: monitoring, measures, check-ins,
transcripts, guidance and the API import accounts, never the other way round (a cycle, and
an admin's pages a step from clinical data). What an admin page needs from one of them
comes through ``rapport.core.hooks`` (the clinic settings page's retention note)."""

from __future__ import annotations

import ast
from pathlib import Path

import rapport.accounts

#: The apps accounts may import: the framework-free helpers, the shared core, the audit
#: log it writes to and the clinic whose settings and staff it manages.
ALLOWED = {"accounts", "audit", "clinic", "core", "lib"}


def _rapport_imports(path: Path) -> set[str]:
    """The ``rapport.<app>`` packages a module imports, anywhere in it."""
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        apps |= {name.split(".")[1] for name in names if name.startswith("rapport.")}
    return apps


def test_accounts_imports_none_of_the_apps_built_on_it():
    package = Path(rapport.accounts.__file__).parent
    found = {
        path.name: sorted(_rapport_imports(path) - ALLOWED)
        for path in sorted(package.glob("*.py"))
        if _rapport_imports(path) - ALLOWED
    }
    assert found == {}


def test_the_settings_page_hears_of_transcript_retention_through_the_hook(clinic):
    from rapport.core.hooks import clinic_settings_notes

    clinic.transcript_retention_days = 30
    clinic.save()
    # Other apps add notes of their own (monitoring: when time-based alerts were checked).
    assert (
        "Transcript retention (30 days): no transcript holds text past the limit. No text "
        "has been deleted under the rule yet."
    ) in clinic_settings_notes(clinic)
