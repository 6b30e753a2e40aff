"""The account list's tier, fit and coverage filters, sort by fit, bulk actions and saved views."""

from datetime import date

import pytest

from abs_platform.tenancy.models import Role
from accounts.models import Account, SavedView
from personas.coverage import coverage_recount
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    MembershipFactory,
    TierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(tenant_a):
    """Tier 1 needs one current contact of persona P: Acme has one, Borealis none, Cobalt has no tier."""
    tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    requirement = CommitteeRequirementFactory(tenant=tenant_a, tier=tier)
    acme = AccountFactory(tenant=tenant_a, name="Acme", fit_score=90, tier=tier)
    borealis = AccountFactory(tenant=tenant_a, name="Borealis", fit_score=55, tier=tier)
    AccountFactory(tenant=tenant_a, name="Cobalt", fit_score=None)
    ContactFactory(tenant=tenant_a, account=acme, persona=requirement.persona, last_verified_on=date.today())
    with as_tenant(tenant_a):
        coverage_recount()  # the factories wrote past the services' events
    return {"tier": tier, "acme": acme, "borealis": borealis}


def listed(api, query=""):
    return [row["name"] for row in api.get(f"/api/v1/accounts/{query}").json()["results"]]


class TestFiltersAndSort:
    def test_rows_carry_fit_tier_and_coverage(self, api_a, programme):
        rows = {row["name"]: row for row in api_a.get("/api/v1/accounts/").json()["results"]}
        assert {
            name: (r["fit_score"], r["tier_name"], r["coverage_percent"], r["coverage_gaps"])
            for name, r in rows.items()
        } == {
            "Acme": (90, "Tier 1", 100, 0),
            "Borealis": (55, "Tier 1", 0, 1),
            "Cobalt": (None, "", None, 0),
        }

    def test_filters(self, api_a, programme):
        tier = programme["tier"].pk
        assert listed(api_a, f"?tier={tier}&ordering=name") == ["Acme", "Borealis"]
        assert listed(api_a, "?no_tier=true") == ["Cobalt"]
        assert listed(api_a, "?fit_min=60") == ["Acme"]
        assert listed(api_a, "?fit_max=60") == ["Borealis"]
        assert listed(api_a, "?has_gaps=true") == ["Borealis"]
        assert listed(api_a, "?has_gaps=false&tier=" + str(tier)) == ["Acme"]
        assert listed(api_a, "?has_gaps=false") == ["Acme"]  # Cobalt has nothing required: neither
        assert listed(api_a, "?coverage_max=50") == ["Borealis"]

    def test_bad_filter_values_name_the_field(self, api_a, programme):
        response = api_a.get("/api/v1/accounts/?fit_min=abc")
        assert response.status_code == 400
        assert response.json() == {"fit_min": ["Enter a number."]}

    def test_sort_by_fit_puts_unscored_last_and_pages_through_all(self, api_a, programme):
        assert listed(api_a, "?ordering=-fit_sort") == ["Acme", "Borealis", "Cobalt"]
        seen, url = [], "/api/v1/accounts/?ordering=-fit_sort&page_size=1"
        while url:
            page = api_a.get(url).json()
            seen += [row["name"] for row in page["results"]]
            url = page["next"]
        assert seen == ["Acme", "Borealis", "Cobalt"]

    def test_page_prefills_filters_from_the_query_string(self, client_for, member_a, programme):
        html = client_for(member_a).get("/t/alpha/accounts/?has_gaps=true&fit_min=40").content.decode()
        assert '<option value="true" selected>With gaps</option>' in html
        assert 'name="fit_min" min="0" max="100" value="40"' in html


