"""A weak initial password on the new-user page is reported next to the password field,
in the same round as the page's other errors (it came alone, untied to any field, and
only once every other error was fixed)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from rapport.accounts import services
from rapport.accounts.models import User

TOO_SHORT = "This password is too short. It must contain at least 12 characters."


def _password_input(html: str) -> str:
    [tag] = re.findall(r'<input[^>]*name="password"[^>]*>', html)
    return tag


def _field_errors(html: str, field: str) -> str:
    match = re.search(rf'<div id="id_{field}_error">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.django_db
def test_a_short_password_is_an_error_of_the_password_field(login, admin_user):
    client = login(admin_user)
    response = client.post(
        "/manage/users/new/",
        {"email": "new.person@test.invalid", "role": "therapist", "password": "short"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert TOO_SHORT in _field_errors(html, "password")
    tag = _password_input(html)
    assert 'aria-invalid="true"' in tag
    assert "id_password_error" in tag
    # The summary names the field and links to it.
    assert f'<a href="#id_password">Initial password</a>: {TOO_SHORT}' in _summary(html)
    assert not User.objects.filter(email="new.person@test.invalid").exists()


@pytest.mark.django_db
def test_a_taken_email_and_a_short_password_are_reported_together(login, admin_user):
    client = login(admin_user)
    response = client.post(
        "/manage/users/new/",
        {"email": admin_user.email.upper(), "role": "therapist", "password": "short"},
    )
    html = response.content.decode()
    assert "A user with this email address already exists." in _field_errors(html, "email")
    assert TOO_SHORT in _field_errors(html, "password")
    assert User.objects.filter(email__iexact=admin_user.email).count() == 1


@pytest.mark.django_db
def test_a_password_like_the_new_users_email_is_refused_on_the_field(login, admin_user):
    client = login(admin_user)
    response = client.post(
        "/manage/users/new/",
        {"email": "riverbank.lane@test.invalid", "role": "therapist", "password": "riverbank.lane"},
    )
    assert "too similar to the email" in _field_errors(response.content.decode(), "password")


@pytest.mark.django_db
def test_a_good_password_sent_back_for_another_error_says_to_type_it_again(login, admin_user):
    client = login(admin_user)
    response = client.post(
        "/manage/users/new/",
        {"email": "not-an-address", "role": "therapist", "password": "a-long-enough-passphrase"},
    )
    html = response.content.decode()
    assert "Enter a valid email address." in _field_errors(html, "email")
    assert "Type it again: a password is not shown back on the page." in html


@pytest.mark.django_db
def test_the_services_still_refuse_a_weak_password_on_the_password_field(admin_user, therapist_a):
    with pytest.raises(ValidationError) as created:
        services.user_create(
            actor=admin_user,
            clinic=admin_user.clinic,
            email="someone.else@test.invalid",
            role="therapist",
            password="short",
        )
    assert created.value.message_dict == {"password": [TOO_SHORT]}
    with pytest.raises(ValidationError) as set_:
        services.user_set_password(actor=admin_user, user=therapist_a, password="short")
    assert set_.value.message_dict == {"password": [TOO_SHORT]}
