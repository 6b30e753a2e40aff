"""Writes of the metrics app: the programme settings and the daily snapshots (docs/metrics.md, "Snapshots")."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant, workspace_today, workspace_zone
from abs_platform.tenancy.db import tenant_transaction
from accounts.models import CLOSED_STAGES, Activity, ActivityDirection, ActivityOutcome, Opportunity
from checks import selectors as checks
from checks.models import CoverageResult
from checks.services import DECAY_JOB_KIND
from tasks.models import Task, TaskState

from .filters import day_start
from .models import DailySnapshot, MetricsSettings, SpendEntry


def metrics_settings() -> MetricsSettings:
    """The workspace's settings (unsaved defaults without a row)."""
    return MetricsSettings.objects.first() or MetricsSettings()


@transaction.atomic
def metrics_settings_update(*, programme_start_on: date | None) -> MetricsSettings:
    """Set the programme start (not after today; None: not set)."""
    settings = MetricsSettings.objects.select_for_update().first() or MetricsSettings(tenant=get_current_tenant())
    settings.programme_start_on = programme_start_on
    settings.full_clean(exclude=["tenant"])
    settings.save()
    return settings


SNAPSHOT_JOB_KIND = "daily_snapshot"
BACKFILL_DAYS = 90
ENGAGEMENT_DAYS = 30
MEANINGFUL_OUTCOMES = (ActivityOutcome.CONNECTED, ActivityOutcome.REPLIED, ActivityOutcome.MEETING_BOOKED)
# What dated rows still tell about a past day, and what only the day itself could measure.
RECOMPUTABLE = ["engaged_accounts", "touches", "open_deals", "open_pipeline", "tasks_done", "tasks_overdue"]
MEASURED = [
    "coverage_checked_at",
    "accounts_checked",
    "accounts_without_gap",
    "personas_required",
    "personas_covered",
    "stale_by_reason",
]


def snapshot_enqueue() -> Job:
    """Queue a snapshot of the current workspace, sent once the transaction commits."""
    from .tasks import snapshot_take

    return jobs.job_create(kind=SNAPSHOT_JOB_KIND, task=snapshot_take)


def recomputable_figures(days: list[date]) -> dict[date, dict]:
    """Per day (consecutive, oldest first): engagement, open pipeline and tasks at the end of the day, from
    dated rows. Three queries whatever the number of days or rows (one conditional aggregate per day)."""
    ends = {day: day_start(day + timedelta(days=1)) for day in days}
    first, last = days[0], days[-1]

    def during(field: str, start: date, day: date) -> Q:
        return Q(**{f"{field}__gte": day_start(start), f"{field}__lt": ends[day]})

    meaningful = Q(direction=ActivityDirection.INBOUND) | Q(outcome__in=MEANINGFUL_OUTCOMES)
    window = ENGAGEMENT_DAYS - 1
    activity = Activity.objects.filter(
        during("occurred_at", first - timedelta(days=window), last), account__is_target=True
    ).aggregate(
        **{
            f"engaged_{n}": Count(
                "account", distinct=True, filter=meaningful & during("occurred_at", day - timedelta(days=window), day)
            )
            for n, day in enumerate(days)
        },
        **{
            f"touches_{n}": Count(
                "id", filter=Q(direction=ActivityDirection.OUTBOUND) & during("occurred_at", day, day)
            )
            for n, day in enumerate(days)
        },
    )
    money = DecimalField(max_digits=18, decimal_places=2)
    pipeline = Opportunity.objects.filter(opened_on__lte=last, account__is_target=True).aggregate(
        **{f"deals_{n}": Count("id", filter=_open_at(day)) for n, day in enumerate(days)},
        **{
            f"amount_{n}": Coalesce(Sum("amount", filter=_open_at(day)), Value(Decimal("0")), output_field=money)
            for n, day in enumerate(days)
        },
    )
    tasks = Task.objects.filter(created_at__lt=ends[last]).aggregate(
        **{
            f"done_{n}": Count("id", filter=Q(state=TaskState.DONE) & during("completed_at", day, day))
            for n, day in enumerate(days)
        },
        **{
            f"overdue_{n}": Count("id", filter=Q(created_at__lt=ends[day], due_on__lt=day) & _open_after(ends[day]))
            for n, day in enumerate(days)
        },
    )
    return {
        day: {
            "engaged_accounts": activity[f"engaged_{n}"],
            "touches": activity[f"touches_{n}"],
            "open_deals": pipeline[f"deals_{n}"],
            "open_pipeline": pipeline[f"amount_{n}"],
            "tasks_done": tasks[f"done_{n}"],
            "tasks_overdue": tasks[f"overdue_{n}"],
        }
        for n, day in enumerate(days)
    }


