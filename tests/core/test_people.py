"""One way of naming a colleague who did something ("Morgan Lee (supervisor)"), used by the
monitoring panel, the risk follow-up record and its 409 message, and the caseload."""

from __future__ import annotations

from rapport.accounts.models import Role, User
from rapport.core.people import name_with_role
from rapport.monitoring.templatetags.monitoring_tags import done_by


def person(pk: int, role: str, full_name: str = "Morgan Lee") -> User:
    return User(pk=pk, email="morgan@test.invalid", full_name=full_name, role=role)


def test_a_colleague_reads_as_name_and_role():
    assert name_with_role(person(2, Role.SUPERVISOR)) == "Morgan Lee (supervisor)"
    assert name_with_role(person(2, Role.ADMIN)) == "Morgan Lee (clinic admin)"


def test_an_account_without_a_full_name_reads_as_its_email():
    assert name_with_role(person(2, Role.THERAPIST, "")) == "morgan@test.invalid (therapist)"


def test_the_reader_is_marked_you_and_anyone_else_by_role():
    morgan = person(2, Role.SUPERVISOR)
    assert name_with_role(morgan, viewer=person(2, Role.SUPERVISOR)) == "Morgan Lee (you)"
    assert name_with_role(morgan, viewer=person(3, Role.THERAPIST)) == "Morgan Lee (supervisor)"


def test_a_removed_account_is_left_for_each_page_to_word():
    assert name_with_role(None) == ""
    assert name_with_role(None, viewer=person(2, Role.SUPERVISOR)) == ""


def test_the_monitoring_panel_says_you_alone_for_the_reader():
    """ "Acknowledged by you, 6 Dec.": the panel's sentences, unlike the caseload's."""
    morgan = person(2, Role.SUPERVISOR)
    assert done_by(morgan, person(2, Role.SUPERVISOR)) == "you"
    assert done_by(morgan, person(3, Role.THERAPIST)) == "Morgan Lee (supervisor)"
    assert done_by(None, morgan) == ""
