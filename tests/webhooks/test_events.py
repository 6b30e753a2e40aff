"""Each event type, raised by the real service call, makes one delivery per subscribed endpoint with the payload
docs/api.md "Webhooks" documents."""

import uuid
from datetime import date

import pytest
from django.utils import timezone

from accounts import services as account_services
from checks import services as check_services
from icp import services as icp_services
from planning import services as planning_services
from plays import launching
from plays.models import PlayRun, PlayTemplate
from tasks import events as task_events
from tasks import services as task_services
from tasks.models import Task
from teams import services as team_services
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, TierFactory
from tests.tasks.factories import TaskFactory
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEvent


@pytest.fixture
def endpoints(tenant_a):
    """Two endpoints subscribed to every event."""
    with as_tenant(tenant_a):
        return [
            services.endpoint_create(url=f"https://93.184.215.14/hooks/{n}", events=WebhookEvent.values) for n in (1, 2)
        ]


def delivered(tenant, event) -> list[dict]:
    """The payloads of ``event``'s deliveries (one per endpoint, the same), checked alike, then their data."""
    with as_tenant(tenant):
        deliveries = list(WebhookDelivery.objects.filter(event=event).order_by("endpoint", "id"))
    by_event = {}
    for delivery in deliveries:
        assert delivery.payload["type"] == event
        assert delivery.payload["id"] == str(delivery.event_id)
        assert delivery.payload["workspace"] == {"id": tenant.pk, "slug": tenant.slug}
        by_event.setdefault(delivery.event_id, []).append(delivery)
    for same in by_event.values():
        assert len(same) == 2 and same[0].payload == same[1].payload
        assert same[0].endpoint_id != same[1].endpoint_id
    return [same[0].payload["data"] for same in by_event.values()]


def test_a_tier_set_by_hand_and_cleared(tenant_a, endpoints):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    tier = TierFactory(tenant=tenant_a, rank=1, name="Strategic")
    with as_tenant(tenant_a):
        account_services.account_override_tier(account=acme, tier=tier, reason="Board decision")
        account_services.account_clear_tier_override(account=acme)
    assert delivered(tenant_a, "account.tier_changed") == [
        {
            "account": {"id": acme.pk, "name": "Acme"},
            "previous_tier": None,
            "tier": {"id": tier.pk, "name": "Strategic"},
        },
        {
            "account": {"id": acme.pk, "name": "Acme"},
            "previous_tier": {"id": tier.pk, "name": "Strategic"},
            "tier": None,
        },
    ]


def test_bulk_re_tiering_makes_one_event_per_moved_account(tenant_a, endpoints):
    first = TierFactory(tenant=tenant_a, rank=1, name="Tier 1", capacity=1)
    second = TierFactory(tenant=tenant_a, rank=2, name="Tier 2")
    high = AccountFactory(tenant=tenant_a, name="High", is_target=True, fit_score=90)
    low = AccountFactory(tenant=tenant_a, name="Low", is_target=True, fit_score=40)
    AccountFactory(tenant=tenant_a, name="Not a target", is_target=False, fit_score=99)
    with as_tenant(tenant_a):
        icp_services.tiers_suggest()
        icp_services.tiers_suggest()  # nothing moves: nothing announced
    assert sorted(delivered(tenant_a, "account.tier_changed"), key=lambda data: data["account"]["id"]) == [
        {"account": {"id": high.pk, "name": "High"}, "previous_tier": None, "tier": {"id": first.pk, "name": "Tier 1"}},
        {"account": {"id": low.pk, "name": "Low"}, "previous_tier": None, "tier": {"id": second.pk, "name": "Tier 2"}},
    ]


