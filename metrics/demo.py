"""Demo data of the programme metrics, so the funnel, cohorts, lifecycle and CAC show real figures in ``make run``:
spend by month and channel, dated status histories (churned customers, customers that came back), conversations
and hand-offs on prospected target accounts, non-target customers with won deals and look-alike prospects.

Called by ``load_demo`` after every other app's demo (``metrics`` is the last app). Safe to run twice: a workspace
that already has spend entries is left alone. Random values come from a seeded generator: the same every run.

Then 90 days of daily snapshots, so the trends draw before the nightly job has run twice (``_snapshots``).
"""

import random
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from abs_platform.tenancy.context import tenant_context, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.selectors import assignable_members
from accounts import services as accounts_services
from accounts.models import (
    Account,
    AccountStatus,
    AccountStatusChange,
    Activity,
    ActivityChannel,
    ActivityDirection,
    ActivityOutcome,
    OpportunityStage,
)
from planning import services as planning_services
from planning.models import HandOff

from . import services
from .filters import day_start
from .models import DailySnapshot, SpendChannel, SpendEntry

MONTHLY_SPEND = {
    SpendChannel.EVENTS: (60000, 140000),
    SpendChannel.ADVERTISING: (40000, 90000),
    SpendChannel.CONTENT: (15000, 30000),
}
CONVERSATIONS = (ActivityOutcome.CONNECTED, ActivityOutcome.REPLIED, ActivityOutcome.MEETING_BOOKED)
# (name, industry, employees): industries and sizes of the demo's target accounts, so look-alikes match.
NON_TARGET_CUSTOMERS = [
    ("Harbor Freight Lines", "Logistics", 350),
    ("Pinecrest Stores", "Retail", 1500),
    ("Quarry Clinics", "Healthcare", 800),
    ("Redwood Code", "Software", 120),
    ("Summit Power", "Energy", 4000),
    ("Tidewater Cover", "Insurance", 350),
    ("Upland Studios", "Media", 40),
    ("Vantage Works", "Manufacturing", 1500),
]
SNAPSHOT_DAYS = 90
# Where the snapshots' first day starts, as a share of today's figure: coverage climbs from it, staleness falls.
COVERAGE_START = {"accounts_without_gap": 0.55, "personas_covered": 0.7}
STALE_START = 1.6
LOOK_ALIKE_PROSPECTS = [
    ("Willow Outlets", "Retail", 1500),
    ("Xenon Code", "Software", 120),
    ("Yarrow Care", "Healthcare", 800),
    ("Zephyr Freight", "Logistics", 350),
]


def load_demo(tenant, *, users: list, seed: int, main: bool) -> dict:
    rng = random.Random(seed)  # noqa: S311 (repeatable demo data)
    counts = dict.fromkeys(
        ("spend_entries", "status_changes", "conversations", "hand_offs", "non_target", "snapshots"), 0
    )
    with tenant_context(tenant, users[0]), tenant_transaction(tenant):
        if SpendEntry.objects.exists():
            return counts
        today = workspace_today()
        counts["spend_entries"] = _spend(tenant, today, rng, months=12 if main else 6)
        counts["status_changes"] = _status_histories(tenant, today, rng)
        recent_touch = Activity.objects.filter(
            account=OuterRef("pk"),
            direction=ActivityDirection.OUTBOUND,
            occurred_at__gte=timezone.now() - timedelta(days=60),
        )
        prospected = list(Account.objects.filter(Exists(recent_touch), is_target=True).order_by("id"))
        counts["conversations"] = _conversations(tenant, prospected, rng)
        counts["hand_offs"] = _hand_offs(prospected, users, rng)
        counts["non_target"] = _non_target_accounts(
            today,
            rng,
            customers=NON_TARGET_CUSTOMERS if main else NON_TARGET_CUSTOMERS[:3],
            prospects=LOOK_ALIKE_PROSPECTS if main else [],
        )
        counts["snapshots"] = _snapshots(tenant, today, rng)
    return counts


