import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.tenancy.models import Role
from teams.models import Team, TeamAccount, TeamMember, TeamRole
from tests.conftest import _member, as_tenant
from tests.factories import AccountFactory, ContactFactory, PersonaFactory, TierFactory

from .factories import PlayStepFactory, PlayTemplateFactory


@pytest.fixture
def sales(tenant_a, member_a):
    """Acme (Tier 1) covered by a team with an AE (member_a, Ann Lee) and an SDR; three contacts, two of them in
    the audience of a two-step play (e-mail by the AE on day 0, call by the SDR on day 2)."""
    member_a.first_name, member_a.last_name = "Ann", "Lee"
    member_a.save()
    sdr = _member(tenant_a, Role.MEMBER, "sid")
    sdr.first_name, sdr.last_name = "Sid", "Roe"
    sdr.save()
    tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    finance = PersonaFactory(tenant=tenant_a, name="Finance leader")
    acme = AccountFactory(tenant=tenant_a, name="Acme", tier=tier)
    carla = ContactFactory(
        tenant=tenant_a,
        account=acme,
        first_name="Carla",
        last_name="Diaz",
        persona=finance,
        buying_role="economic_buyer",
    )
    dan = ContactFactory(tenant=tenant_a, account=acme, first_name="Dan", last_name="Ek", buying_role="champion")
    ContactFactory(tenant=tenant_a, account=acme, first_name="Eve", last_name="Fox", buying_role="end_user")
    with as_tenant(tenant_a):
        team = Team.objects.create(name="Strategic")
        TeamAccount.objects.create(team=team, account=acme)
        TeamMember.objects.create(team=team, user=member_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        TeamMember.objects.create(team=team, user=sdr, role=TeamRole.SDR)
    template = PlayTemplateFactory(
        tenant=tenant_a, name="Land", buying_roles=["economic_buyer", "champion"], skip_weekends=True
    )
    PlayStepFactory(
        tenant=tenant_a,
        template=template,
        position=1,
        name="Intro e-mail",
        day_offset=0,
        channel="email",
        team_role=TeamRole.ACCOUNT_EXECUTIVE,
        message="Hi {{ contact.first_name }}, {{ sender.full_name }} here about {{ account.name }}.",
    )
    PlayStepFactory(
        tenant=tenant_a,
        template=template,
        position=2,
        name="Call",
        day_offset=2,
        channel="phone",
        team_role=TeamRole.SDR,
    )
    return {"acme": acme, "carla": carla, "dan": dan, "ae": member_a, "sdr": sdr, "template": template, "tier": tier}


def queries(client, url) -> int:
    """Queries of the app's own tables in a second read: the access cache (shared, and cleared by tests running
    beside this one) may add its own reads of sessions and members to any request."""
    client.get(url, HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    return len([query for query in captured.captured_queries if re.search(APP_TABLES, query["sql"])])


APP_TABLES = r'"(plays|tasks|teams|accounts|personas|icp)_'
