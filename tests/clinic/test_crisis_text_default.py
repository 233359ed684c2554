"""Rapport's default crisis text, shown to a client who reports thoughts of self-harm until
the clinic enters its own, said "please tell your therapist today": the therapist may not
read the answers before the next session. The new one promises nothing the therapist cannot
keep and names no line the clinic has not given. Clinics that still hold the old text get the
new one (migration clinic 0007); either counts as no crisis text set on the thank-you page;
the settings page asks the admin for the clinic's own line."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

from rapport.clinic.models import DEFAULT_CRISIS_TEXT, Clinic

OLD_DEFAULT = (
    "If you are thinking about harming yourself or feel unsafe, please tell your therapist "
    "today. If you are in immediate danger, call your local emergency number now."
)
BEFORE = [("clinic", "0006_appointment_cancelled_by_ending")]
AFTER = [("clinic", "0007_crisis_text_default_names_no_line")]


def crisis_box(page: str) -> str:
    match = re.search(r'<section class="crisis".*?</section>', page, flags=re.S)
    assert match, "the crisis box is shown"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


@pytest.mark.django_db
def test_the_default_asks_nothing_of_the_therapist_and_names_no_line(clinic):
    assert clinic.crisis_text == DEFAULT_CRISIS_TEXT
    assert "therapist" not in DEFAULT_CRISIS_TEXT
    assert not re.search(r"\d", DEFAULT_CRISIS_TEXT), "no phone number"
    assert "today" in DEFAULT_CRISIS_TEXT and "emergency number" in DEFAULT_CRISIS_TEXT


@pytest.mark.django_db
@pytest.mark.parametrize("stored", [OLD_DEFAULT, DEFAULT_CRISIS_TEXT, f"  {OLD_DEFAULT}\n"])
def test_a_text_rapport_shipped_is_not_shown_as_the_clinics_own(client, client_a, clinic, stored):
    """A clinic restored from a backup made before the migration still holds the old text:
    the thank-you page must not show it as crisis contacts the clinic gave."""
    Clinic.objects.filter(pk=clinic.pk).update(crisis_text=stored)
    _, token = make_link(client_a)
    box = crisis_box(open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"}).content.decode())
    assert f"Please contact {clinic.name} today." in box
    assert "crisis contacts" not in box
    assert "tell your therapist today" not in box
    assert "your GP or a crisis line" not in box


@pytest.mark.django_db
def test_the_settings_page_asks_for_the_clinics_own_crisis_line(login, admin_user):
    page = html.unescape(login(admin_user).get("/manage/clinic/").content.decode())
    assert "Enter your clinic's own crisis line or phone number" in page
    assert "While this is still Rapport's default text, clients are not shown it" in page


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_clinics_still_holding_the_old_default_get_the_new_one_and_their_own_texts_stay():
    executor = _migrate(BEFORE)
    OldClinic = executor.loader.project_state(BEFORE).apps.get_model("clinic", "Clinic")
    untouched = OldClinic.objects.create(name="Never edited")
    assert untouched.crisis_text == OLD_DEFAULT  # the default of the day
    own = OldClinic.objects.create(name="Own line", crisis_text="Duty line: 0100 000 000.")
    edited = OldClinic.objects.create(name="Added to it", crisis_text=f"{OLD_DEFAULT} Duty: 0100.")
    try:
        executor = _migrate(AFTER)
        NewClinic = executor.loader.project_state(AFTER).apps.get_model("clinic", "Clinic")
        texts = dict(NewClinic.objects.values_list("name", "crisis_text"))
        assert texts == {
            "Never edited": DEFAULT_CRISIS_TEXT,
            "Own line": own.crisis_text,
            "Added to it": edited.crisis_text,
        }
        # Back again, the old default returns where the migration put the new one.
        executor = _migrate(BEFORE)
        OldClinic = executor.loader.project_state(BEFORE).apps.get_model("clinic", "Clinic")
        assert OldClinic.objects.get(name="Never edited").crisis_text == OLD_DEFAULT
    finally:
        _migrate(_leaves())
