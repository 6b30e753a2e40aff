import io

import pytest
from django.core.management import call_command

from abs_platform.tenancy.models import Tenant
from accounts.demo import DEMO_PASSWORD
from teams import selectors, services
from teams.models import Team
from tests.conftest import as_tenant

pytestmark = pytest.mark.django_db


def test_demo_teams_show_staffing_at_the_seeds_ratio_and_a_role_gap():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # idempotent
    with as_tenant(Tenant.objects.get(slug="northwind")):
        teams = {team.name: team for team in selectors.team_list()}
        assert sorted(teams) == ["Financial services", "Mid-market", "Scale programme", "Strategic accounts"]
        assert all(team.accounts_count > 0 for team in teams.values())
        olivia = {member.team.name for member in selectors.team_member_list().filter(user__username="olivia")}
        assert olivia == {"Financial services", "Strategic accounts"}
        staffing = selectors.staffing(services.staffing_settings())
        assert (len(staffing.account_executives), len(staffing.sdrs), str(staffing.aes_per_sdr)) == (5, 2, "2.5")
        gaps = list(selectors.team_gaps())
        missing = selectors.missing_roles(gaps)
        assert any(missing[gap.pk] == ["marketer"] for gap in gaps)
    with as_tenant(Tenant.objects.get(slug="globex-europe")):
        assert list(Team.objects.values_list("name", flat=True)) == ["Key accounts"]


def test_demo_colleagues_log_in_with_the_demo_password_and_the_sdrs_land_on_the_sdr_home(client):
    call_command("load_demo", stdout=io.StringIO())
    for username in ("noah", "lena", "omar", "ravi", "tara"):
        response = client.post("/auth/login/", {"username": username, "password": DEMO_PASSWORD})
        assert (response.status_code, username) == (302, username)
    response = client.get("/t/northwind/dashboard/")
    assert response.status_code == 200
    assert response.context["view"] == "sdr"
