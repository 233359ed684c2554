"""Staff forms say what is wrong in Rapport's words, check a phone number can be dialled, and
list languages by name (staff review findings 12, 13 and 18).

Django's defaults read "Ensure this value is greater than or equal to 1900."; a phone of
"+44 20 7946 0958 0000 1111" (too many digits to dial) was kept; the language lists ran by
ISO code (Arabic, Bengali, German, English, Spanish, Persian, French...).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import timezone

from rapport.clinic.models import Appointment, Client, Episode, Phase

pytestmark = pytest.mark.django_db

DJANGO_WORDS = ("Ensure this value", "Enter a whole number.")


def errors(page: str) -> list[str]:
    """The messages shown next to fields."""
    return [
        unescape(re.sub(r"<[^>]+>", "", m)).strip()
        for m in re.findall(r'<div id="id_\w+_error">\s*<p class="error">(.*?)</p>', page, re.S)
    ]


# --- birth year, session length (12) ----------------------------------------------------


@pytest.mark.parametrize("year", ["1850", "3000", "nineteen"])
def test_a_birth_year_out_of_range_is_refused_in_our_words(login, therapist_a, year):
    response = login(therapist_a).post(
        "/clients/new/", {"display_name": "Pat Year", "birth_year": year, "form_key": "y1"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    this_year = timezone.localdate().year
    expected = (
        "Enter the birth year as four digits, such as 1985."
        if year == "nineteen"
        else f"Enter a birth year from 1900 to {this_year}."
    )
    assert errors(page) == [expected]
    assert not any(words in page for words in DJANGO_WORDS)
    assert not Client.objects.exists()


@pytest.fixture
def open_episode(client_a):
    return Episode.objects.create(
        client=client_a,
        started_on=timezone.localdate() - timezone.timedelta(days=30),
        phase=Phase.ESTABLISHING,
    )


@pytest.mark.parametrize("minutes", ["0", "4", "481", "5000"])
def test_a_session_length_out_of_range_is_refused_in_our_words(
    login, therapist_a, open_episode, minutes
):
    before = Appointment.objects.count()
    starts = (timezone.localtime() + timezone.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    response = login(therapist_a).post(
        f"/episodes/{open_episode.pk}/appointments/new/",
        {"starts_at": starts, "modality": "in_person", "duration_minutes": minutes},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert errors(page) == ["A session lasts 5 to 480 minutes: enter a length in that range."]
    assert not any(words in page for words in DJANGO_WORDS)
    assert Appointment.objects.count() == before


def test_a_guidance_priority_out_of_range_is_refused_in_our_words(login, admin_user):
    response = login(admin_user).post("/manage/guidance/new/", {"priority": "101"})
    page = response.content.decode()
    assert "Enter the priority as a whole number from 0 to 100." in errors(page)
    assert not any(words in page for words in DJANGO_WORDS)


def test_a_capacity_of_none_is_refused_in_our_words(login, therapist_a):
    response = login(therapist_a).post("/referrals/profile/", {"capacity": "0"})
    page = response.content.decode()
    assert "Enter a whole number of clients from 1 to 500, or leave it empty." in errors(page)
    assert not any(words in page for words in DJANGO_WORDS)


# --- phone (13) --------------------------------------------------------------------------

PHONE_MESSAGE = (
    "Enter a phone number of 6 to 15 digits, as you would dial it: digits, spaces, brackets, "
    "dashes or dots, and + in front for an international number, such as +44 20 7946 0958 or "
    "(0161) 496-0000."
)


@pytest.mark.parametrize(
    "phone",
    [
        "abc",
        "12345",
        "0161 496 0000 ext 12",
        "+44 20 7946 0958 0000 1111",  # 20 digits: more than any number dialled
        "0161+4960000",  # a plus that is not in front
        "1" * 80,
    ],
)
def test_a_phone_that_cannot_be_dialled_is_refused_on_edit(login, therapist_a, client_a, phone):
    response = login(therapist_a).post(
        f"/clients/{client_a.pk}/edit/", {"display_name": client_a.display_name, "phone": phone}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert errors(page) == [PHONE_MESSAGE]
    client_a.refresh_from_db()
    assert client_a.phone == ""


def test_a_bad_phone_is_said_with_the_forms_other_problems(login, therapist_a):
    response = login(therapist_a).post(
        "/clients/new/", {"display_name": "Pat", "birth_year": "1850", "phone": "abc"}
    )
    assert errors(response.content.decode()) == [
        f"Enter a birth year from 1900 to {timezone.localdate().year}.",
        PHONE_MESSAGE,
    ]


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "(0161) 496-0000",
        "+1 (555) 010-0199",
        "+49 30 901820",
        "06 12 34 56 78",
        "+353.1.234.5678",
        "+86 138 0013 8000",
    ],
)
def test_the_formats_a_clinic_types_are_kept(login, therapist_a, client_a, phone):
    response = login(therapist_a).post(
        f"/clients/{client_a.pk}/edit/", {"display_name": client_a.display_name, "phone": phone}
    )
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.phone == phone


# --- languages by name (18) ---------------------------------------------------------------


def shown_languages(page: str, name: str) -> list[str]:
    if name == "language":  # a select
        block = re.search(r'<select name="language".*?</select>', page, re.S)[0]
        return [unescape(t) for t in re.findall(r"<option [^>]*>([^<]*)</option>", block)]
    return [
        unescape(t).strip()
        for t in re.findall(
            rf'<input type="checkbox" name="{name}"[^>]*>\s*([^<]*)</label>', page, re.S
        )
    ]


def test_the_profiles_languages_are_listed_by_name(login, therapist_a):
    page = login(therapist_a).get("/referrals/profile/").content.decode()
    languages = shown_languages(page, "languages")
    assert languages[:5] == ["Arabic", "Bengali", "British Sign Language", "Chinese", "Dutch"]
    assert languages == sorted(languages, key=str.casefold) and len(languages) == 20


def test_a_clients_needed_language_is_chosen_from_a_list_by_name(login, therapist_a, client_a):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/referral/").content.decode()
    languages = shown_languages(page, "language")
    assert languages[0] == "None needed"
    assert languages[1:4] == ["Arabic", "Bengali", "British Sign Language"]
    assert languages[1:] == sorted(languages[1:], key=str.casefold) and len(languages) == 21
