"""Brute-force limits: log-in lockouts (site and admin), password-reset and API-key rates."""

import pytest
from django.core import mail
from django.test import Client

from abs_platform.tenancy.throttling import ApiKeyRateThrottle, PasswordResetEmailThrottle, PasswordResetIpThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct-horse-battery"


def log_in(client, username, password, path="/auth/login/"):
    return client.post(path, {"username": username, "password": password})


@pytest.fixture
def frozen_clock(monkeypatch):
    """DRF's throttles read this clock: Retry-After values are exact."""
    for throttle in (ApiKeyRateThrottle, PasswordResetIpThrottle, PasswordResetEmailThrottle):
        monkeypatch.setattr(throttle, "timer", lambda self: 1_000_000.0)


def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(client, member_a):
    refused = [log_in(client, "member_a", f"guess-{n}").status_code for n in range(40)]
    assert refused == [200] * 9 + [429] * 31
    locked = log_in(client, "member_a", RIGHT)
    assert (locked.status_code, locked["Retry-After"]) == (429, "900")
    assert "Too many attempts" in locked.content.decode()
    assert client.get("/t/alpha/accounts/")["Location"] == "/auth/login/?next=/t/alpha/accounts/"


def test_a_locked_account_stays_locked_from_another_address(client, member_a):
    for n in range(10):
        log_in(client, "member_a", f"guess-{n}")
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert log_in(elsewhere, "member_a", RIGHT).status_code == 429


def test_an_address_guessing_many_accounts_is_locked_out_for_all_of_them(member_a):
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(10):
        assert log_in(attacker, f"user-{n}", "guess").status_code in (200, 429)
    assert log_in(attacker, "member_a", RIGHT).status_code == 429
    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "member_a", RIGHT).status_code == 302


def test_forty_wrong_admin_passwords_then_the_right_one_does_not_log_in(client):
    UserFactory(username="ops", is_staff=True, is_superuser=True)
    for n in range(40):
        log_in(client, "ops", f"guess-{n}", path="/admin/login/")
    locked = log_in(client, "ops", RIGHT, path="/admin/login/")
    assert (locked.status_code, locked["Retry-After"]) == (429, "900")
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


def test_a_few_wrong_passwords_do_not_stop_the_right_one(client, member_a):
    for n in range(9):
        log_in(client, "member_a", f"guess-{n}")
    assert log_in(client, "member_a", RIGHT).status_code == 302


def test_password_reset_is_limited_per_email_address(member_a, frozen_clock):
    answers = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post("/auth/password_reset/", {"email": "Member_A@example.com "})
        for n in range(6)
    ]
    assert [answer.status_code for answer in answers] == [302] * 5 + [429]
    assert answers[-1]["Retry-After"] == "3600"
    assert len(mail.outbox) == 5


def test_password_reset_is_limited_per_client_address(member_a, frozen_clock):
    client = Client(REMOTE_ADDR="198.51.100.7")
    answers = [client.post("/auth/password_reset/", {"email": f"someone-{n}@example.com"}) for n in range(5)]
    assert [answer.status_code for answer in answers] == [302] * 5
    refused = client.post("/auth/password_reset/", {"email": "member_a@example.com"})
    assert (refused.status_code, refused["Retry-After"]) == (429, "3600")
    assert len(mail.outbox) == 0


def test_behind_a_trusted_proxy_the_forwarded_address_counts(member_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        Client(REMOTE_ADDR="10.0.0.1").post(
            "/auth/login/", {"username": f"user-{n}", "password": "x"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
        )
    via_proxy = Client(REMOTE_ADDR="10.0.0.1")
    forwarded = {"HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert via_proxy.post("/auth/login/", {"username": "member_a", "password": RIGHT}, **forwarded).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert via_proxy.post("/auth/login/", {"username": "member_a", "password": RIGHT}, **other).status_code == 302


def test_an_api_key_over_its_rate_gets_429_and_other_keys_do_not(api_a, api_b, settings, frozen_clock):
    settings.API_KEY_THROTTLE_RATE = "3/minute"
    assert [api_a.get("/api/v1/accounts/").status_code for _ in range(3)] == [200, 200, 200]
    refused = api_a.get("/api/v1/accounts/")
    assert (refused.status_code, refused["Retry-After"], refused.json()) == (
        429,
        "60",
        {"detail": "Request was throttled. Expected available in 60 seconds."},
    )
    assert api_b.get("/api/v1/accounts/").status_code == 200


def test_the_dashboard_is_not_counted_against_api_keys(client_for, member_a, api_a, settings):
    settings.API_KEY_THROTTLE_RATE = "1/minute"
    member = client_for(member_a)
    assert [member.get("/t/alpha/api/accounts/").status_code for _ in range(3)] == [200, 200, 200]
    assert api_a.get("/api/v1/accounts/").status_code == 200


def test_an_empty_rate_turns_the_api_limit_off(api_a, settings):
    settings.API_KEY_THROTTLE_RATE = None
    assert {api_a.get("/api/v1/accounts/").status_code for _ in range(5)} == {200}
