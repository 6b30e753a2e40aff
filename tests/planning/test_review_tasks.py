"""The daily review schedule: an account whose review has fallen due gets one "Hold the account review" task for
its AE (else its owner), never a second while one is open; recording the review closes it."""

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from abs_platform.tenancy.context import workspace_today
from accounts.models import Account
from planning import services
from planning.models import AccountReview
from tasks.models import Task, TaskSource, TaskState
from teams import services as team_services
from teams.models import TeamRole
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def _account(tenant, name, tier, created, **fields):
    account = AccountFactory(tenant=tenant, name=name, tier=tier, **fields)
    with as_tenant(tenant):
        Account.objects.filter(pk=account.pk).update(created_at=datetime(*created.timetuple()[:3], 12, tzinfo=UTC))
    return account


def _review(account, end, **fields):
    return services.review_create(
        account=account, period_start=end - timedelta(days=30), period_end=end, held_on=end, status="green", **fields
    )


def _run(tenant):
    with as_tenant(tenant):
        return services.review_schedule_run()


def _tasks(tenant):
    with as_tenant(tenant):
        return sorted(
            Task.objects.filter(source=TaskSource.REVIEW).values_list(
                "account__name", "title", "assignee__username", "team_role", "due_on", "state"
            )
        )


@pytest.fixture
def programme(tenant_a, owner_a, member_a):
    """Tier 1 reviews monthly, Tier 2 quarterly, Tier 3 never (the defaults). Dates count back from today.

    * Never: Tier 1, created 45 days ago, never reviewed: due a month after it was created. member_a is the AE
      of its team.
    * Fresh: Tier 1, created 10 days ago: its first review is not due yet.
    * Recent: Tier 2, last review's period ended 2 months ago (quarterly): not due. An action of that review is
      a review task too and is left alone.
    * Lapsed: Tier 2, last review ended 4 months ago: due 3 months after it; no team, so its owner gets it.
    * Orphan: Tier 1, created 2 years ago, owner no member of the workspace, no team: due, nobody assigned.
    * Low: Tier 3, created 2 years ago; Prospect: Tier 1 but not a target account.
    """
    with as_tenant(tenant_a, owner_a):
        today = workspace_today()
        tier1, tier2, tier3 = (TierFactory(tenant=tenant_a, rank=rank, name=f"Tier {rank}") for rank in (1, 2, 3))
    outsider = UserFactory(username="outsider")
    never = _account(tenant_a, "Never", tier1, today - timedelta(days=45), owner=owner_a)
    _account(tenant_a, "Fresh", tier1, today - timedelta(days=10), owner=owner_a)
    recent = _account(tenant_a, "Recent", tier2, today - timedelta(days=400), owner=owner_a)
    lapsed = _account(tenant_a, "Lapsed", tier2, today - timedelta(days=400), owner=owner_a)
    orphan = _account(tenant_a, "Orphan", tier1, today - timedelta(days=730))
    _account(tenant_a, "Low", tier3, today - timedelta(days=730), owner=owner_a)
    _account(tenant_a, "Prospect", tier1, today - timedelta(days=730), owner=owner_a, is_target=False)
    with as_tenant(tenant_a, owner_a):
        Account.objects.filter(pk=orphan.pk).update(owner=outsider)
        recent_review = _review(recent, today - relativedelta(months=2))
        services.review_action_create(
            review=recent_review, title="Send the proposal", assignee=owner_a, due_on=today + timedelta(days=3)
        )
        _review(lapsed, today - relativedelta(months=4))
        team = team_services.team_create(name="Core")
        team_services.team_member_add(team=team, user=member_a, role=TeamRole.ACCOUNT_EXECUTIVE)
        team_services.team_account_add(team=team, account=never)
    return {"today": today, "never": never, "lapsed": lapsed, "recent": recent}


