"""The scheduled checks (docs/metrics.md, ADR 0029; set-based SQL, ADR 0032). The coverage check: per target
account, whether its data, buying committee and team are complete, stored per account, with one sourcing task per
account while it has a gap. The data-decay check: stale contacts and firmographics marked with the reason, one
re-verification task per newly stale record."""

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
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership
from accounts.models import Account, Contact, ContactStatus
from personas.coverage import coverage_recount
from tasks.models import Task, TaskSource, TaskState
from tasks.services import tasks_close, tasks_create
from teams.models import RoleRequirement, TeamAccount, TeamRole
from teams.selectors import account_team_roles, role_missing

from . import events
from .models import CheckSettings, CoverageResult, GapKind, StaleMark, StaleReason, TierStaleness

User = get_user_model()

COVERAGE_JOB_KIND = "coverage_check"
FIRMOGRAPHICS_DAYS = 365
TASK_DUE_IN_DAYS = 7
GAP_CLOSED_NOTE = "Closed by the coverage check on {day}: the account has no gap any more."


def check_settings() -> CheckSettings:
    """The workspace's settings (unsaved defaults without a row)."""
    return CheckSettings.objects.first() or CheckSettings()


def coverage_check_enqueue() -> Job:
    """Queue a coverage check of the current workspace, sent once the transaction commits."""
    from .tasks import coverage_check

    return jobs.job_create(kind=COVERAGE_JOB_KIND, task=coverage_check)


class JSONList(Func):
    """A JSON array of the arguments that are not NULL, in order (on PostgreSQL and SQLite)."""

    output_field = JSONField()

    def as_sql(self, compiler, connection, **extra_context):
        template = "to_jsonb(array_remove(ARRAY[%(expressions)s]::text[], NULL))"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = (
            "(SELECT json_group_array(value) FROM (SELECT value FROM json_each(json_array(%(expressions)s)) "
            "WHERE value IS NOT NULL ORDER BY key))"
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)


def _named_if(condition, name: str) -> Case:
    return Case(When(condition, then=Value(name)), default=Value(None), output_field=CharField())


def _blank(name: str) -> Q:
    if isinstance(Account._meta.get_field(name), CharField):
        return Q(**{f"{name}__isnull": True}) | Q(**{name: ""})
    return Q(**{f"{name}__isnull": True})


def _results(today, fields: list[str]) -> QuerySet[Account]:
    """Every target account with its ``CoverageResult`` columns (``r_<field>``), computed by the database: the
    blank required fields, persona coverage (stored on the account, just recounted), the roles its tier requires that
    nobody holds on its teams (``teams.selectors.role_missing``, for the roles some tier requires), the gaps."""
    roles = [role for role in TeamRole.values if role in set(RoleRequirement.objects.values_list("role", flat=True))]
    verified = Q(last_verified_on__gte=today - timedelta(days=FIRMOGRAPHICS_DAYS))
    data_gap = ~verified
    for name in fields:
        data_gap |= _blank(name)
    personas_gap = Q(coverage_covered__lt=F("coverage_required"))
    team_gap = ~Exists(TeamAccount.objects.filter(account=OuterRef("pk")))
    for role in roles:
        team_gap |= role_missing(role)
    return (
        Account.objects.filter(is_target=True)
        .annotate(
            r_data_complete=Case(When(data_gap, then=Value(False)), default=Value(True)),
            r_missing_fields=JSONList(*(_named_if(_blank(name), name) for name in fields)),
            r_firmographics_verified=Case(When(verified, then=Value(True)), default=Value(False)),
            r_personas_required=F("coverage_required"),
            r_personas_covered=F("coverage_covered"),
            r_team_complete=Case(When(team_gap, then=Value(False)), default=Value(True)),
            r_missing_roles=JSONList(*(_named_if(role_missing(role), role) for role in roles)),
            r_gaps=JSONList(
                _named_if(data_gap, GapKind.DATA),
                _named_if(personas_gap, GapKind.PERSONAS),
                _named_if(team_gap, GapKind.TEAM),
            ),
        )
        .order_by()
    )


