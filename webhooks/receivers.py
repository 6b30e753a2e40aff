"""The lower apps' events turned into webhook deliveries, in the transaction of the change (connected in
``WebhooksConfig.ready()``). Each payload's ``data`` is documented in docs/api.md "Webhooks"; rows are read in
one query per kind, and only when an active endpoint subscribes to the event."""

from decimal import Decimal

from django.dispatch import receiver

from accounts import events as account_events
from accounts.models import Account, Contact, Opportunity
from checks import events as check_events
from checks.models import StaleMark
from icp.models import Tier
from planning import events as planning_events
from planning.models import HandOffState
from plays import events as play_events
from tasks import events as task_events
from tasks.models import Task

from .models import WebhookEvent
from .services import events_record


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _accounts(ids) -> dict[int, dict]:
    return {pk: {"id": pk, "name": name} for pk, name in Account.objects.filter(pk__in=ids).values_list("pk", "name")}


def _user(user) -> dict | None:
    return {"id": user.pk, "username": user.username} if user is not None else None


@receiver(account_events.account_tiers_changed)
def account_tiers_changed(sender, *, changes, **kwargs):
    def items():
        accounts = _accounts({account for account, _, _ in changes})
        tier_ids = {tier for _, previous, new in changes for tier in (previous, new) if tier is not None}
        tiers = {
            pk: {"id": pk, "name": name} for pk, name in Tier.objects.filter(pk__in=tier_ids).values_list("pk", "name")
        }
        return [
            (
                f"{account}:{previous}:{new}",
                {"account": accounts[account], "previous_tier": tiers.get(previous), "tier": tiers.get(new)},
            )
            for account, previous, new in changes
        ]

    events_record(WebhookEvent.ACCOUNT_TIER_CHANGED, items)


@receiver(check_events.coverage_gaps_opened)
def coverage_gaps_opened(sender, *, gaps, **kwargs):
    def items():
        accounts = _accounts(gaps)
        return [
            (f"{account}:{','.join(kinds)}", {"account": accounts[account], "gaps": kinds})
            for account, kinds in sorted(gaps.items())
        ]

    events_record(WebhookEvent.COVERAGE_GAP_OPENED, items)


@receiver(check_events.coverage_gaps_closed)
def coverage_gaps_closed(sender, *, account_ids, **kwargs):
    def items():
        accounts = _accounts(account_ids)
        return [(str(account), {"account": accounts[account]}) for account in sorted(account_ids)]

    events_record(WebhookEvent.COVERAGE_GAP_CLOSED, items)


@receiver(check_events.records_went_stale)
def records_went_stale(sender, *, mark_ids, **kwargs):
    def items():
        marks = (
            StaleMark.objects.filter(pk__in=mark_ids, contact__isnull=False)
            .select_related("contact", "account")
            .order_by("pk")
        )
        return [
            (
                str(mark.pk),
                {
                    "contact": _contact(mark.contact),
                    "account": {"id": mark.account_id, "name": mark.account.name},
                    "reason": mark.reason,
                    "since": mark.since.isoformat(),
                },
            )
            for mark in marks
        ]

    events_record(WebhookEvent.CONTACT_WENT_STALE, items)


def _contact(contact: Contact) -> dict:
    return {"id": contact.pk, "name": str(contact), "email": contact.email}


def _task(task: Task) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "state": task.state,
        "source": task.source,
        "due_on": task.due_on.isoformat(),
        "completed_at": _iso(task.completed_at),
        "account": {"id": task.account_id, "name": task.account.name},
        "contact": task.contact_id,
        "assignee": _user(task.assignee),
    }


@receiver(task_events.tasks_due)
def tasks_due(sender, *, tasks, **kwargs):
    def items():
        rows = Task.objects.filter(pk__in=[task.pk for task in tasks]).select_related("account", "assignee")
        return [(f"{task.pk}:{task.due_on}", {"task": _task(task)}) for task in rows.order_by("pk")]

    events_record(WebhookEvent.TASK_DUE, items)


@receiver(task_events.task_completed)
def task_completed(sender, *, task, **kwargs):
    def items():
        row = Task.objects.select_related("account", "assignee", "activity").get(pk=task.pk)
        outcome = row.activity.outcome if row.activity_id else ""
        return [(str(row.pk), {"task": _task(row), "outcome": outcome})]

    events_record(WebhookEvent.TASK_COMPLETED, items)


@receiver(play_events.play_run_finished)
def play_run_finished(sender, *, run, **kwargs):
    def items():
        data = {
            "play_run": {
                "id": run.pk,
                "state": run.state,
                "template": {"id": run.template_id, "name": run.template.name, "version": run.template_version},
                "account": {"id": run.account_id, "name": run.account.name},
                "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at),
            }
        }
        return [(f"{run.pk}:{run.state}", data)]

    events_record(WebhookEvent.PLAY_RUN_FINISHED, items)


@receiver(account_events.opportunity_stage_changed)
def opportunity_stage_changed(sender, *, opportunity: Opportunity, previous_stage: str, **kwargs):
    def items():
        data = {
            "opportunity": {
                "id": opportunity.pk,
                "name": opportunity.name,
                "amount": f"{Decimal(opportunity.amount):.2f}",
                "stage": opportunity.stage,
                "close_date": _iso(opportunity.close_date),
                "account": _accounts([opportunity.account_id])[opportunity.account_id],
            },
            "previous_stage": previous_stage,
        }
        return [(f"{opportunity.pk}:{previous_stage}:{opportunity.stage}", data)]

    events_record(WebhookEvent.OPPORTUNITY_STAGE_CHANGED, items)


@receiver(planning_events.hand_off_decided)
def hand_off_decided(sender, *, hand_off, **kwargs):
    event = (
        WebhookEvent.HAND_OFF_ACCEPTED if hand_off.state == HandOffState.ACCEPTED else WebhookEvent.HAND_OFF_REJECTED
    )

    def items():
        data = {
            "hand_off": {
                "id": hand_off.pk,
                "state": hand_off.state,
                "account": _accounts([hand_off.account_id])[hand_off.account_id],
                "from_user": _user(hand_off.from_user),
                "to_user": _user(hand_off.to_user),
                "passed_at": _iso(hand_off.passed_at),
                "decided_at": _iso(hand_off.decided_at),
                "rejection_reason": hand_off.rejection_reason,
                "opportunity": hand_off.opportunity_id,
            }
        }
        return [(f"{hand_off.pk}:{hand_off.state}", data)]

    events_record(event, items)
