"""Planning lists cost the same number of queries for 2 rows as for 8."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning import services
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, TierFactory

pytestmark = pytest.mark.django_db


def _add(tenant, user, count, tier):
    with as_tenant(tenant, user):
        for _ in range(count):
            account = AccountFactory(tenant=tenant, tier=tier)
            contact = ContactFactory(tenant=tenant, account=account)
            services.plan_create(account=account, owner=user, strategy="Land")
            review = services.review_create(
                account=account,
                period_start=date(2026, 1, 1),
                period_end=date(2026, 1, 31),
                status="green",
                attendees=[user],
            )
            services.review_action_create(review=review, title="Call", assignee=user, due_on=date(2026, 2, 1))
            services.hand_off_pass(account=account, from_user=user, to_user=user, contacts=[contact])


@pytest.mark.parametrize(
    "path",
    ["account-plans/", "account-reviews/", "review-actions/", "hand-offs/", "review-schedule/", "review-cadences/"],
)
def test_list_queries_do_not_grow_with_rows(client_for, tenant_a, member_a, path):
    tier = TierFactory(tenant=tenant_a, rank=1)
    client = client_for(member_a)
    url = f"/t/{tenant_a.slug}/api/{path}"

    def queries():
        client.get(url)  # warm the per-process caches (session, membership)
        for hx in ({}, {"HTTP_HX_REQUEST": "true"}):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, **hx).status_code == 200
            yield len(captured)

    _add(tenant_a, member_a, 2, tier)
    few = list(queries())
    _add(tenant_a, member_a, 6, tier)
    assert list(queries()) == few
