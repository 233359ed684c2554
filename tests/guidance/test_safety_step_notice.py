"""While a safety step is disabled, or a library copy of one is narrowed, the library page
keeps saying so and names it: a one-time "Strategy disabled." message was all an admin
saw before, and the next admin had no sign that reliably-worse alerts had lost their prompt
to ask about safety (exploratory walkthrough)."""

from __future__ import annotations

import pytest

from rapport.guidance.models import Strategy
from rapport.guidance.services import strategy_set_enabled, strategy_update

pytestmark = pytest.mark.django_db

NOTICE = 'id="safety-notice"'


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


def notice_of(page: str) -> str:
    assert NOTICE in page
    return page.split(NOTICE, 1)[1].split("</div>", 1)[0]


def test_the_library_as_shipped_has_no_notice(login, admin_user, safety):
    assert NOTICE not in login(admin_user).get("/manage/guidance/").content.decode()


def test_a_disabled_safety_step_is_named_on_every_visit(
    login, admin_user, safety, second_safety_step
):
    strategy_set_enabled(actor=admin_user, strategy=safety, enabled=False, confirmed=True)
    http = login(admin_user)
    for _visit in range(2):
        notice = notice_of(http.get("/manage/guidance/").content.decode())
        assert ">A safety strategy is not shown wherever it fits</h2>" in notice
        assert (
            f'<a href="/manage/guidance/{safety.pk}/">Ask directly how they are coping and '
            "about safety</a>: disabled." in notice
        )
        assert "Reliably worse alerts are covered by ‘Go through the crisis plan’." in notice
    strategy_set_enabled(actor=admin_user, strategy=safety, enabled=True)
    assert NOTICE not in http.get("/manage/guidance/").content.decode()


def test_a_narrowed_library_safety_step_is_named_with_what_it_no_longer_reaches(
    login, admin_user, safety, second_safety_step
):
    strategy_update(actor=admin_user, strategy=safety, confirmed=True, unless=["ending_phase"])
    notice = notice_of(login(admin_user).get("/manage/guidance/").content.decode())
    assert (
        "Ask directly how they are coping and about safety</a>: not shown when: The episode "
        "is in its ending phase." in notice
    )
    assert "Go through the crisis plan</a>" not in notice  # enabled, and the clinic's own


def test_several_are_named_together(login, admin_user, clinic, safety, second_safety_step):
    strategy_update(actor=admin_user, strategy=safety, confirmed=True, kinds=["not_on_track"])
    extra = Strategy.objects.create(
        clinic=clinic,
        slug="own-extra",
        title="Ask who is at home tonight",
        text="Ask who is at home tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration"],
        safety=True,
        enabled=False,
    )
    notice = notice_of(login(admin_user).get("/manage/guidance/").content.decode())
    assert ">2 safety strategies are not shown wherever they fit</h2>" in notice
    assert "about safety</a>: not shown with Reliably worse alerts." in notice
    assert f'<a href="/manage/guidance/{extra.pk}/">Ask who is at home tonight</a>: disabled.' in (
        notice
    )
