"""Help where the client and the therapist need it (review of the client pages):

* the therapist's guidance under a risk answer is given for every risk item, worded from the
  instrument's definition, not for PHQ-9 item 9 alone;
* under each risk item of the questionnaire, before Send, one line of help, the same for
  everyone: the clinic's crisis contacts (tap to call) and the emergency number;
* a clinic without crisis contacts of its own is warned on the client page's check-ins panel
  too (tablet mode never shows the link page's warning); the demo clinic has made-up ones.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.checkins._helpers import make_link, record_answer

from rapport.clinic.models import SHIPPED_CRISIS_TEXTS

GUIDANCE = (
    "Any answer above “Not at all” calls for a direct conversation about safety and a risk "
    "assessment, whatever the total score."
)
NOW_LINE = "If you are having these thoughts now"
EMERGENCY = "call your local emergency number"
NOT_SET = "asks about risk, but your clinic has not set its own crisis contacts"


def notice_of(page: str) -> str:
    start = page.index("Risk answer to follow up")
    return page[start : page.index("</section>", start)]


@pytest.mark.django_db
def test_a_core10_risk_answer_carries_the_guidance_line(client_a, login, therapist_a):
    answers = {f"core10_{n}": 0 for n in range(1, 11)} | {"core10_6": 2}
    record_answer(client_a, "core10", answers, key="core-risk", ago=timedelta(hours=1))
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    notice = notice_of(page)
    assert "CORE-10 item 6" in notice and GUIDANCE in notice


@pytest.mark.django_db
def test_a_phq9_risk_answer_keeps_its_guidance_line(client_a, login, therapist_a):
    answers = {f"phq9_{n}": 0 for n in range(1, 10)} | {"phq9_9": 1}
    record_answer(client_a, "phq9", answers, key="phq-risk", ago=timedelta(hours=1))
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert GUIDANCE in notice_of(page)


def fieldset(page: str, item_id: str) -> str:
    start = page.index(f'id="q-{item_id}"')
    return page[start : page.index("</fieldset>", start)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instrument", "risk_item", "other"),
    [("phq9", "phq9_9", "phq9_8"), ("core10", "core10_6", "core10_5")],
)
def test_each_risk_item_has_a_line_of_help_under_it(
    client, client_a, clinic, instrument, risk_item, other
):
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    _, token = make_link(client_a, instrument)
    page = client.get(f"/c/{token}/").content.decode()
    line = fieldset(page, risk_item)
    assert NOW_LINE in line and "Duty line (example)" in line
    assert 'href="tel:0100000000"' in line  # tap to call
    assert EMERGENCY in line  # kept although the clinic has its own line
    assert NOW_LINE not in fieldset(page, other)
    assert page.count(NOW_LINE) == 1


@pytest.mark.django_db
def test_without_crisis_contacts_the_line_names_the_emergency_number(client, client_a):
    _, token = make_link(client_a, "phq9")
    line = fieldset(client.get(f"/c/{token}/").content.decode(), "phq9_9")
    assert "If you are having these thoughts now, call your local emergency number." in line
    assert "tel:" not in line


@pytest.mark.django_db
def test_a_measure_without_a_risk_item_has_no_such_line(client, client_a):
    _, token = make_link(client_a, "gad7")
    assert NOW_LINE not in client.get(f"/c/{token}/").content.decode()


def checkins_panel(page: str) -> str:
    start = page.index('class="card checkins-panel"')
    return page[start : page.index("</section>", start)]


@pytest.mark.django_db
def test_the_checkins_panel_warns_while_the_clinic_has_no_crisis_contacts(
    client_a, clinic, login, therapist_a
):
    assert clinic.crisis_text.strip() in SHIPPED_CRISIS_TEXTS
    http = login(therapist_a)
    panel = checkins_panel(http.get(f"/clients/{client_a.pk}/").content.decode())
    assert "PHQ-9 " + NOT_SET in panel
    assert panel.index(NOT_SET) < panel.index("Send a check-in")
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    panel = checkins_panel(http.get(f"/clients/{client_a.pk}/").content.decode())
    assert NOT_SET not in panel


@pytest.mark.django_db
def test_the_demo_clinic_has_made_up_crisis_contacts(client, login):
    from rapport.accounts.models import User
    from rapport.demo import seed_demo

    clinic, _ = seed_demo()
    assert clinic.crisis_text.strip() not in SHIPPED_CRISIS_TEXTS
    assert re.search(r"not a real service", clinic.crisis_text)
    alex = User.objects.get(email="alex@demo.test")
    someone = clinic.clients.filter(therapist=alex).first()
    page = login(alex).get(f"/clients/{someone.pk}/").content.decode()
    assert NOT_SET not in page
