"""Reads of target accounts, shaped so that a page costs the same queries for 10 or 10,000 rows."""

from django.db.models import QuerySet

from .models import Account


def account_list() -> QuerySet[Account]:
    return Account.objects.select_related("owner")


def account_industries() -> list[str]:
    """Industries in use in this workspace, for the filter's suggestions."""
    return list(Account.objects.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct())
