"""Failed sign-ins are counted per client address (core.sign_ins): past FAILED_SIGN_IN_RATE, the address's
attempts are refused, right or wrong, on the login page and through API keys alike."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from core import sign_ins
from tests.clocks import FakeClock
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.usefixtures("three_failures_a_minute", "one_window")


@pytest.fixture
def three_failures_a_minute(settings):
    settings.FAILED_SIGN_IN_RATE = "3/minute"


@pytest.fixture
def one_window(monkeypatch):
    """Counts go by clock minutes: a test that crossed into the next one would start from zero midway."""
    clock = FakeClock(1_000_020.0)
    monkeypatch.setattr(sign_ins.FailedSignIns, "timer", staticmethod(clock))
    yield clock
    assert clock.readings, "the failed sign-ins were not counted by this clock"


def key_client(key, address="203.0.113.7"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def log_in(client, email, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address)


def test_after_three_wrong_keys_even_the_right_key_is_refused_with_429_and_retry_after(api_client):
    for _ in range(3):
        assert key_client("lp_guess_wrong").get("/api/v1/workspace").status_code == 401

    response = key_client(api_client.raw_key).get("/api/v1/workspace")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"].startswith("Too many failed authentications from your address")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error["details"] == {"retry_after": int(response["Retry-After"])}


def test_every_refused_key_counts_as_a_failure_and_accepted_keys_do_not(api_client):
    for _ in range(10):
        assert key_client(api_client.raw_key).get("/api/v1/workspace").status_code == 200
    for _ in range(2):
        assert key_client("Basic-not-a-key").get("/api/v1/workspace").status_code == 401

    assert key_client(api_client.raw_key).get("/api/v1/workspace").status_code == 200
    assert key_client("lp_guess_wrong").get("/api/v1/workspace").status_code == 401
    assert key_client(api_client.raw_key).get("/api/v1/workspace").status_code == 429


def test_other_addresses_are_not_held_back(api_client):
    for _ in range(4):
        key_client("lp_guess_wrong", address="198.51.100.1").get("/api/v1/workspace")

    assert key_client(api_client.raw_key, address="198.51.100.2").get("/api/v1/workspace").status_code == 200


def test_the_address_may_try_again_once_its_failures_leave_the_window(api_client, one_window):
    for _ in range(3):
        key_client("lp_guess_wrong").get("/api/v1/workspace")
    assert key_client(api_client.raw_key).get("/api/v1/workspace").status_code == 429

    one_window.advance(61)

    assert key_client(api_client.raw_key).get("/api/v1/workspace").status_code == 200
    one_window.assert_read_since(1_000_020.0 + 61)


def test_a_forged_forwarded_for_header_does_not_give_a_new_address(api_client):
    for number in range(3):
        client = key_client("lp_guess_wrong")
        client.credentials(
            HTTP_AUTHORIZATION="Bearer lp_guess_wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}"
        )
        assert client.get("/api/v1/workspace").status_code == 401

    forged = key_client(api_client.raw_key)
    forged.credentials(HTTP_AUTHORIZATION=f"Bearer {api_client.raw_key}", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert forged.get("/api/v1/workspace").status_code == 429


def test_after_three_wrong_passwords_the_right_one_is_refused_too(client, owner):
    for _ in range(3):
        response = log_in(client, owner.email, "not-the-password")
        assert "Please enter a correct email and password." in response.text

    response = log_in(client, owner.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert "Too many failed sign-ins from your address. Try again in" in response.text
    assert not response.context["user"].is_authenticated
    assert log_in(client, owner.email, DEFAULT_PASSWORD, address="198.51.100.2").status_code == 302


def test_wrong_keys_and_wrong_passwords_share_the_address_budget(client, owner):
    for _ in range(2):
        key_client("lp_guess_wrong").get("/api/v1/workspace")
    log_in(client, owner.email, "not-the-password")

    response = log_in(client, owner.email, DEFAULT_PASSWORD)

    assert "Too many failed sign-ins" in response.text
    assert not response.context["user"].is_authenticated


def failures_of(address):
    return sign_ins.FailedSignIns(RequestFactory().get("/", REMOTE_ADDR=address))


def test_an_address_far_past_its_limit_stays_refused(api_client, client, owner):
    for _ in range(12):  # as many as parallel guesses can record before any of them is refused
        failures_of("203.0.113.7").record()

    assert key_client(api_client.raw_key).get("/api/v1/workspace").status_code == 429
    assert "Too many failed sign-ins" in log_in(client, owner.email, DEFAULT_PASSWORD).text


def test_password_attempts_in_flight_count_before_their_password_is_checked(db):
    in_flight = [failures_of("203.0.113.7") for _ in range(4)]

    waits = [attempt.take() for attempt in in_flight]

    assert waits[:3] == [None, None, None] and 1 <= waits[3] <= 60
    in_flight[0].forgive()  # the first one was the right password
    assert failures_of("203.0.113.7").take() is not None  # the refused fourth still counts


def test_the_admin_login_counts_and_refuses_like_the_dashboard(client, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save(update_fields=["is_staff", "is_superuser"])
    admin_login = reverse("admin:login")
    for _ in range(3):
        client.post(admin_login, {"username": owner.email, "password": "nope"}, REMOTE_ADDR="203.0.113.7")

    response = client.post(
        admin_login, {"username": owner.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 200
    assert "Too many failed sign-ins from your address" in response.text
    assert "_auth_user_id" not in client.session


def test_wrong_current_passwords_on_the_password_page_count_too(owner):
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(owner)
    data = {"new_password1": "a-much-longer-secret-42", "new_password2": "a-much-longer-secret-42"}
    for _ in range(3):
        response = client.post(reverse("settings_password"), {**data, "old_password": "guess"})
        assert "Your old password was entered incorrectly." in response.text

    response = client.post(reverse("settings_password"), {**data, "old_password": DEFAULT_PASSWORD})

    assert "Too many failed sign-ins from your address" in response.text
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)


def test_an_ipv6_client_counts_for_its_whole_64(api_client):
    for number in range(3):
        key_client("lp_guess_wrong", address=f"2001:db8::{number + 1}").get("/api/v1/workspace")

    assert (
        key_client(api_client.raw_key, address="2001:db8::ffff").get("/api/v1/workspace").status_code == 429
    )
    other_network = key_client(api_client.raw_key, address="2001:db8:0:1::1")
    assert other_network.get("/api/v1/workspace").status_code == 200


def test_sign_ins_are_not_limited_while_the_cache_is_down(client, owner, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("add", "get", "incr"):
        monkeypatch.setattr(cache, name, down)

    response = log_in(client, owner.email, DEFAULT_PASSWORD)

    assert response.status_code == 302
