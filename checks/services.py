"""The scheduled checks (docs/metrics.md, ADR 0029). The coverage check: per target account, whether its data,
buying committee and team are complete, stored per account, with one sourcing task per account while it has a
gap. The data-decay check: stale contacts and firmographics marked with the reason, one re-verification task
per newly stale record."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership
from accounts.models import Account, Contact, ContactStatus
from personas.coverage import accounts_with_coverage
from tasks.models import Task, TaskSource, TaskState
from tasks.services import tasks_create
from teams.models import TeamAccount, TeamRole
from teams.selectors import account_team_roles, missing_roles

from . import events
from .models import CheckSettings, CoverageResult, GapKind, StaleMark, StaleReason, TierStaleness

User = get_user_model()

COVERAGE_JOB_KIND = "coverage_check"
FIRMOGRAPHICS_DAYS = 365
TASK_DUE_IN_DAYS = 7
GAP_CLOSED_NOTE = "Closed by the coverage check on {day}: the account has no gap any more."
_RESULT_FIELDS = [
    "checked_at",
    "data_complete",
    "missing_fields",
    "firmographics_verified",
    "personas_required",
    "personas_covered",
    "team_complete",
    "missing_roles",
    "gaps",
    "updated_at",
]


def check_settings() -> CheckSettings:
    """The workspace's settings (unsaved defaults without a row)."""
    return CheckSettings.objects.first() or CheckSettings()


def coverage_check_enqueue() -> Job:
    """Queue a coverage check of the current workspace, sent once the transaction commits."""
    from .tasks import coverage_check

    return jobs.job_create(kind=COVERAGE_JOB_KIND, task=coverage_check)


def _blank(value) -> bool:
    return value is None or value == ""


