"""The ICP API and pages: JSON and htmx from one code path, roles, isolation, query budgets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from icp import services
from icp.models import Criterion, IdealCustomerProfile, SignOff, Tier
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    CriterionFactory,
    IcpFactory,
    OpportunityFactory,
    SignOffFactory,
    TechnologyFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft_a(tenant_a):
    return IcpFactory(tenant=tenant_a, version=1)


class TestTiersApi:
    def test_list_creates_defaults(self, api_a_read):
        response = api_a_read.get("/api/v1/tiers/")
        assert response.status_code == 200
        assert [(row["name"], row["rank"], row["capacity"], row["account_count"]) for row in response.json()] == [
            ("Tier 1", 1, 50, 0),
            ("Tier 2", 2, 200, 0),
            ("Tier 3", 3, None, 0),
        ]

    def test_admin_edits_capacity_and_sees_warning(self, client_for, admin_a, tenant_a):
        with as_tenant(tenant_a):
            tier1 = services.tiers_ensure_defaults()[0]
        for index in range(3):
            account = AccountFactory(tenant=tenant_a, fit_score=90 - index)
            with as_tenant(tenant_a):
                Account.objects.filter(pk=account.pk).update(tier=tier1)
        client = client_for(admin_a)
        response = client.patch(f"/t/alpha/api/tiers/{tier1.pk}/", {"capacity": 2}, content_type="application/json")
        assert response.status_code == 200
        assert (response.json()["capacity"], response.json()["over_by"]) == (2, 1)
        html = client.get("/t/alpha/api/tiers/", **HX).content.decode()
        assert "Over capacity by 1" in html

    def test_rank_is_unique(self, api_a, tenant_a):
        api_a.get("/api/v1/tiers/")
        response = api_a.post(
            "/api/v1/tiers/", {"name": "Dup", "rank": 2, "engagement_model": "one_to_few"}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"rank": ["Another tier already has rank 2."]}


class TestIcpApi:
    def test_create_activate_and_read_only(self, api_a, tenant_a, django_capture_on_commit_callbacks):
        created = api_a.post("/api/v1/icps/", {"name": "Core"}, format="json")
        assert created.status_code == 201
        icp_id = created.json()["id"]
        assert (created.json()["version"], created.json()["editable"], created.json()["is_active"]) == (1, True, False)
        criterion = api_a.post(
            "/api/v1/criteria/",
            {"icp": icp_id, "kind": "employees", "params": {"min": 200}, "weight": 40, "must_have": True},
            format="json",
        )
        assert criterion.status_code == 201
        assert criterion.json()["label"] == "Employees ≥ 200"
        assert criterion.json()["params"] == {"min": 200, "max": None}
        with django_capture_on_commit_callbacks() as callbacks:
            activated = api_a.post(f"/api/v1/icps/{icp_id}/activate/")
        assert activated.status_code == 200
        assert activated.json()["is_active"] is True and activated.json()["job"] is not None
        assert len(callbacks) == 1
        second = api_a.post("/api/v1/icps/", {}, format="json").json()
        assert (second["version"], second["name"], second["criteria_count"]) == (2, "Core", 1)
        api_a.post(f"/api/v1/icps/{second['id']}/activate/")
        refused = api_a.patch(f"/api/v1/icps/{icp_id}/", {"name": "Edited"}, format="json")
        assert refused.status_code == 400
        message = "ICP version 1 is a previous version and read-only; create a new version to change it."
        assert refused.json() == {"non_field_errors": [message]}
        crit_id = criterion.json()["id"]
        assert api_a.patch(f"/api/v1/criteria/{crit_id}/", {"weight": 5}, format="json").json() == {
            "non_field_errors": [message]
        }
        assert api_a.delete(f"/api/v1/criteria/{crit_id}/").json() == {"non_field_errors": [message]}
        with as_tenant(tenant_a):
            assert Criterion.objects.get(pk=crit_id).weight == 40

    def test_a_full_criterion_update_without_weight_or_params_keeps_them(self, api_a, draft_a):
        """Weight 10 and empty params are defaults for a new criterion only; a PUT that leaves them out keeps
        the criterion's own."""
        created = api_a.post(
            "/api/v1/criteria/",
            {"icp": draft_a.pk, "kind": "employees", "params": {"min": 200}, "weight": 40},
            format="json",
        ).json()
        response = api_a.put(
            f"/api/v1/criteria/{created['id']}/",
            {"icp": draft_a.pk, "kind": "employees", "must_have": True},
            format="json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["weight"], body["params"], body["must_have"], body["label"]) == (
            40,
            {"min": 200, "max": None},
            True,
            "Employees ≥ 200",
        )
        defaults = api_a.post("/api/v1/criteria/", {"icp": draft_a.pk, "kind": "existing_customer"}, format="json")
        assert defaults.status_code == 201, defaults.json()
        assert (defaults.json()["weight"], defaults.json()["params"]) == (10, {})

    def test_activate_empty_version_is_refused(self, api_a, draft_a):
        response = api_a.post(f"/api/v1/icps/{draft_a.pk}/activate/")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Add at least one criterion before activating this version."]}

    def test_bad_criteria_params(self, api_a, draft_a, tenant_b):
        foreign = TechnologyFactory(tenant=tenant_b)
        cases = [
            (
                {"kind": "industry", "params": {"values": "Software"}},
                {"params": ["Give “values”: a non-empty list of industries."]},
            ),
            (
                {"kind": "technology", "params": {"mode": "any", "technology_ids": [foreign.pk]}},
                {"params": [f"No technology with id {foreign.pk} in this workspace."]},
            ),
            (
                {"kind": "industry", "params": {"values": ["X"]}, "weight": 101},
                {"weight": ["Ensure this value is less than or equal to 100."]},
            ),
            ({"kind": "galaxy", "params": {}}, {"kind": ['"galaxy" is not a valid choice.']}),
        ]
        for body, errors in cases:
            response = api_a.post("/api/v1/criteria/", {"icp": draft_a.pk, "weight": 10, **body}, format="json")
            assert (response.status_code, response.json()) == (400, errors)

    def test_preview_json(self, api_a, api_a_read, tenant_a, draft_a):
        CriterionFactory(tenant=tenant_a, icp=draft_a, kind="industry", params={"values": ["Software"]}, weight=10)
        AccountFactory(tenant=tenant_a, industry="Software")
        AccountFactory(tenant=tenant_a, industry="Retail")
        saved = api_a_read.get(f"/api/v1/icps/{draft_a.pk}/preview/").json()
        assert (saved["targets"], saved["matching"], saved["threshold"]) == (2, 1, 50)
        assert [bucket["count"] for bucket in saved["buckets"]] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        # posting draft criteria is a POST: read-only keys use GET (the version's own criteria)
        assert api_a_read.post(f"/api/v1/icps/{draft_a.pk}/preview/", {}, format="json").status_code == 403
        posted = api_a.post(
            f"/api/v1/icps/{draft_a.pk}/preview/",
            {"criteria": [{"kind": "industry", "params": {"values": ["Software", "Retail"]}, "weight": 5}]},
            format="json",
        )
        assert posted.status_code == 200
        assert posted.json()["matching"] == 2
        bad = api_a.post(
            f"/api/v1/icps/{draft_a.pk}/preview/",
            {"criteria": [{"kind": "employees", "params": {}, "weight": 5}]},
            format="json",
        )
        assert bad.json() == {"criteria": {"0": {"params": ["Give “min”, “max” or both."]}}}


