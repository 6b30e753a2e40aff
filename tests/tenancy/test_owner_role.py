"""Only owners (and platform operators) grant, change or remove the owner role, on every path; a workspace
always keeps an owner."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from abs_platform.tenancy.models import Invitation, Membership, Role, hash_secret
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

OWNER_RULE = "Only owners grant, change or remove the owner role."


def role_of(user, tenant_slug="alpha"):
    return Membership.objects.get(user=user, tenant__slug=tenant_slug).role


def invitation_role_options(html):
    form = html[html.index("Invite someone") :]
    select = form[form.index('name="role"') : form.index("</select>")]
    return re.findall(r'<option value="(\w+)"', select)


@pytest.fixture
def staff(owner_a, admin_a):
    for user in (owner_a, admin_a):
        user.is_staff = True
        user.save()


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


class TestInvitations:
    def test_the_form_offers_the_roles_the_inviter_may_grant(self, client_for, owner_a, admin_a):
        admin_page = client_for(admin_a).get("/t/alpha/settings/members/").content.decode()
        assert invitation_role_options(admin_page) == ["admin", "manager", "member", "viewer"]
        owner_page = client_for(owner_a).get("/t/alpha/settings/members/").content.decode()
        assert invitation_role_options(owner_page) == ["owner", "admin", "manager", "member", "viewer"]

    def test_an_admin_posting_an_owner_invitation_is_refused(self, client_for, admin_a):
        response = client_for(admin_a).post("/t/alpha/settings/members/", {"email": "x@example.com", "role": "owner"})
        assert response.status_code == 403
        assert response.context["form"].errors == {"role": [OWNER_RULE]}
        assert Invitation.objects.count() == 0

    def test_an_owner_invites_an_owner(self, client_for, owner_a):
        response = client_for(owner_a).post("/t/alpha/settings/members/", {"email": "x@example.com", "role": "owner"})
        assert response.status_code == 302
        assert list(Invitation.objects.values_list("email", "role")) == [("x@example.com", "owner")]


class TestAcceptingAnOwnerInvitation:
    def invite(self, tenant, invited_by, email="new@example.com"):
        Invitation.objects.create(
            tenant=tenant,
            email=email,
            role=Role.OWNER,
            hashed_token=hash_secret("the-token"),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=1),
        )
        return "/invitations/the-token/"

    def test_made_by_an_admin_it_grants_nothing_and_creates_no_account(self, client, tenant_a, admin_a):
        path = self.invite(tenant_a, admin_a)
        form = {
            "username": "newbie",
            "first_name": "New",
            "password1": "a-long-pass-42!",
            "password2": "a-long-pass-42!",
        }
        response = client.post(path, form)
        assert response.status_code == 403
        assert "Only owners grant the owner role" in response.content.decode()
        assert not get_user_model().objects.filter(username="newbie").exists()
        assert Invitation.objects.get().accepted_at is None

    def test_made_by_an_owner_since_demoted_it_grants_nothing(self, client_for, tenant_a, owner_a, admin_a):
        MembershipFactory(tenant=tenant_a, user=UserFactory(username="owner_2"), role=Role.OWNER)
        path = self.invite(tenant_a, owner_a, email="joiner@example.com")
        Membership.objects.filter(user=owner_a).update(role=Role.ADMIN)
        joiner = UserFactory(username="joiner", email="joiner@example.com")
        assert client_for(joiner).post(path).status_code == 403
        assert not Membership.objects.filter(user=joiner).exists()

    def test_made_by_an_owner_it_grants_owner(self, client_for, tenant_a, owner_a):
        path = self.invite(tenant_a, owner_a, email="joiner@example.com")
        joiner = UserFactory(username="joiner", email="joiner@example.com")
        response = client_for(joiner).post(path)
        assert (response.status_code, response["Location"]) == (302, "/t/alpha/accounts/")
        assert role_of(joiner) == Role.OWNER


class TestMembersPage:
    def test_an_admin_cannot_make_demote_or_remove_owners(self, client_for, tenant_a, owner_a, admin_a, member_a):
        client = client_for(admin_a)
        member = Membership.objects.get(user=member_a)
        owner = Membership.objects.get(user=owner_a)
        for membership, data in [(member, {"role": "owner"}), (owner, {"role": "admin"}), (owner, {"remove": "1"})]:
            response = client.post(f"/t/alpha/settings/members/{membership.pk}/", data)
            assert response.status_code == 403
            assert OWNER_RULE in response.content.decode()
        assert (role_of(member_a), role_of(owner_a)) == (Role.MEMBER, Role.OWNER)

    def test_an_owner_makes_and_demotes_owners_but_not_the_last(self, client_for, owner_a, member_a):
        client = client_for(owner_a)
        member = Membership.objects.get(user=member_a)
        client.post(f"/t/alpha/settings/members/{member.pk}/", {"role": "owner"})
        assert role_of(member_a) == Role.OWNER
        client.post(f"/t/alpha/settings/members/{member.pk}/", {"role": "viewer"})
        assert role_of(member_a) == Role.VIEWER
        own = Membership.objects.get(user=owner_a)
        response = client.post(f"/t/alpha/settings/members/{own.pk}/", {"remove": "1"}, follow=True)
        assert "A workspace needs at least one owner." in response.content.decode()
        assert role_of(owner_a) == Role.OWNER

    def test_an_admin_sees_no_controls_on_owners(self, client_for, owner_a, admin_a):
        html = client_for(admin_a).get("/t/alpha/settings/members/").content.decode()
        owner = Membership.objects.get(user=owner_a)
        assert f"/t/alpha/settings/members/{owner.pk}/" not in html


def test_the_api_changes_no_roles(api_a, client_for, admin_a, member_a):
    for client, prefix in [(api_a, "/api/v1"), (client_for(admin_a), "/t/alpha/api")]:
        response = client.patch(f"{prefix}/members/{member_a.pk}/", {"role": "owner"}, content_type="application/json")
        assert response.status_code == 405
    assert role_of(member_a) == Role.MEMBER


class TestDjangoAdmin:
    def change(self, client, membership, role):
        return client.post(f"/admin/tenancy/membership/{membership.pk}/change/", {"role": role})

    def test_a_staff_admin_cannot_grant_change_or_remove_owner(self, client_for, staff, tenant_a, owner_a, admin_a):
        client = client_for(admin_a)
        own = Membership.objects.get(user=admin_a)
        owner = Membership.objects.get(user=owner_a)
        refused = self.change(client, own, "owner")
        assert refused.status_code == 200
        assert refused.context["adminform"].form.errors == {"role": [OWNER_RULE]}
        assert self.change(client, owner, "member").context["adminform"].form.errors == {"role": [OWNER_RULE]}
        assert client.post(f"/admin/tenancy/membership/{owner.pk}/delete/", {"post": "yes"}).status_code == 403
        added = client.post(
            "/admin/tenancy/membership/add/", {"tenant": tenant_a.pk, "user": owner_a.pk, "role": "owner"}
        )
        assert added.context["adminform"].form.errors["role"] == [OWNER_RULE]
        assert (role_of(admin_a), role_of(owner_a)) == (Role.ADMIN, Role.OWNER)

    def test_a_staff_admin_changes_other_roles(self, client_for, staff, admin_a, member_a):
        member = Membership.objects.get(user=member_a)
        assert self.change(client_for(admin_a), member, "manager").status_code == 302
        assert role_of(member_a) == Role.MANAGER

    def test_a_staff_owner_makes_an_owner(self, client_for, staff, owner_a, admin_a):
        own = Membership.objects.get(user=admin_a)
        assert self.change(client_for(owner_a), own, "owner").status_code == 302
        assert role_of(admin_a) == Role.OWNER

    def test_the_last_owner_stays_even_for_a_superuser(self, client_for, root, owner_a):
        owner = Membership.objects.get(user=owner_a)
        client = client_for(root)
        refused = self.change(client, owner, "admin")
        assert refused.context["adminform"].form.errors == {"__all__": ["A workspace needs at least one owner."]}
        assert client.post(f"/admin/tenancy/membership/{owner.pk}/delete/", {"post": "yes"}).status_code == 403
        bulk = client.post(
            "/admin/tenancy/membership/",
            {"action": "delete_selected", "_selected_action": [owner.pk], "post": "yes"},
        )
        assert bulk.status_code == 403
        assert role_of(owner_a) == Role.OWNER

    def test_removing_every_owner_at_once_removes_none(self, client_for, root, tenant_a, owner_a, admin_a):
        Membership.objects.filter(user=admin_a).update(role=Role.OWNER)
        owners = list(Membership.objects.filter(tenant=tenant_a).values_list("pk", flat=True))
        response = client_for(root).post(
            "/admin/tenancy/membership/", {"action": "delete_selected", "_selected_action": owners, "post": "yes"}
        )
        assert response.status_code == 403
        assert (role_of(owner_a), role_of(admin_a)) == (Role.OWNER, Role.OWNER)

    def test_a_superuser_makes_an_owner(self, client_for, root, owner_a, admin_a):
        assert self.change(client_for(root), Membership.objects.get(user=admin_a), "owner").status_code == 302
        assert role_of(admin_a) == Role.OWNER

    def test_the_workspace_page_lists_members_without_changing_them(self, client_for, staff, tenant_a, admin_a):
        own = Membership.objects.get(user=admin_a)
        response = client_for(admin_a).post(
            f"/admin/tenancy/tenant/{tenant_a.pk}/change/",
            {
                "name": "Alpha Corp",
                "slug": "alpha",
                "currency": "USD",
                "time_zone": "UTC",
                "is_active": "on",
                "memberships-TOTAL_FORMS": "1",
                "memberships-INITIAL_FORMS": "1",
                "memberships-0-id": own.pk,
                "memberships-0-tenant": tenant_a.pk,
                "memberships-0-user": admin_a.pk,
                "memberships-0-role": "owner",
            },
        )
        assert response.status_code == 302
        assert role_of(admin_a) == Role.ADMIN
