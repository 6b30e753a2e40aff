from datetime import date
from decimal import Decimal

from django.db import transaction

from abs_platform.tenancy.context import get_current_tenant

from .models import MetricsSettings, SpendEntry


def metrics_settings() -> MetricsSettings:
    """The workspace's settings (unsaved defaults without a row)."""
    return MetricsSettings.objects.first() or MetricsSettings()


def _save_spend(entry: SpendEntry) -> SpendEntry:
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def spend_create(*, period_start: date, period_end: date, channel: str, amount: Decimal, note: str = "") -> SpendEntry:
    return _save_spend(
        SpendEntry(
            tenant=get_current_tenant(),
            period_start=period_start,
            period_end=period_end,
            channel=channel,
            amount=amount,
            note=note,
        )
    )


@transaction.atomic
def spend_update(*, entry: SpendEntry, **fields) -> SpendEntry:
    """Change the given fields (``period_start``, ``period_end``, ``channel``, ``amount``, ``note``)."""
    for name, value in fields.items():
        setattr(entry, name, value)
    return _save_spend(entry)


@transaction.atomic
def spend_delete(*, entry: SpendEntry) -> None:
    entry.delete()
