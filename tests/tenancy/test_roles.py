import pytest
from django.core import mail

from abs_platform.tenancy.models import Invitation, Membership, Role
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def account_count(tenant):
    with as_tenant(tenant):
        return Account.objects.count()


def test_viewer_reads_but_cannot_write(client_for, viewer_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Alpha Target")
    client = client_for(viewer_a)
    assert client.get("/t/alpha/accounts/").status_code == 200
    assert client.get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").status_code == 200
    assert client.post("/t/alpha/api/accounts/", {"name": "New"}).status_code == 403
    assert (
        client.patch(f"/t/alpha/api/accounts/{account.pk}/", {"name": "X"}, content_type="application/json").status_code
        == 403
    )
    assert client.delete(f"/t/alpha/api/accounts/{account.pk}/").status_code == 403
    assert account_count(tenant_a) == 1


def test_viewer_sees_no_edit_controls(client_for, viewer_a, tenant_a):
    AccountFactory(tenant=tenant_a, name="Alpha Target")
    client = client_for(viewer_a)
    assert "New account" not in client.get("/t/alpha/accounts/").content.decode()
    rows = client.get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
    assert "Alpha Target" in rows
    assert "hx-delete" not in rows


def test_member_edits_accounts(client_for, member_a, tenant_a):
    client = client_for(member_a)
    response = client.post("/t/alpha/api/accounts/", {"name": "New", "status": "prospect"})
    assert response.status_code == 201
    assert account_count(tenant_a) == 1


def test_member_cannot_manage_keys_or_people(client_for, member_a, tenant_a):
    client = client_for(member_a)
    assert client.get("/t/alpha/settings/api-keys/").status_code == 403
    assert client.post("/t/alpha/settings/api-keys/", {"name": "k", "scope": "read"}).status_code == 403
    assert client.post("/t/alpha/settings/members/", {"email": "x@example.com", "role": "admin"}).status_code == 403
    membership = Membership.objects.get(user=member_a)
    assert client.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "owner"}).status_code == 403
    assert Membership.objects.get(user=member_a).role == Role.MEMBER
    assert Invitation.objects.count() == 0


def test_admin_changes_a_role_but_cannot_make_owners(client_for, admin_a, member_a):
    client = client_for(admin_a)
    membership = Membership.objects.get(user=member_a)
    client.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "manager"})
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER
    assert client.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "owner"}).status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == Role.MANAGER


def test_the_last_owner_cannot_be_demoted_or_removed(client_for, owner_a):
    client = client_for(owner_a)
    membership = Membership.objects.get(user=owner_a)
    response = client.post(f"/t/alpha/settings/members/{membership.pk}/", {"role": "member"}, follow=True)
    assert "A workspace needs at least one owner." in response.content.decode()
    client.post(f"/t/alpha/settings/members/{membership.pk}/", {"remove": "1", "role": "owner"})
    assert Membership.objects.get(pk=membership.pk).role == Role.OWNER


def test_non_member_gets_404_and_anonymous_is_sent_to_log_in(client, client_for, tenant_a):
    response = client.get("/t/alpha/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/auth/login/?next=/t/alpha/accounts/"
    outsider = UserFactory(username="outsider")
    assert client_for(outsider).get("/t/alpha/accounts/").status_code == 404


class TestInvitations:
    def test_invite_new_person_who_signs_up_and_joins_with_the_role(
        self, client, client_for, admin_a, tenant_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(admin_a).post(
                "/t/alpha/settings/members/", {"email": "New@Example.com", "role": "viewer"}
            )
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["new@example.com"]
        link = next(word for word in mail.outbox[0].body.split() if "/invitations/" in word)
        client.logout()
        path = link.split("testserver", 1)[1]
        signup = client.post(
            path,
            {
                "username": "newbie",
                "first_name": "New",
                "last_name": "Person",
                "password1": "a-long-unusual-pass-42",
                "password2": "a-long-unusual-pass-42",
            },
        )
        assert signup.status_code == 302
        assert signup["Location"] == "/t/alpha/accounts/"
        membership = Membership.objects.get(user__username="newbie")
        assert (membership.tenant, membership.role, membership.user.email) == (tenant_a, Role.VIEWER, "new@example.com")
        assert client.get(path).status_code == 404

    def test_existing_member_cannot_be_invited_twice(self, client_for, admin_a, member_a):
        response = client_for(admin_a).post("/t/alpha/settings/members/", {"email": member_a.email, "role": "admin"})
        assert response.status_code == 200
        assert response.context["form"].errors == {"email": ["This person is already a member of the workspace."]}
        assert Invitation.objects.count() == 0

    def test_invitation_for_someone_else_is_refused(
        self, client_for, admin_a, member_b, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            client_for(admin_a).post("/t/alpha/settings/members/", {"email": "someone@example.com", "role": "member"})
        link = next(word for word in mail.outbox[0].body.split() if "/invitations/" in word)
        path = link.split("testserver", 1)[1]
        client = client_for(member_b)
        assert client.post(path).status_code == 403
        assert not Membership.objects.filter(user=member_b, tenant__slug="alpha").exists()
