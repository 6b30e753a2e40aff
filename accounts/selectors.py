"""Reads of target accounts, shaped so that a page costs the same queries for 10 or 10,000 rows."""

from typing import NamedTuple

from django.core.cache import cache
from django.db.models import (
    Case,
    DecimalField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from abs_platform.tenancy.context import get_current_tenant

from .models import (
    CLOSED_STAGES,
    NEVER_VERIFIED,
    Account,
    AccountTechnology,
    Contact,
    Opportunity,
    SavedView,
    Signal,
    Technology,
)

# The columns of an account row in lists and details (accounts.api.account_row builds the JSON).
ACCOUNT_ROW_COLUMNS = (
    "id",
    "name",
    "domain",
    "website",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "status",
    "owner_id",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "is_target",
    "parent_id",
    "fit_score",
    "tier_id",
    "tier__name",
    "fit_sort",
    "created_at",
    "updated_at",
)


def account_list() -> QuerySet[Account]:
    """Accounts with owner and tier. Coverage comes per page (personas.selectors.coverage_for), or as
    annotations (accounts_with_coverage) only when a coverage filter asks for it."""
    # fit_sort: the fit score with unscored accounts last, a non-null key for cursor pagination.
    return Account.objects.select_related("owner", "tier").annotate(fit_sort=Coalesce("fit_score", Value(-1)))


def accounts_by_ids(ids) -> QuerySet[Account]:
    return Account.objects.filter(pk__in=ids)


INDUSTRIES_CACHE_SECONDS = 60


def account_industries() -> list[str]:
    """Industries in use in this workspace, for the filter's choices (cached a minute: a full scan per tenant)."""
    key = f"account-industries:{get_current_tenant().pk}"
    industries = cache.get(key)
    if industries is None:
        industries = list(
            Account.objects.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct()
        )
        cache.set(key, industries, INDUSTRIES_CACHE_SECONDS)
    return industries


# --- Contacts, signals, opportunities, technologies -------------------------------------------------


def contact_list() -> QuerySet[Contact]:
    """Contacts with account and persona names, and the non-null sort keys the list's cursor pagination
    needs: ``verified_sort`` (last verified, never verified first) and ``account_sort`` (account name)."""
    # Only the joined columns the rows show: an account row is wide (fit explanation).
    return (
        Contact.objects.select_related("account", "persona")
        .only(
            *(f.name for f in Contact._meta.concrete_fields),
            "account__id",
            "account__name",
            "persona__id",
            "persona__name",
        )
        .annotate(verified_sort=Coalesce("last_verified_on", Value(NEVER_VERIFIED)), account_sort=F("account__name"))
    )


def contacts_by_ids(ids) -> QuerySet[Contact]:
    return Contact.objects.filter(pk__in=ids).order_by("pk")


DEPARTMENTS_CACHE_SECONDS = 60


def contact_departments() -> list[str]:
    """Departments in use in this workspace, for the filter's suggestions (cached a minute: a full scan per
    tenant)."""
    key = f"contact-departments:{get_current_tenant().pk}"
    departments = cache.get(key)
    if departments is None:
        departments = list(
            Contact.objects.exclude(department="")
            .order_by("department")
            .values_list("department", flat=True)
            .distinct()
        )
        cache.set(key, departments, DEPARTMENTS_CACHE_SECONDS)
    return departments


ACCOUNT_CHOICES_LIMIT = 50  # accounts an account picker offers at once; typing narrows them


class AccountChoices(NamedTuple):
    accounts: list[Account]  # the selected account first, then the others by name
    more: bool  # more accounts match than are offered
    selected_id: int | None  # the selected account's id, when it is an account of this workspace


def account_choices(*, search: str = "", selected=None) -> AccountChoices:
    """Accounts for an account picker: up to ``ACCOUNT_CHOICES_LIMIT`` whose name contains ``search``, by
    name, plus the ``selected`` account (an id, as sent by a form) whatever its name (one query)."""
    try:
        selected_id = int(selected) if selected not in (None, "") else None
    except (TypeError, ValueError):
        selected_id = None
    search = search.strip()
    queryset = Account.objects.only("id", "name").order_by("name", "id")
    if search:
        wanted = Q(name__icontains=search)
        queryset = queryset.filter(wanted | Q(pk=selected_id) if selected_id is not None else wanted)
    if selected_id is not None:
        queryset = queryset.order_by(Case(When(pk=selected_id, then=Value(0)), default=Value(1)), "name", "id")
    rows = list(queryset[: ACCOUNT_CHOICES_LIMIT + 2])  # the selected one, the limit, one more
    selected_rows = [account for account in rows if account.pk == selected_id]
    others = [account for account in rows if account.pk != selected_id]
    return AccountChoices(
        accounts=selected_rows + others[:ACCOUNT_CHOICES_LIMIT],
        more=len(others) > ACCOUNT_CHOICES_LIMIT,
        selected_id=selected_id if selected_rows else None,
    )


def signal_list() -> QuerySet[Signal]:
    return Signal.objects.select_related("account", "contact")


def opportunity_list() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related("account")


def open_opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.exclude(stage__in=CLOSED_STAGES)


def technology_list() -> QuerySet[Technology]:
    return Technology.objects.all()


def account_technology_list() -> QuerySet[AccountTechnology]:
    return AccountTechnology.objects.select_related("account", "technology")


# --- The account page ------------------------------------------------------------------------------

ANCESTOR_DEPTH = 4  # parents shown above an account (and the depth of a hierarchy root search)
TREE_DEPTH = 6  # levels below the hierarchy root that the tree shows
TREE_MAX_NODES = 300  # accounts in one hierarchy tree at most (the page says when it is cut)


def account_for_page(account_id: int) -> Account:
    """One account with its owner, tiers and up to ``ANCESTOR_DEPTH`` ancestors (one query)."""
    ancestors = "__".join(["parent"] * ANCESTOR_DEPTH)
    return Account.objects.select_related("owner", "tier", "suggested_tier", ancestors).get(pk=account_id)


def account_ancestors(account: Account) -> list[Account]:
    """Ancestors from the top down, as loaded by ``account_for_page`` (no queries)."""
    chain, current = [], account
    for _ in range(ANCESTOR_DEPTH):
        if current.parent_id is None:
            break
        current = current.parent
        chain.append(current)
    return list(reversed(chain))


def _count_subquery(queryset):
    counted = queryset.order_by().annotate(_n=Func(F("id"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def hierarchy_nodes(root: Account, *, today=None) -> list[Account]:
    """The root and its descendants down to ``TREE_DEPTH`` levels, each annotated with its own contacts,
    open pipeline and committee coverage (one query; at most ``TREE_MAX_NODES`` rows)."""
    from personas.selectors import accounts_with_coverage  # personas builds on accounts: imported late

    # The subtree's ids by a recursive walk down (tenant_id, parent) — an index lookup per level
    # instead of joining every account of the workspace once per level.
    subtree_ids = RawSQL(  # noqa: S611 (only the table name is interpolated; values are parameters)
        f"WITH RECURSIVE tree(id, depth) AS ("
        f" SELECT id, 0 FROM {Account._meta.db_table} WHERE id = %s AND tenant_id = %s"
        f" UNION ALL SELECT child.id, tree.depth + 1 FROM {Account._meta.db_table} child"
        f" JOIN tree ON child.parent_id = tree.id WHERE child.tenant_id = %s AND tree.depth < %s"
        f") SELECT id FROM tree",
        [root.pk, root.tenant_id, root.tenant_id, TREE_DEPTH],
    )
    pipeline = (
        open_opportunities()
        .filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=18, decimal_places=2)
    queryset = (
        Account.objects.filter(pk__in=subtree_ids)
        .annotate(
            contacts_count=_count_subquery(Contact.objects.filter(account=OuterRef("pk"))),
            open_pipeline=Coalesce(Subquery(pipeline, output_field=money), Value(0), output_field=money),
        )
        .only("id", "name", "parent_id", "tier_id", "status")
        .order_by("name", "id")
    )
    return list(accounts_with_coverage(queryset, today=today)[:TREE_MAX_NODES])


def hierarchy_tree(nodes: list[Account], root_id: int) -> list[dict]:
    """Flatten the tree depth-first (children by name) with each node's own figures and its subtree's
    roll-up: contacts, open pipeline and coverage (covered / required requirements over the subtree)."""
    by_id = {node.pk: node for node in nodes}
    children: dict[int, list[Account]] = {}
    for node in nodes:
        if node.pk != root_id and node.parent_id in by_id:
            children.setdefault(node.parent_id, []).append(node)
    totals: dict[int, dict] = {}

    def roll_up(node: Account, seen: frozenset) -> dict:
        total = {
            "contacts": node.contacts_count,
            "pipeline": node.open_pipeline,
            "covered": node.coverage_covered,
            "required": node.coverage_required,
        }
        for child in children.get(node.pk, []):
            if child.pk in seen:
                continue
            sub = roll_up(child, seen | {child.pk})
            for key in total:
                total[key] += sub[key]
        totals[node.pk] = total
        return total

    rows: list[dict] = []

    def walk(node: Account, depth: int, seen: frozenset) -> None:
        total = totals[node.pk]
        rows.append(
            {
                "account": node,
                "depth": depth,
                "has_children": bool(children.get(node.pk)),
                "contacts": total["contacts"],
                "pipeline": total["pipeline"],
                "covered": total["covered"],
                "required": total["required"],
                "coverage_percent": total["covered"] * 100 // total["required"] if total["required"] else None,
            }
        )
        for child in children.get(node.pk, []):
            if child.pk not in seen:
                walk(child, depth + 1, seen | {child.pk})

    root = by_id.get(root_id)
    if root is None:
        return []
    roll_up(root, frozenset({root_id}))
    walk(root, 0, frozenset({root_id}))
    return rows


def account_contacts_for_committee(account: Account) -> list[Contact]:
    return list(
        Contact.objects.filter(account=account).select_related("persona").order_by("last_name", "first_name", "id")
    )


def saved_views_for(user) -> QuerySet[SavedView]:
    """The user's own saved views and those shared in the workspace (only shared ones without a user)."""
    mine = Q(user=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return SavedView.objects.filter(mine | Q(is_shared=True)).select_related("user")
