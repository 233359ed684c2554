"""``rapport import-responses`` refuses the client's goals (review of 6f7a193): not a
measure, imported they were a response nobody sees and no goal of the episode (only the
client's own link makes those), past the 300-character rule. The row is refused with what
to do instead, and nothing is imported."""

from __future__ import annotations

import pytest

from rapport.cli import main
from rapport.measures.models import Response


@pytest.mark.django_db
def test_the_clients_goals_are_not_imported(tmp_path, capsys, client_a):
    csv = tmp_path / "goals.csv"
    csv.write_text(
        f"client,date,instrument,goal_1,goal_2,goal_3\n{client_a.pk},2026-01-05,goals,"
        "Sleep better,,\n"
    )
    assert main(["import-responses", str(csv)]) == 2
    captured = capsys.readouterr()
    assert (
        "goals.csv: line 2: the client's goals are not imported: add them on the client page, "
        "or send the client their Client's goals link" in captured.out
    )
    assert "Sleep better" not in captured.out + captured.err
    assert not Response.objects.exists()