def coverage_check(*, job: Job | None = None) -> dict:
    """Check every target account of the workspace, in one transaction and a fixed number of queries:
    upsert its ``CoverageResult``, open a sourcing task where a gap kind appeared and no coverage task is open,
    close the open coverage tasks of accounts without a gap; send the gap events. Idempotent. Returns the run's
    counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        settings = check_settings()
        today = workspace_today()
        now = timezone.now()
        fields = settings.required_account_fields
        accounts = list(
            accounts_with_coverage(Account.objects.filter(is_target=True), today=today, counts=True)
            .annotate(has_team=Exists(TeamAccount.objects.filter(account=OuterRef("pk"))))
            .only("id", "tenant_id", "name", "tier_id", "owner_id", "last_verified_on", *fields)
            .order_by("id")
        )
        roles = missing_roles(accounts)
        before = dict(CoverageResult.objects.values_list("account_id", "gaps"))
        verified_since = today - timedelta(days=FIRMOGRAPHICS_DAYS)
        results = []
        for account in accounts:
            missing = [name for name in fields if _blank(getattr(account, name))]
            verified = account.last_verified_on is not None and account.last_verified_on >= verified_since
            team_complete = account.has_team and not roles[account.pk]
            gaps = [
                kind
                for kind, gap in (
                    (GapKind.DATA, missing or not verified),
                    (GapKind.PERSONAS, account.coverage_covered < account.coverage_required),
                    (GapKind.TEAM, not team_complete),
                )
                if gap
            ]
            results.append(
                CoverageResult(
                    tenant=tenant,
                    account=account,
                    checked_at=now,
                    data_complete=not missing and verified,
                    missing_fields=missing,
                    firmographics_verified=verified,
                    personas_required=account.coverage_required,
                    personas_covered=account.coverage_covered,
                    team_complete=team_complete,
                    missing_roles=[str(role) for role in roles[account.pk]],
                    gaps=[str(kind) for kind in gaps],
                )
            )
        CoverageResult.objects.bulk_create(
            results, update_conflicts=True, unique_fields=["account"], update_fields=_RESULT_FIELDS
        )
        CoverageResult.objects.exclude(account__is_target=True).delete()
        opened, closed = _sync_tasks(accounts, results, before, today)
        _send_gap_events(results, before)
        counts = {
            "accounts": len(results),
            "with_gap": sum(1 for result in results if result.gaps),
            "tasks_opened": opened,
            "tasks_closed": closed,
        }
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


def _send_gap_events(results, before) -> None:
    """``coverage_gaps_opened`` with the gap kinds each account gained in this run, ``coverage_gaps_closed`` with the
    accounts that had a gap and have none now; each only when it names an account."""
    gained = {}
    for result in results:
        kinds = [kind for kind in result.gaps if kind not in before.get(result.account_id, [])]
        if kinds:
            gained[result.account_id] = kinds
    closed = [result.account_id for result in results if not result.gaps and before.get(result.account_id)]
    if gained:
        events.coverage_gaps_opened.send(CoverageResult, gaps=gained)
    if closed:
        events.coverage_gaps_closed.send(CoverageResult, account_ids=closed)


def _sync_tasks(accounts, results, before, today) -> tuple[int, int]:
    """Open a sourcing task per account whose gaps grew and that has no open coverage task; close (done, with a
    note) the open coverage tasks of accounts without a gap. How many were opened and closed."""
    open_tasks = {
        task.account_id: task for task in Task.objects.filter(source=TaskSource.COVERAGE, state=TaskState.OPEN)
    }
    by_id = {account.pk: account for account in accounts}
    new = [
        result
        for result in results
        if result.account_id not in open_tasks and set(result.gaps) - set(before.get(result.account_id, []))
    ]
    if new:
        sdrs = account_team_roles([result.account_id for result in new])
        members = set(Membership.objects.filter(tenant=get_current_tenant()).values_list("user_id", flat=True))
        specs = []
        for result in new:
            account = by_id[result.account_id]
            holders = sdrs.get(account.pk, {}).get(TeamRole.SDR, [])
            assignee = holders[0] if holders else None
            if assignee is None and account.owner_id in members:
                assignee = User(pk=account.owner_id)
            specs.append(
                {
                    "account": account,
                    "title": f"Fill the coverage gaps of {account.name}",
                    "instructions": "Gaps: " + ", ".join(GapKind(kind).label for kind in result.gaps) + ".",
                    "due_on": today + timedelta(days=TASK_DUE_IN_DAYS),
                    "assignee": assignee,
                    "team_role": TeamRole.SDR if holders else "",
                    "source": TaskSource.COVERAGE,
                }
            )
        tasks_create(specs)
    gaps = {result.account_id: result.gaps for result in results}
    closing = [task for account_id, task in open_tasks.items() if not gaps.get(account_id)]
    _close_tasks(closing, GAP_CLOSED_NOTE.format(day=today.isoformat()), "Coverage gap closed")
    return len(new), len(closing)


# ---------------------------------------------------------------- the data-decay check

DECAY_JOB_KIND = "decay_check"
# Reasons dated by the first run that saw them (the others by when the verification expired).
FIRST_SEEN = (StaleReason.BOUNCED, StaleReason.LEFT_COMPANY)
RECORD_VERIFIED_NOTE = "Closed by the decay check on {day}: the record is no longer stale."


def decay_check_enqueue() -> Job:
    """Queue a data-decay check of the current workspace, sent once the transaction commits."""
    from .tasks import decay_check

    return jobs.job_create(kind=DECAY_JOB_KIND, task=decay_check)


class AddDays(Func):
    """``date + days`` as a date (``days`` an integer expression), on PostgreSQL and SQLite."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" + ", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || ", **extra_context
        )


