"""Small hand-built datasets of the engagement, activity, marketing and play-effectiveness tests."""

from datetime import UTC, datetime

from tests.conftest import as_tenant
from tests.factories import ActivityFactory

# The period every test asks for: October 2026, 30 days (the workspace is on UTC).
PERIOD = {"start": "2026-10-01", "end": "2026-10-30"}


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def log(tenant, account, times: int = 1, **fields):
    """``times`` activities at ``account`` (October 10th, noon, outbound e-mail unless ``fields`` say otherwise)."""
    fields = {"occurred_at": at(10, 10), "channel": "email", "direction": "outbound", **fields}
    return ActivityFactory.create_batch(times, tenant=tenant, account=account, **fields)


def link_team(tenant, name, *accounts):
    from teams.models import Team, TeamAccount

    with as_tenant(tenant):
        team = Team.objects.create(tenant=tenant, name=name)
        for account in accounts:
            TeamAccount.objects.create(tenant=tenant, team=team, account=account)
    return team