class TestSignOffsAndOverrides:
    def test_sign_off_and_missing_departments(self, client_for, admin_a, draft_a):
        client = client_for(admin_a)
        response = client.post(
            "/t/alpha/api/sign-offs/", {"icp": draft_a.pk, "department": "finance", "note": "OK"}, **HX
        )
        assert response.status_code == 201
        html = client.get(f"/t/alpha/api/sign-offs/?icp={draft_a.pk}", **HX).content.decode()
        assert "Finance" in html
        assert (
            "Not signed off yet:</strong> Sales, Sales development, Marketing, Customer success, Sales operations."
            in html
        )
        again = client.post("/t/alpha/api/sign-offs/", {"icp": draft_a.pk, "department": "finance"}, **HX)
        assert again.status_code == 400
        assert "This department has already signed off this version." in again.content.decode()

    def test_changing_a_signed_off_versions_criteria_withdraws_its_sign_offs(
        self, client_for, admin_a, api_a, tenant_a
    ):
        active = IcpFactory(tenant=tenant_a, version=1, is_active=True)
        criterion = CriterionFactory(tenant=tenant_a, icp=active, kind="industry", params={"values": ["Software"]})
        for department in ("sales", "finance"):
            SignOffFactory(tenant=tenant_a, icp=active, department=department)
        client = client_for(admin_a)
        warning = client.get(f"/t/alpha/api/criteria/?icp={active.pk}", **HX).content.decode()

        response = api_a.patch(f"/api/v1/criteria/{criterion.pk}/", {"weight": 30}, format="json")

        assert (
            '<p class="warning" id="criteria-signed-off">2 departments signed off these criteria: adding, changing '
            "or removing one withdraws those sign-offs, and every fit score is recomputed.</p>"
        ) in warning
        assert response.status_code == 200
        assert api_a.get(f"/api/v1/sign-offs/?icp={active.pk}").json() == []
        html = client.get(f"/t/alpha/api/sign-offs/?icp={active.pk}", **HX).content.decode()
        assert (
            "Not signed off yet:</strong> Sales, Sales development, Marketing, Customer success, Finance, "
            "Sales operations." in html
        )

    def test_tier_override(self, api_a, tenant_a):
        account = AccountFactory(tenant=tenant_a, name="Acme")
        tiers = api_a.get("/api/v1/tiers/").json()
        missing = api_a.post("/api/v1/tier-overrides/", {"account": account.pk, "tier": tiers[0]["id"]}, format="json")
        assert missing.json() == {"reason": ["This field is required."]}
        blank = api_a.post(
            "/api/v1/tier-overrides/", {"account": account.pk, "tier": tiers[0]["id"], "reason": " "}, format="json"
        )
        assert blank.json() == {"reason": ["Say why this account belongs in another tier than suggested."]}
        done = api_a.post(
            "/api/v1/tier-overrides/",
            {"account": account.pk, "tier": tiers[0]["id"], "reason": "Strategic logo"},
            format="json",
        )
        assert done.status_code == 201
        assert done.json() == {
            "id": account.pk,
            "name": "Acme",
            "tier": tiers[0]["id"],
            "suggested_tier": None,
            "fit_score": None,
            "reason": "Strategic logo",
        }
        assert [row["name"] for row in api_a.get("/api/v1/tier-overrides/").json()["results"]] == ["Acme"]
        assert api_a.delete(f"/api/v1/tier-overrides/{account.pk}/").status_code == 204
        with as_tenant(tenant_a):
            fresh = Account.objects.get(pk=account.pk)
        assert (fresh.tier_id, fresh.tier_override_reason) == (None, "")


