"""Reads of target accounts, shaped so that a page costs the same queries for 10 or 10,000 rows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from abs_platform.tenancy import cache_reads
from abs_platform.tenancy.context import get_current_tenant, workspace_today, workspace_zone

from .engagement import NO_ENGAGEMENT, Counts, Engagement, engagement_windows
from .extensions import annotate_accounts
from .models import (
    CLOSED_STAGES,
    NEVER_VERIFIED,
    Account,
    AccountTechnology,
    Activity,
    ActivityDirection,
    Contact,
    Opportunity,
    SavedView,
    Signal,
    Technology,
)


def tiers_to_choose() -> QuerySet:
    """The tiers an account may have (``icp.Tier``, reached through the foreign key), by rank."""
    return Account._meta.get_field("tier").related_model.objects.order_by("rank", "id")


def personas_to_choose() -> QuerySet:
    """The personas a contact may have (``personas.Persona``, through the foreign key), by name."""
    return Contact._meta.get_field("persona").related_model.objects.only("id", "name").order_by("name", "id")


def account_list() -> QuerySet[Account]:
    """Accounts with the names their rows show: ``owner_name`` (the owner's full name, else username) and
    ``tier_name`` ("" without one), and what higher layers add (``accounts.extensions``: coverage)."""
    full_name = Trim(Concat("owner__first_name", Value(" "), "owner__last_name"))
    # fit_sort: the fit score with unscored accounts last, a non-null key for cursor pagination. A plain
    # integer: typed as the positive fit score, Django would drop the cursor's "fit_sort > -1" as always true.
    accounts = Account.objects.annotate(
        owner_name=Coalesce(NullIf(full_name, Value("")), "owner__username", Value("")),
        tier_name=Coalesce("tier__name", Value("")),
        fit_sort=Coalesce("fit_score", Value(-1), output_field=IntegerField()),
    )
    return annotate_accounts(accounts)


def accounts_by_ids(ids) -> QuerySet[Account]:
    return Account.objects.filter(pk__in=ids)


INDUSTRIES_CACHE_SECONDS = 60


def workspace_has_accounts() -> bool:
    return Account.objects.exists()


def _industries_key() -> str:
    return f"account-industries:{get_current_tenant().pk}"


def forget_account_industries() -> None:
    """Drop the cached industries once the current transaction commits."""
    key = _industries_key()
    transaction.on_commit(lambda: cache.delete(key))


def industry_counts() -> QuerySet:
    """Each industry value of this workspace with its number of accounts, by name."""
    return (
        Account.objects.exclude(industry="")
        .order_by("industry")
        .values("industry")
        .annotate(accounts=Count("id"))
        .values("industry", "accounts")
    )


def account_industries() -> list[str]:
    """Industries in use in this workspace, for the filter's choices and the account form's suggestions (cached a
    minute: a full scan per tenant)."""
    return cache_reads.remembered(
        _industries_key(),
        INDUSTRIES_CACHE_SECONDS,
        lambda: list(
            Account.objects.exclude(industry="").order_by("industry").values_list("industry", flat=True).distinct()
        ),
    )


# --- Contacts, signals, opportunities, technologies -------------------------------------------------


def contact_list() -> QuerySet[Contact]:
    """Contacts with the names their rows show (``account_name``, ``persona_name``: "" without one), and the
    non-null sort keys the list's cursor pagination needs: ``verified_sort`` (last verified, never verified
    first) and ``account_sort`` (account name)."""
    return Contact.objects.annotate(
        account_name=F("account__name"),
        persona_name=Coalesce("persona__name", Value("")),
        verified_sort=Coalesce("last_verified_on", Value(NEVER_VERIFIED)),
        account_sort=F("account__name"),
    )


def contacts_by_ids(ids) -> QuerySet[Contact]:
    return Contact.objects.filter(pk__in=ids).order_by("pk")


DEPARTMENTS_CACHE_SECONDS = 60


def contact_departments() -> list[str]:
    """Departments in use in this workspace, for the filter's suggestions (cached a minute: a full scan per
    tenant)."""
    return cache_reads.remembered(
        f"contact-departments:{get_current_tenant().pk}",
        DEPARTMENTS_CACHE_SECONDS,
        lambda: list(
            Contact.objects.exclude(department="")
            .order_by("department")
            .values_list("department", flat=True)
            .distinct()
        ),
    )


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


def activity_list() -> QuerySet[Activity]:
    # "task": the reverse of tasks' Task.activity (the task whose completion logged it), named, not imported.
    return Activity.objects.select_related("account", "contact", "owner", "task").only(
        *(f.name for f in Activity._meta.concrete_fields),
        "account__id",
        "account__name",
        "contact__id",
        "contact__first_name",
        "contact__last_name",
        "owner__id",
        "owner__username",
        "owner__first_name",
        "owner__last_name",
        "task__id",
    )


def account_contact_choices(account_id) -> list[Contact]:
    """The contacts an activity at this account may name (for the form's choices)."""
    if not account_id:
        return []
    return list(Contact.objects.filter(account_id=account_id).only("id", "first_name", "last_name", "account_id"))


def _engagement_sql(accounts_in: str) -> str:
    """Six counts per account over the activities of ``a.account_id IN (<accounts_in>)`` (``_engagement_params``)."""
    current, baseline = "a.occurred_at >= %s", "a.occurred_at < %s"
    outbound, inbound = "a.direction = %s", "a.direction = %s"
    return (
        "SELECT a.account_id,"
        f" COUNT(CASE WHEN {current} AND {outbound} THEN 1 END),"
        f" COUNT(CASE WHEN {current} AND {inbound} THEN 1 END),"
        f" COUNT(DISTINCT CASE WHEN {current} THEN a.contact_id END),"
        f" COUNT(CASE WHEN {baseline} AND {outbound} THEN 1 END),"
        f" COUNT(CASE WHEN {baseline} AND {inbound} THEN 1 END),"
        f" COUNT(DISTINCT CASE WHEN {baseline} THEN a.contact_id END)"
        f" FROM {Activity._meta.db_table} a WHERE a.tenant_id = %s AND a.account_id IN ({accounts_in})"
        " AND a.occurred_at >= %s AND a.occurred_at < %s GROUP BY a.account_id"
    )


def _engagement_params(reference: date | None, accounts_in_params: list) -> list:
    """The parameters of ``_engagement_sql``: the workspace's windows around ``reference`` (default today)."""
    windows = engagement_windows(reference or workspace_today(), workspace_zone())
    current_start, baseline_start, end = (
        connection.ops.adapt_datetimefield_value(moment)
        for moment in (windows.current_start, windows.baseline_start, windows.end)
    )
    outbound, inbound = ActivityDirection.OUTBOUND.value, ActivityDirection.INBOUND.value
    return [
        *(current_start, outbound, current_start, inbound, current_start),
        *(current_start, outbound, current_start, inbound, current_start),
        get_current_tenant().pk,
        *accounts_in_params,
        baseline_start,
        end,
    ]


def _engagement(counts) -> Engagement:
    """An ``Engagement`` from the six counts of ``_engagement_sql`` (zeros when the account had no activity)."""
    touches, responses, engaged, *baseline = (count or 0 for count in counts)
    return Engagement(current=Counts(touches, responses, engaged), baseline=Counts(*baseline))


def engagement_by_account(account_ids: Iterable[int], *, reference: date | None = None) -> dict[int, Engagement]:
    """Engagement (see ``accounts.engagement``) of many accounts in one grouped query; every requested id is in
    the answer, with zeros when it had no activity in either window. Hand-written SQL, like the hierarchy's:
    six filtered counts cost more to build with the ORM than to run."""
    account_ids = list(account_ids)
    if not account_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _engagement_sql(", ".join(["%s"] * len(account_ids))), _engagement_params(reference, account_ids)
        )
        found = {account_id: _engagement(counts) for account_id, *counts in cursor.fetchall()}
    return {account_id: found.get(account_id, NO_ENGAGEMENT) for account_id in account_ids}


