"""The library page's lasting safety notice is reached by heading navigation, and says when
another safety strategy now covers the alerts of the one disabled or narrowed.

It had no heading, so a screen reader's heading list skipped it; and with another safety
strategy shown with reliably-worse alerts for every client, it still read "Therapists are
not prompted by it to ask about safety … unless another safety strategy does its work", as
if nothing covered them (accessibility pass, 320 px).
"""

from __future__ import annotations

import re

import pytest

from rapport.guidance.models import Strategy
from rapport.guidance.services import strategy_set_enabled

pytestmark = pytest.mark.django_db

NOT_PROMPTED = "Therapists are not prompted by it"


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


def own_safety_step(clinic, title: str, kinds: list[str], **fields) -> Strategy:
    return Strategy.objects.create(
        clinic=clinic,
        slug=re.sub(r"\W+", "-", title.lower()),
        title=title,
        text=f"{title}.",
        sources="Our clinic's risk policy (2024).",
        kinds=kinds,
        safety=True,
        **fields,
    )


def page_of(login, admin_user) -> str:
    return login(admin_user).get("/manage/guidance/").content.decode()


def notice_of(page: str) -> str:
    return page.split('id="safety-notice"', 1)[1].split("</div>", 1)[0]


def test_the_notice_has_a_heading_of_its_own_after_the_pages_title(
    login, admin_user, safety, second_safety_step
):
    strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    page = page_of(login, admin_user)
    content = page.split("<main", 1)[1]
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", content)]
    assert levels[:2] == [1, 2]  # the page's h1, then the notice's h2: no level skipped
    notice = notice_of(page)
    assert '<h2 id="safety-notice-h">A safety strategy is not shown wherever it fits</h2>' in notice
    assert 'role="region" aria-labelledby="safety-notice-h"' in notice


def test_a_disabled_step_whose_alerts_another_covers_names_the_other(
    login, admin_user, safety, second_safety_step
):
    strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    notice = notice_of(page_of(login, admin_user))
    assert "about safety</a>: disabled." in notice
    assert "Reliably worse alerts are covered by ‘Go through the crisis plan’." in notice
    assert NOT_PROMPTED not in notice


def test_a_disabled_step_that_nothing_covers_still_says_nobody_is_prompted(
    login, admin_user, clinic, safety
):
    # Disabled before the guard refused it (no other safety step): the old state stays named.
    Strategy.objects.filter(pk=safety.pk).update(enabled=False)
    notice = notice_of(page_of(login, admin_user))
    assert "covered by" not in notice
    assert (
        "Therapists are not prompted by it to ask about safety, including thoughts of "
        "self-harm, with the alerts or clients it no longer reaches, and no other safety "
        "strategy does its work there." in notice
    )
    assert "Enable it, or widen it again, or add another safety strategy" in notice


def test_a_step_shown_only_for_some_clients_does_not_count_as_covering(
    login, admin_user, clinic, safety
):
    own_safety_step(
        clinic,
        "Ask about safety near the end",
        ["reliable_deterioration"],
        conditions=["ending_phase"],
    )
    Strategy.objects.filter(pk=safety.pk).update(enabled=False)
    notice = notice_of(page_of(login, admin_user))
    assert "covered by" not in notice
    assert NOT_PROMPTED in notice


def test_alerts_partly_covered_are_named_and_the_rest_said_to_be_left_out(
    login, admin_user, clinic, safety
):
    own_safety_step(clinic, "Go through the crisis plan", ["reliable_deterioration"])
    own_safety_step(clinic, "Ask about the week", ["not_on_track"])
    gone = own_safety_step(
        clinic,
        "Ask who is at home tonight",
        ["reliable_deterioration", "not_on_track", "dropout_risk"],
        enabled=False,
    )
    notice = notice_of(page_of(login, admin_user))
    item = notice.split(f'<a href="/manage/guidance/{gone.pk}/">', 1)[1].split("</li>", 1)[0]
    assert "Ask who is at home tonight</a>: disabled." in item
    assert (
        "Reliably worse alerts are covered by ‘Ask directly how they are coping and about "
        "safety’ and ‘Go through the crisis plan’." in item
    )
    assert "Not on track alerts are covered by ‘Ask about the week’." in item
    assert (
        "Therapists are not prompted by it, or by any other safety strategy, to ask about "
        "safety, including thoughts of self-harm, with the other alerts or clients it no "
        "longer reaches." in item
    )
