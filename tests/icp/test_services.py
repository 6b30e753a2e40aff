"""ICP services: tiers, overrides, versions, criteria, sign-offs and fit-score recomputation."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account, AccountTechnology
from icp import selectors, services
from icp.models import Criterion, IdealCustomerProfile, Tier
from icp.tasks import fit_scores_recompute
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory, SignalFactory, TechnologyFactory

pytestmark = pytest.mark.django_db


def test_default_tiers_created_once(tenant_a):
    with as_tenant(tenant_a):
        tiers = services.tiers_ensure_defaults()
        again = services.tiers_ensure_defaults()
        assert [(t.name, t.engagement_model, t.rank, t.capacity) for t in tiers] == [
            ("Tier 1", "one_to_one", 1, 50),
            ("Tier 2", "one_to_few", 2, 200),
            ("Tier 3", "one_to_many", 3, None),
        ]
        assert [t.pk for t in again] == [t.pk for t in tiers]
        assert Tier.objects.count() == 3


def make_scored(tenant, scores, **extra):
    accounts = []
    for index, score in enumerate(scores):
        accounts.append(AccountFactory(tenant=tenant, name=f"A{index:02d}", fit_score=score, **extra))
    return accounts


def test_suggested_tiers_by_rank_within_capacity(tenant_a):
    with as_tenant(tenant_a):
        tier1, tier2, _ = services.tiers_ensure_defaults()
        tier1.capacity, tier2.capacity = 2, 3
        Tier.objects.bulk_update([tier1, tier2], ["capacity"])
    accounts = make_scored(tenant_a, [90, 80, 80, 70, 60, 50, 40])
    unscored = AccountFactory(tenant=tenant_a, name="No score")
    untargeted = AccountFactory(tenant=tenant_a, name="Off list", fit_score=99, is_target=False)
    with as_tenant(tenant_a):
        counts = services.tiers_suggest()
        assert counts == {"Tier 1": 2, "Tier 2": 3, "Tier 3": 2}
        rows = dict(Account.objects.values_list("name", "suggested_tier__rank"))
        tiers = dict(Account.objects.values_list("name", "tier__rank"))
        history = Account.history.filter(id=accounts[0].pk).count()
    assert [rows[a.name] for a in accounts] == [1, 1, 2, 2, 2, 3, 3]
    assert tiers == rows
    assert rows[unscored.name] is None and rows[untargeted.name] is None
    with as_tenant(tenant_a):
        services.tiers_suggest()  # idempotent: nothing changes, no history written
        assert Account.history.filter(id=accounts[0].pk).count() == history == 2


def test_override_and_clear(tenant_a, admin_a):
    (account,) = make_scored(tenant_a, [90])
    with as_tenant(tenant_a, admin_a):
        tier1, _, tier3 = services.tiers_ensure_defaults()
        services.tiers_suggest()
        account.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            account_services.account_override_tier(account=account, tier=tier3, reason="  ")
        assert error.value.message_dict == {"reason": ["Say why this account belongs in another tier than suggested."]}
        account_services.account_override_tier(account=account, tier=tier3, reason="Parent is already tier 1")
        services.tiers_suggest()  # the override survives re-suggestion
        account.refresh_from_db()
        assert (account.tier_id, account.suggested_tier_id, account.tier_override_reason) == (
            tier3.pk,
            tier1.pk,
            "Parent is already tier 1",
        )
        assert account.history.first().history_user == admin_a
        account_services.account_clear_tier_override(account=account)
        account.refresh_from_db()
        assert (account.tier_id, account.tier_override_reason) == (tier1.pk, "")


def test_tier_loads_warn_over_capacity(tenant_a):
    make_scored(tenant_a, [90, 80, 70])
    with as_tenant(tenant_a):
        tier1, tier2, _ = services.tiers_ensure_defaults()
        tier1.capacity, tier2.capacity = 1, 1
        Tier.objects.bulk_update([tier1, tier2], ["capacity"])
        Tier.objects.filter(rank=3).delete()
        services.tiers_suggest()
        loads = [(load.tier.name, load.count, load.capacity, load.over_by) for load in selectors.tier_loads()]
    assert loads == [("Tier 1", 1, 1, 0), ("Tier 2", 2, 1, 1)]


def test_version_lifecycle(tenant_a, django_capture_on_commit_callbacks):
    with as_tenant(tenant_a):
        empty = services.icp_create(name="Empty")
        with pytest.raises(ValidationError) as error:
            services.icp_activate(icp=empty)
        assert error.value.messages == ["Add at least one criterion before activating this version."]
        services.criterion_create(icp=empty, kind="industry", params={"values": ["Software"]}, weight=40)
        services.criterion_create(icp=empty, kind="employees", params={"min": 100}, weight=60, must_have=True)
        with django_capture_on_commit_callbacks() as callbacks:
            job = services.icp_activate(icp=empty)
        assert len(callbacks) == 1 and job.status == "queued"
        v2 = services.icp_create()
        assert (v2.version, v2.name, v2.is_active) == (2, "Empty", False)
        assert list(v2.criteria.values_list("kind", "weight", "must_have")) == [
            ("industry", 40, False),
            ("employees", 60, True),
        ]
        services.criterion_create(icp=v2, kind="existing_customer", params={}, weight=10)
        services.icp_activate(icp=v2)
        v1 = IdealCustomerProfile.objects.get(version=1)
        assert list(IdealCustomerProfile.objects.filter(is_active=True).values_list("version", flat=True)) == [2]
        message = "ICP version 1 is a previous version and read-only; create a new version to change it."
        for attempt in (
            lambda: services.icp_update(icp=v1, name="Changed"),
            lambda: services.criterion_create(icp=v1, kind="existing_customer", params={}, weight=5),
            lambda: services.criterion_update(criterion=v1.criteria.first(), weight=99),
            lambda: services.criterion_delete(criterion=v1.criteria.first()),
            lambda: services.sign_off_create(icp=v1, department="sales"),
        ):
            with pytest.raises(ValidationError) as error:
                attempt()
            assert error.value.messages == [message]
        assert v1.criteria.count() == 2


def test_criterion_validation(tenant_a, tenant_b):
    foreign = TechnologyFactory(tenant=tenant_b, name="Foreign")
    with as_tenant(tenant_a):
        icp = services.icp_create()
        with pytest.raises(ValidationError) as error:
            services.criterion_create(icp=icp, kind="technology", params={"technology_ids": [foreign.pk]}, weight=0)
        assert error.value.message_dict == {
            "weight": ["The weight must be between 1 and 100."],
            "params": [f"No technology with id {foreign.pk} in this workspace."],
        }
        assert Criterion.objects.count() == 0


def test_sign_offs(tenant_a, admin_a):
    with as_tenant(tenant_a, admin_a):
        icp = services.icp_create()
        services.sign_off_create(icp=icp, department="sales", note="Agreed in QBR")
        with pytest.raises(ValidationError) as error:
            services.sign_off_create(icp=icp, department="sales")
        assert error.value.message_dict == {"department": ["This department has already signed off this version."]}
        assert [value for value, _ in selectors.departments_missing(icp)] == [
            "sales_development",
            "marketing",
            "customer_success",
            "finance",
            "sales_ops",
        ]
        assert icp.sign_offs.get().signed_by == admin_a


def active_icp(tenant, *criteria):
    icp = IcpFactory(tenant=tenant, version=1, is_active=True)
    for kind, params, weight, must_have in criteria:
        CriterionFactory(tenant=tenant, icp=icp, kind=kind, params=params, weight=weight, must_have=must_have)
    return icp


def test_account_create_and_update_recompute_its_score(tenant_a):
    active_icp(tenant_a, ("industry", {"values": ["Software"]}, 30, False), ("country", {"values": ["DE"]}, 10, False))
    with as_tenant(tenant_a):
        account = account_services.account_create(name="Acme", industry="Software", country="US")
        assert account.fit_score == 75  # 30 of 40
        assert [row["matched"] for row in account.fit_explanation] == [True, False]
        account = account_services.account_update(account=account, country="DE")
        account.refresh_from_db()
        assert account.fit_score == 100
        assert account.fit_explanation[1] == {
            "criterion": "Country in DE",
            "matched": True,
            "points": 25.0,
            "reason": "Country is DE",
            "must_have": False,
        }


def test_bulk_recompute_job(tenant_a, tenant_b, django_assert_max_num_queries):
    crm = TechnologyFactory(tenant=tenant_a, name="CRM")
    active_icp(
        tenant_a,
        ("industry", {"values": ["Software"]}, 50, False),
        ("technology", {"mode": "any", "technology_ids": [crm.pk]}, 30, False),
        ("trigger_event", {"signal_types": ["funding"], "within_days": 30}, 20, False),
    )
    fits = AccountFactory(tenant=tenant_a, name="Fits")
    partly = AccountFactory(tenant=tenant_a, name="Partly", industry="Retail")
    other = AccountFactory(tenant=tenant_b, name="Other tenant")
    with as_tenant(tenant_a):
        AccountTechnology.objects.create(account=fits, technology=crm)
    SignalFactory(tenant=tenant_a, account=fits, signal_type="funding", occurred_on=timezone.localdate())
    SignalFactory(
        tenant=tenant_a, account=partly, signal_type="funding", occurred_on=timezone.localdate() - timedelta(days=40)
    )
    with as_tenant(tenant_a):
        job = services.fit_recompute_enqueue()
    result = fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()
    # "Partly" scores 0: the last tier, though Tier 1 has room
    assert result == {"accounts": 2, "changed": 2, "tiers": {"Tier 1": 1, "Tier 2": 0, "Tier 3": 1}}
    with as_tenant(tenant_a):
        scores = dict(Account.objects.values_list("name", "fit_score"))
        job.refresh_from_db()
        assert (job.status, job.done, job.total, job.percent) == ("succeeded", 2, 2, 100)
        # created, then scored and tiered in one bulk write: both in the audit log
        assert list(Account.history.filter(id=fits.pk).values_list("fit_score", "tier__rank", "history_type")) == [
            (100, 1, "~"),
            (None, None, "+"),
        ]
    assert scores == {"Fits": 100, "Partly": 0}
    with as_tenant(tenant_b):
        assert Account.objects.get(pk=other.pk).fit_score is None
    # Twice is harmless: nothing changes, nothing more is written.
    assert fit_scores_recompute.apply(args=[tenant_a.pk]).get()["changed"] == 0


def test_bulk_recompute_queries_do_not_grow_with_accounts(tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    crm = TechnologyFactory(tenant=tenant_a, name="CRM")
    active_icp(
        tenant_a,
        ("industry", {"values": ["Software"]}, 50, False),
        ("technology", {"mode": "any", "technology_ids": [crm.pk]}, 30, False),
        ("trigger_event", {"signal_types": ["funding"], "within_days": 30}, 20, False),
    )

    with as_tenant(tenant_a):
        services.tiers_ensure_defaults()

    def run(count):
        for _ in range(count):
            AccountFactory(tenant=tenant_a)
        with as_tenant(tenant_a):
            # make every account change (score and tier)
            Account.objects.update(fit_score=None, fit_explanation=[], suggested_tier=None, tier=None)
        with CaptureQueriesContext(connection) as queries:
            fit_scores_recompute.apply(args=[tenant_a.pk]).get()
        return len(queries)

    assert run(5) == run(45)


def test_preview_scores_in_memory_without_saving(tenant_a):
    active_icp(tenant_a, ("industry", {"values": ["Software"]}, 10, False))
    AccountFactory(tenant=tenant_a, name="Soft", industry="Software")
    AccountFactory(tenant=tenant_a, name="Retail", industry="Retail")
    with as_tenant(tenant_a):
        services.tiers_ensure_defaults()
        draft = [Criterion(kind="industry", params={"values": ["Retail"]}, weight=10)]
        preview = selectors.icp_preview(selectors.criteria_specs(draft, {}), today=timezone.localdate())
        assert (preview.targets, preview.matching, preview.unscored) == (2, 1, 0)
        assert [bucket["count"] for bucket in preview.buckets] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        assert [(c.name, c.old_tier, c.new_tier, c.new_score) for c in preview.tier_changes] == [
            ("Retail", "—", "Tier 1", 100),
            ("Soft", "—", "Tier 3", 0),  # fit 0 is never suggested above the last tier
        ]
        assert list(Account.objects.values_list("fit_score", flat=True)) == [None, None]