# ---------------------------------------------------------------- roles


@pytest.fixture
def objects_a(tenant_a):
    with as_tenant(tenant_a):
        tier = services.tiers_ensure_defaults()[0]
    icp = IcpFactory(tenant=tenant_a, version=1)
    criterion = CriterionFactory(tenant=tenant_a, icp=icp)
    sign_off = SignOffFactory(tenant=tenant_a, icp=icp)
    account = AccountFactory(tenant=tenant_a)
    return {"tier": tier, "icp": icp, "criterion": criterion, "sign_off": sign_off, "account": account}


def writes(objects):
    icp, tier, account = objects["icp"].pk, objects["tier"].pk, objects["account"].pk
    return [
        ("post", "tiers/", {"name": "Tier 4", "rank": 4, "engagement_model": "one_to_many"}),
        ("patch", f"tiers/{tier}/", {"capacity": 10}),
        ("delete", f"tiers/{tier}/", None),
        ("post", "icps/", {"name": "New"}),
        ("patch", f"icps/{icp}/", {"name": "Renamed"}),
        ("post", f"icps/{icp}/activate/", None),
        ("post", "sign-offs/", {"icp": icp, "department": "marketing"}),
        ("delete", f"sign-offs/{objects['sign_off'].pk}/", None),
        ("post", "criteria/", {"icp": icp, "kind": "existing_customer", "params": {}, "weight": 5}),
        ("patch", f"criteria/{objects['criterion'].pk}/", {"weight": 50}),
        ("delete", f"criteria/{objects['criterion'].pk}/", None),
        ("post", "tier-overrides/", {"account": account, "tier": tier, "reason": "Because"}),
        ("delete", f"tier-overrides/{account}/", None),
    ]


