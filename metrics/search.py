"""The header's global search: accounts, contacts and plays whose names match every word typed, a few of
each kind, in one query per kind (through the tenant-scoped managers)."""

from functools import reduce
from operator import and_, or_

from django.db.models import Q, Value
from django.db.models.functions import Concat

from accounts.models import Account, Contact
from plays.models import PlayTemplate

RESULTS_PER_KIND = 5
MIN_LENGTH = 2


def _matching(queryset, fields: list[str], query: str):
    """Rows where every word of ``query`` is in one of ``fields`` (as the lists' ``?search=`` matches)."""
    words = query.split()
    return queryset.filter(
        reduce(and_, (reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)) for word in words))
    )


def _first(queryset, limit: int) -> tuple[list, bool]:
    """The first ``limit`` rows and whether there are more (one query: one row more is read)."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def global_search(query: str, limit: int = RESULTS_PER_KIND) -> dict:
    """``{"accounts": ([rows], more), "contacts": (…), "plays": (…)}``; nothing for fewer than ``MIN_LENGTH``
    characters."""
    query = query.strip()
    if len(query) < MIN_LENGTH:
        return {"accounts": ([], False), "contacts": ([], False), "plays": ([], False)}
    accounts = _matching(Account.objects.all(), ["name", "domain"], query).order_by("name", "id")
    contacts = _matching(
        Contact.objects.annotate(full_name=Concat("first_name", Value(" "), "last_name")),
        ["full_name", "email", "title"],
        query,
    ).order_by("last_name", "first_name", "id")
    plays = _matching(PlayTemplate.objects.all(), ["name"], query).order_by("name", "id")
    return {
        "accounts": _first(accounts.values("id", "name", "domain"), limit),
        "contacts": _first(
            contacts.values("id", "first_name", "last_name", "title", "account_id", "account__name"), limit
        ),
        "plays": _first(plays.values("id", "name", "kind"), limit),
    }
