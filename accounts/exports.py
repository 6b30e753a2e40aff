"""CSV export of the account and contact lists, safe to open in a spreadsheet.

Headers are human names that the importer maps back to the same fields (an
export can be imported again: every row is then an update or a skip).
Every cell starting with ``= + - @``, a tab, a carriage return or NUL gets a
leading apostrophe (OWASP CSV injection), numbers included, so that a
spreadsheet never evaluates it; the importer takes that apostrophe off again.
The ``defusedcsv`` package was not used: it leaves ``-2``-like cells and
tab / CR / NUL alone, which this rule does not.

The rows are read inside the request (one query each, ``values_list`` with the
related columns joined; accounts take a second query for their technologies)
and the CSV is built in memory before the view returns, because the tenant
context and its transaction end with the view.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from .imports import FORMULA_PREFIXES, TECHNOLOGY_SEPARATOR
from .models import (
    AccountStatus,
    AccountTechnology,
    BuyingRole,
    CompanyType,
    ContactStatus,
    RelationshipStrength,
    Seniority,
)


def neutralize(value) -> str:
    """The cell text, with a leading apostrophe when a spreadsheet could read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "Yes" if value else "No"
    elif isinstance(value, datetime):
        text = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, (date, Decimal, int)):
        text = str(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _label(choices) -> Callable:
    labels = {value: str(label) for value, label in choices}
    return lambda value: labels.get(value, value or "")


def _owner(values: dict) -> str:
    return values["owner__email"] or values["owner__username"] or ""


def _parent(values: dict) -> str:
    """The parent as the importer finds it again: its domain, else its name."""
    return values["parent__domain"] or values["parent__name"] or ""


def _technologies(values: dict) -> str:
    return f"{TECHNOLOGY_SEPARATOR} ".join(values["technologies"])


# (header, column or function of the row's values)
ACCOUNT_COLUMNS: list[tuple[str, str | Callable]] = [
    ("Name", "name"),
    ("Domain", "domain"),
    ("Website URL", "website"),
    ("Industry", "industry"),
    ("Employees", "employee_count"),
    ("Annual revenue", "annual_revenue"),
    ("Country", "country"),
    ("Status", ("status", _label(AccountStatus.choices))),
    ("Owner", _owner),
    ("Target account", "is_target"),
    ("Company type", ("company_type", _label(CompanyType.choices))),
    ("Growth rate (%)", "growth_rate"),
    ("Headquarters", "headquarters"),
    ("Offices", "office_count"),
    ("Last verified on", "last_verified_on"),
    ("Parent", _parent),
    ("Technologies", _technologies),
    ("Tier", "tier__name"),
    ("Fit score", "fit_score"),
    ("Source", "source"),
    ("Created at", "created_at"),
]

CONTACT_COLUMNS: list[tuple[str, str | Callable]] = [
    ("First name", "first_name"),
    ("Last name", "last_name"),
    ("E-mail", "email"),
    ("Account domain", "account__domain"),
    ("Account name", "account__name"),
    ("Title", "title"),
    ("Department", "department"),
    ("Seniority", ("seniority", _label(Seniority.choices))),
    ("Phone", "phone"),
    ("LinkedIn URL", "linkedin_url"),
    ("Buying role", ("buying_role", _label(BuyingRole.choices))),
    ("Relationship strength", ("relationship_strength", _label(RelationshipStrength.choices))),
    ("Status", ("status", _label(ContactStatus.choices))),
    ("Last verified on", "last_verified_on"),
    ("Persona", "persona__name"),
    ("Source", "source"),
    ("Created at", "created_at"),
]


def _columns_needed(columns) -> list[str]:
    needed = []
    for _, spec in columns:
        if isinstance(spec, str):
            needed.append(spec)
        elif isinstance(spec, tuple):
            needed.append(spec[0])
    return needed


def _cell(spec, values: dict):
    if isinstance(spec, str):
        return values[spec]
    if isinstance(spec, tuple):
        return spec[1](values[spec[0]])
    return spec(values)


def write_csv(rows: Iterable[dict], columns) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralize(header) for header, _ in columns])
    for values in rows:
        writer.writerow([neutralize(_cell(spec, values)) for _, spec in columns])
    return buffer.getvalue()


def accounts_csv(queryset: QuerySet) -> str:
    """The accounts of ``queryset`` (already filtered and ordered like the list) as CSV text; two queries."""
    names = defaultdict(list)
    for account_id, name in AccountTechnology.objects.filter(account__in=queryset.order_by().values("pk")).values_list(
        "account_id", "technology__name"
    ):
        names[account_id].append(name)
    fields = [
        *_columns_needed(ACCOUNT_COLUMNS),
        "id",
        "owner__email",
        "owner__username",
        "parent__domain",
        "parent__name",
    ]
    rows = (
        {**values, "technologies": sorted(names.get(values["id"], ()), key=str.casefold)}
        for values in queryset.values(*fields).iterator(chunk_size=2000)
    )
    return write_csv(rows, ACCOUNT_COLUMNS)


def contacts_csv(queryset: QuerySet) -> str:
    """The contacts of ``queryset`` as CSV text; one query."""
    return write_csv(queryset.values(*_columns_needed(CONTACT_COLUMNS)).iterator(chunk_size=2000), CONTACT_COLUMNS)
