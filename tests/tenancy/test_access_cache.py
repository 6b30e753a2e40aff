"""API keys and memberships are cached (tenancy/caching.py); every change to them must still apply at once."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from abs_platform.tenancy.models import ApiKey, Membership, Role, Tenant
from tests.factories import AccountFactory


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_key_in_use_stops_working_as_soon_as_it_is_revoked(admin_a, api_a, tenant_a):
    AccountFactory(tenant=tenant_a)
    assert api_a.get("/api/v1/accounts/").status_code == 200
    api_key = ApiKey.objects.get()
    assert logged_in(admin_a).post(f"/t/alpha/settings/api-keys/{api_key.pk}/revoke/").status_code == 302
    rejected = api_a.get("/api/v1/accounts/")
    assert rejected.status_code == 401
    assert rejected.json() == {"detail": "Invalid, expired or revoked API key."}


def test_a_key_in_use_stops_working_when_its_expiry_passes(api_a):
    assert api_a.get("/api/v1/accounts/").status_code == 200
    api_key = ApiKey.objects.get()
    api_key.expires_at = api_key.created_at
    api_key.save()
    assert api_a.get("/api/v1/accounts/").status_code == 401


def test_deactivating_a_workspace_locks_out_its_keys_and_members_at_once(api_a, member_a, tenant_a):
    member = logged_in(member_a)
    assert api_a.get("/api/v1/accounts/").status_code == 200
    assert member.get("/t/alpha/accounts/").status_code == 200
    operator = get_user_model().objects.create_superuser("operator", "operator@example.com", "pw")
    response = logged_in(operator).post(
        "/admin/tenancy/tenant/", {"action": "deactivate", "_selected_action": [tenant_a.pk]}
    )
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant_a.pk).is_active is False
    assert api_a.get("/api/v1/accounts/").status_code == 401
    assert member.get("/t/alpha/accounts/").status_code == 404


def test_a_removed_member_loses_the_workspace_at_once(admin_a, member_a):
    member = logged_in(member_a)
    assert member.get("/t/alpha/accounts/").status_code == 200
    membership = Membership.objects.get(user=member_a)
    logged_in(admin_a).post(f"/t/alpha/settings/members/{membership.pk}/", {"remove": "1", "role": "member"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert member.get("/t/alpha/accounts/").status_code == 404


def test_a_promoted_viewer_may_write_at_once(admin_a, viewer_a, tenant_a):
    viewer = logged_in(viewer_a)
    refused = viewer.post("/t/alpha/api/accounts/", {"name": "Early"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    membership = Membership.objects.get(user=viewer_a)
    logged_in(admin_a).post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "member"})
    assert Membership.objects.get(pk=membership.pk).role == Role.MEMBER
    created = viewer.post("/t/alpha/api/accounts/", {"name": "Now allowed"}, HTTP_HX_REQUEST="true")
    assert created.status_code == 201


def test_a_deactivated_user_is_logged_out_at_once(member_a):
    member = logged_in(member_a)
    assert member.get("/t/alpha/accounts/").status_code == 200
    member_a.is_active = False
    member_a.save()
    response = member.get("/t/alpha/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/auth/login/?next=/t/alpha/accounts/"


def test_a_password_change_elsewhere_ends_other_sessions(member_a):
    member = logged_in(member_a)
    assert member.get("/t/alpha/accounts/").status_code == 200
    member_a.set_password("a-new-long-password-2026")
    member_a.save()
    assert member.get("/t/alpha/accounts/").status_code == 302


def test_header_links_follow_the_workspace(member_a, tenant_b):
    from tests.factories import MembershipFactory

    MembershipFactory(tenant=tenant_b, user=member_a, role=Role.MEMBER)
    member = logged_in(member_a)
    for slug in ("alpha", "bravo", "alpha"):
        html = member.get(f"/t/{slug}/dashboard/").content.decode()
        for page in ("accounts", "contacts", "icp", "personas", "dashboard", "settings/members"):
            assert f'href="/t/{slug}/{page}/"' in html
        assert 'href="/auth/password_change/"' in html
        assert 'action="/auth/logout/"' in html


def test_a_key_stops_when_its_creator_leaves_the_workspace(owner_a, admin_a, api_a, tenant_a):
    assert api_a.get("/api/v1/accounts/").status_code == 200
    membership = Membership.objects.get(user=owner_a)
    membership.role = Role.MEMBER  # the last owner cannot be removed; admin_a removes a member
    membership.save()
    logged_in(admin_a).post(f"/t/alpha/settings/members/{membership.pk}/", {"remove": "1", "role": "member"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    rejected = api_a.get("/api/v1/accounts/")
    assert rejected.status_code == 401
    assert rejected.json() == {"detail": "Invalid, expired or revoked API key."}


def test_a_key_stops_when_its_creator_is_deactivated(owner_a, api_a):
    assert api_a.get("/api/v1/accounts/").status_code == 200
    owner_a.is_active = False
    owner_a.save()
    assert api_a.get("/api/v1/accounts/").status_code == 401


def test_an_api_request_reads_the_shared_cache_once(api_a, monkeypatch):
    """The key comes with whether its creator is still a member: one round trip to the cache, not two
    (the rate throttle's counter is the only other read)."""
    from django.core.cache import caches

    assert api_a.get("/api/v1/accounts/").status_code == 200  # fills the cache
    backend, reads = caches["default"], []
    for name in ("get", "get_many"):
        original = getattr(backend, name)
        monkeypatch.setattr(
            backend,
            name,
            lambda key, *args, _read=original, _name=name, **kw: (
                reads.append(_name if "throttle_" not in str(key) else "throttle"),
                _read(key, *args, **kw),
            )[1],
        )
    assert api_a.get("/api/v1/accounts/").status_code == 200
    assert reads == ["get", "throttle"]


def test_a_session_missing_from_the_cache_is_read_from_the_database(member_a):
    from django.core.cache import cache

    member = logged_in(member_a)
    assert member.get("/t/alpha/accounts/").status_code == 200
    cache.clear()
    assert member.get("/t/alpha/accounts/").status_code == 200
    assert member.get("/t/alpha/accounts/").status_code == 200


def test_a_key_writes_with_no_more_than_its_creators_current_role(owner_a, admin_a, tenant_a):
    """A read-write key made by an admin who is later made a member writes what a member may, at once."""
    from tests.conftest import make_api_client

    api = make_api_client(tenant_a, created_by=admin_a)
    assert api.post("/api/v1/technologies/", {"name": "CRM Suite"}, format="json").status_code == 201
    membership = Membership.objects.get(user=admin_a)
    owner = logged_in(owner_a)
    assert owner.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "member"}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.MEMBER
    refused = api.post("/api/v1/technologies/", {"name": "Billing Hub"}, format="json")
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "The member who created this API key may no longer do this."},
    )
    assert api.post("/api/v1/accounts/", {"name": "Member-level write"}, format="json").status_code == 201
    assert owner.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "admin"}).status_code == 302
    assert api.post("/api/v1/technologies/", {"name": "Billing Hub"}, format="json").status_code == 201


