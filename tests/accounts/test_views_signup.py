import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role, User, Workspace
from accounts.selectors import memberships_for_user
from tests.factories import DEFAULT_PASSWORD, UserFactory

STRONG_PASSWORD = "plum-orchard-lantern-42"


def sign_up(client, **overrides):
    data = {
        "email": "ada@example.com",
        "full_name": "Ada Lovelace",
        "workspace_name": "Analytical Engines",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    } | overrides
    return client.post(reverse("signup"), data, follow=True)


def test_sign_up_creates_the_user_a_workspace_they_own_and_lands_on_home(client, db):
    response = sign_up(client)

    user = User.objects.get(email="ada@example.com")
    assert user.full_name == "Ada Lovelace"
    assert user.check_password(STRONG_PASSWORD)
    [membership] = memberships_for_user(user)
    assert membership.workspace.name == "Analytical Engines"
    assert membership.role == Role.OWNER
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == user
    assert response.context["current_workspace"] == membership.workspace
    assert "Analytical Engines" in response.text


@pytest.mark.parametrize("email", ["taken@example.com", "Taken@Example.COM", "  taken@example.com  "])
def test_sign_up_with_an_email_already_registered_in_any_case_or_spacing_is_refused_and_creates_nothing(
    client, db, email
):
    UserFactory(email="taken@example.com")

    response = sign_up(client, email=email)

    assert response.status_code == 200
    assert "An account with this email already exists." in response.text
    assert response.context["form"].errors["email"] == ["Already registered."]
    assert User.objects.count() == 1
    assert not Workspace.objects.exists()
    assert not response.context["user"].is_authenticated


@pytest.mark.parametrize("password", ["short", "1234567890123", "password123"])
def test_sign_up_with_a_weak_password_is_refused_with_the_reason_and_creates_nothing(client, db, password):
    response = sign_up(client, password1=password, password2=password)

    assert "Choose a stronger password." in response.text
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists()
    assert not Workspace.objects.exists()
    assert not Membership.all_workspaces.exists()


def test_sign_up_with_two_different_passwords_is_refused(client, db):
    response = sign_up(client, password2="something-else-entirely")

    assert response.context["form"].errors["password2"] == ["The two passwords differ."]
    assert not User.objects.exists()


def test_a_user_logs_in_with_their_email_in_any_case_and_logs_out(client, owner):
    response = client.post(
        reverse("login"), {"username": owner.email.upper(), "password": DEFAULT_PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == owner

    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert not response.context["user"].is_authenticated
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_does_not_log_in(client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": "not-the-password"})

    assert response.status_code == 200
    assert "Please enter a correct email and password." in response.text
    assert not response.context["user"].is_authenticated


def test_logging_out_takes_a_post(client, owner):
    client.force_login(owner)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    "url_name",
    ["home", "contacts", "campaigns", "imports", "leadfinder", "settings_workspace", "settings_api_keys"],
)
def test_dashboard_pages_send_anonymous_visitors_to_log_in(client, db, url_name):
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_password_reset_emails_a_link_that_sets_a_new_password(client, owner):
    response = client.post(reverse("password_reset"), {"email": owner.email.upper()}, follow=True)

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    [email] = mail.outbox
    assert email.to == [owner.email]
    link = re.search(r"http://testserver(/password-reset/\S+/)", email.body).group(1)
    response = client.get(link, follow=True)
    assert "Choose a new password" in response.text
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url,
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("password_reset_complete"), 302)]
    assert authenticate(username=owner.email, password="a-brand-new-passphrase") == owner
    assert "This link no longer works" in client.get(link, follow=True).text


def test_password_reset_for_an_unknown_email_sends_nothing_and_looks_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert mail.outbox == []
