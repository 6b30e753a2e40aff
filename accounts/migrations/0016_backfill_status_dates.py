"""Date every account's status from its history: the status-change log and ``customer_since``/``churned_on``.

Each workspace is read on its own (row-level security shows one workspace at a time), its history records in
order per account: a record whose status differs from the one before is a change on that day (in the
workspace's time zone); the first record counts as a change unless it is a prospect. An account whose history
does not end in its current status (or that has none) gets a change on the day of its last update.
"""

from zoneinfo import ZoneInfo

from django.db import migrations

PROSPECT, CUSTOMER, CHURNED = "prospect", "customer", "churned"


def _changes(history, accounts, zone):
    last, changes = {}, []
    for account_id, status, when in history:
        if status != last.get(account_id, PROSPECT):
            changes.append((account_id, status, when.astimezone(zone).date()))
        last[account_id] = status
    for account_id, (status, updated_at) in accounts.items():
        if status != last.get(account_id, PROSPECT):
            changes.append((account_id, status, updated_at.astimezone(zone).date()))
    return [change for change in changes if change[0] in accounts]


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    Tenant = apps.get_model("tenancy", "Tenant")
    Account = apps.get_model("accounts", "Account")
    HistoricalAccount = apps.get_model("accounts", "HistoricalAccount")
    AccountStatusChange = apps.get_model("accounts", "AccountStatusChange")
    for tenant_id, time_zone in Tenant._base_manager.values_list("id", "time_zone"):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
        accounts = {
            pk: (status, updated_at)
            for pk, status, updated_at in Account._base_manager.filter(tenant_id=tenant_id).values_list(
                "id", "status", "updated_at"
            )
        }
        history = (
            HistoricalAccount._base_manager.filter(tenant_id=tenant_id)
            .exclude(history_type="-")
            .order_by("id", "history_date", "history_id")
            .values_list("id", "status", "history_date")
            .iterator(chunk_size=5000)
        )
        changes = _changes(history, accounts, ZoneInfo(time_zone))
        AccountStatusChange._base_manager.bulk_create(
            [
                AccountStatusChange(tenant_id=tenant_id, account_id=account_id, status=status, changed_on=day)
                for account_id, status, day in changes
            ],
            batch_size=2000,
        )
        dates = {}
        for account_id, status, day in changes:
            since, churned = dates.get(account_id, (None, None))
            dates[account_id] = {
                CUSTOMER: (day, None),
                CHURNED: (since, day),
            }.get(status, (None, None))
        rows = [
            Account(pk=pk, customer_since=since, churned_on=churned)
            for pk, (since, churned) in dates.items()
            if since or churned
        ]
        Account._base_manager.bulk_update(rows, ["customer_since", "churned_on"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_account_status_dates"),
        ("tenancy", "0004_api_key_revoked_by_invitation_revoked_at"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
