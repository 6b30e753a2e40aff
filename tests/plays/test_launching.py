from datetime import UTC, date, datetime

import pytest

from plays import launching
from plays.models import PlayRun, RunState
from plays.selectors import play_run_list
from tasks import services as task_services
from tasks.models import Task, TaskSource, TaskState
from teams.models import TeamMember, TeamRole
from tests.conftest import as_tenant
from tests.factories import AccountFactory

from .factories import PlayStepFactory

pytestmark = pytest.mark.django_db

# Thursday 5 March 2026, 11:30 UTC: already Friday 6 March, 00:30, in Auckland.
LAUNCH = datetime(2026, 3, 5, 11, 30, tzinfo=UTC)


def run_tasks(run):
    return sorted(
        (
            task.title,
            str(task.contact) if task.contact else None,
            task.assignee.username if task.assignee else None,
            task.due_on,
            task.message,
        )
        for task in Task.objects.filter(play_run_task__run=run)
    )


def test_launch_makes_a_task_per_step_and_contact_assigned_by_role_with_messages(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        (run,) = launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
        assert run_tasks(run) == [
            ("Call", "Carla Diaz", "sid", date(2026, 3, 9), ""),  # day 2 in working days: Monday
            ("Call", "Dan Ek", "sid", date(2026, 3, 9), ""),
            ("Intro e-mail", "Carla Diaz", "member_a", date(2026, 3, 5), "Hi Carla, Ann Lee here about Acme."),
            ("Intro e-mail", "Dan Ek", "member_a", date(2026, 3, 5), "Hi Dan, Ann Lee here about Acme."),
        ]
        assert set(Task.objects.values_list("source", "state", "team_role").distinct()) == {
            (TaskSource.PLAY, TaskState.OPEN, TeamRole.ACCOUNT_EXECUTIVE),
            (TaskSource.PLAY, TaskState.OPEN, TeamRole.SDR),
        }
        assert Task.history.count() == 4  # bulk insert, with its history rows
        assert (run.state, run.template_version, [step["name"] for step in run.steps]) == (
            RunState.RUNNING,
            1,
            ["Intro e-mail", "Call"],
        )


def test_due_dates_count_in_the_workspace_time_zone(tenant_a, sales):
    tenant_a.time_zone = "Pacific/Auckland"
    tenant_a.save()
    with as_tenant(tenant_a, sales["ae"]):
        (run,) = launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
        assert sorted({(task.title, task.due_on) for task in Task.objects.filter(play_run_task__run=run)}) == [
            ("Call", date(2026, 3, 10)),  # Friday + 2 working days
            ("Intro e-mail", date(2026, 3, 6)),
        ]


def test_problems_are_reported_before_launch_and_nothing_is_made(tenant_a, sales):
    bare = AccountFactory(tenant=tenant_a, name="Bare")
    with as_tenant(tenant_a, sales["ae"]):
        with pytest.raises(launching.LaunchRefused) as refused:
            launching.play_launch(template=sales["template"], accounts=[sales["acme"], bare], now=LAUNCH)
        assert [(p.account_name, p.kind, p.blocking) for p in refused.value.plan.problems] == [
            ("Bare", "no_contacts", False),
            ("Bare", "missing_role", False),
            ("Bare", "missing_role", False),
        ]
        assert refused.value.plan.problems[1].message == (
            "Nobody holds the role Account executive on Bare's teams: its steps would be unassigned."
        )
        assert (PlayRun.objects.count(), Task.objects.count()) == (0, 0)

        runs = launching.play_launch(
            template=sales["template"], accounts=[sales["acme"], bare], proceed=True, now=LAUNCH
        )
        bare_run = next(run for run in runs if run.account_id == bare.pk)
        assert run_tasks(bare_run) == [
            ("Call", None, None, date(2026, 3, 9), ""),
            ("Intro e-mail", None, None, date(2026, 3, 5), "Hi ,  here about Bare."),
        ]


def test_a_play_running_on_an_account_is_refused_even_with_proceed(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
        with pytest.raises(launching.LaunchRefused) as refused:
            launching.play_launch(template=sales["template"], accounts=[sales["acme"]], proceed=True, now=LAUNCH)
        assert [(p.kind, p.message) for p in refused.value.plan.problems] == [
            ("already_running", "“Land” is already running on Acme.")
        ]


def test_touch_conflicts_are_reported_at_the_boundary(tenant_a, sales):
    # Default limit 3 touches in 7 days: the play gives Carla 2; one more open task is exactly 3 (allowed).
    with as_tenant(tenant_a, sales["ae"]):
        task_services.task_create(account=sales["acme"], contact=sales["carla"], title="Lunch", due_on=date(2026, 3, 6))
        plan = launching.plan_launch(sales["template"], [sales["acme"]], now=LAUNCH)
        assert plan.conflicts == []
        task_services.task_create(account=sales["acme"], contact=sales["carla"], title="Gift", due_on=date(2026, 3, 7))
        plan = launching.plan_launch(sales["template"], [sales["acme"]], now=LAUNCH)
        assert [(c.contact_name, c.on, c.kind, len(c.touches)) for c in plan.conflicts] == [
            ("Carla Diaz", date(2026, 3, 5), "too_many", 4),  # 5, 6, 7 and 9 March lie in one 7-day window
            ("Carla Diaz", date(2026, 3, 9), "too_many", 4),
        ]
        with pytest.raises(launching.LaunchRefused):
            launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)


def test_pause_holds_open_tasks_and_resume_shifts_them_by_the_paused_days(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        (run,) = launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
        first = Task.objects.filter(play_run_task__run=run, title="Intro e-mail").order_by("id").first()
        task_services.task_complete(first, outcome="replied")

        launching.play_run_pause(run=run, now=datetime(2026, 3, 6, 9, tzinfo=UTC))
        assert sorted(Task.objects.values_list("title", "state")) == [
            ("Call", "cancelled"),
            ("Call", "cancelled"),
            ("Intro e-mail", "cancelled"),
            ("Intro e-mail", "done"),
        ]
        run.refresh_from_db()
        assert run.state == RunState.PAUSED  # held tasks keep it from completing

        launching.play_run_resume(run=run, now=datetime(2026, 3, 9, 9, tzinfo=UTC))  # paused 3 days
        assert sorted(Task.objects.values_list("title", "state", "due_on")) == [
            ("Call", "open", date(2026, 3, 12)),
            ("Call", "open", date(2026, 3, 12)),
            ("Intro e-mail", "done", date(2026, 3, 5)),
            ("Intro e-mail", "open", date(2026, 3, 9)),  # 5 March + 3 days is a Sunday: Monday
        ]
        progress = play_run_list().get(pk=run.pk)
        assert (progress.state, progress.tasks_done, progress.tasks_total, progress.outcome_rank) == (
            RunState.RUNNING,
            1,
            4,
            1,  # replied
        )


def test_cancel_cancels_open_tasks_and_the_last_closed_task_completes_a_run(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        (run,) = launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
        launching.play_run_cancel(run=run)
        assert set(Task.objects.values_list("state", flat=True)) == {TaskState.CANCELLED}
        run.refresh_from_db()
        assert run.state == RunState.CANCELLED

        (run,) = launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
        tasks = list(Task.objects.filter(play_run_task__run=run).order_by("id"))
        for task in tasks[:-1]:
            task_services.task_skip(task)
        run.refresh_from_db()
        assert run.state == RunState.RUNNING
        task_services.task_complete(tasks[-1], outcome="meeting_booked")
        run.refresh_from_db()
        assert run.state == RunState.COMPLETED


def test_editing_the_template_does_not_change_a_launched_run(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        (run,) = launching.play_launch(template=sales["template"], accounts=[sales["acme"]], now=LAUNCH)
    PlayStepFactory(tenant=tenant_a, template=sales["template"], position=3, name="Later", team_role="sdr")
    with as_tenant(tenant_a):
        run.refresh_from_db()
        assert [step["name"] for step in run.steps] == ["Intro e-mail", "Call"]
        assert Task.objects.filter(play_run_task__run=run).count() == 4


def test_a_second_holder_of_a_role_does_not_get_the_step(tenant_a, sales, admin_a):
    with as_tenant(tenant_a):
        TeamMember.objects.create(team=TeamMember.objects.first().team, user=admin_a, role=TeamRole.SDR)
        plan = launching.plan_launch(sales["template"], [sales["acme"]], now=LAUNCH)
    # Holders come by team name, then username: admin_a before sid.
    assert {task.assignee.username for task in plan.tasks if task.step["team_role"] == "sdr"} == {"admin_a"}