@pytest.fixture
def take_cache_down(monkeypatch):
    """``take_cache_down()``: the shared cache unreachable from then on (every call raises, as django-redis does
    when Redis is down)."""
    from django.core.cache import caches

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    def take_down():
        backend = caches["default"]
        for name in ("get", "get_many", "set", "has_key", "delete", "delete_many", "add"):
            monkeypatch.setattr(backend, name, unreachable)

    return take_down


def test_with_the_cache_down_pages_and_api_calls_read_the_database(
    client, member_a, api_a, tenant_a, take_cache_down, caplog
):
    AccountFactory(tenant=tenant_a, name="Acme", industry="Software")
    take_cache_down()
    signed_in = client.post("/auth/login/", {"username": "member_a", "password": "correct-horse-battery"})
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")
    for path in ("/t/alpha/accounts/", "/t/alpha/contacts/", "/t/alpha/dashboard/", "/t/alpha/personas/"):
        assert client.get(path).status_code == 200, path
    listed = api_a.get("/api/v1/accounts/")
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Acme"]
    assert "Cache unreachable" in caplog.text


def test_with_the_cache_down_a_change_that_must_drop_cached_access_fails_and_changes_nothing(
    owner_a, member_a, take_cache_down
):
    """Removing a member must drop their cached memberships; if it cannot, the removal is rolled back rather
    than leave the member a stale grant for when the cache comes back."""
    membership = Membership.objects.get(user=member_a)
    owner = logged_in(owner_a)
    assert owner.get("/t/alpha/settings/members/").status_code == 200
    take_cache_down()
    assert owner.get("/t/alpha/settings/members/").status_code == 200
    with pytest.raises(ConnectionError):
        owner.post(f"/t/alpha/settings/members/{membership.pk}/", {"remove": "1", "role": "member"})
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_with_the_cache_down_a_log_out_fails_with_the_session_intact(client, member_a, take_cache_down, monkeypatch):
    """Removing the session from the database but not from the cache would sign the cookie in again once the
    cache is back: the log-out fails instead, and works once the cache is reachable."""
    client.force_login(member_a)
    assert client.get("/t/alpha/accounts/").status_code == 200
    from django.contrib.sessions.models import Session

    session_key = client.session.session_key
    take_cache_down()
    with pytest.raises(ConnectionError):
        client.post("/auth/logout/")
    assert Session.objects.filter(session_key=session_key).exists()
    monkeypatch.undo()
    assert client.get("/t/alpha/accounts/").status_code == 200
    assert client.post("/auth/logout/").status_code == 302
    assert client.get("/t/alpha/accounts/").status_code == 302


