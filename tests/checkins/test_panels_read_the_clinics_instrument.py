"""The client page names each questionnaire as the clinic shows it, not as Rapport ships it.

The shipped C-NIP is Rapport's paraphrase of the inventory: "adapted", not a validated
measure. A clinic that loads the published wording and says so (``"verbatim": true``) has the
inventory itself (docs/instruments.md), and the therapist's preferences panel and score table
said "adapted" and "not a validated measure" all the same, as they read the shipped definition.
The score table's note also said "Rapport's own feedback tool" under the C-NIP, which Rapport
did not write: it is said per instrument now.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.checkins.test_panel_not_validated import record
from tests.measures._helpers import answers_for
from tests.measures.test_cnip_labelling import clinic_file

from rapport.measures.services import response_record, wording_upload

pytestmark = pytest.mark.django_db

NOT_VALIDATED = "not a validated measure"
OWN = (
    "Rapport’s own feedback tool, not a validated measure: read the scores as a conversation "
    "starter."
)
ADAPTED_NOTE = (
    "Adapted from the published C-NIP in Rapport’s wording, not verified against it, so not a "
    "validated measure: read the scores as a conversation starter."
)
PUBLISHED_SOURCE = (
    "Sources: Cooper M, Norcross JC (2016). A brief, multidimensional measure of clients' "
    "therapy preferences"
)
ADAPTED_SOURCE = "Sources: Adapted from Cooper M, Norcross JC (2016)."


def record_cnip(client, *, key: str, value: int = -2) -> None:
    response_record(
        client=client,
        instrument_id="cnip",
        answers=answers_for("cnip", [value] * 18),
        source="import",
        idempotency_key=key,
        administered_at=datetime(2026, 2, 9, tzinfo=UTC),
    )


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def preferences(page: str) -> str:
    start = page.index('id="preferences-h"')
    return text(page[start : page.index("</section>", start)])


def scores(page: str, instrument_id: str) -> str:
    start = page.index(f'id="series-{instrument_id}"')
    return text(page[start : page.index("</table>", start)])


def client_page(http, client) -> str:
    return http.get(f"/clients/{client.pk}/").content.decode()


def test_before_a_verbatim_file_both_panels_say_the_c_nip_is_adapted(login, therapist_a, client_a):
    record_cnip(client_a, key="before")
    page = client_page(login(therapist_a), client_a)
    assert ADAPTED_SOURCE in preferences(page)
    assert ADAPTED_NOTE in scores(page, "cnip")


def test_after_a_verbatim_file_both_panels_name_the_published_inventory(
    login, clinic, admin_user, therapist_a, client_a
):
    record_cnip(client_a, key="after")
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(clinic_file()))
    page = client_page(login(therapist_a), client_a)
    panel = preferences(page)
    assert PUBLISHED_SOURCE in panel
    assert "Adapted" not in panel and "not the validated C-NIP" not in panel
    table = scores(page, "cnip")
    assert NOT_VALIDATED not in table and "Adapted" not in table


def test_a_file_not_said_to_be_verbatim_keeps_the_adapted_labels(
    login, clinic, admin_user, therapist_a, client_a
):
    record_cnip(client_a, key="translation")
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(clinic_file(verbatim=None)))
    page = client_page(login(therapist_a), client_a)
    assert ADAPTED_SOURCE in preferences(page)
    assert ADAPTED_NOTE in scores(page, "cnip")


def test_the_clinics_instrument_is_read_once_a_page_not_once_a_row(
    login, clinic, admin_user, therapist_a, client_a
):
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(clinic_file()))
    record_cnip(client_a, key="first")
    http = login(therapist_a)
    client_page(http, client_a)  # warm caches (instrument registry, sessions)
    with CaptureQueriesContext(connection) as one:
        client_page(http, client_a)
    for n in range(4):
        record_cnip(client_a, key=f"more-{n}", value=n - 2)
    with CaptureQueriesContext(connection) as five:
        page = client_page(http, client_a)
    assert PUBLISHED_SOURCE in preferences(page)
    assert len(five.captured_queries) == len(one.captured_queries)
    wordings = [q for q in five.captured_queries if "measures_clinicwording" in q["sql"]]
    # Which instruments have a file (one query), then the C-NIP's file (one): both panels.
    assert len(wordings) == 2


def test_the_note_says_whose_tool_it_is(login, therapist_a, client_a):
    record_cnip(client_a, key="note")
    scales = {"goals": 8, "approach": 7, "relationship": 9, "overall": 8, "pushed": 0}
    record(client_a, "session-checkin", scales, "checkin")
    page = client_page(login(therapist_a), client_a)
    checkin, cnip = scores(page, "session-checkin"), scores(page, "cnip")
    # The check-in is Rapport's own; the C-NIP is a published inventory Rapport paraphrased.
    assert OWN in checkin and "Adapted" not in checkin
    assert ADAPTED_NOTE in cnip and "Rapport’s own" not in cnip


def test_c_nip_scale_means_read_the_same_in_both_panels(login, therapist_a, client_a):
    # Staff review 21: "0" in the score table, "0.00" in the preferences panel.
    record_cnip(client_a, key="zero", value=0)
    scales = {"goals": 8, "approach": 7, "relationship": 9, "overall": 8, "pushed": 0}
    record(client_a, "session-checkin", scales, "checkin")
    page = client_page(login(therapist_a), client_a)
    table = page[page.index('id="series-cnip"') :]
    table = table[: table.index("</table>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert cells == ["0.00"] * 4  # the four scale means, to the definition's 2 places
    panel = page[page.index('id="preferences-h"') :]
    panel = panel[: panel.index("</table>")]
    assert re.findall(r"<td>(-?\d[^<]*)</td>", panel) == ["0.00"] * 4
    # A scale scored in whole points stays whole (the check-in's 0-10 sliders).
    checkin = page[page.index('id="series-session-checkin"') :]
    checkin = checkin[: checkin.index("</table>")]
    assert re.findall(r'<td class="num">([^<]*)</td>', checkin) == ["32", "8", "7", "9", "8"]
