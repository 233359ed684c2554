"""The "Your goals" link: the client writes up to three goals in their own words, and each
becomes a goal of the episode, marked as written by the client (DESIGN §1.4, establishing:
"the client's goals in their own words"). Stored once, encrypted, audited, never logged;
bad input changes nothing; nobody outside the client's scope sees them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of, form_key, make_link

from rapport.audit.models import AuditEvent
from rapport.checkins.models import CheckIn
from rapport.clinic.models import Goal
from rapport.measures.models import Response

FIRST = "Sleep through the night most weeks"
SECOND = "Talk to my sister without it ending in a row"
NO_GOALS = {"goal_1": "", "goal_2": "", "goal_3": ""}


def client_goals(client):
    return list(Goal.objects.filter(episode__client=client, written_by_client=True))


def send_goals_link(http, client) -> str:
    """The therapist sends "Your goals" from the check-in form; returns the link's token."""
    appointment = appointment_of(client, past=False)
    url = f"/appointments/{appointment.pk}/checkins/new/"
    page = http.get(url).content.decode()
    assert re.search(r'<option value="goals"[^>]*>Client&#x27;s goals</option>', page)
    sent = http.post(url, {"instrument": "goals", "timing": "before", "mode": "link"})
    assert sent.status_code == 302
    link_page = http.get(sent["Location"]).content.decode()
    match = re.search(r"/c/([A-Za-z0-9_-]+)/", link_page)
    assert match, "the link page shows the client's link"
    return match[1]


@pytest.mark.django_db
def test_the_clients_goals_reach_the_client_page_once_in_their_words(
    client, login, therapist_a, client_a, django_user_model
):
    from django.test import Client as HttpClient

    staff = login(therapist_a)
    token = send_goals_link(staff, client_a)

    phone = HttpClient()  # the client's own phone: no staff session
    page = phone.get(f"/c/{token}/").content.decode()
    assert "What would you like to be different when therapy ends?" in page
    assert "Up to 300 characters." in page
    assert 'maxlength="300"' in page
    key = form_key(page)
    answers = {"goal_1": FIRST, "goal_2": "", "goal_3": SECOND, "form_key": key}
    first, again = phone.post(f"/c/{token}/", answers), phone.post(f"/c/{token}/", answers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content  # sent twice: the same thank-you page

    goals = client_goals(client_a)
    assert [goal.text for goal in goals] == [FIRST, SECOND]
    assert Response.objects.filter(client=client_a, instrument_id="goals").count() == 1
    client_page = staff.get(f"/clients/{client_a.pk}/").content.decode()
    day = date_format(timezone.localtime(goals[0].created_at), "j M Y")
    for text in (FIRST, SECOND):
        assert client_page.count(f"<q>{text}</q>") == 1
    assert client_page.count(f"in the client’s words, {day}") == 2
    # The goal the therapist typed (conftest) is not marked as the client's.
    assert client_page.count("in the client’s words,") == 2
    # Not agreed yet: each arrives "to talk through", with the way to agree it, and the
    # typed goal stays the only one "Working on it".
    assert [goal.status for goal in goals] == ["to_agree", "to_agree"]
    assert client_page.count("Written by the client: to talk through") == 2
    assert client_page.count("Not agreed yet: talk it through together") == 2
    assert client_page.count(">Agree or set aside</a>") == 2
    assert client_page.count('<span class="tag">Working on it</span>') == 1


@pytest.mark.django_db
def test_the_goals_are_encrypted_at_rest_and_never_logged(client, client_a, console_output):
    _, token = make_link(client_a, "goals")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    client.post(f"/c/{token}/", {**NO_GOALS, "goal_1": FIRST, "form_key": key})
    [goal] = client_goals(client_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM clinic_goal WHERE id = %s", [goal.pk])
        (raw,) = cursor.fetchone()
    assert FIRST not in raw
    assert FIRST not in console_output.getvalue()


@pytest.mark.django_db
def test_each_goal_written_is_audited_as_the_client_links_doing(client, client_a):
    _, token = make_link(client_a, "goals")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    client.post(f"/c/{token}/", {"goal_1": FIRST, "goal_2": SECOND, "goal_3": "", "form_key": key})
    client.post(f"/c/{token}/", {"goal_1": FIRST, "goal_2": SECOND, "goal_3": "", "form_key": key})
    goals = client_goals(client_a)
    assert len(goals) == 2
    for goal in goals:
        [event] = AuditEvent.objects.filter(target=f"goal:{goal.pk}")
        assert event.action == "create" and event.actor_label == "client link"
        assert event.client_id == client_a.pk
        assert FIRST not in event.target and SECOND not in event.target


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (NO_GOALS, "Please write at least one goal, in your own words."),
        ({**NO_GOALS, "goal_1": "   "}, "Please write at least one goal, in your own words."),
        (
            {**NO_GOALS, "goal_2": "x" * 301},
            "Please shorten this goal to 300 characters or fewer (it has 301).",
        ),
    ],
)
def test_no_goal_or_a_goal_too_long_changes_nothing(client, client_a, answers, message):
    checkin, token = make_link(client_a, "goals")
    goals_before = Goal.objects.count()
    key = form_key(client.get(f"/c/{token}/").content.decode())
    page = client.post(f"/c/{token}/", {**answers, "form_key": key})
    assert page.status_code == 400
    assert message in page.content.decode()
    assert Goal.objects.count() == goals_before
    assert not Response.objects.filter(client=client_a).exists()
    checkin.refresh_from_db()
    assert checkin.used_at is None
    assert not AuditEvent.objects.filter(target__startswith="goal:").exists()


