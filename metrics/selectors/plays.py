"""Play effectiveness: per play template, what the runs launched in the period did (docs/metrics.md, "Play
effectiveness").

* **launches**: runs started in the period (on accounts the filters select, target or not); **completed**: those
  of them that ran to their end (state completed; cancelled runs are not); **completion** = completed / launches.
* **replies** / **meetings**: activities logged by completing the launched runs' tasks with the outcome replied /
  meeting booked.
* **hand-offs**: hand-offs (``planning.HandOff``) passed at a launched run's account from the launch until
  ``INFLUENCE_DAYS`` days after it; **pipeline influenced**: Σ amount of the deals opened at such an account from
  the launch day until ``INFLUENCE_DAYS`` days after it (workspace days). A hand-off or deal counts once per
  template even when several of its runs reach it, and for every template that reaches it (influence, not
  attribution).
"""

from datetime import timedelta

from django.db.models import DecimalField, Exists, F, Func, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from abs_platform.tenancy.context import workspace_zone
from accounts.models import Activity, ActivityOutcome, Opportunity
from planning.models import HandOff
from plays.models import PlayRun, PlayTemplate, RunState

from ..filters import MetricFilters, ratio
from .activity import occurred_between_q

INFLUENCE_DAYS = 90


def _aggregate(queryset, function: str, field: str, output_field) -> Coalesce:
    """One figure over ``queryset`` as a scalar subquery (0 when it has no rows)."""
    figure = queryset.order_by().annotate(figure=Func(F(field), function=function, output_field=output_field))
    return Coalesce(Subquery(figure.values("figure")), Value(0), output_field=output_field)


def play_effectiveness(filters: MetricFilters) -> dict:
    """One row per play template (most launched first), in one query of scalar subqueries."""
    launched = PlayRun.objects.filter(
        occurred_between_q(filters.start, filters.end, "started_at"), filters.accounts_q("account__")
    )
    of_template = launched.filter(template_id=OuterRef("pk"))
    run_prefix = "task__play_run_task__run__"
    run_activities = Activity.objects.filter(
        occurred_between_q(filters.start, filters.end, f"{run_prefix}started_at"),
        filters.accounts_q(f"{run_prefix}account__"),
        **{f"{run_prefix}template_id": OuterRef("pk")},
    )
    window = timedelta(days=INFLUENCE_DAYS)
    reached_runs = launched.filter(template_id=OuterRef(OuterRef("pk")), account_id=OuterRef("account_id"))
    hand_offs = HandOff.objects.filter(
        Exists(
            reached_runs.filter(
                started_at__lte=OuterRef("passed_at"), started_at__gte=OuterRef("passed_at") - Value(window)
            )
        )
    )
    deals = Opportunity.objects.filter(
        Exists(
            reached_runs.annotate(launch_day=TruncDate("started_at", tzinfo=workspace_zone())).filter(
                launch_day__lte=OuterRef("opened_on"), launch_day__gte=OuterRef("opened_on") - Value(window)
            )
        )
    )
    count = IntegerField()
    money = DecimalField(max_digits=18, decimal_places=2)
    templates = PlayTemplate.objects.annotate(
        launches=_aggregate(of_template, "COUNT", "id", count),
        completed=_aggregate(of_template.filter(state=RunState.COMPLETED), "COUNT", "id", count),
        replies=_aggregate(run_activities.filter(outcome=ActivityOutcome.REPLIED), "COUNT", "id", count),
        meetings=_aggregate(run_activities.filter(outcome=ActivityOutcome.MEETING_BOOKED), "COUNT", "id", count),
        hand_offs=_aggregate(hand_offs, "COUNT", "id", count),
        pipeline_influenced=_aggregate(deals, "SUM", "amount", money),
    ).order_by("-launches", "name", "id")
    rows = [
        {
            "template": template.pk,
            "template_name": template.name,
            "kind": template.kind,
            "launches": template.launches,
            "completed": template.completed,
            "completion": ratio(template.completed, template.launches),
            "replies": template.replies,
            "meetings": template.meetings,
            "hand_offs": template.hand_offs,
            "pipeline_influenced": f"{template.pipeline_influenced:.2f}",
        }
        for template in templates.only("id", "name", "kind")
    ]
    launches = sum(row["launches"] for row in rows)
    completed = sum(row["completed"] for row in rows)
    return {
        "influence_days": INFLUENCE_DAYS,
        "launches": launches,
        "completed": completed,
        "completion": ratio(completed, launches),
        "replies": sum(row["replies"] for row in rows),
        "meetings": sum(row["meetings"] for row in rows),
        "results": rows,
    }
