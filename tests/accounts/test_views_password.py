"""Settings → Your password: a signed-in user changes their password."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "a-much-longer-secret-42"


@pytest.fixture
def signed_in(owner):
    client = Client()
    assert (
        client.post(reverse("login"), {"username": owner.email, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )
    return client


def change(client, old, new1, new2=None):
    data = {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    return client.post(reverse("settings_password"), data, follow=True)


def test_the_settings_menu_leads_to_the_password_page(signed_in):
    page = signed_in.get(reverse("settings_workspace")).content.decode()

    assert f'href="{reverse("settings_password")}"' in page
    assert "Your password" in signed_in.get(reverse("settings_password")).content.decode()


def test_changing_the_password_keeps_this_session_and_ends_the_others(signed_in, owner):
    elsewhere = Client()
    elsewhere.force_login(owner)

    response = change(signed_in, DEFAULT_PASSWORD, NEW_PASSWORD)

    assert "Your password is changed." in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert signed_in.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302  # sent to log in


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("not-the-password", NEW_PASSWORD, NEW_PASSWORD, "Your old password was entered incorrectly."),
        (DEFAULT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn"),
        (DEFAULT_PASSWORD, "short", "short", "This password is too short."),
    ],
)
def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(
    signed_in, owner, old, new1, new2, message
):
    response = change(signed_in, old, new1, new2)

    assert message in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)


def test_the_page_wants_a_signed_in_user(client, db):
    response = client.get(reverse("settings_password"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
