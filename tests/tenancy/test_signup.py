"""Self-service sign-up: a newcomer's account and their own workspace in one step, when enabled."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from abs_platform.tenancy.models import Membership, Tenant
from abs_platform.tenancy.throttling import SignUpIpThrottle
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-unusual-pass-42"


def form(**changes) -> dict:
    return {
        "first_name": "Nora",
        "last_name": "Newcomer",
        "email": "Nora@Initech.com",
        "username": "nora",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "workspace_name": "Initech Sales",
        "currency": "eur",
        "time_zone": "Europe/Berlin",
    } | changes


@pytest.fixture
def signup_enabled(settings):
    settings.SIGNUP_ENABLED = True


@pytest.fixture
def frozen_clock(monkeypatch):
    """DRF's throttles read this clock: Retry-After values are exact."""
    monkeypatch.setattr(SignUpIpThrottle, "timer", lambda self: 1_000_000.0)


def nothing_written():
    return (get_user_model().objects.count(), Tenant.objects.count(), Membership.objects.count())


def test_sign_up_creates_the_owner_and_workspace_and_lands_there_logged_in(client, signup_enabled):
    response = client.post("/signup/", form())

    tenant = Tenant.objects.get()
    user = get_user_model().objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/t/initech-sales/accounts/"
    assert (tenant.name, tenant.slug, tenant.currency, tenant.time_zone) == (
        "Initech Sales",
        "initech-sales",
        "EUR",
        "Europe/Berlin",
    )
    assert (user.username, user.email, user.get_full_name(), user.check_password(PASSWORD)) == (
        "nora",
        "nora@initech.com",
        "Nora Newcomer",
        True,
    )
    assert list(Membership.objects.values_list("tenant__slug", "user__username", "role")) == [
        ("initech-sales", "nora", "owner")
    ]
    page = client.get("/t/initech-sales/accounts/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Welcome to Initech Sales. You are its owner." in text
    assert "Getting started" in text
    assert 'href="/t/initech-sales/accounts/import/"' in text


def test_currency_and_time_zone_default_to_usd_and_utc(client, signup_enabled):
    page = client.get("/signup/")
    fields = page.context["form"].fields
    assert (fields["currency"].initial, fields["time_zone"].initial) == ("USD", "UTC")

    client.post("/signup/", form(currency="USD", time_zone="UTC"))
    assert Tenant.objects.values_list("currency", "time_zone").get() == ("USD", "UTC")


def test_a_taken_workspace_name_gets_a_numbered_address(client, signup_enabled):
    TenantFactory(name="Initech Sales", slug="initech-sales")

    response = client.post("/signup/", form())

    assert response["Location"] == "/t/initech-sales-2/accounts/"
    assert Membership.objects.get(user__username="nora").tenant.slug == "initech-sales-2"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"username": "Taken"}, {"username": ["A user with that username already exists."]}),
        (
            {"email": "TAKEN@example.com"},
            {"email": ["An account with this e-mail address exists already. Log in, or reset your password."]},
        ),
        (
            {"password1": "12345678", "password2": "12345678"},
            {"password2": ["This password is too common.", "This password is entirely numeric."]},
        ),
        ({"password2": "something-else-42"}, {"password2": ["The two password fields didn’t match."]}),
        (
            {"workspace_name": "!!!"},
            {"workspace_name": ["Use at least one letter or digit: the workspace's address is made from it."]},
        ),
        ({"currency": "euro"}, {"currency": ["Ensure this value has at most 3 characters (it has 4)."]}),
        ({"currency": "E1"}, {"currency": ["Use a three-letter ISO 4217 code, e.g. USD."]}),
        (
            {"time_zone": "Mars/Olympus"},
            {"time_zone": ["Select a valid choice. Mars/Olympus is not one of the available choices."]},
        ),
        (
            {"first_name": "", "email": ""},
            {"first_name": ["This field is required."], "email": ["This field is required."]},
        ),
    ],
)
def test_refusals_name_the_field_and_write_nothing(client, signup_enabled, changes, errors):
    UserFactory(username="taken", email="taken@example.com")
    before = nothing_written()

    response = client.post("/signup/", form(**changes))

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert nothing_written() == before
    assert "_auth_user_id" not in client.session


def test_a_workspace_the_service_refuses_rolls_back_the_new_user(client, signup_enabled, monkeypatch):
    """The owner and the workspace are one transaction: a refusal after the user was saved leaves no user."""

    def refuse(**kwargs):
        raise ValidationError({"slug": ["Tenant with this Slug already exists."]})

    monkeypatch.setattr("abs_platform.tenancy.services.tenant_create", refuse)

    response = client.post("/signup/", form())

    assert response.context["form"].errors == {"workspace_name": ["Tenant with this Slug already exists."]}
    assert nothing_written() == (0, 0, 0)


def test_off_by_default_the_page_is_404_and_the_log_in_page_has_no_link(client, settings):
    assert settings.SIGNUP_ENABLED is False
    assert client.get("/signup/").status_code == 404
    assert client.post("/signup/", form()).status_code == 404
    assert nothing_written() == (0, 0, 0)
    assert "/signup/" not in client.get("/auth/login/").content.decode()


def test_when_enabled_the_log_in_page_links_to_it(client, signup_enabled):
    assert '<a href="/signup/">Create your workspace</a>' in client.get("/auth/login/").content.decode()


def test_sign_ups_are_limited_per_client_address(signup_enabled, settings, frozen_clock):
    settings.SIGNUP_THROTTLE_RATE = "3/hour"
    attacker = Client(REMOTE_ADDR="198.51.100.7")
    answers = [attacker.post("/signup/", form(username=f"bot{n}", email=f"bot{n}@example.com")) for n in range(4)]

    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    assert answers[3]["Retry-After"] == "3600"
    assert "Too many attempts" in answers[3].content.decode()
    assert get_user_model().objects.count() == 3
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post("/signup/", form()).status_code == 302


def test_the_new_workspaces_pages_say_what_is_missing(client, signup_enabled):
    client.post("/signup/", form())

    pages = {path: client.get(f"/t/initech-sales/{path}") for path in ("contacts/", "icp/", "personas/", "dashboard/")}
    assert {path: page.status_code for path, page in pages.items()} == dict.fromkeys(pages, 200)
    assert "No ideal customer profile yet." in pages["icp/"].content.decode()
    assert "No target accounts yet." in pages["dashboard/"].content.decode()
    accounts = client.get("/t/initech-sales/accounts/").content.decode()
    assert "Describe your Ideal Customer Profile" in accounts
    assert 'href="/t/initech-sales/settings/members/"' in accounts