def test_accounts_whose_review_fell_due_get_one_task_each(tenant_a, programme):
    today = programme["today"]
    assert _run(tenant_a) == {"due": 3, "tasks_opened": 3, "tasks_closed": 0}
    expected = [
        (
            "Lapsed",
            "Hold the account review of Lapsed",
            "owner_a",
            "",
            today - relativedelta(months=4) + relativedelta(months=3),
            TaskState.OPEN,
        ),
        (
            "Never",
            "Hold the account review of Never",
            "member_a",
            TeamRole.ACCOUNT_EXECUTIVE,
            today - timedelta(days=45) + relativedelta(months=1),
            TaskState.OPEN,
        ),
        (
            "Orphan",
            "Hold the account review of Orphan",
            None,
            "",
            today - timedelta(days=730) + relativedelta(months=1),
            TaskState.OPEN,
        ),
        ("Recent", "Send the proposal", "owner_a", "", today + timedelta(days=3), TaskState.OPEN),
    ]
    assert _tasks(tenant_a) == expected
    with as_tenant(tenant_a):
        never_task = Task.objects.get(account=programme["never"], title__startswith="Hold")
        due = (today - timedelta(days=45) + relativedelta(months=1)).isoformat()
        assert (
            never_task.instructions == f"Monthly review, due on {due}: record it with “New review” on the account page."
        )

    assert _run(tenant_a) == {"due": 3, "tasks_opened": 0, "tasks_closed": 0}
    assert _tasks(tenant_a) == expected


def test_recording_the_review_closes_its_task_and_it_is_not_opened_again(tenant_a, owner_a, programme):
    today = programme["today"]
    _run(tenant_a)
    with as_tenant(tenant_a, owner_a):
        _review(programme["never"], today)
        task = Task.objects.get(account=programme["never"], title__startswith="Hold")
        assert (task.state, task.completed_at is not None) == (TaskState.DONE, True)
        assert task.instructions.endswith(f"\n\nClosed by the review held on {today.isoformat()}.")
    assert _run(tenant_a) == {"due": 2, "tasks_opened": 0, "tasks_closed": 0}


def test_a_review_recorded_elsewhere_closes_the_task_on_the_next_run(tenant_a, owner_a, programme):
    today = programme["today"]
    _run(tenant_a)
    with as_tenant(tenant_a, owner_a):
        AccountReview.objects.create(  # as the admin does: no service, no event
            tenant=tenant_a,
            account=programme["lapsed"],
            period_start=today - timedelta(days=30),
            period_end=today,
            held_on=today,
            status="amber",
        )
    assert _run(tenant_a) == {"due": 2, "tasks_opened": 0, "tasks_closed": 1}
    with as_tenant(tenant_a):
        task = Task.objects.get(account=programme["lapsed"], title__startswith="Hold")
        assert task.state == TaskState.DONE
        assert task.instructions.endswith(
            f"Closed by the review schedule on {today.isoformat()}: the account's review is no longer due."
        )


def test_a_closed_review_task_is_opened_again_when_the_review_falls_due_again(tenant_a, owner_a, programme):
    _run(tenant_a)
    with as_tenant(tenant_a, owner_a):
        task = Task.objects.get(account=programme["lapsed"], title__startswith="Hold")
        Task.objects.filter(pk=task.pk).update(state=TaskState.SKIPPED)
    assert _run(tenant_a) == {"due": 3, "tasks_opened": 1, "tasks_closed": 0}


def test_the_schedule_runs_per_workspace_and_through_the_api(api_a, api_b, tenant_a, tenant_b, programme):
    theirs = TierFactory(tenant=tenant_b, rank=1, name="Tier 1")
    _account(tenant_b, "Bravo account", theirs, programme["today"] - timedelta(days=400))
    assert _run(tenant_b) == {"due": 1, "tasks_opened": 1, "tasks_closed": 0}
    assert _tasks(tenant_a) == [
        ("Recent", "Send the proposal", "owner_a", "", programme["today"] + timedelta(days=3), TaskState.OPEN)
    ]
    response = api_a.post("/api/v1/review-schedule/run/")
    assert response.status_code == 202
    assert response.json()["kind"] == "review_schedule"
    assert api_b.get(response["Location"]).status_code == 404
