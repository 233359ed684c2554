"""What the pages say the C-NIP is: the client's questionnaire footer and the therapist's
view of the scores name it as adapted from the inventory, with wording not verified,
until the clinic loads the published wording and says it is verbatim."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest

from rapport.measures.services import response_record, wording_upload
from tests.checkins._helpers import make_link
from tests.measures._helpers import answers_for
from tests.measures.test_cnip_labelling import ADAPTED, PUBLISHED, clinic_file

pytestmark = pytest.mark.django_db


def _footer(http, client) -> str:
    _, token = make_link(client, "cnip")
    page = http.get(f"/c/{token}/").content.decode()
    match = re.search(r'<footer class="attribution">(.*?)</footer>', page, re.S)
    assert match, "the page has its attribution footer"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1))))


def test_the_client_reads_that_the_questions_are_adapted_from_the_c_nip(client, client_a):
    footer = _footer(client, client_a)
    assert ADAPTED in footer
    assert footer.count("Cooper-Norcross Inventory of Preferences") == 1


def test_with_the_clinics_verbatim_wording_the_client_reads_the_inventorys_own_attribution(
    client, clinic, admin_user, client_a
):
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(clinic_file()))
    footer = _footer(client, client_a)
    assert PUBLISHED in footer
    assert "Adapted" not in footer and "not verified" not in footer


def test_a_clinic_file_not_said_to_be_verbatim_keeps_adapted_on_the_clients_page(
    client, clinic, admin_user, client_a
):
    wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(clinic_file(verbatim=None)))
    assert ADAPTED in _footer(client, client_a)


def test_the_therapist_reads_the_scores_as_the_adapted_questionnaires(login, therapist_a, client_a):
    response_record(
        client=client_a,
        instrument_id="cnip",
        answers=answers_for("cnip", [-2] * 18),
        source="import",
        idempotency_key="cnip-labelling",
        administered_at=datetime(2026, 2, 9, tzinfo=UTC),
    )
    page = unescape(login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode())
    start = page.index('id="preferences-h"')
    panel = page[start : page.index("</section>", start)]
    assert "Sources: Adapted from Cooper M, Norcross JC (2016)." in re.sub(r"<[^>]+>", "", panel)
    assert "not verified against the published inventory" in panel
    # The score table of the answers says it is not a validated measure.
    series = page[page.index('id="series-cnip"') :]
    assert "not a validated measure" in series[: series.index("</table>")]
