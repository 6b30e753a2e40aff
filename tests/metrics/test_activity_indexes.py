"""The metrics read a period's activities from Activity's indexes alone (ADR 0042): both indexes, as migrated, carry
every column the metric queries read, so PostgreSQL can answer them with an index-only scan.

(Which plan PostgreSQL picks depends on the table's statistics, so it is checked on the bench's data set, not here:
`make bench BENCH_ARGS="--explain …"`, docs/benchmarks.md.)"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def definition(index: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
        return cursor.fetchone()[0]


def test_the_period_index_carries_what_the_activity_marketing_and_engagement_metrics_count():
    assert definition("activity_tenant_occurred") == (
        "CREATE INDEX activity_tenant_occurred ON public.accounts_activity USING btree (tenant_id, occurred_at, id) "
        "INCLUDE (account_id, contact_id, owner_id, channel, direction, outcome, impressions, clicks, conversions)"
    )


def test_the_account_index_carries_what_the_funnel_and_engagement_probes_test():
    assert definition("activity_tenant_account") == (
        "CREATE INDEX activity_tenant_account ON public.accounts_activity USING btree (tenant_id, account_id, "
        "occurred_at) INCLUDE (direction, outcome, contact_id, clicks)"
    )