@pytest.mark.django_db
def test_a_goal_of_exactly_300_characters_is_kept(client, client_a):
    _, token = make_link(client_a, "goals")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    text = "y" * 300
    assert (
        client.post(f"/c/{token}/", {**NO_GOALS, "goal_3": text, "form_key": key}).status_code
        == 200
    )
    assert [goal.text for goal in client_goals(client_a)] == [text]


@pytest.mark.django_db
def test_a_colleague_cannot_see_the_clients_goals(client, login, therapist_b, client_a):
    _, token = make_link(client_a, "goals")
    key = form_key(client.get(f"/c/{token}/").content.decode())
    client.post(f"/c/{token}/", {**NO_GOALS, "goal_1": FIRST, "form_key": key})
    [goal] = client_goals(client_a)
    colleague = login(therapist_b)
    assert colleague.get(f"/clients/{client_a.pk}/").status_code == 404
    assert colleague.get(f"/goals/{goal.pk}/edit/").status_code == 404
    for url in ("/", "/caseload/"):
        assert FIRST not in colleague.get(url).content.decode()


@pytest.mark.django_db
def test_a_second_form_on_a_used_goals_link_adds_no_goal(client, client_a):
    _, token = make_link(client_a, "goals")
    tab_one = form_key(client.get(f"/c/{token}/").content.decode())
    tab_two = form_key(client.get(f"/c/{token}/").content.decode())
    client.post(f"/c/{token}/", {**NO_GOALS, "goal_1": FIRST, "form_key": tab_one})
    refused = client.post(f"/c/{token}/", {**NO_GOALS, "goal_1": SECOND, "form_key": tab_two})
    assert refused.status_code == 410
    assert [goal.text for goal in client_goals(client_a)] == [FIRST]
    assert CheckIn.objects.get(instrument_id="goals").used_at is not None


@pytest.mark.django_db
def test_goals_cannot_be_scheduled_before_or_after_every_session(
    login, admin_user, therapist_a, client_a
):
    page = login(admin_user).get("/manage/checkins/").content.decode()
    assert 'value="session-checkin"' in page
    assert 'value="goals"' not in page
    episode = client_a.episodes.get()
    page = login(therapist_a).get(f"/episodes/{episode.pk}/checkins/").content.decode()
    assert 'value="goals"' not in page


@pytest.mark.django_db
def test_the_same_goal_sent_on_a_replaced_link_and_the_new_one_is_added_once(client, client_a):
    """A replaced link's form still open (FORM_GRACE) and the new link both sent: each is
    stored, but words the client already wrote (case and spacing aside, or twice on one
    form) do not become a second goal."""
    _, old_token = make_link(client_a, "goals")
    old_key = form_key(client.get(f"/c/{old_token}/").content.decode())
    _, new_token = make_link(client_a, "goals")  # the old link is replaced
    sent_old = client.post(f"/c/{old_token}/", {**NO_GOALS, "goal_1": FIRST, "form_key": old_key})
    assert sent_old.status_code == 200
    new_key = form_key(client.get(f"/c/{new_token}/").content.decode())
    again = {"goal_1": f"  {FIRST.upper()} ", "goal_2": SECOND, "goal_3": SECOND}
    assert client.post(f"/c/{new_token}/", {**again, "form_key": new_key}).status_code == 200
    assert Response.objects.filter(client=client_a, instrument_id="goals").count() == 2
    assert [goal.text for goal in client_goals(client_a)] == [FIRST, SECOND]


@pytest.mark.django_db
def test_the_goals_page_names_no_session_and_no_box_as_optional(client, client_a):
    """Goals are not about a session ("For your session on Mon 30 Nov" read as if they
    were), and "(optional)" under each box contradicted "write at least one goal"; the
    instructions say "One is enough" and the wording "Another goal, if you have one"."""
    _, token = make_link(client_a, "goals")
    page = client.get(f"/c/{token}/").content.decode()
    assert "Questions from Test Clinic</p>" in page
    assert "session" not in page.lower()
    assert "(optional)" not in page
    assert "One is enough." in page
    assert page.count("Another goal, if you have one") == 2
    # Other questionnaires are unchanged: the PHQ-9's 10th item is still marked.
    _, phq9 = make_link(client_a, "phq9")
    assert "(optional)" in client.get(f"/c/{phq9}/").content.decode()


@pytest.mark.django_db
def test_the_goals_links_message_asks_for_goals_not_0_questions(client_a):
    from rapport.checkins.services import checkin_share_text

    checkin, _ = make_link(client_a, "goals")
    text = checkin_share_text(checkin)
    assert "0 questions" not in text
    assert text.startswith(
        "Your therapist would like you to write your goals for therapy, in your own words: "
        "up to three, one is enough. The link works once and until "
    )


@pytest.mark.django_db
def test_a_goal_the_therapist_rewords_is_no_longer_shown_as_the_clients_words(client_a):
    from rapport.clinic.services import goal_update

    episode = client_a.episodes.get()
    goal = Goal.objects.create(episode=episode, text=FIRST, written_by_client=True)
    goal_update(actor=None, goal=goal, text=FIRST, status="achieved")  # status only
    goal.refresh_from_db()
    assert goal.written_by_client
    goal_update(actor=None, goal=goal, text=FIRST + ", or most of it", status="active")
    goal.refresh_from_db()
    assert not goal.written_by_client