def technology_list() -> QuerySet[Technology]:
    return Technology.objects.all()


def account_technology_list() -> QuerySet[AccountTechnology]:
    return AccountTechnology.objects.select_related("account", "technology")


# --- The account page ------------------------------------------------------------------------------

ANCESTOR_DEPTH = 4  # parents shown above an account (and the depth of a hierarchy root search)
TREE_DEPTH = 6  # levels below the hierarchy root that the tree shows
TREE_MAX_NODES = 300  # accounts in one hierarchy tree at most (the page says when it is cut)
CENT = Decimal("0.01")


def accounts_for_page():
    """Accounts with what the account page shows of them: owner, tier, suggested tier and technologies by name."""
    return Account.objects.select_related("owner", "tier", "suggested_tier").prefetch_related(
        Prefetch("technologies", queryset=Technology.objects.order_by("name"))
    )


@dataclass
class AccountNode:
    """An account in the hierarchy: the few columns the breadcrumb and the tree show, with its own figures."""

    pk: int
    name: str
    parent_id: int | None
    tier_id: int | None = None
    contacts_count: int = 0
    open_pipeline: Decimal = Decimal("0.00")
    coverage_covered: int = 0
    coverage_required: int = 0
    engagement: Engagement = NO_ENGAGEMENT


# The account page's hierarchy reads are hand-written SQL (plain, portable to SQLite): the ORM has no recursive
# queries (WITH RECURSIVE) to walk a tree in one statement.
_ACCOUNT, _CONTACT, _OPPORTUNITY = (model._meta.db_table for model in (Account, Contact, Opportunity))

