"""The scheduled checks (docs/metrics.md, ADR 0029). The coverage check: per target account, whether its data,
buying committee and team are complete, stored per account, with one sourcing task per account while it has a
gap. The data-decay check: stale contacts and firmographics marked with the reason, one re-verification task
per newly stale record."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.jobs import services as jobs
from abs_platform.jobs.models import Job
from abs_platform.tenancy.context import get_current_tenant, workspace_today
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership
from accounts.models import Account, Contact, ContactStatus
from personas.coverage import coverage_recount
from tasks.models import Task, TaskSource, TaskState
from tasks.services import tasks_create
from teams.models import TeamAccount, TeamRole
from teams.selectors import account_team_roles, missing_roles

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
    """Check every target account of the workspace, in one transaction and a fixed number of queries: store
    the committee coverage of every account whose figures changed without a write (``coverage_recount``),
    upsert its ``CoverageResult``, open a sourcing task where a gap kind appeared and no coverage task is open,
    close the open coverage tasks of accounts without a gap. Idempotent. Returns the run's counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        settings = check_settings()
        today = workspace_today()
        now = timezone.now()
        fields = settings.required_account_fields
        coverage_recount(today=today)  # contacts whose verification expired since the last write
        accounts = list(
            Account.objects.filter(is_target=True)
            .annotate(has_team=Exists(TeamAccount.objects.filter(account=OuterRef("pk"))))
            .only(
                "id",
                "tenant_id",
                "name",
                "tier_id",
                "owner_id",
                "last_verified_on",
                "coverage_required",
                "coverage_covered",
                *fields,
            )
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
        counts = {
            "accounts": len(results),
            "with_gap": sum(1 for result in results if result.gaps),
            "tasks_opened": opened,
            "tasks_closed": closed,
        }
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


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


def _stale_contacts(today, threshold: int) -> list[tuple[int, int, str, date]]:
    """(contact id, account id, reason, since) of every stale contact (two queries). An active contact expires
    ``threshold`` days after its verification, or its account tier's threshold when that is shorter."""
    by_tier = {
        tier_id: min(days, threshold)
        for tier_id, days in TierStaleness.objects.values_list("tier_id", "stale_after_days")
    }
    shortest = min([threshold, *by_tier.values()])
    rows = Contact.objects.filter(
        Q(status__in=(ContactStatus.BOUNCED, ContactStatus.LEFT_COMPANY))
        | Q(status=ContactStatus.ACTIVE)
        & (Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=today - timedelta(days=shortest)))
    ).values_list("pk", "account_id", "account__tier_id", "status", "last_verified_on", "created_at")
    stale = []
    for pk, account_id, tier_id, status, verified, created in rows:
        days = by_tier.get(tier_id, threshold)
        if status != ContactStatus.ACTIVE:
            stale.append((pk, account_id, status, today))
        elif verified is None:
            stale.append((pk, account_id, StaleReason.UNVERIFIED, timezone.localdate(created)))
        elif verified < today - timedelta(days=days):
            stale.append((pk, account_id, StaleReason.EXPIRED, verified + timedelta(days=days)))
    return stale


def _stale_accounts(today) -> list[tuple[int, None, str, date]]:
    """(account id, None, reason, since) of every target account whose firmographics are stale (one query)."""
    rows = Account.objects.filter(
        Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=today - timedelta(days=FIRMOGRAPHICS_DAYS)),
        is_target=True,
    ).values_list("pk", "last_verified_on", "created_at")
    return [
        (
            pk,
            None,
            StaleReason.FIRMOGRAPHICS,
            timezone.localdate(created) if verified is None else verified + timedelta(days=FIRMOGRAPHICS_DAYS),
        )
        for pk, verified, created in rows
    ]


def decay_check(*, job: Job | None = None) -> dict:
    """Mark the workspace's stale records with their reason (``StaleMark``), clear the marks of records fresh
    again, open one re-verification task per newly stale record for its account's owner and close those of
    records fresh again. A fixed number of queries, idempotent. Returns the run's counts."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        today = workspace_today()
        contacts = _stale_contacts(today, check_settings().stale_after_days)
        accounts_of = {contact: account for contact, account, _, _ in contacts}
        found = {(contact, None): (reason, since) for contact, _, reason, since in contacts}
        found |= {(None, account): (reason, since) for account, _, reason, since in _stale_accounts(today)}
        open_marks = {_key(mark): mark for mark in StaleMark.objects.filter(cleared_on__isnull=True)}
        new = [
            StaleMark(
                tenant=tenant,
                contact_id=contact,
                account_id=accounts_of[contact] if contact else account,
                reason=reason,
                since=since,
            )
            for (contact, account), (reason, since) in found.items()
            if (contact, account) not in open_marks
        ]
        changed = []
        for key, mark in open_marks.items():
            if key not in found:
                continue
            reason, since = found[key]
            if reason in FIRST_SEEN and reason == mark.reason:
                since = mark.since
            if (reason, since) != (mark.reason, mark.since):
                mark.reason, mark.since = reason, since
                changed.append(mark)
        cleared = [mark.pk for key, mark in open_marks.items() if key not in found]
        StaleMark.objects.bulk_create(new)
        if changed:
            StaleMark.objects.bulk_update(changed, ["reason", "since"])
        StaleMark.objects.filter(pk__in=cleared).update(cleared_on=today, updated_at=timezone.now())
        opened, closed = _sync_decay_tasks(new, set(found), today)
        counts = {
            "stale": len(found),
            "marked": len(new),
            "cleared": len(cleared),
            "tasks_opened": opened,
            "tasks_closed": closed,
        }
    if job is not None:
        jobs.job_succeed(job=job, result=counts)
    return counts


def _sync_decay_tasks(new_marks, stale_keys, today) -> tuple[int, int]:
    open_tasks = Task.objects.filter(source=TaskSource.DECAY, state=TaskState.OPEN)
    tasks_by_key = {(task.contact_id, None if task.contact_id else task.account_id): task for task in open_tasks}
    marks = [mark for mark in new_marks if _key(mark) not in tasks_by_key]
    if marks:
        owners = dict(Account.objects.filter(pk__in={m.account_id for m in marks}).values_list("pk", "owner_id"))
        members = set(Membership.objects.filter(tenant=get_current_tenant()).values_list("user_id", flat=True))
        names = dict(Contact.objects.filter(pk__in={m.contact_id for m in marks}).values_list("pk", "first_name"))
        accounts = dict(Account.objects.filter(pk__in={m.account_id for m in marks}).values_list("pk", "name"))
        tasks_create(
            [
                {
                    "account": Account(pk=mark.account_id, tenant_id=mark.tenant_id),
                    "contact": Contact(pk=mark.contact_id, tenant_id=mark.tenant_id, account_id=mark.account_id)
                    if mark.contact_id
                    else None,
                    "title": f"Re-verify {names[mark.contact_id] if mark.contact_id else accounts[mark.account_id]}",
                    "instructions": f"{StaleReason(mark.reason).label}.",
                    "due_on": today + timedelta(days=TASK_DUE_IN_DAYS),
                    "assignee": User(pk=owners[mark.account_id]) if owners[mark.account_id] in members else None,
                    "source": TaskSource.DECAY,
                }
                for mark in marks
            ]
        )
    closing = [task for key, task in tasks_by_key.items() if key not in stale_keys]
    _close_tasks(closing, RECORD_VERIFIED_NOTE.format(day=today.isoformat()), "Record re-verified")
    return len(marks), len(closing)


def _key(mark) -> tuple:
    return (mark.contact_id, None if mark.contact_id else mark.account_id)


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