def _snapshots(tenant, today, rng) -> int:
    """``SNAPSHOT_DAYS`` daily snapshots ending today, as if the nightly job had run every day. Today's is the
    job's own (``snapshot_take``: the checks' stored coverage and staleness). The days before get what the job's
    back-fill computes from dated rows (engagement, pipeline, tasks); their coverage and staleness, which only the
    day itself could measure, follow a seeded path towards today's figures: coverage climbing, staleness falling."""
    if DailySnapshot.objects.exists():
        return 0
    days = [today - timedelta(days=back) for back in range(SNAPSHOT_DAYS - 1, 0, -1)]
    figures = services.recomputable_figures(days)
    now = services.measured_figures(today)
    rows = []
    for index, day in enumerate(days):
        progress = index / len(days)
        rows.append(
            DailySnapshot(
                tenant=tenant,
                day=day,
                taken_at=day_start(day) + timedelta(hours=3),
                **figures[day],
                **_measured_on(day, now, progress, rng),
            )
        )
    DailySnapshot.objects.bulk_create(rows)
    services.snapshot_take()
    return len(rows) + 1


def _measured_on(day, now: dict, progress: float, rng) -> dict:
    """Coverage and staleness ``progress`` (0 → 1) of the way from their starting shares to today's figures, with
    a little noise; null when the checks have not measured today."""
    measured = dict.fromkeys(services.MEASURED)
    if now["accounts_checked"] is not None:
        measured |= {
            "coverage_checked_at": day_start(day) + timedelta(hours=2),
            "accounts_checked": now["accounts_checked"],
            "personas_required": now["personas_required"],
        }
        for field, start in COVERAGE_START.items():
            share = start + (1 - start) * progress + rng.uniform(-0.02, 0.02)
            measured[field] = max(0, min(now[field], round(now[field] * share)))
    if now["stale_by_reason"] is not None:
        factor = STALE_START + (1 - STALE_START) * progress + rng.uniform(-0.03, 0.03)
        measured["stale_by_reason"] = {
            reason: round(count * factor) for reason, count in now["stale_by_reason"].items()
        }
    return measured


def _spend(tenant, today, rng, *, months: int) -> int:
    """Each channel's spend per calendar month, the current month included."""
    first = today.replace(day=1)
    entries = []
    for back in range(months - 1, -1, -1):
        start = first - relativedelta(months=back)
        end = start + relativedelta(months=1) - timedelta(days=1)
        for channel, (low, high) in MONTHLY_SPEND.items():
            entries.append(
                SpendEntry(
                    tenant=tenant,
                    period_start=start,
                    period_end=end,
                    channel=channel,
                    amount=Decimal(rng.randrange(low, high, 50)),
                )
            )
    bulk_create_with_history(entries, SpendEntry)
    return len(entries)


def _status_histories(tenant, today, rng) -> int:
    """Customers and churned accounts without a dated history get one: churned ones were customers first (some
    churned in the last three months); every seventh customer churned once and came back."""
    dated = Exists(AccountStatusChange.objects.filter(account=OuterRef("pk")))
    accounts = list(
        Account.objects.filter(status__in=[AccountStatus.CUSTOMER, AccountStatus.CHURNED]).exclude(dated).order_by("id")
    )
    rows = []

    def change(account, status, day):
        rows.append(AccountStatusChange(tenant=tenant, account=account, status=status, changed_on=day))

    for index, account in enumerate(accounts):
        if account.status == AccountStatus.CHURNED:
            churned = today - timedelta(days=rng.randint(3, 150))
            since = churned - timedelta(days=rng.randint(150, 700))
            change(account, AccountStatus.CUSTOMER, since)
            change(account, AccountStatus.CHURNED, churned)
            account.customer_since, account.churned_on = since, churned
        elif index % 7 == 3:
            first = today - timedelta(days=rng.randint(500, 900))
            gone, back = first + timedelta(days=rng.randint(120, 300)), today - timedelta(days=rng.randint(10, 60))
            for status, day in ((AccountStatus.CUSTOMER, first), (AccountStatus.CHURNED, gone)):
                change(account, status, day)
            change(account, AccountStatus.CUSTOMER, back)
            account.customer_since, account.churned_on = back, None
        else:
            since = today - timedelta(days=rng.randint(20, 900))
            change(account, AccountStatus.CUSTOMER, since)
            account.customer_since, account.churned_on = since, None
    bulk_create_with_history(rows, AccountStatusChange)
    if accounts:
        bulk_update_with_history(accounts, Account, ["customer_since", "churned_on"])
    return len(rows)


