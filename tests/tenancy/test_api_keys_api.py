"""API keys through the API: admins and owners list, create (the secret once) and revoke; keys never mint keys."""

import pytest

from abs_platform.tenancy.models import ApiKey
from tests.conftest import make_api_client

pytestmark = pytest.mark.django_db

KEYS = "/t/alpha/api/api-keys/"


def test_an_admin_creates_a_key_shown_once_that_works_then_lists_it_without_the_secret(client_for, admin_a):
    client = client_for(admin_a)

    created = client.post(KEYS, {"name": "CRM sync", "scope": "read_write"}, content_type="application/json")

    body = created.json()
    api_key = ApiKey.objects.get()
    assert created.status_code == 201
    assert body == {
        "id": api_key.pk,
        "name": "CRM sync",
        "prefix": api_key.prefix,
        "scope": "read_write",
        "expires_at": None,
        "is_active": True,
        "created_at": body["created_at"],
        "created_by": "admin_a",
        "last_used_at": None,
        "revoked_at": None,
        "revoked_by": None,
        "key": body["key"],
    }
    assert body["key"].startswith(f"abs_{api_key.prefix}_")
    works = client_for(admin_a).get("/api/v1/accounts/", HTTP_AUTHORIZATION=f"Api-Key {body['key']}")
    assert works.status_code == 200

    listed = client.get(KEYS)
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()] == ["CRM sync"]
    assert "key" not in listed.json()[0]
    assert body["key"] not in listed.content.decode()
    assert body["key"] not in client.get(f"{KEYS}{api_key.pk}/").content.decode()


def test_revoking_stops_the_key_at_once_and_records_who(client_for, admin_a, owner_a, tenant_a):
    api = make_api_client(tenant_a, created_by=owner_a)
    api_key = ApiKey.objects.get()
    assert api.get("/api/v1/accounts/").status_code == 200

    revoked = client_for(admin_a).delete(f"{KEYS}{api_key.pk}/")

    assert revoked.status_code == 204
    assert api.get("/api/v1/accounts/").status_code == 401
    row = client_for(admin_a).get(f"{KEYS}{api_key.pk}/").json()
    assert (row["is_active"], row["revoked_by"], row["created_by"]) == (False, "admin_a", "owner_a")
    assert row["revoked_at"] is not None
    assert client_for(admin_a).delete(f"{KEYS}{api_key.pk}/").status_code == 204  # again: no change
    assert ApiKey.objects.get().revoked_by == admin_a


def test_the_audit_history_names_who_created_and_who_revoked(client_for, admin_a, owner_a):
    created = client_for(admin_a).post(KEYS, {"name": "Feed"}, content_type="application/json").json()
    client_for(owner_a).delete(f"{KEYS}{created['id']}/")

    history = ApiKey.history.filter(id=created["id"]).order_by("history_date")
    assert [(record.history_type, record.history_user.username) for record in history] == [
        ("+", "admin_a"),
        ("~", "owner_a"),
    ]


@pytest.mark.parametrize("role_fixture", ["member_a", "viewer_a"])
def test_members_and_viewers_are_refused_naming_the_role_needed(request, client_for, role_fixture, admin_a, tenant_a):
    user = request.getfixturevalue(role_fixture)
    role = role_fixture.removesuffix("_a")
    make_api_client(tenant_a, created_by=admin_a)
    api_key = ApiKey.objects.get()
    client = client_for(user)
    expected = {"detail": f"Managing API keys needs the admin or owner role; your role in this workspace is {role}."}

    answers = [
        client.get(KEYS),
        client.post(KEYS, {"name": "Mine"}, content_type="application/json"),
        client.delete(f"{KEYS}{api_key.pk}/"),
    ]

    assert [(answer.status_code, answer.json()) for answer in answers] == [(403, expected)] * 3
    assert (ApiKey.objects.count(), ApiKey.objects.get().revoked_at) == (1, None)


@pytest.mark.parametrize("scope", ["read", "read_write"])
def test_a_key_lists_keys_but_never_creates_or_revokes_one(tenant_a, owner_a, scope):
    api = make_api_client(tenant_a, scope=scope, created_by=owner_a)
    api_key = ApiKey.objects.get()
    refused = {
        "detail": "An API key cannot create or revoke API keys. A workspace admin or owner does so, logged in: "
        "workspace menu → API keys."
    }

    listed = api.get("/api/v1/api-keys/")
    created = api.post("/api/v1/api-keys/", {"name": "Minted", "scope": "read_write"}, format="json")
    revoked = api.delete(f"/api/v1/api-keys/{api_key.pk}/")

    assert (listed.status_code, [row["prefix"] for row in listed.json()]) == (200, [api_key.prefix])
    assert (created.status_code, created.json()) == (403, refused)
    assert (revoked.status_code, revoked.json()) == (403, refused)
    assert (ApiKey.objects.count(), ApiKey.objects.get().revoked_at) == (1, None)


def test_a_key_made_by_a_member_may_not_list_keys(tenant_a, member_a):
    api = make_api_client(tenant_a, created_by=member_a)
    listed = api.get("/api/v1/api-keys/")
    assert (listed.status_code, listed.json()) == (
        403,
        {"detail": "Listing API keys needs a key created by a workspace admin or owner."},
    )


def test_bad_input_names_the_field_and_creates_nothing(client_for, owner_a):
    client = client_for(owner_a)
    answers = [
        client.post(KEYS, body, content_type="application/json")
        for body in (
            {"scope": "admin"},
            {"name": "Old", "expires_at": "2020-01-01T00:00:00Z"},
            {"name": "Sneaky", "prefix": "deadbeef", "created_by": 1, "hashed_key": "x"},
        )
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [
        (400, {"name": ["This field is required."], "scope": ['"admin" is not a valid choice.']}),
        (400, {"expires_at": ["The expiry must be in the future."]}),
        (400, {"hashed_key": ["Unknown field. Send only: name, scope, expires_at."]}),
    ]
    assert ApiKey.objects.count() == 0


def test_another_workspaces_key_is_not_found(client_for, admin_a, tenant_b, member_b):
    make_api_client(tenant_b, created_by=member_b)
    foreign = ApiKey.objects.get()
    assert client_for(admin_a).delete(f"{KEYS}{foreign.pk}/").status_code == 404
    assert client_for(admin_a).get(KEYS).json() == []
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_the_keys_page_shows_who_created_and_who_revoked(client_for, admin_a, owner_a, tenant_a):
    make_api_client(tenant_a, created_by=owner_a)
    client = client_for(admin_a)
    client.delete(f"{KEYS}{ApiKey.objects.get().pk}/")

    text = client.get("/t/alpha/settings/api-keys/").content.decode()

    assert " by owner_a</td>" in text
    assert "revoked by admin_a" in text