def state(tenant):
    with as_tenant(tenant):
        return (
            list(Tier.objects.values_list("name", "capacity").order_by("rank")),
            list(IdealCustomerProfile.objects.values_list("name", "is_active")),
            list(Criterion.objects.values_list("weight", flat=True)),
            SignOff.objects.count(),
            list(Account.objects.values_list("tier_id", "tier_override_reason")),
        )


@pytest.mark.parametrize("role", ["viewer_a", "member_a"])
def test_viewers_and_members_cannot_change_icp_or_tiers(request, client_for, tenant_a, objects_a, role):
    client = client_for(request.getfixturevalue(role))
    before = state(tenant_a)
    for method, path, body in writes(objects_a):
        response = getattr(client, method)(f"/t/alpha/api/{path}", body, content_type="application/json")
        assert response.status_code == 403, (method, path)
    assert state(tenant_a) == before
    # … but they read everything, and may preview
    for path in [
        "tiers/",
        "icps/",
        "criteria/",
        "sign-offs/",
        "tier-overrides/",
        f"icps/{objects_a['icp'].pk}/preview/",
    ]:
        assert client.get(f"/t/alpha/api/{path}").status_code == 200, path
    assert (
        client.post(
            f"/t/alpha/api/icps/{objects_a['icp'].pk}/preview/", {}, content_type="application/json"
        ).status_code
        == 200
    )


def test_read_only_key_cannot_write(api_a_read, objects_a, tenant_a):
    before = state(tenant_a)
    for method, path, body in writes(objects_a):
        assert getattr(api_a_read, method)(f"/api/v1/{path}", body, format="json").status_code == 403
    assert state(tenant_a) == before


def test_admin_can_write(client_for, admin_a, objects_a):
    client = client_for(admin_a)
    statuses = []
    for method, path, body in writes(objects_a):
        statuses.append(
            getattr(client, method)(f"/t/alpha/api/{path}", body, content_type="application/json").status_code
        )
    assert statuses == [201, 200, 204, 201, 200, 200, 201, 204, 201, 200, 204, 400, 204]
    # (the override names the deleted tier: refused as unknown, like any foreign id)


# ---------------------------------------------------------------- isolation


@pytest.fixture
def objects_b(tenant_b):
    return {
        "tier": TierFactory(tenant=tenant_b, name="Bravo Tier", rank=1),
        "icp": IcpFactory(tenant=tenant_b, version=1, name="Bravo ICP"),
        "account": AccountFactory(tenant=tenant_b, name="Bravo Target"),
    } | {}


@pytest.fixture
def all_b(objects_b, tenant_b):
    objects_b["criterion"] = CriterionFactory(tenant=tenant_b, icp=objects_b["icp"], params={"values": ["Bravo"]})
    objects_b["sign_off"] = SignOffFactory(tenant=tenant_b, icp=objects_b["icp"], note="Bravo note")
    return objects_b


