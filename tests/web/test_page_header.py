"""The page header: main navigation with the current section, the workspace menu (role, other workspaces,
members, API keys for admins only) and the user's menu, every name escaped."""

import re

import pytest

from abs_platform.tenancy.models import Role
from tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def header_of(response) -> str:
    """The top bar, with the whitespace between tags (which the browser ignores) left out."""
    html = response.content.decode()
    header = html[html.index('<header class="topbar">') : html.index("</header>") + len("</header>")]
    return re.sub(r">\s+<", "><", header)


def test_member_header_marks_the_section_and_links_the_other_workspace(client, tenant_a):
    user = UserFactory(username="mia", first_name="Mia <b>", last_name="Lee")
    MembershipFactory(tenant=tenant_a, user=user, role=Role.MEMBER)
    other = TenantFactory(name="Beta & Sons", slug="beta")
    MembershipFactory(tenant=other, user=user, role=Role.VIEWER)
    client.force_login(user)
    header = header_of(client.get("/t/alpha/dashboard/"))
    assert (
        '<nav class="mainnav" id="mainnav" aria-label="Main">'
        '<a href="/t/alpha/my-day/">My day</a><a href="/t/alpha/dashboard/" aria-current="page">Dashboard</a>'
        '<a href="/t/alpha/accounts/">Accounts</a><a href="/t/alpha/contacts/">Contacts</a>'
        '<a href="/t/alpha/icp/">ICP</a>'
        '<a href="/t/alpha/personas/">Personas</a><a href="/t/alpha/teams/">Teams</a>'
        '<a href="/t/alpha/plays/">Plays</a><a href="/t/alpha/planning/">Planning</a>'
        '<a href="/t/alpha/data-health/">Data health</a></nav>'
    ) in header
    assert '<summary title="Switch workspace">Alpha Corp</summary>' in header
    assert '<p class="muted">Your role: Member</p><a href="/t/beta/">Beta &amp; Sons</a>' in header
    assert '<a href="/t/alpha/settings/members/">Members</a>' in header
    assert "API keys" not in header
    assert "<summary>Mia &lt;b&gt; Lee</summary>" in header
    assert "Admin</a>" not in header


def test_admin_header_links_api_keys_and_staff_see_the_admin(client, tenant_a):
    user = UserFactory(username="ada", first_name="", last_name="", is_staff=True)
    MembershipFactory(tenant=tenant_a, user=user, role=Role.ADMIN)
    client.force_login(user)
    header = header_of(client.get("/t/alpha/accounts/"))
    assert '<a href="/t/alpha/accounts/" aria-current="page">Accounts</a>' in header
    assert '<a href="/t/alpha/settings/api-keys/">API keys</a>' in header
    assert "<summary>ada</summary>" in header
    assert '<a href="/admin/">Admin</a>' in header


def test_header_outside_a_workspace_has_no_navigation(client):
    user = UserFactory(username="solo", first_name="", last_name="")
    client.force_login(user)
    header = header_of(client.get("/auth/password_change/"))
    assert "mainnav" not in header
    assert "Switch workspace" not in header
    assert "<summary>solo</summary>" in header