def coverage_check(*, job: Job | None = None) -> dict:
    """Check every target account of the workspace, in one transaction and a fixed number of statements: upsert
    its ``CoverageResult`` (one ``INSERT … SELECT … ON CONFLICT``) after storing the committee coverage of every account
    whose figures changed without a write (``coverage_recount``), open a sourcing task where a gap kind appeared
    and no coverage task is open, close the open coverage tasks of accounts without a gap; send the gap events.
    Idempotent. Returns the run's counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        today, now = workspace_today(), timezone.now()
        coverage_recount(today=today)  # contacts whose verification expired since the last write
        before = dict(CoverageResult.objects.values_list("account_id", "gaps"))
        results = _results(today, check_settings().required_account_fields)
        columns = {
            "tenant_id": Value(tenant.pk),
            "account_id": F("pk"),
            "checked_at": Value(now),
            **{name[2:]: F(name) for name in results.query.annotations if name.startswith("r_")},
            "created_at": Value(now),
            "updated_at": Value(now),
        }
        _insert_from(CoverageResult, columns, results, conflict="account_id", keep=["tenant_id", "created_at"])
        CoverageResult.objects.exclude(account__is_target=True).delete()
        after = dict(CoverageResult.objects.values_list("account_id", "gaps"))
        opened, closed = _sync_tasks(after, before, today)
        _send_gap_events(after, before)
        counts = {
            "accounts": len(after),
            "with_gap": sum(1 for gaps in after.values() if gaps),
            "tasks_opened": opened,
            "tasks_closed": closed,
        }
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


def _insert_from(model, columns: dict, queryset: QuerySet, *, conflict: str = "", keep=()) -> list[int]:
    """``INSERT INTO`` the model's table the ``columns`` (expressions over ``queryset``'s rows) in one statement,
    which the ORM cannot say; with ``conflict``, a row that conflicts on it is updated instead, except its ``keep``
    columns. The ids written."""
    select = queryset.annotate(**{f"new_{name}": value for name, value in columns.items()}).values(
        *(f"new_{name}" for name in columns)
    )
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(name) for name in columns)}) {sql}"
    if conflict:
        updates = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in columns if name not in keep)
        statement += f" ON CONFLICT ({quote(conflict)}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} RETURNING id", params)
        return sorted(row[0] for row in cursor.fetchall())


def _send_gap_events(after: dict, before: dict) -> None:
    """``coverage_gaps_opened`` with the gap kinds each account gained in this run, ``coverage_gaps_closed`` with the
    accounts that had a gap and have none now; each only when it names an account."""
    gained = {}
    for account_id, gaps in sorted(after.items()):
        kinds = [kind for kind in gaps if kind not in before.get(account_id, [])]
        if kinds:
            gained[account_id] = kinds
    closed = sorted(account_id for account_id, gaps in after.items() if not gaps and before.get(account_id))
    if gained:
        events.coverage_gaps_opened.send(CoverageResult, gaps=gained)
    if closed:
        events.coverage_gaps_closed.send(CoverageResult, account_ids=closed)


def _sync_tasks(after: dict, before: dict, today) -> tuple[int, int]:
    """Open a sourcing task per account whose gaps grew and that has no open coverage task; close (done, with a
    note) the open coverage tasks of accounts without a gap. How many were opened and closed."""
    open_tasks = {
        task.account_id: task for task in Task.objects.filter(source=TaskSource.COVERAGE, state=TaskState.OPEN)
    }
    new = sorted(
        account_id
        for account_id, gaps in after.items()
        if account_id not in open_tasks and set(gaps) - set(before.get(account_id, []))
    )
    if new:
        sdrs = account_team_roles(new)
        members = set(Membership.objects.filter(tenant=get_current_tenant()).values_list("user_id", flat=True))
        specs = []
        for account in Account.objects.filter(pk__in=new).only("id", "tenant_id", "name", "owner_id").order_by("id"):
            holders = sdrs.get(account.pk, {}).get(TeamRole.SDR, [])
            assignee = holders[0] if holders else None
            if assignee is None and account.owner_id in members:
                assignee = User(pk=account.owner_id)
            specs.append(
                {
                    "account": account,
                    "title": f"Fill the coverage gaps of {account.name}",
                    "instructions": "Gaps: " + ", ".join(GapKind(kind).label for kind in after[account.pk]) + ".",
                    "due_on": today + timedelta(days=TASK_DUE_IN_DAYS),
                    "assignee": assignee,
                    "team_role": TeamRole.SDR if holders else "",
                    "source": TaskSource.COVERAGE,
                }
            )
        tasks_create(specs)
    closing = [task for account_id, task in open_tasks.items() if not after.get(account_id)]
    tasks_close(closing, note=GAP_CLOSED_NOTE.format(day=today.isoformat()), reason="Coverage gap closed")
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
    """One open mark per record (one ``INSERT … SELECT``); the new ids."""
    columns = {
        "tenant_id": Value(tenant.pk),
        "account_id": account,
        "contact_id": contact,
        "reason": F("stale_reason"),
        "since": F("stale_since"),
        "created_at": Value(now),
        "updated_at": Value(now),
    }
    return _insert_from(StaleMark, columns, records)


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
    tasks_close(closing, note=RECORD_VERIFIED_NOTE.format(day=today.isoformat()), reason="Record re-verified")
    return len(marks), len(closing)