def b_urls(objects):
    icp = objects["icp"].pk
    return [
        ("get", f"tiers/{objects['tier'].pk}/", None),
        ("get", f"tiers/{objects['tier'].pk}/edit/", None),
        ("put", f"tiers/{objects['tier'].pk}/", {"name": "X", "rank": 9, "engagement_model": "one_to_one"}),
        ("patch", f"tiers/{objects['tier'].pk}/", {"capacity": 1}),
        ("delete", f"tiers/{objects['tier'].pk}/", None),
        ("get", f"icps/{icp}/", None),
        ("patch", f"icps/{icp}/", {"name": "X"}),
        ("post", f"icps/{icp}/activate/", None),
        ("get", f"icps/{icp}/preview/", None),
        ("post", f"icps/{icp}/preview/", {"criteria": []}),
        ("get", f"criteria/{objects['criterion'].pk}/", None),
        ("get", f"criteria/{objects['criterion'].pk}/edit/", None),
        ("get", f"criteria/{objects['criterion'].pk}/row/", None),
        ("patch", f"criteria/{objects['criterion'].pk}/", {"weight": 1}),
        ("delete", f"criteria/{objects['criterion'].pk}/", None),
        ("get", f"sign-offs/{objects['sign_off'].pk}/", None),
        ("delete", f"sign-offs/{objects['sign_off'].pk}/", None),
        ("get", f"tier-overrides/{objects['account'].pk}/", None),
        ("delete", f"tier-overrides/{objects['account'].pk}/", None),
    ]


def b_state(tenant):
    with as_tenant(tenant):
        return (
            list(Tier.objects.values_list("name", "capacity")),
            list(IdealCustomerProfile.objects.values_list("name", "is_active")),
            list(Criterion.objects.values_list("weight", flat=True)),
            SignOff.objects.count(),
        )


def test_api_key_of_a_gets_404_on_b(api_a, all_b, tenant_b):
    before = b_state(tenant_b)
    for method, path, body in b_urls(all_b):
        response = getattr(api_a, method)(f"/api/v1/{path}", body, format="json")
        assert response.status_code == 404, (method, path)
        assert "Bravo" not in response.content.decode()
    assert b_state(tenant_b) == before


def test_htmx_of_a_gets_404_on_b(client_for, admin_a, all_b, tenant_b):
    client = client_for(admin_a)
    before = b_state(tenant_b)
    for method, path, body in b_urls(all_b):
        response = getattr(client, method)(f"/t/alpha/api/{path}", body, content_type="application/json", **HX)
        assert response.status_code == 404, (method, path)
        assert "Bravo" not in response.content.decode()
    assert b_state(tenant_b) == before
    assert client.get(f"/t/alpha/icp/jobs/{_job_b(tenant_b)}/").status_code == 404


def _job_b(tenant_b):
    with as_tenant(tenant_b):
        return services.fit_recompute_enqueue().pk


def test_foreign_ids_in_bodies_are_refused(api_a, all_b, tenant_a):
    with as_tenant(tenant_a):
        tier_a = services.tiers_ensure_defaults()[0]
    account_a = AccountFactory(tenant=tenant_a)
    icp_b, tier_b, account_b = all_b["icp"].pk, all_b["tier"].pk, all_b["account"].pk
    cases = [
        (
            "criteria/",
            {"icp": icp_b, "kind": "existing_customer", "params": {}, "weight": 5},
            {"icp": [f"No ideal customer profile with id {icp_b} in this workspace."]},
        ),
        (
            "sign-offs/",
            {"icp": icp_b, "department": "sales"},
            {"icp": [f"No ideal customer profile with id {icp_b} in this workspace."]},
        ),
        (
            "icps/",
            {"copy_from": icp_b},
            {"copy_from": [f"No ideal customer profile with id {icp_b} in this workspace."]},
        ),
        (
            "tier-overrides/",
            {"account": account_b, "tier": tier_a.pk, "reason": "x"},
            {"account": [f"No account with id {account_b} in this workspace."]},
        ),
        (
            "tier-overrides/",
            {"account": account_a.pk, "tier": tier_b, "reason": "x"},
            {"tier": [f"No tier with id {tier_b} in this workspace."]},
        ),
    ]
    for path, body, errors in cases:
        response = api_a.post(f"/api/v1/{path}", body, format="json")
        assert (response.status_code, response.json()) == (400, errors), path


