"""Deleting a tier while a tier re-suggestion writes accounts into it (two real connections, interleaved)."""

import threading
import time

import pytest
from django.db import connection
from django.db.models.sql.subqueries import DeleteQuery

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from accounts.models import Account
from icp import services
from icp.models import Tier
from icp.tasks import tiers_resuggest
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_beside(work, outcome: dict) -> None:
    """Run ``work`` on another connection until it finishes or waits for a lock this connection holds; its
    ``result`` or ``error`` and its ``thread`` go into ``outcome``."""

    def target():
        try:
            outcome["result"] = work()
        except Exception as error:  # reported to the test below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 60
    while thread.is_alive() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)")
            if cursor.fetchone()[0]:
                break
        time.sleep(0.01)
    outcome["thread"] = thread


def test_a_tier_deleted_while_a_resuggestion_fills_it(api_a, tenant_a, monkeypatch):
    monkeypatch.setattr(tiers_resuggest, "delay", lambda *args: None)  # the run after the commit is not the point
    with as_tenant(tenant_a):
        tier1, tier2, _ = services.tiers_ensure_defaults()
        Tier.objects.filter(pk__in=[tier1.pk, tier2.pk]).update(capacity=1)
    leader = AccountFactory(tenant=tenant_a, name="Leader", fit_score=90)
    AccountFactory(tenant=tenant_a, name="Runner-up", fit_score=80)
    with as_tenant(tenant_a):
        Account.objects.filter(pk=leader.pk).update(suggested_tier=tier1, tier=tier1)  # the runner-up has none yet

    def resuggest():
        with tenant_context(tenant_a), tenant_transaction(tenant_a):
            return services.tiers_resuggest_run()

    original = DeleteQuery.delete_batch
    beside = {}

    def delete_batch(query, pk_list, using):
        # The request has let go of the tier's accounts and is about to delete it: a re-suggestion that read the
        # tiers now puts the runner-up into Tier 2 and commits.
        if query.model is Tier and not beside:
            run_beside(resuggest, beside)
        return original(query, pk_list, using)

    monkeypatch.setattr(DeleteQuery, "delete_batch", delete_batch)
    response = api_a.delete(f"/api/v1/tiers/{tier2.pk}/")
    beside["thread"].join()

    assert response.status_code == 204
    assert "error" not in beside
    assert beside["result"] == {"Tier 1": 1, "Tier 3": 1}
    with as_tenant(tenant_a):
        assert list(Tier.objects.order_by("rank").values_list("name", flat=True)) == ["Tier 1", "Tier 3"]
        assert sorted(Account.objects.values_list("name", "suggested_tier__name", "tier__name")) == [
            ("Leader", "Tier 1", "Tier 1"),
            ("Runner-up", "Tier 3", "Tier 3"),
        ]