class TestBulkActions:
    def test_mark_and_assign_owner_all_recorded_in_history(self, api_a, tenant_a, owner_a, programme):
        ids = [programme["acme"].pk, programme["borealis"].pk]
        response = api_a.post("/api/v1/accounts/bulk/", {"ids": ids, "action": "unmark_target"}, format="json")
        assert (response.status_code, response.json()) == (200, {"updated": 2})
        response = api_a.post(
            "/api/v1/accounts/bulk/", {"ids": ids, "action": "assign_owner", "owner": owner_a.pk}, format="json"
        )
        assert response.json() == {"updated": 2}
        with as_tenant(tenant_a):
            rows = list(Account.objects.filter(pk__in=ids).order_by("name").values_list("name", "is_target", "owner"))
            assert rows == [("Acme", False, owner_a.pk), ("Borealis", False, owner_a.pk)]
            assert programme["acme"].history.count() == 3

    def test_set_tier_needs_a_reason_and_an_admin(self, client_for, admin_a, member_a, tenant_a, programme):
        tier2 = TierFactory(tenant=tenant_a, rank=2, name="Tier 2")
        body = {"ids": [programme["acme"].pk], "action": "set_tier", "tier": tier2.pk}
        member = client_for(member_a)
        assert member.post("/t/alpha/api/accounts/bulk/", {**body, "reason": "x"}).status_code == 403
        admin = client_for(admin_a)
        missing = admin.post("/t/alpha/api/accounts/bulk/", body)
        assert missing.status_code == 400
        assert missing.json() == {"reason": ["Say why these accounts belong in another tier than suggested."]}
        done = admin.post("/t/alpha/api/accounts/bulk/", {**body, "reason": "Strategic logo"}, HTTP_HX_REQUEST="true")
        assert done.status_code == 200
        assert "1 account updated." in done.content.decode()
        with as_tenant(tenant_a):
            acme = Account.objects.get(pk=programme["acme"].pk)
        assert (acme.tier_id, acme.tier_override_reason) == (tier2.pk, "Strategic logo")

    def test_foreign_or_unknown_ids_change_nothing(self, api_a, tenant_b, programme):
        foreign = AccountFactory(tenant=tenant_b, name="Bravo")
        ids = [programme["acme"].pk, foreign.pk, 999999]
        response = api_a.post("/api/v1/accounts/bulk/", {"ids": ids, "action": "unmark_target"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"ids": [f"No account with id {foreign.pk}, 999999 in this workspace."]}
        assert listed(api_a, "?is_target=false") == []

    def test_read_only_key_and_viewer_cannot(self, api_a_read, client_for, viewer_a, programme):
        body = {"ids": [programme["acme"].pk], "action": "unmark_target"}
        assert api_a_read.post("/api/v1/accounts/bulk/", body, format="json").status_code == 403
        assert client_for(viewer_a).post("/t/alpha/api/accounts/bulk/", body).status_code == 403


class TestSavedViews:
    def test_save_list_and_share(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        response = client.post(
            "/t/alpha/api/saved-views/",
            {"name": "Gaps in tier 1", "query": "has_gaps=true&tier=3&bogus=1&search=", "is_shared": "true"},
        )
        assert response.status_code == 201
        assert response.json()["query"] == "has_gaps=true&tier=3"
        assert response.json()["url"] == "/t/alpha/accounts/?has_gaps=true&tier=3"
        colleague = UserFactory(username="colleague")
        MembershipFactory(tenant=tenant_a, user=colleague, role=Role.MEMBER)
        other = client_for(colleague)
        assert [v["name"] for v in other.get("/t/alpha/api/saved-views/").json()["results"]] == ["Gaps in tier 1"]
        view_id = response.json()["id"]
        assert other.delete(f"/t/alpha/api/saved-views/{view_id}/").status_code == 404
        with as_tenant(tenant_a):
            assert SavedView.objects.filter(pk=view_id).exists()

    def test_private_views_stay_private_and_names_are_unique_per_user(self, client_for, member_a, viewer_a):
        client_for(viewer_a).post("/t/alpha/api/saved-views/", {"name": "Mine", "query": "status=customer"})
        mine = client_for(member_a)
        assert mine.get("/t/alpha/api/saved-views/").json()["results"] == []
        assert mine.post("/t/alpha/api/saved-views/", {"name": "Mine"}).status_code == 201
        again = mine.post("/t/alpha/api/saved-views/", {"name": "Mine"})
        assert again.json() == {"name": ["You already have a saved view with this name."]}

    def test_other_workspace_cannot_see_them(self, client_for, member_a, member_b, api_b):
        created = client_for(member_a).post("/t/alpha/api/saved-views/", {"name": "A", "is_shared": "true"}).json()
        assert api_b.get(f"/api/v1/saved-views/{created['id']}/").status_code == 404
        assert api_b.get("/api/v1/saved-views/").json()["results"] == []
