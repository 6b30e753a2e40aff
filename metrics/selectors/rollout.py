"""The rollout tracker: how much of the sales-development team works target accounts, against the staged plan
(about 30 % of the SDRs first, then 50 %, 75 % and 100 %)."""

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Account
from tasks.models import Task, TaskState
from teams.models import TeamMember, TeamRole

from ..filters import MetricFilters, ratio

STAGES = (0.30, 0.50, 0.75, 1.00)


def _count(queryset, field: str = "pk") -> Coalesce:
    """A correlated ``COUNT(DISTINCT field)`` of ``queryset`` as an annotation (0 when there is none)."""
    counted = queryset.order_by().annotate(
        n=Func(F(field), function="COUNT", template="COUNT(DISTINCT %(expressions)s)", output_field=IntegerField())
    )
    return Coalesce(Subquery(counted.values("n")[:1]), 0)


def rollout(filters: MetricFilters) -> dict:
    """The SDRs (members holding the SDR role on any team, or on the ``team`` filtered) and, per SDR
    (``results``), the target accounts of their SDR teams and their open tasks on target accounts: an SDR works
    target accounts with at least one of either. The period does not apply: team membership is current. One
    query."""
    sdr_seats = TeamMember.objects.filter(role=TeamRole.SDR)
    if filters.team is not None:
        sdr_seats = sdr_seats.filter(team_id=filters.team)
    # The team filter picks the SDRs; the target accounts they work are narrowed by tier and owner only.
    targets = Account.objects.filter(is_target=True).filter(replace(filters, team=None).accounts_q())
    team_targets = targets.filter(
        team_links__team__members__user=OuterRef("pk"), team_links__team__members__role=TeamRole.SDR
    )
    open_tasks = Task.objects.filter(assignee=OuterRef("pk"), state=TaskState.OPEN, account__in=targets.values("pk"))
    sdrs = (
        get_user_model()
        .objects.filter(pk__in=sdr_seats.values("user_id"))
        .annotate(team_target_accounts=_count(team_targets), open_target_tasks=_count(open_tasks))
        .order_by("username")
        .values("pk", "username", "first_name", "last_name", "team_target_accounts", "open_target_tasks")
    )
    rows = [
        {
            "user": sdr["pk"],
            "name": f"{sdr['first_name']} {sdr['last_name']}".strip() or sdr["username"],
            "team_target_accounts": sdr["team_target_accounts"],
            "open_target_tasks": sdr["open_target_tasks"],
            "works_target_accounts": bool(sdr["team_target_accounts"] or sdr["open_target_tasks"]),
        }
        for sdr in sdrs
    ]
    working = sum(row["works_target_accounts"] for row in rows)
    share = ratio(working, len(rows))
    reached = [stage for stage in STAGES if share is not None and share >= stage]
    ahead = [stage for stage in STAGES if share is None or share < stage]
    return {
        "sdrs": len(rows),
        "working_target_accounts": working,
        "share": share,
        "stages": list(STAGES),
        "stage_reached": reached[-1] if reached else None,
        "next_stage": ahead[0] if ahead else None,
        "results": rows,
    }
