"""Clinics' copies made before the safety marking existed keep their protection: the
migration marks the strategies the app knew by slug until then, edited or not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_existing_copies_of_check_safety(clinic):
    library_load(clinic=clinic)
    check = Strategy.objects.get(clinic=clinic, slug="check-safety")
    migrate([("guidance", "0001_initial")])
    with connection.cursor() as cursor:  # as a release before the marking stored it
        cursor.execute(
            "UPDATE guidance_strategy SET text = %s, edited = %s WHERE id = %s",
            ["Our clinic's wording.", True, check.pk],
        )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert list(Strategy.objects.filter(clinic=clinic, safety=True)) == [check]
    check.refresh_from_db()
    assert check.text == "Our clinic's wording."