def _open_at(day: date) -> Q:
    """A deal open at the end of ``day``: opened by then and not closed (or closed after it)."""
    return Q(opened_on__lte=day) & (~Q(stage__in=CLOSED_STAGES) | Q(close_date__gt=day))


def _open_after(end) -> Q:
    """A task still open at ``end``: open now, or closed later (done: ``completed_at``; skipped or cancelled
    keep no closing time, so their last change stands for it)."""
    return (
        Q(state=TaskState.OPEN)
        | Q(state=TaskState.DONE, completed_at__gte=end)
        | Q(state__in=(TaskState.SKIPPED, TaskState.CANCELLED), updated_at__gte=end)
    )


def measured_figures(today: date) -> dict:
    """Coverage and staleness as the checks stored them, when they ran today or yesterday (the workspace's
    days: the checks' 02:00 UTC run may fall on the evening before), else null."""
    fresh = {today, today - timedelta(days=1)}
    zone = workspace_zone()
    totals = checks.coverage_totals(CoverageResult.objects.filter(account__is_target=True))
    figures = dict.fromkeys(MEASURED)
    if totals["checked_at"] is not None and totals["checked_at"].astimezone(zone).date() in fresh:
        figures |= {
            "coverage_checked_at": totals["checked_at"],
            "accounts_checked": totals["accounts"],
            "accounts_without_gap": totals["without_gap"],
            "personas_required": totals["personas_required"],
            "personas_covered": totals["personas_covered"],
        }
    decay = checks.last_run(DECAY_JOB_KIND)
    if decay is not None and decay.finished_at.astimezone(zone).date() in fresh:
        figures["stale_by_reason"] = checks.stale_by_reason()
    return figures


def snapshot_take(*, job: Job | None = None) -> dict:
    """Upsert today's snapshot; back-fill the days missed since the last one (at most ``BACKFILL_DAYS``) and
    bring the last one's recomputable figures to the end of its day. Idempotent; a fixed number of queries."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        today = workspace_today()
        now = timezone.now()
        last = DailySnapshot.objects.filter(day__lt=today).order_by("-day").values_list("day", flat=True).first()
        first = today if last is None else max(last, today - timedelta(days=BACKFILL_DAYS))
        days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
        figures = recomputable_figures(days)
        past = [
            DailySnapshot(tenant=tenant, day=day, taken_at=now, backfilled=True, **figures[day]) for day in days[:-1]
        ]
        # A past day already stored keeps its flag and its measured figures: only the recomputable ones change.
        DailySnapshot.objects.bulk_create(
            past,
            update_conflicts=True,
            unique_fields=["tenant", "day"],
            update_fields=[*RECOMPUTABLE, "taken_at", "updated_at"],
        )
        DailySnapshot.objects.bulk_create(
            [DailySnapshot(tenant=tenant, day=today, taken_at=now, **figures[today], **measured_figures(today))],
            update_conflicts=True,
            unique_fields=["tenant", "day"],
            update_fields=[*RECOMPUTABLE, *MEASURED, "backfilled", "taken_at", "updated_at"],
        )
        counts = {"day": today.isoformat(), "backfilled": sum(1 for day in days[:-1] if day != last)}
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


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