def _stale_contacts(today, threshold: int) -> QuerySet[Contact]:
    """Every stale contact, with ``stale_reason`` and ``stale_since``. An active contact expires ``threshold`` days
    after its verification, or its account tier's threshold when that is shorter; bounced and left-company contacts
    are stale from the day first seen (``today`` here), never-verified ones from their creation day."""
    tier_days = TierStaleness.objects.filter(tier=OuterRef("account__tier")).values("stale_after_days")
    days = Least(Coalesce(Subquery(tier_days), Value(threshold)), Value(threshold))
    expires_on = AddDays(F("last_verified_on"), days)
    inactive = Q(status__in=FIRST_SEEN)
    return (
        Contact.objects.annotate(expires_on=expires_on)
        .filter(
            inactive | Q(status=ContactStatus.ACTIVE) & (Q(last_verified_on__isnull=True) | Q(expires_on__lt=today))
        )
        .annotate(
            stale_reason=Case(
                When(inactive, then=F("status")),
                When(last_verified_on__isnull=True, then=Value(StaleReason.UNVERIFIED)),
                default=Value(StaleReason.EXPIRED),
                output_field=CharField(),
            ),
            stale_since=Case(
                When(inactive, then=Value(today)),
                When(last_verified_on__isnull=True, then=TruncDate("created_at")),
                default=F("expires_on"),
                output_field=DateField(),
            ),
        )
        .order_by()
    )


def _stale_accounts(today) -> QuerySet[Account]:
    """Every target account whose firmographics are stale, with ``stale_reason`` and ``stale_since``."""
    return (
        Account.objects.filter(
            Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=today - timedelta(days=FIRMOGRAPHICS_DAYS)),
            is_target=True,
        )
        .annotate(
            stale_reason=Value(StaleReason.FIRMOGRAPHICS, output_field=CharField()),
            stale_since=Case(
                When(last_verified_on__isnull=True, then=TruncDate("created_at")),
                default=AddDays(F("last_verified_on"), Value(FIRMOGRAPHICS_DAYS)),
                output_field=DateField(),
            ),
        )
        .order_by()
    )


