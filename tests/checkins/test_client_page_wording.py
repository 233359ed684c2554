"""The client's questionnaire page speaks to the client, not to a clinician.

A client review found the heading and the browser tab naming a diagnosis ("Generalized
Anxiety Disorder 7-item scale", "PHQ-9 · Rapport" on a shared phone's task switcher), a
question count that contradicted the name (8 under a "7-item" scale), who reads the answers
said only at the very end, nothing near "did you feel pushed or overridden?" to say a
critical answer is safe, and, on the clinic's tablet, no way out for a client who does not
want to answer."""

from __future__ import annotations

import re
from html import unescape

import pytest
from tests.checkins._helpers import (
    SIGN_IN_AGAIN,
    TABLET_RETURN,
    appointment_of,
    form_key,
    make_link,
    tablet_started,
)

from rapport.checkins.models import CheckIn
from rapport.measures.models import Response

PRIVACY = "Your answers go only to your therapist and the people who supervise their work."
REASSURE = "A critical answer will not be held against you"
EXIT = "I’d rather not answer now — hand the device back"


def _h1(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert match, "the page has a heading"
    return unescape(match.group(1)).strip()


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "the page has a title"
    return unescape(match.group(1)).strip()


def _footer(page: str) -> str:
    match = re.search(r'<footer class="attribution">(.*?)</footer>', page, re.S)
    assert match, "the page has its attribution footer"
    return unescape(match.group(1))


def _page(http, client, instrument_id: str) -> str:
    _, token = make_link(client, instrument_id)
    return http.get(f"/c/{token}/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instrument_id", "client_title", "full_name"),
    [
        ("phq9", "How you’ve been feeling", "Patient Health Questionnaire-9 (PHQ-9)"),
        ("gad7", "Worry and nerves", "Generalized Anxiety Disorder 7-item scale (GAD-7)"),
        ("cnip", "How you’d like therapy to work", "Cooper-Norcross Inventory of Preferences"),
        ("core10", "How things have been this past week", "CORE-10 ©"),
        ("session-checkin", "About your session", "After-session check-in by"),
    ],
)
def test_the_heading_and_the_tab_title_are_the_clients_and_the_full_name_is_in_the_footer(
    client, client_a, instrument_id, client_title, full_name
):
    page = _page(client, client_a, instrument_id)
    if instrument_id == "session-checkin":
        # The heading names the session, once (test_client_pages_say_it_once.py).
        assert _h1(page).startswith(f"{client_title} on ")
    else:
        assert _h1(page) == client_title
    assert _title(page) == f"{client_title} · Rapport"
    footer = _footer(page)
    assert full_name in footer
    # The clinical name is nowhere above the footer, where the client reads first.
    top = unescape(page.split('<footer class="attribution">')[0])
    for name in ("Patient Health", "Generalized Anxiety", "Disorder", "PHQ-9", "GAD-7", "C-NIP"):
        assert name not in top


@pytest.mark.django_db
def test_an_attribution_that_already_names_the_instrument_does_not_name_it_twice(client, client_a):
    footer = _footer(_page(client, client_a, "cnip"))
    assert footer.count("Cooper-Norcross Inventory of Preferences") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instrument_id", "count"),
    [
        ("phq9", "9 questions, plus 1 optional"),
        ("gad7", "7 questions, plus 1 optional"),
        ("session-checkin", "5 questions, plus 1 optional"),
        ("cnip", "18 questions"),
    ],
)
def test_the_count_matches_the_name_and_says_which_questions_are_optional(
    client, client_a, instrument_id, count
):
    page = _page(client, client_a, instrument_id)
    note = re.search(r'<p class="progress-note">(.*?)</p>', page, re.S)
    assert note and note.group(1).strip() == count


@pytest.mark.django_db
def test_who_reads_the_answers_is_said_under_the_heading_before_any_question(client, client_a):
    page = _page(client, client_a, "phq9")
    assert page.count(PRIVACY) == 1
    assert page.index("</h1>") < page.index(PRIVACY) < page.index("<fieldset")
    assert PRIVACY not in _footer(page)


@pytest.mark.django_db
def test_the_pushed_question_says_a_critical_answer_will_not_be_held_against_the_client(
    client, client_a
):
    page = _page(client, client_a, "session-checkin")
    assert page.count(REASSURE) == 1
    pushed = page.split('id="q-pushed"', 1)[1].split("</fieldset>", 1)[0]
    assert REASSURE in pushed  # inside the question's own group, under its wording
    assert REASSURE not in _page(client, client_a, "phq9")


def _exit_link(page: str) -> str:
    match = re.search(r'<a href="([^"]+)">' + re.escape(EXIT) + "</a>", page)
    assert match, "the tablet page offers a way out"
    return unescape(match.group(1))


@pytest.mark.django_db
def test_on_the_tablet_a_client_can_hand_the_device_back_without_answering(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    location = tablet_started(http, client_a)
    page = http.get(location).content.decode()
    link = _exit_link(page)
    # The thank-you page's way back: the same opaque sign-in address, naming nobody.
    assert link == f"/accounts/login/?next={TABLET_RETURN.replace('/', '%2F')}"
    # Before the questions: a client who will not answer need not scroll through them.
    assert page.index(EXIT) < page.index("<form")
    sign_in = http.get(link)
    assert sign_in.status_code == 200
    assert f'name="next" value="{TABLET_RETURN}"' in sign_in.content.decode()
    # Nothing was sent or stored, and the link still works for later.
    assert not Response.objects.exists()
    checkin = CheckIn.objects.get()
    assert checkin.used_at is None and checkin.revoked_at is None
    assert http.get(location).status_code == 200


@pytest.mark.django_db
def test_a_phone_link_has_no_hand_back_link(client, client_a):
    from rapport.checkins.services import checkin_create

    _, token = checkin_create(
        actor=None, appointment=appointment_of(client_a), instrument_id="session-checkin"
    )
    page = client.get(f"/c/{token}/").content.decode()
    assert EXIT not in page and SIGN_IN_AGAIN not in page
    assert "/accounts/login" not in page and TABLET_RETURN not in page


def _summary(page: str) -> str:
    match = re.search(r'<div class="error-summary[^"]*".*?</div>', page, re.S)
    assert match, "the page has an error summary"
    return match.group(0)


@pytest.mark.django_db
def test_the_summary_of_unanswered_questions_is_short_and_does_not_repeat_their_wording(
    client, client_a
):
    _, token = make_link(client_a, "phq9")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answered = {"phq9_1": "0", "phq9_10": "0", "form_key": key}
    page = client.post(f"/c/{token}/", answered).content.decode()
    summary = _summary(page)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary)).strip()
    assert text.startswith("A few questions are not answered yet.")
    links = re.findall(r'<a href="#q-(phq9_\d+)">([^<]*)</a>', summary)
    assert links == [(f"phq9_{n}", f"Question {n}") for n in range(2, 10)]
    # The questions' own words (item 9 asks about self-harm) stay with the questions.
    assert "Feeling down" not in summary and "better off dead" not in summary
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary


@pytest.mark.django_db
def test_one_unanswered_question_is_named_as_one(client, client_a):
    _, token = make_link(client_a, "phq9")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    answers = {f"phq9_{n}": "0" for n in range(1, 9)}
    page = client.post(f"/c/{token}/", {**answers, "form_key": key}).content.decode()
    assert "One question is not answered yet." in _summary(page)
