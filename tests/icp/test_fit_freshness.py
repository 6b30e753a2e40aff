"""Fit scores stay current: the services rescore an account when what its score reads changes, and queue one
tier re-suggestion so that other accounts' suggested tiers catch up (exact values)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abs_platform.celery import app as celery_app
from abs_platform.jobs.models import Job
from accounts import services as account_services
from accounts.models import Account, AccountTechnology
from icp import services
from icp.models import Tier
from icp.tasks import fit_scores_recompute, tiers_resuggest
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory, TechnologyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])


def active_icp(tenant, *criteria):
    icp = IcpFactory(tenant=tenant, version=1, is_active=True)
    for kind, params, weight in criteria:
        CriterionFactory(tenant=tenant, icp=icp, kind=kind, params=params, weight=weight)
    return icp


def score_of(tenant, account) -> int | None:
    with as_tenant(tenant):
        return Account.objects.get(pk=account.pk).fit_score


def tiers_of(tenant) -> dict[str, tuple[str | None, str | None]]:
    with as_tenant(tenant):
        return {
            name: (suggested, tier)
            for name, suggested, tier in Account.objects.values_list("name", "suggested_tier__name", "tier__name")
        }


def tier_tasks(callbacks) -> list:
    return [callback for callback in callbacks if getattr(callback, "enqueue_key", ("",))[0] == "icp.tiers_resuggest"]


def small_tiers(tenant):
    with as_tenant(tenant):
        tier1, tier2, _ = services.tiers_ensure_defaults()
        tier1.capacity, tier2.capacity = 1, 1
        Tier.objects.bulk_update([tier1, tier2], ["capacity"])


class TestAccountChanges:
    def test_a_changed_score_queues_one_tier_resuggestion_and_other_accounts_move(
        self, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        active_icp(tenant_a, ("industry", {"values": ["Software"]}, 50), ("country", {"values": ["DE"]}, 50))
        small_tiers(tenant_a)
        first = AccountFactory(tenant=tenant_a, name="First", industry="Software", country="US")
        second = AccountFactory(tenant=tenant_a, name="Second", industry="Retail", country="US")
        third = AccountFactory(tenant=tenant_a, name="Third", industry="Retail", country="FR")
        # (Set up with the bulk job: the whole test is one transaction, which would already hold a queued task.)
        fit_scores_recompute.apply(args=[tenant_a.pk]).get()
        assert [score_of(tenant_a, account) for account in (first, second, third)] == [50, 0, 0]
        assert tiers_of(tenant_a) == {  # fit 0 is never suggested above the last tier
            "First": ("Tier 1", "Tier 1"),
            "Second": ("Tier 3", "Tier 3"),
            "Third": ("Tier 3", "Tier 3"),
        }

        with as_tenant(tenant_a), django_capture_on_commit_callbacks() as callbacks:
            second = Account.objects.get(pk=second.pk)
            second = account_services.account_update(account=second, industry="Software")
            second = account_services.account_update(account=second, country="DE")
        assert second.fit_score == 100
        assert len(callbacks) == 1  # two score changes in one transaction: one task
        assert tiers_of(tenant_a)["First"] == ("Tier 1", "Tier 1")  # not inside the request
        callbacks[0]()  # the transaction committed: the task runs
        assert tiers_of(tenant_a) == {
            "Second": ("Tier 1", "Tier 1"),
            "First": ("Tier 2", "Tier 2"),
            "Third": ("Tier 3", "Tier 3"),
        }

    @pytest.mark.django_db(transaction=True)
    def test_tier_resuggestion_is_queued_once_per_transaction_when_the_ranking_can_change(self, tenant_a, monkeypatch):
        queued = []
        monkeypatch.setattr(tiers_resuggest, "apply_async", lambda **message: queued.append(message))

        def queued_by(change) -> int:
            queued.clear()
            with as_tenant(tenant_a):  # one transaction, committed: its callbacks run
                change()
            return len(queued)

        active_icp(tenant_a, ("industry", {"values": ["Software"]}, 10))
        acme = AccountFactory(tenant=tenant_a, name="Acme", industry="Retail")
        other = AccountFactory(tenant=tenant_a, name="Other", industry="Software", is_target=False)

        def fetch(account):
            return Account.objects.get(pk=account.pk)

        assert queued_by(lambda: account_services.account_update(account=fetch(acme), industry="Software")) == 1
        assert queued[0]["args"] == [tenant_a.pk]  # the workspace's task, with its id
        assert queued_by(lambda: account_services.account_update(account=fetch(acme), name="Acme Inc")) == 0

        def two_changes():
            account_services.account_update(account=fetch(acme), industry="Retail")
            account_services.account_update(account=fetch(acme), industry="Software")

        assert queued_by(two_changes) == 1
        assert queued_by(lambda: account_services.account_update(account=fetch(acme), is_target=False)) == 1
        assert queued_by(lambda: account_services.account_update(account=fetch(other), name="Other Inc")) == 0
        bulk = lambda: account_services.accounts_bulk_change(  # noqa: E731
            accounts=[fetch(acme), fetch(other)], action="mark_target"
        )
        assert queued_by(bulk) == 1  # once for the whole selection
        assert queued_by(lambda: account_services.account_delete(account=fetch(acme))) == 1
        assert queued_by(lambda: account_services.account_delete(account=fetch(other))) == 1
        assert queued_by(lambda: account_services.account_create(name="New", industry="Software")) == 1
        assert queued_by(lambda: account_services.account_create(name="Off", is_target=False)) == 0


class TestSignals:
    def test_trigger_events_rescore_their_account(self, tenant_a):
        active_icp(
            tenant_a,
            ("industry", {"values": ["Software"]}, 80),
            ("trigger_event", {"signal_types": ["funding"], "within_days": 30}, 20),
        )
        today = timezone.localdate()
        acme = AccountFactory(tenant=tenant_a, name="Acme", industry="Software")
        globex = AccountFactory(tenant=tenant_a, name="Globex", industry="Retail")
        with as_tenant(tenant_a):
            services.fit_score_recompute_account(account=acme)
            services.fit_score_recompute_account(account=globex)
        assert (score_of(tenant_a, acme), score_of(tenant_a, globex)) == (80, 0)

        with as_tenant(tenant_a):
            signal = account_services.signal_create(
                account=acme, signal_type="funding", occurred_on=today, title="Series B"
            )
            explanation = Account.objects.get(pk=acme.pk).fit_explanation
        assert score_of(tenant_a, acme) == 100
        assert explanation[1] == {
            "criterion": "Trigger event (funding) within 30 days",
            "matched": True,
            "points": 20.0,
            "reason": f"1 matching event(s), latest {today.isoformat()}",
            "must_have": False,
        }
        with as_tenant(tenant_a):
            signal = account_services.signal_update(signal=signal, occurred_on=today - timedelta(days=40))
        assert score_of(tenant_a, acme) == 80
        with as_tenant(tenant_a):
            signal = account_services.signal_update(signal=signal, occurred_on=today, account=globex)
        assert (score_of(tenant_a, acme), score_of(tenant_a, globex)) == (80, 20)  # both accounts rescored
        with as_tenant(tenant_a):
            account_services.signal_delete(signal=signal)
        assert score_of(tenant_a, globex) == 0


class TestTechnologies:
    def test_links_added_removed_or_set_rescore_the_account(self, tenant_a, django_capture_on_commit_callbacks):
        crm = TechnologyFactory(tenant=tenant_a, name="CRM")
        bi = TechnologyFactory(tenant=tenant_a, name="BI")
        active_icp(
            tenant_a,
            ("technology", {"mode": "any", "technology_ids": [crm.pk]}, 50),
            ("industry", {"values": ["Software"]}, 50),
        )
        acme = AccountFactory(tenant=tenant_a, name="Acme", industry="Software")
        globex = AccountFactory(tenant=tenant_a, name="Globex", industry="Retail")
        with as_tenant(tenant_a):
            services.fit_score_recompute_account(account=acme)
            link = account_services.account_technology_add(account=acme, technology=crm)
        assert score_of(tenant_a, acme) == 100
        with as_tenant(tenant_a):
            account_services.account_technology_update(link=link, account=globex)
        assert (score_of(tenant_a, acme), score_of(tenant_a, globex)) == (50, 50)
        with as_tenant(tenant_a):
            account_services.account_technology_remove(link=AccountTechnology.objects.get(pk=link.pk))
        assert score_of(tenant_a, globex) == 0
        with as_tenant(tenant_a):
            account_services.account_set_technologies(account=acme, technologies=[crm, bi])
        assert score_of(tenant_a, acme) == 100
        with as_tenant(tenant_a):
            account_services.account_set_technologies(account=acme, technologies=[bi])
        assert score_of(tenant_a, acme) == 50

        # A catalogue entry in use removed: many accounts at once, so one bulk job.
        with as_tenant(tenant_a):
            account_services.account_set_technologies(account=acme, technologies=[crm])
            account_services.account_set_technologies(account=globex, technologies=[crm])
        assert (score_of(tenant_a, acme), score_of(tenant_a, globex)) == (100, 50)
        with as_tenant(tenant_a), django_capture_on_commit_callbacks() as callbacks:
            account_services.technology_delete(technology=crm)
            job = Job.objects.get(kind="icp.fit_recompute")
        assert (len(callbacks), job.status) == (1, "queued")
        fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()
        assert (score_of(tenant_a, acme), score_of(tenant_a, globex)) == (50, 0)
        with as_tenant(tenant_a), django_capture_on_commit_callbacks() as callbacks:
            account_services.technology_delete(technology=bi)  # in use nowhere now: nothing to recompute
        assert callbacks == []


class TestDeals:
    def test_a_deal_closing_won_makes_a_customer_and_rescores(self, tenant_a, owner_a):
        active_icp(tenant_a, ("existing_customer", {}, 25), ("industry", {"values": ["Software"]}, 75))
        today = timezone.localdate()
        acme = AccountFactory(tenant=tenant_a, name="Acme", industry="Software", status="prospect")
        with as_tenant(tenant_a, owner_a):
            services.fit_score_recompute_account(account=acme)
            pilot = account_services.opportunity_create(
                account=acme, name="Pilot", stage="prospecting", opened_on=today
            )
            account_services.opportunity_update(
                opportunity=pilot, stage="closed_lost", lost_reason="Budget", close_date=today
            )
        assert score_of(tenant_a, acme) == 75
        with as_tenant(tenant_a, owner_a):
            deal = account_services.opportunity_create(
                account=acme, name="Platform", stage="negotiation", opened_on=today
            )
            assert Account.objects.get(pk=acme.pk).status == "prospect"
            account_services.opportunity_update(opportunity=deal, stage="closed_won", close_date=today)
            account = Account.objects.get(pk=acme.pk)
            status_change = account.history.filter(history_change_reason="Deal “Platform” closed won").get()
        assert (account.status, account.fit_score) == ("customer", 100)
        assert account.fit_explanation[0] == {
            "criterion": "Existing customer",
            "matched": True,
            "points": 25.0,
            "reason": "status is customer",
            "must_have": False,
        }
        assert (status_change.status, status_change.history_user) == ("customer", owner_a)
        with as_tenant(tenant_a):
            account_services.opportunity_update(opportunity=deal, stage="negotiation")  # reopened
        assert score_of(tenant_a, acme) == 100  # still a customer: status is not taken back

    def test_through_the_api_a_churned_account_won_back(self, api_a, tenant_a):
        active_icp(tenant_a, ("existing_customer", {}, 10))
        churned = AccountFactory(tenant=tenant_a, name="Gone", status="churned")
        with as_tenant(tenant_a):
            services.fit_score_recompute_account(account=churned)
        assert score_of(tenant_a, churned) == 0
        response = api_a.post(
            "/api/v1/opportunities/",
            {
                "account": churned.pk,
                "name": "Win-back",
                "stage": "closed_won",
                "amount": "5000",
                "opened_on": "2026-01-05",
                "close_date": "2026-02-01",
            },
            format="json",
        )
        assert response.status_code == 201
        with as_tenant(tenant_a):
            assert Account.objects.filter(pk=churned.pk).values_list("status", "fit_score").get() == ("customer", 100)


def test_tier_resuggestion_runs_again_when_scores_changed_during_a_run(tenant_a, monkeypatch):
    small_tiers(tenant_a)
    leader = AccountFactory(tenant=tenant_a, name="Leader", fit_score=90)
    runner_up = AccountFactory(tenant=tenant_a, name="Runner-up", fit_score=80)
    original = services._tiers_suggest
    passes = []

    def suggest_while_a_score_changes(scores, tiers):
        counts = original(scores, tiers)
        if not passes:  # another request commits a better score while the first pass runs
            Account.objects.filter(pk=runner_up.pk).update(fit_score=95)
        passes.append(dict(scores))
        return counts

    monkeypatch.setattr(services, "_tiers_suggest", suggest_while_a_score_changes)
    with as_tenant(tenant_a):
        counts = services.tiers_resuggest_run()
    assert passes == [{leader.pk: 90, runner_up.pk: 80}, {leader.pk: 90, runner_up.pk: 95}]
    assert counts == {"Tier 1": 1, "Tier 2": 1, "Tier 3": 0}
    assert tiers_of(tenant_a) == {"Runner-up": ("Tier 1", "Tier 1"), "Leader": ("Tier 2", "Tier 2")}


class TestOpsAdmin:
    """Changes made in the Django admin rescore as the services' changes do."""

    @pytest.fixture
    def client(self, client_for, admin_a):
        admin_a.is_staff = True
        admin_a.save()
        return client_for(admin_a)

    def test_adding_and_changing_an_account_rescores_it(self, client, tenant_a):
        active_icp(tenant_a, ("industry", {"values": ["Software"]}, 100))
        form = {"name": "Acme", "status": "prospect", "industry": "Software"}
        assert client.post("/admin/accounts/account/add/", {**form, "tenant": tenant_a.pk}).status_code == 302
        with as_tenant(tenant_a):
            acme = Account.objects.get(name="Acme")
        assert score_of(tenant_a, acme) == 100
        changed = client.post(f"/admin/accounts/account/{acme.pk}/change/", {**form, "industry": "Retail"})
        assert changed.status_code == 302
        assert score_of(tenant_a, acme) == 0

    def test_adding_and_deleting_a_technology_in_use_rescores_its_account(self, client, tenant_a):
        crm = TechnologyFactory(tenant=tenant_a, name="CRM Suite")
        active_icp(tenant_a, ("technology", {"mode": "any", "technology_ids": [crm.pk]}, 100))
        acme = AccountFactory(tenant=tenant_a, name="Acme")
        with as_tenant(tenant_a):
            services.fit_score_recompute_account(account=acme)
        assert score_of(tenant_a, acme) == 0
        form = {"tenant": tenant_a.pk, "account": acme.pk, "technology": crm.pk}
        assert client.post("/admin/accounts/accounttechnology/add/", form).status_code == 302
        assert score_of(tenant_a, acme) == 100
        with as_tenant(tenant_a):
            link = AccountTechnology.objects.get(account=acme)
        brio = AccountFactory(tenant=tenant_a, name="Brio")
        moved = client.post(f"/admin/accounts/accounttechnology/{link.pk}/change/", {**form, "account": brio.pk})
        assert moved.status_code == 302
        assert (score_of(tenant_a, acme), score_of(tenant_a, brio)) == (0, 100)
        deleted = client.post(f"/admin/accounts/accounttechnology/{link.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 302
        assert score_of(tenant_a, brio) == 0

    def test_a_bulk_status_change_rescores_in_a_background_job(
        self, client, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        active_icp(tenant_a, ("existing_customer", {}, 100))
        accounts = [AccountFactory(tenant=tenant_a, name=name, status="prospect") for name in ("Acme", "Brio")]
        with as_tenant(tenant_a):
            services.fit_scores_recompute_accounts(account_ids=[account.pk for account in accounts])
        assert [score_of(tenant_a, account) for account in accounts] == [0, 0]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/accounts/account/",
                {"action": "mark_customer", "_selected_action": [account.pk for account in accounts]},
            )
        assert response.status_code == 302
        assert [score_of(tenant_a, account) for account in accounts] == [100, 100]
        with as_tenant(tenant_a):
            fit_jobs = Job.objects.filter(kind="icp.fit_recompute")
            assert list(fit_jobs.values_list("status", flat=True)) == ["succeeded"]