def decay_check(*, job: Job | None = None) -> dict:
    """Mark the workspace's stale records with their reason (``StaleMark``), clear the marks of records fresh
    again, open one re-verification task per newly stale record for its account's owner and close those of
    records fresh again. Set-based: a fixed number of statements whatever the number of records; idempotent.
    Sends ``records_went_stale`` with the new marks. Returns the run's counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        today, now = workspace_today(), timezone.now()
        contacts = _stale_contacts(today, check_settings().stale_after_days)
        accounts = _stale_accounts(today)
        open_marks = StaleMark.objects.filter(cleared_on__isnull=True)
        contact_marks = open_marks.filter(contact__isnull=False)
        account_marks = open_marks.filter(contact__isnull=True)
        cleared = contact_marks.exclude(Exists(contacts.filter(pk=OuterRef("contact_id")))).update(
            cleared_on=today, updated_at=now
        ) + account_marks.exclude(Exists(accounts.filter(pk=OuterRef("account_id")))).update(
            cleared_on=today, updated_at=now
        )
        _restate(contact_marks, contacts.filter(pk=OuterRef("contact_id")), now)
        _restate(account_marks, accounts.filter(pk=OuterRef("account_id")), now)
        new = _insert_marks(
            contacts.exclude(Exists(contact_marks.filter(contact_id=OuterRef("pk")))),
            account=F("account_id"),
            contact=F("pk"),
            tenant=tenant,
            now=now,
        ) + _insert_marks(
            accounts.exclude(Exists(account_marks.filter(account_id=OuterRef("pk")))),
            account=F("pk"),
            contact=Value(None, output_field=IntegerField()),
            tenant=tenant,
            now=now,
        )
        opened, closed = _sync_decay_tasks(new, today)
        if new:
            events.records_went_stale.send(StaleMark, mark_ids=new)
        counts = {
            "stale": open_marks.count(),
            "marked": len(new),
            "cleared": cleared,
            "tasks_opened": opened,
            "tasks_closed": closed,
        }
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


def _restate(marks: QuerySet[StaleMark], stale_record: QuerySet, now) -> int:
    """Give the open marks of records still stale their current reason and day; a bounce or a departure keeps the
    day first seen while its reason stays."""
    reason = Subquery(stale_record.values("stale_reason"))
    since = Subquery(stale_record.values("stale_since"))
    return (
        marks.annotate(new_reason=reason, new_since=since)
        .filter(new_reason__isnull=False)
        .exclude(reason=F("new_reason"), since=F("new_since"))
        .exclude(Q(reason__in=FIRST_SEEN) & Q(reason=F("new_reason")))
        .update(reason=reason, since=since, updated_at=now)
    )


def _insert_marks(records: QuerySet, *, account, contact, tenant, now) -> list[int]:
    """Insert one open mark per record in one ``INSERT … SELECT`` (which the ORM cannot say); the new ids."""
    columns = {
        "tenant_id": Value(tenant.pk),
        "account_id": account,
        "contact_id": contact,
        "reason": F("stale_reason"),
        "since": F("stale_since"),
        "created_at": Value(now),
        "updated_at": Value(now),
    }
    select = records.annotate(**{f"new_{name}": value for name, value in columns.items()}).values(
        *(f"new_{name}" for name in columns)
    )
    sql, params = select.query.sql_with_params()
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {StaleMark._meta.db_table} ({names}) {sql} RETURNING id", params)
        return sorted(row[0] for row in cursor.fetchall())


def _sync_decay_tasks(new_mark_ids: list[int], today) -> tuple[int, int]:
    """Open a re-verification task per new mark whose record has no open one; close (done, with a note) the open
    ones of records without an open mark. How many were opened and closed."""
    open_tasks = Task.objects.filter(source=TaskSource.DECAY, state=TaskState.OPEN)
    open_marks = StaleMark.objects.filter(cleared_on__isnull=True)
    has_task = Exists(open_tasks.filter(contact_id=OuterRef("contact_id"))) & Q(contact__isnull=False) | Exists(
        open_tasks.filter(contact__isnull=True, account_id=OuterRef("account_id"))
    ) & Q(contact__isnull=True)
    marks = list(
        StaleMark.objects.filter(pk__in=new_mark_ids)
        .exclude(has_task)
        .annotate(record_name=Coalesce("contact__first_name", "account__name"))
        .values("tenant_id", "account_id", "contact_id", "reason", "account__owner_id", "record_name")
        .order_by("id")
    )
    if marks:
        members = set(Membership.objects.filter(tenant=get_current_tenant()).values_list("user_id", flat=True))
        tasks_create(
            [
                {
                    "account": Account(pk=mark["account_id"], tenant_id=mark["tenant_id"]),
                    "contact": Contact(
                        pk=mark["contact_id"], tenant_id=mark["tenant_id"], account_id=mark["account_id"]
                    )
                    if mark["contact_id"]
                    else None,
                    "title": f"Re-verify {mark['record_name']}",
                    "instructions": f"{StaleReason(mark['reason']).label}.",
                    "due_on": today + timedelta(days=TASK_DUE_IN_DAYS),
                    "assignee": User(pk=mark["account__owner_id"]) if mark["account__owner_id"] in members else None,
                    "source": TaskSource.DECAY,
                }
                for mark in marks
            ]
        )
    closing = list(
        open_tasks.exclude(
            Q(contact__isnull=False) & Exists(open_marks.filter(contact_id=OuterRef("contact_id")))
            | Q(contact__isnull=True)
            & Exists(open_marks.filter(contact__isnull=True, account_id=OuterRef("account_id")))
        )
    )
    _close_tasks(closing, RECORD_VERIFIED_NOTE.format(day=today.isoformat()), "Record re-verified")
    return len(marks), len(closing)


def _close_tasks(tasks, note: str, reason: str) -> None:
    """Close the tasks as done, with ``note`` (no activity: nobody logged a touch)."""
    now = timezone.now()
    for task in tasks:
        task.state, task.completed_at, task.updated_at = TaskState.DONE, now, now
        task.instructions = f"{task.instructions}\n\n{note}".strip()
    if tasks:
        bulk_update_with_history(
            tasks,
            Task,
            ["state", "completed_at", "instructions", "updated_at"],
            default_change_reason=reason,
            manager=Task.objects,
        )
