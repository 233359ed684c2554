"""Clinic code asks for check-ins' risk notices through ``core.hooks``, never its models.

Check-ins is built on the clinic (its links are for the clinic's appointments, its reads
scoped by ``clinic.selectors``): a clinic module importing check-ins models ran the
dependency both ways (DESIGN §2, apps talk through selectors and hooks). The caseload's
refused risk answers now come from the provider check-ins registers in ``ready()``, still
in one query.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link

import rapport.clinic
from rapport.checkins.models import CheckIn, RefusedRiskAnswer
from rapport.checkins.services import FORM_GRACE
from rapport.clinic.selectors import caseload_for, clients_for
from rapport.core import hooks

RISKY = {**PHQ9_ZERO, "phq9_9": "1"}  # "Several days"


def _rapport_imports(path: Path) -> set[str]:
    """Every ``rapport.*`` module a file imports, anywhere in it (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.startswith("rapport.")}


def test_no_clinic_module_imports_checkins():
    package = Path(rapport.clinic.__file__).parent
    found = {
        str(path.relative_to(package)): sorted(
            name for name in _rapport_imports(path) if name.split(".")[1] == "checkins"
        )
        for path in sorted(package.rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}


def _refused(http, client) -> RefusedRiskAnswer:
    checkin, token = make_link(client)
    key = form_key(http.get(f"/c/{token}/").content.decode())
    past = timezone.now() - FORM_GRACE - timedelta(hours=1)
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=past)
    http.post(f"/c/{token}/", {**RISKY, "form_key": key})
    return RefusedRiskAnswer.objects.get(client=client)


@pytest.mark.django_db
def test_checkins_provides_the_open_refused_risk_answers_through_the_hook(
    client, client_a, client_b, therapist_a
):
    _refused(client, client_a)
    _refused(client, client_b)
    # Scoped by what the caller passes: therapist A's clients only.
    assert hooks.clients_with_open_risk_notices(clients_for(therapist_a)) == {client_a.pk}
    assert hooks.clients_with_open_risk_notices([client_b]) == {client_b.pk}


@pytest.mark.django_db
def test_the_caseload_reads_the_notices_in_one_query(client, client_a, therapist_a):
    _refused(client, client_a)
    with CaptureQueriesContext(connection) as queries:
        rows = caseload_for(therapist_a)
    assert [row.risk_unreviewed for row in rows if row.client == client_a] == [True]
    table = RefusedRiskAnswer._meta.db_table
    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1
