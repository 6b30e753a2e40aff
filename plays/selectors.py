"""Reads of offers, play templates and steps."""

from django.db.models import Case, Count, F, IntegerField, Min, Prefetch, Q, QuerySet, Value, When

from accounts.models import ActivityOutcome
from tasks.models import Task, TaskState

from .models import Offer, PlayRun, PlayStep, PlayTemplate


def offer_list() -> QuerySet[Offer]:
    return Offer.objects.prefetch_related("personas")


def play_template_list() -> QuerySet[PlayTemplate]:
    return PlayTemplate.objects.annotate(steps_count=Count("steps", distinct=True)).prefetch_related(
        "tiers", "personas"
    )


def play_step_list() -> QuerySet[PlayStep]:
    return PlayStep.objects.annotate(offer_name=F("offer__name"), template_name=F("template__name"))


def template_steps(template_ids) -> QuerySet[PlayStep]:
    return play_step_list().filter(template_id__in=template_ids)


def play_templates_with_steps() -> QuerySet[PlayTemplate]:
    return play_template_list().prefetch_related(Prefetch("steps", queryset=play_step_list()))


# The best outcome a run's tasks reached, from the most to the least promising.
OUTCOME_RANK = [
    ActivityOutcome.MEETING_BOOKED,
    ActivityOutcome.REPLIED,
    ActivityOutcome.CONNECTED,
    ActivityOutcome.NO_ANSWER,
    ActivityOutcome.NOT_INTERESTED,
    ActivityOutcome.UNSUBSCRIBED,
    ActivityOutcome.BOUNCED,
]


def _count(state_q: Q) -> Count:
    return Count("run_tasks", filter=state_q)


def play_run_list() -> QuerySet[PlayRun]:
    """Runs with their play's and account's names, progress (tasks done or skipped of all but cancelled ones)
    and the rank of the best outcome (an index into ``OUTCOME_RANK``), in one query."""
    closed = Q(run_tasks__task__state__in=[TaskState.DONE, TaskState.SKIPPED])
    counted = ~Q(run_tasks__task__state=TaskState.CANCELLED) | Q(run_tasks__held=True)
    return PlayRun.objects.annotate(
        template_name=F("template__name"),
        account_name=F("account__name"),
        tasks_total=_count(counted),
        tasks_done=_count(closed),
        tasks_open=_count(Q(run_tasks__task__state=TaskState.OPEN)),
        outcome_rank=Min(
            Case(
                *[
                    When(run_tasks__task__activity__outcome=outcome, then=Value(rank))
                    for rank, outcome in enumerate(OUTCOME_RANK)
                ],
                default=None,
                output_field=IntegerField(),
            )
        ),
    )


def run_tasks(run_id: int) -> list[Task]:
    """A run's tasks, by step and contact, with what a row shows (one query)."""
    return list(
        Task.objects.filter(play_run_task__run_id=run_id)
        .select_related("contact", "assignee", "activity")
        .annotate(step_position=F("play_run_task__step_position"), held=F("play_run_task__held"))
        .order_by("step_position", "due_on", "contact__last_name", "id")
    )