def _conversations(tenant, prospected, rng) -> int:
    """A call that reached someone (connected, a reply, a meeting) on about a third of the prospected accounts."""
    now = timezone.now()
    calls = [
        Activity(
            tenant=tenant,
            account=account,
            channel=ActivityChannel.PHONE,
            direction=ActivityDirection.OUTBOUND,
            occurred_at=now - timedelta(days=rng.randint(1, 55), minutes=rng.randint(0, 600)),
            subject="Discovery call",
            outcome=rng.choice(CONVERSATIONS),
        )
        for account in prospected
        if rng.random() < 0.33
    ]
    bulk_create_with_history(calls, Activity)
    return len(calls)


def _hand_offs(prospected, users, rng) -> int:
    """Qualified leads passed on about one prospected account in eight; sales accepts about three in four."""
    doers = list(assignable_members())
    sdr, ae = doers[-1], users[0]
    passed_before = set(HandOff.objects.values_list("account_id", flat=True))
    created = 0
    for account in prospected:
        if account.pk in passed_before or rng.random() >= 0.13:
            continue
        hand_off = planning_services.hand_off_pass(
            account=account, from_user=sdr, to_user=ae, notes="A project this year; the buyer asked for a demo."
        )
        if rng.random() < 0.75:
            planning_services.hand_off_accept(hand_off=hand_off, opportunity_name=f"{account.name} — pilot")
        else:
            planning_services.hand_off_reject(hand_off=hand_off, reason="Too early: no budget before next year.")
        created += 1
    return created


def _non_target_accounts(today, rng, *, customers: list, prospects: list) -> int:
    """Non-target customers with a deal won in the last months (the random sample's pool) and non-target
    prospects that look like target accounts, with open and lost deals."""
    for name, industry, employees in customers:
        account = accounts_services.account_create(
            name=name,
            domain=f"{name.lower().replace(' ', '')}.example",
            industry=industry,
            employee_count=employees,
            is_target=False,
        )
        opened = today - timedelta(days=rng.randint(60, 200))
        accounts_services.opportunity_create(
            account=account,
            name=f"{name} — platform",
            opened_on=opened,
            stage=OpportunityStage.CLOSED_WON,
            close_date=min(opened + timedelta(days=rng.randint(25, 120)), today - timedelta(days=1)),
            amount=Decimal(rng.choice([12, 18, 25, 30, 45]) * 1000),
        )
    for name, industry, employees in prospects:
        account = accounts_services.account_create(
            name=name,
            domain=f"{name.lower().replace(' ', '')}.example",
            industry=industry,
            employee_count=employees,
            is_target=False,
        )
        opened = today - timedelta(days=rng.randint(20, 80))
        lost = rng.random() < 0.5
        accounts_services.opportunity_create(
            account=account,
            name=f"{name} — platform",
            opened_on=opened,
            stage=OpportunityStage.CLOSED_LOST if lost else OpportunityStage.DISCOVERY,
            close_date=today - timedelta(days=rng.randint(1, 10)) if lost else None,
            lost_reason="Chose a competitor." if lost else "",
            amount=Decimal(rng.choice([15, 20, 35]) * 1000),
        )
    return len(customers) + len(prospects)
