"""The lines written under a question belong to its group for a screen reader too.

A sighted client sees the reassurance under "did you feel pushed or overridden?" and the
line of help under each risk item next to the answers; someone using a screen reader moving
from answer to answer hears the group's name (its legend) and its description, not the
paragraphs around them. So each question's group names those lines in its
``aria-describedby``, after the error message it already named when there is one.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from tests.checkins._helpers import make_link, open_and_answer

REASSURANCE = "A critical answer will not be held against you"
HELP = "If you are having these thoughts now"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Page(HTMLParser):
    """Each element's text by its id, and each fieldset's aria-describedby by its id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.ids: list[str] = []
        self.described_by: dict[str, list[str]] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        element_id = attributes.get("id")
        if element_id:
            self.ids.append(element_id)
            self.text.setdefault(element_id, "")
        if tag == "fieldset":
            self.described_by[element_id] = (attributes.get("aria-describedby") or "").split()
        if tag not in _VOID:
            self._open.append(element_id)

    def handle_endtag(self, tag):
        if tag not in _VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text[element_id] += data


def parsed(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def description(page: _Page, group_id: str) -> list[str]:
    """The texts the group's aria-describedby points to, in its order."""
    refs = page.described_by[group_id]
    for ref in refs:
        assert page.ids.count(ref) == 1, (
            f"{group_id} is described by {ref}, found {page.ids.count(ref)} times"
        )
    return [" ".join(page.text[ref].split()) for ref in refs]


@pytest.mark.django_db
def test_the_pushed_question_is_described_by_its_reassurance(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    page = parsed(client.get(f"/c/{token}/"))
    texts = description(page, "q-pushed")
    assert len(texts) == 1 and REASSURANCE in texts[0]
    # The other questions have no line of their own, and name none.
    assert page.described_by["q-goals"] == []


@pytest.mark.django_db
def test_the_pushed_question_keeps_its_error_first_then_its_reassurance(client, client_a):
    _, token = make_link(client_a, "session-checkin")
    response = open_and_answer(client, token, {})
    page = parsed(response)
    texts = description(page, "q-pushed")
    assert len(texts) == 2
    assert REASSURANCE not in texts[0] and texts[0]  # the error message, as before
    assert page.described_by["q-pushed"][0] == "e-pushed"
    assert REASSURANCE in texts[1]


@pytest.mark.django_db
@pytest.mark.parametrize(("instrument", "risk_item"), [("phq9", "phq9_9"), ("core10", "core10_6")])
def test_each_risk_item_is_described_by_its_line_of_help(
    client, client_a, clinic, instrument, risk_item
):
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    _, token = make_link(client_a, instrument)
    page = parsed(client.get(f"/c/{token}/"))
    texts = description(page, f"q-{risk_item}")
    assert len(texts) == 1
    assert HELP in texts[0] and "0100 000 000" in texts[0] and "emergency number" in texts[0]
    described = [ref for group, refs in page.described_by.items() for ref in refs]
    assert described == [f"help-{risk_item}"]  # no other group names a line of help


@pytest.mark.django_db
def test_a_risk_item_without_crisis_contacts_is_described_by_the_emergency_line(client, client_a):
    _, token = make_link(client_a, "phq9")
    texts = description(parsed(client.get(f"/c/{token}/")), "q-phq9_9")
    assert texts == ["If you are having these thoughts now, call your local emergency number."]


@pytest.mark.django_db
def test_an_unanswered_risk_item_names_its_error_and_its_line_of_help(client, client_a):
    _, token = make_link(client_a, "phq9")
    page = parsed(open_and_answer(client, token, {}))
    assert page.described_by["q-phq9_9"] == ["e-phq9_9", "help-phq9_9"]
    texts = description(page, "q-phq9_9")
    assert HELP not in texts[0] and HELP in texts[1]
    assert page.described_by["q-phq9_8"] == ["e-phq9_8"]  # as before