def test_lists_show_only_own_rows(api_a, all_b, tenant_a):
    IcpFactory(tenant=tenant_a, version=3, name="Alpha ICP")
    for path in ["tiers/", "icps/", "criteria/", "sign-offs/", "tier-overrides/"]:
        body = api_a.get(f"/api/v1/{path}").content.decode()
        assert "Bravo" not in body, path
    assert [row["name"] for row in api_a.get("/api/v1/icps/").json()["results"]] == ["Alpha ICP"]


@pytest.mark.parametrize("url", ["/t/bravo/icp/", "/t/bravo/api/icps/", "/t/bravo/api/tiers/"])
def test_member_of_a_gets_404_for_b_pages(client_for, member_a, tenant_b, url):
    assert client_for(member_a).get(url, **HX).status_code == 404


# ---------------------------------------------------------------- pages and query budgets


class TestQueryBudget:
    """The same number of queries for 10 and 100 rows (4 of them are the request's transaction)."""

    def count(self, client, url, **headers):
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        assert response.status_code == 200, url
        return len(queries)

    def grow(self, tenant, icp, count):
        technology = TechnologyFactory(tenant=tenant)
        start = 2 if count == 10 else 12  # version 1 is the active one
        for index in range(count):
            account = AccountFactory(tenant=tenant, fit_score=index % 100, tier_override_reason=f"Reason {index}")
            OpportunityFactory(
                tenant=tenant, account=account, stage=["closed_won", "closed_lost"][index % 2], lost_reason="Price"
            )
            with as_tenant(tenant):
                account.technology_links.create(technology=technology)
            IcpFactory(tenant=tenant, version=start + index)
            CriterionFactory(
                tenant=tenant, icp=icp, kind="technology", params={"mode": "any", "technology_ids": [technology.pk]}
            )
        for department in ["sales"] if count == 10 else ["marketing", "finance"]:
            SignOffFactory(tenant=tenant, icp=icp, department=department)

    @pytest.mark.parametrize(
        ("path", "headers", "budget"),
        [
            # session, user and membership are cached; tier list (+ existence check of the defaults)
            ("/t/alpha/api/tiers/", HX, 6),
            ("/t/alpha/api/icps/?page_size=200", HX, 6),
            # + the ICP (for "editable"; an active one needs no more; with the version's whole weight), the
            # technology names for labels and the count (10 and 100 rows are both more than a page)
            ("/t/alpha/api/criteria/?icp={icp}&page_size=5", HX, 8),
            # + the ICP
            ("/t/alpha/api/sign-offs/?icp={icp}", HX, 6),
            ("/t/alpha/api/tier-overrides/?page_size=200", HX, 5),
            # + ICP, technology names, accounts, technologies in use, tiers
            ("/t/alpha/api/icps/{icp}/preview/", HX, 10),
            # + versions, latest job (the tiers fragment creates the default tiers; the switcher reuses the
            # memberships the middleware read)
            ("/t/alpha/icp/", {}, 6),
            # + closed deals, technologies of their accounts
            ("/t/alpha/api/icps/insights/", HX, 6),
            ("/t/alpha/icp/insights/", {}, 6),
        ],
    )
    def test_dashboard(self, client_for, admin_a, tenant_a, path, headers, budget):
        icp = IcpFactory(tenant=tenant_a, version=1, is_active=True)
        client = client_for(admin_a)
        url = path.format(icp=icp.pk)
        self.grow(tenant_a, icp, 10)
        ten = self.count(client, url, **headers)
        self.grow(tenant_a, icp, 90)
        hundred = self.count(client, url, **headers)
        assert (ten, hundred) == (budget, budget)
