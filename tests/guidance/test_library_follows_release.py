"""Each clinic holds its own copy of the strategy library. A copy nobody edited follows the
shipped library, so a release that corrects a text ("the lowest part" when two parts tie)
reaches clinics that already had it; an admin's edit, and their choice to disable a
strategy, are never undone."""

from __future__ import annotations

import pytest

from rapport.audit.models import AuditEvent
from rapport.guidance.library import load_library
from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load, strategy_set_enabled, strategy_update

pytestmark = pytest.mark.django_db

OLD_TEXT = "Feeling heard was the lowest part of the last check-in."


def _shipped(slug: str):
    return next(spec for spec in load_library() if spec.slug == slug)


def _as_an_older_release_left_it(slug: str, clinic) -> Strategy:
    Strategy.objects.filter(clinic=clinic, slug=slug).update(text=OLD_TEXT, priority=1)
    return Strategy.objects.get(clinic=clinic, slug=slug)


def test_an_unedited_copy_takes_the_corrected_text_and_rules(clinic):
    library_load(clinic=clinic)
    slug = next(spec.slug for spec in load_library() if "bond_low" in spec.conditions)
    copy = _as_an_older_release_left_it(slug, clinic)
    assert library_load(clinic=clinic) == 0  # nothing new to add
    copy.refresh_from_db()
    assert (copy.text, copy.priority) == (_shipped(slug).text, _shipped(slug).priority)
    assert "or tied for lowest" in copy.text
    assert AuditEvent.objects.filter(target="guidance-library:follow:1").exists()


def test_an_edited_copy_keeps_the_clinics_words(clinic, admin_user):
    library_load(clinic=clinic)
    copy = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    strategy_update(actor=admin_user, strategy=copy, text="Our clinic's own wording.")
    library_load(clinic=clinic)
    copy.refresh_from_db()
    assert copy.text == "Our clinic's own wording."


def test_a_disabled_copy_follows_the_text_and_stays_disabled(clinic, admin_user):
    library_load(clinic=clinic)
    copy = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    strategy_set_enabled(actor=admin_user, strategy=copy, enabled=False)
    _as_an_older_release_left_it("name-the-rupture", clinic)
    library_load(clinic=clinic)
    copy.refresh_from_db()
    assert copy.text == _shipped("name-the-rupture").text
    assert not copy.enabled


def test_loading_an_up_to_date_library_writes_nothing(clinic):
    library_load(clinic=clinic)
    before = AuditEvent.objects.count()
    library_load(clinic=clinic)
    assert AuditEvent.objects.count() == before


def test_an_edit_saved_after_the_rows_were_read_is_not_overwritten(clinic, admin_user):
    """``library_load`` runs on page loads without a lock: an admin's edit committed
    between its read and its write must survive."""
    from rapport.guidance.services import _follow_the_library

    library_load(clinic=clinic)
    _as_an_older_release_left_it("name-the-rupture", clinic)
    rows = list(Strategy.objects.filter(clinic=clinic))  # read before the edit
    copy = Strategy.objects.get(clinic=clinic, slug="name-the-rupture")
    strategy_update(actor=admin_user, strategy=copy, text="Our clinic's wording.")
    _follow_the_library(load_library(), rows)
    copy.refresh_from_db()
    assert copy.text == "Our clinic's wording."