def test_with_the_cache_down_creating_or_revoking_an_api_key_fails_and_changes_nothing(
    owner_a, tenant_a, take_cache_down
):
    """A new key's hash must not be cached as unknown, a revoked one as valid: both are refused whole."""
    owner = logged_in(owner_a)
    key = ApiKey.objects.create(tenant=tenant_a, name="Old", prefix="old12345", hashed_key="x" * 64)
    take_cache_down()
    with pytest.raises(ConnectionError):
        owner.post("/t/alpha/settings/api-keys/", {"name": "CRM sync", "scope": "read_write"})
    with pytest.raises(ConnectionError):
        owner.post(f"/t/alpha/settings/api-keys/{key.pk}/revoke/")
    assert list(ApiKey.objects.filter(tenant=tenant_a).values_list("name", "revoked_at")) == [("Old", None)]


def test_with_the_cache_down_a_refused_change_answers_503_with_retry_after_and_nothing_changed(
    owner_a, member_a, tenant_a, take_cache_down
):
    """What a browser and an integrator see of the refusals above: "try again", not "server error"."""
    browser = Client(raise_request_exception=False)
    browser.force_login(owner_a)
    membership = Membership.objects.get(user=member_a)
    take_cache_down()

    page = browser.post("/t/alpha/settings/api-keys/", {"name": "CRM sync", "scope": "read_write"})
    removal = browser.post(f"/t/alpha/settings/members/{membership.pk}/", {"remove": "1", "role": "member"})

    message = "A service this request needs is unavailable for a moment; nothing was changed. Try again shortly."
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert "<h1>Unavailable for a moment</h1>" in page.text and message in page.text
    assert (removal.status_code, removal["Retry-After"]) == (503, "30")
    assert list(ApiKey.objects.filter(tenant=tenant_a).values_list("name", flat=True)) == []
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_api_request_failing_on_an_unreachable_service_answers_json_503(api_a, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from accounts.api.accounts import AccountViewSet

    def down(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(AccountViewSet, "list", down)
    api_a.raise_request_exception = False

    response = api_a.get("/api/v1/accounts/")

    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert response.json() == {
        "detail": "A service this request needs is unavailable for a moment; nothing was changed. Try again shortly."
    }


@pytest.mark.django_db(transaction=True)
def test_a_cache_lost_during_a_change_does_not_turn_the_committed_change_into_a_server_error(
    owner_a, member_a, monkeypatch, caplog
):
    """The cache answers while the change runs and is gone at its commit: the change stands and answers as
    usual, the failed second drop is logged."""
    from django.core.cache import caches
    from django.db import connection

    backend = caches["default"]
    delete = backend.delete

    def gone_after_the_commit(*args, **kwargs):
        if not connection.in_atomic_block:
            raise ConnectionError("Redis is down")
        return delete(*args, **kwargs)

    membership = Membership.objects.get(user=member_a)
    owner = logged_in(owner_a)
    monkeypatch.setattr(backend, "delete", gone_after_the_commit)
    changed = owner.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "viewer"})
    assert changed.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER
    assert "Redis is down" in caplog.text
