"""Trigger rules: a signal on a target account suggests or launches an ad hoc play, and tells the account team."""

from django.db import transaction

from abs_platform.tenancy.context import workspace_today
from accounts.models import Signal
from tasks import services as task_services
from tasks.models import TaskSource
from teams.models import TeamRole
from teams.selectors import member_for_role

from .launching import LaunchRefused, play_launch
from .models import TriggerAction, TriggerFiring, TriggerRule


def _suggest(rule: TriggerRule, signal: Signal, *, reason: str = ""):
    account = signal.account
    instructions = f"{signal.get_signal_type_display()} on {signal.occurred_on:%Y-%m-%d}: {signal.title}."
    if reason:
        instructions += f" The play was not launched: {reason}"
    instructions += " Launch it from the account page (section “Plays”) if it fits."
    return task_services.task_create(
        account=account,
        title=f"Consider play {rule.template.name}: {signal.title}"[:300],
        due_on=workspace_today(),
        assignee=member_for_role(account, TeamRole.ACCOUNT_EXECUTIVE) or account.owner,
        contact=signal.contact,
        team_role=TeamRole.ACCOUNT_EXECUTIVE,
        instructions=instructions,
        source=TaskSource.TRIGGER,
    )


@transaction.atomic
def signal_fire_rules(signal: Signal) -> list[TriggerFiring]:
    """Act on ``signal`` with every active rule of its type that has not acted on it yet. A rule that launches
    launches despite problems and touch conflicts (its tasks name them no more than a manual launch with
    "proceed" would); when the play cannot run (already running, no steps) the AE gets the suggestion instead.
    A rule ignores signals older than its ``max_signal_age_days``."""
    if not signal.account.is_target:
        return []
    age_days = (workspace_today() - signal.occurred_on).days
    rules = (
        TriggerRule.objects.filter(signal_type=signal.signal_type, active=True, max_signal_age_days__gte=age_days)
        .exclude(firings__signal=signal)
        .select_related("template")
    )
    firings = []
    for rule in rules:
        firing = TriggerFiring(rule=rule, signal=signal)
        if rule.action == TriggerAction.LAUNCH:
            try:
                (firing.run,) = play_launch(
                    template=rule.template, accounts=[signal.account], proceed=True, signal=signal
                )
            except LaunchRefused as refused:
                firing.task = _suggest(rule, signal, reason=" ".join(p.message for p in refused.plan.problems))
        else:
            firing.task = _suggest(rule, signal)
        firing.save()
        firings.append(firing)
    return firings
