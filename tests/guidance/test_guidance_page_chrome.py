"""The guidance edit and disable pages: the top bar names "Guidance" once (the pages added
it a second time), and the disable page's confirmation error is shown once, beside the
box, with the announced summary linking to it (it was shown in full twice)."""

from __future__ import annotations

import pytest

from rapport.guidance.models import Strategy

pytestmark = pytest.mark.django_db

TICK = (
    "This strategy prompts therapists to ask about safety. Tick the box to confirm you want "
    "to disable it."
)


@pytest.fixture
def safety(login, admin_user, clinic):
    login(admin_user).get("/manage/guidance/")  # loads the shipped library
    return Strategy.objects.get(clinic=clinic, slug="check-safety")


def nav_of(page: str) -> str:
    return page[page.index("<nav") : page.index("</nav>")]


@pytest.mark.parametrize("page", ["/", "/toggle/"], ids=["edit", "disable"])
def test_the_top_bar_names_guidance_once(login, admin_user, safety, page):
    html = login(admin_user).get(f"/manage/guidance/{safety.pk}{page}").content.decode()
    assert nav_of(html).count(">Guidance</a>") == 1


def test_the_top_bar_names_guidance_once_on_the_add_page(login, admin_user):
    html = login(admin_user).get("/manage/guidance/new/").content.decode()
    assert nav_of(html).count(">Guidance</a>") == 1


@pytest.mark.usefixtures("second_safety_step")
def test_an_unticked_disable_shows_its_message_once_and_the_summary_links_to_it(
    login, admin_user, safety
):
    response = login(admin_user).post(f"/manage/guidance/{safety.pk}/toggle/")
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count(TICK) == 1
    summary = page.split('class="error-summary" role="alert">', 1)[1].split("</div>", 1)[0]
    assert TICK not in summary
    assert '<a href="#id_understood">the confirmation</a>' in summary
    field_error = page.split('<div id="id_understood_error">', 1)[1].split("</div>", 1)[0]
    assert TICK in field_error
    assert 'aria-describedby="id_understood_error"' in page  # the box names its error