_ANCESTORS_SQL = (
    "WITH RECURSIVE up(id, name, parent_id, depth) AS ("
    f" SELECT id, name, parent_id, 1 FROM {_ACCOUNT} WHERE id = %s AND tenant_id = %s"
    f" UNION ALL SELECT p.id, p.name, p.parent_id, up.depth + 1 FROM {_ACCOUNT} p JOIN up ON p.id = up.parent_id"
    " WHERE p.tenant_id = %s AND up.depth < %s"
    ") SELECT id, name, parent_id FROM up ORDER BY depth DESC"
)


def account_ancestors(account: Account) -> list[AccountNode]:
    """Up to ``ANCESTOR_DEPTH`` ancestors, from the top down (one query; none without a parent)."""
    if account.parent_id is None:
        return []
    tenant_id = get_current_tenant().pk
    with connection.cursor() as cursor:
        cursor.execute(_ANCESTORS_SQL, [account.parent_id, tenant_id, tenant_id, ANCESTOR_DEPTH])
        return [AccountNode(pk, name, parent_id) for pk, name, parent_id in cursor.fetchall()]


def _hierarchy_sql() -> str:
    """The subtree by a recursive walk down (tenant_id, parent: an index lookup per level), cut to its top
    ``TREE_MAX_NODES`` accounts (level by level, by name); per node its stored committee coverage, contacts,
    open pipeline and engagement."""
    closed = ", ".join(["%s"] * len(CLOSED_STAGES))
    return (
        "WITH RECURSIVE tree(id, depth) AS ("
        f" SELECT id, 0 FROM {_ACCOUNT} WHERE id = %s AND tenant_id = %s"
        f" UNION ALL SELECT child.id, tree.depth + 1 FROM {_ACCOUNT} child JOIN tree ON child.parent_id = tree.id"
        " WHERE child.tenant_id = %s AND tree.depth < %s"
        "), nodes AS ("
        " SELECT a.id, a.name, a.parent_id, a.tier_id, a.coverage_covered, a.coverage_required"
        f" FROM {_ACCOUNT} a JOIN tree ON tree.id = a.id"
        " WHERE a.tenant_id = %s ORDER BY tree.depth, a.name, a.id LIMIT %s"
        ") SELECT n.id, n.name, n.parent_id, n.tier_id, n.coverage_covered, n.coverage_required,"
        f" (SELECT COUNT(*) FROM {_CONTACT} c WHERE c.tenant_id = %s AND c.account_id = n.id),"
        f" (SELECT SUM(o.amount) FROM {_OPPORTUNITY} o WHERE o.tenant_id = %s AND o.account_id = n.id"
        f" AND o.stage NOT IN ({closed})),"
        " e.*"
        f" FROM nodes n LEFT JOIN ({_engagement_sql('SELECT id FROM nodes')}) e ON e.account_id = n.id"
        " ORDER BY n.name, n.id"
    )


def _money(value) -> Decimal:
    """SQLite sums decimals as floats; PostgreSQL returns Decimals."""
    return Decimal(str(value or 0)).quantize(CENT)


def hierarchy_nodes(root, *, reference: date | None = None) -> list[AccountNode]:
    """The root and its descendants down to ``TREE_DEPTH`` levels, each with its own contacts, open pipeline,
    engagement (windows ending ``reference``, default the workspace's today; as ``engagement_by_account``) and
    committee coverage (``Account.coverage_covered`` / ``coverage_required``): one query, at most
    ``TREE_MAX_NODES`` accounts."""
    tenant_id = get_current_tenant().pk
    params = [
        *(root.pk, tenant_id, tenant_id, TREE_DEPTH, tenant_id, TREE_MAX_NODES),
        *(tenant_id, tenant_id, *(stage.value for stage in CLOSED_STAGES)),
        *_engagement_params(reference, []),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_hierarchy_sql(), params)
        return [
            AccountNode(
                pk, name, parent_id, tier_id, contacts, _money(pipeline), covered, required, _engagement(counts)
            )
            for pk, name, parent_id, tier_id, covered, required, contacts, pipeline, _account_id, *counts in (
                cursor.fetchall()
            )
        ]


def hierarchy_tree(nodes: list[AccountNode], root_id: int) -> list[dict]:
    """Flatten the tree depth-first (children by name) with each node's own figures and its subtree's
    roll-up: contacts, open pipeline, coverage (covered / required requirements over the subtree) and
    engagement (counts of both windows added up, the change computed on the sums)."""
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
            "engagement": node.engagement,
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
                "engagement": total["engagement"],
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


def saved_views_for(user) -> QuerySet[SavedView]:
    """The user's own saved views and those shared in the workspace (only shared ones without a user)."""
    mine = Q(user=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return SavedView.objects.filter(mine | Q(is_shared=True)).select_related("user")