def test_coverage_gaps_opened_and_closed(tenant_a, endpoints, owner_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme", is_target=True, industry="", last_verified_on=date.today())
    with as_tenant(tenant_a):
        check_services.coverage_check()
        check_services.coverage_check()  # the same gaps: nothing new
        assert delivered(tenant_a, "coverage.gap_opened") == [
            {"account": {"id": acme.pk, "name": "Acme"}, "gaps": ["data", "team"]}
        ]
        team = team_services.team_create(name="Core")
        team_services.team_account_add(team=team, account=acme)
        account_services.account_update(account=acme, industry="Software")
        check_services.coverage_check()
    assert delivered(tenant_a, "coverage.gap_closed") == [{"account": {"id": acme.pk, "name": "Acme"}}]


def test_a_contact_went_stale(tenant_a, endpoints):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    jo = ContactFactory(
        tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee", email="jo@acme.com", status="bounced"
    )
    with as_tenant(tenant_a):
        check_services.decay_check()
        check_services.decay_check()
    assert delivered(tenant_a, "contact.went_stale") == [
        {
            "contact": {"id": jo.pk, "name": "Jo Lee", "email": "jo@acme.com"},
            "account": {"id": acme.pk, "name": "Acme"},
            "reason": "bounced",
            "since": timezone.localdate().isoformat(),
        }
    ]


def task_data(task, acme, state, completed_at, assignee) -> dict:
    return {
        "id": task.pk,
        "title": "Call Jo",
        "state": state,
        "source": "manual",
        "due_on": "2026-03-02",
        "completed_at": completed_at,
        "account": {"id": acme.pk, "name": "Acme"},
        "contact": None,
        "assignee": {"id": assignee.pk, "username": assignee.username},
    }


def test_task_due_and_completed(tenant_a, endpoints, member_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    task = TaskFactory(tenant=tenant_a, account=acme, title="Call Jo", due_on=date(2026, 3, 2), assignee=member_a)
    with as_tenant(tenant_a, member_a):
        task_events.tasks_due.send(Task, tasks=[task])
        assert delivered(tenant_a, "task.due") == [{"task": task_data(task, acme, "open", None, member_a)}]
        task_services.task_complete(task, outcome="connected")
        task.refresh_from_db()
    assert delivered(tenant_a, "task.completed") == [
        {"task": task_data(task, acme, "done", task.completed_at.isoformat(), member_a), "outcome": "connected"}
    ]


def test_a_play_run_finished(tenant_a, endpoints):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    with as_tenant(tenant_a):
        template = PlayTemplate.objects.create(name="Land", kind="acquisition")
        started = timezone.now()
        run = PlayRun.objects.create(template=template, template_version=1, account=acme, started_at=started)
        run = launching.play_run_cancel(run=run)
    assert delivered(tenant_a, "play_run.finished") == [
        {
            "play_run": {
                "id": run.pk,
                "state": "cancelled",
                "template": {"id": template.pk, "name": "Land", "version": 1},
                "account": {"id": acme.pk, "name": "Acme"},
                "started_at": started.isoformat(),
                "finished_at": run.finished_at.isoformat(),
            }
        }
    ]


def test_an_opportunity_stage_changed(tenant_a, endpoints):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    deal = OpportunityFactory(tenant=tenant_a, account=acme, name="Renewal", amount=50000, opened_on=date(2026, 1, 5))
    with as_tenant(tenant_a):
        account_services.opportunity_update(opportunity=deal, name="Renewal 2026")  # no stage change
        account_services.opportunity_update(opportunity=deal, stage="closed_won", close_date=date(2026, 3, 31))
    assert delivered(tenant_a, "opportunity.stage_changed") == [
        {
            "opportunity": {
                "id": deal.pk,
                "name": "Renewal 2026",
                "amount": "50000.00",
                "stage": "closed_won",
                "close_date": "2026-03-31",
                "account": {"id": acme.pk, "name": "Acme"},
            },
            "previous_stage": "prospecting",
        }
    ]


def hand_off_data(hand_off, acme, sdr, ae, state, reason, opportunity) -> dict:
    return {
        "hand_off": {
            "id": hand_off.pk,
            "state": state,
            "account": {"id": acme.pk, "name": "Acme"},
            "from_user": {"id": sdr.pk, "username": sdr.username},
            "to_user": {"id": ae.pk, "username": ae.username},
            "passed_at": hand_off.passed_at.isoformat(),
            "decided_at": hand_off.decided_at.isoformat(),
            "rejection_reason": reason,
            "opportunity": opportunity,
        }
    }


def test_hand_offs_accepted_and_rejected(tenant_a, endpoints, member_a, admin_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    with as_tenant(tenant_a, member_a):
        accepted = planning_services.hand_off_pass(account=acme, from_user=member_a, to_user=admin_a)
        rejected = planning_services.hand_off_pass(account=acme, from_user=member_a, to_user=admin_a)
        accepted = planning_services.hand_off_accept(hand_off=accepted, opportunity_name="Acme expansion")
        rejected = planning_services.hand_off_reject(hand_off=rejected, reason="No budget")
    assert delivered(tenant_a, "hand_off.accepted") == [
        hand_off_data(accepted, acme, member_a, admin_a, "accepted", "", accepted.opportunity_id)
    ]
    assert delivered(tenant_a, "hand_off.rejected") == [
        hand_off_data(rejected, acme, member_a, admin_a, "rejected", "No budget", None)
    ]


def test_the_ping_of_the_test_action(tenant_a, endpoints):
    with as_tenant(tenant_a):
        delivery = services.endpoint_test(endpoint=endpoints[0])
    assert delivery.payload["type"] == "ping" and uuid.UUID(delivery.payload["id"]) == delivery.event_id
    assert delivery.payload["data"] == {"endpoint": {"id": endpoints[0].pk, "url": "https://93.184.215.14/hooks/1"}}
