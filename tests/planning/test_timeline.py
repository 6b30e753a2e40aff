"""The account timeline: every source merged newest first, filters, cursor pages, a fixed number of queries."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from planning import services
from tasks import services as task_services
from teams import services as team_services
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, SignalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def at(day, hour=12):
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def events(tenant_a, acme, member_a, admin_a):
    """One event of every kind at Acme, on distinct days; a signal and an activity at another account."""
    jo = ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")
    ActivityFactory(
        tenant=tenant_a, account=acme, contact=jo, subject="Intro e-mail", occurred_at=at(2), owner=member_a
    )
    ActivityFactory(
        tenant=tenant_a, account=acme, subject="Cold call", channel="phone", occurred_at=at(4), owner=admin_a
    )
    SignalFactory(tenant=tenant_a, account=acme, contact=jo, title="Series C", occurred_on=date(2026, 11, 3))
    SignalFactory(tenant=tenant_a, title="Elsewhere", occurred_on=date(2026, 11, 3))
    ActivityFactory(tenant=tenant_a, subject="Elsewhere touch", occurred_at=at(3))
    with as_tenant(tenant_a, admin_a):
        deal = account_services.opportunity_create(account=acme, name="Platform", opened_on=date(2026, 11, 5))
        account_services.opportunity_update(opportunity=deal, amount=5)  # not a stage change: not shown
        account_services.opportunity_update(opportunity=deal, stage="discovery")
        services.review_create(
            account=acme,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            held_on=date(2026, 11, 6),
            status="amber",
        )
        services.hand_off_pass(account=acme, from_user=member_a, to_user=admin_a, contacts=[jo], notes="Qualified")
        task_services.task_create(
            account=acme, title="Follow up", due_on=date(2099, 1, 1), assignee=member_a, contact=jo, channel="email"
        )
    return jo


def _events(api, query):
    response = api.get(f"/api/v1/timeline/?{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def _titles(api, query):
    return [(event["kind"], event["title"]) for event in _events(api, query)["results"]]


def test_every_source_merged_newest_and_furthest_ahead_first(api_a, acme, events, admin_a):
    """The task due in 2099 first; the hand-off and the deal's stages as they happened (now); the hand-off's task
    due today (its day, 00:00); then the review, activities and signal on their days."""
    body = _events(api_a, f"account={acme.pk}")
    assert [(event["kind"], event["title"]) for event in body["results"]] == [
        ("task", "Follow up"),
        ("hand_off", admin_a.get_full_name()),
        ("stage", "Platform"),
        ("stage", "Platform"),
        ("task", "Accept or reject the lead passed on Acme"),
        ("review", "2026-10-01 – 2026-10-31"),
        ("activity", "Cold call"),
        ("signal", "Series C"),
        ("activity", "Intro e-mail"),
    ]
    stages = [(event["detail"], event["state"]) for event in body["results"] if event["kind"] == "stage"]
    assert stages == [("prospecting", "discovery"), ("", "prospecting")]
    assert body["next"] is None
    signal = next(event for event in body["results"] if event["kind"] == "signal")
    assert (signal["at"], signal["all_day"], signal["contact_name"]) == ("2026-11-03T00:00:00Z", True, "Jo Lee")


def test_filters_by_contact_channel_and_team(api_a, tenant_a, acme, events, member_a, admin_a):
    assert _titles(api_a, f"account={acme.pk}&contact={events.pk}") == [
        ("task", "Follow up"),
        ("hand_off", admin_a.get_full_name()),
        ("task", "Accept or reject the lead passed on Acme"),
        ("signal", "Series C"),
        ("activity", "Intro e-mail"),
    ]
    assert _titles(api_a, f"account={acme.pk}&channel=phone") == [("activity", "Cold call")]
    assert _titles(api_a, f"account={acme.pk}&channel=email") == [("task", "Follow up"), ("activity", "Intro e-mail")]
    with as_tenant(tenant_a):
        team = team_services.team_create(name="Marketing")
        team_services.team_member_add(team=team, user=member_a, role="marketer")
    assert _titles(api_a, f"account={acme.pk}&team={team.pk}") == [
        ("task", "Follow up"),
        ("hand_off", admin_a.get_full_name()),
        ("activity", "Intro e-mail"),
    ]


def test_cursor_pages_show_every_event_once(api_a, acme, events):
    everything = _titles(api_a, f"account={acme.pk}")
    seen, url = [], f"/api/v1/timeline/?account={acme.pk}&page_size=2"
    while url:
        body = api_a.get(url).json()
        assert len(body["results"]) <= 2
        seen += [(event["kind"], event["title"]) for event in body["results"]]
        url = body["next"]
    assert seen == everything


def test_a_page_costs_one_query_per_source_whatever_the_account_holds(tenant_a, acme, events):
    from planning import timeline

    with as_tenant(tenant_a), CaptureQueriesContext(connection) as few:
        assert len(timeline.timeline(acme, size=25).events) == 9
    for day in range(1, 29):
        ActivityFactory(tenant=tenant_a, account=acme, subject=f"Touch {day}", occurred_at=at(day, 9))
        SignalFactory(tenant=tenant_a, account=acme, title=f"News {day}", occurred_on=date(2026, 10, day))
    with as_tenant(tenant_a), CaptureQueriesContext(connection) as many:
        page = timeline.timeline(acme, size=25)
    assert len(page.events) == 25 and page.next is not None
    assert len(few) == len(many) == len(timeline.SOURCES)


def test_bad_requests(api_a, acme):
    assert api_a.get("/api/v1/timeline/").json() == {"account": ["This field is required."]}
    assert api_a.get(f"/api/v1/timeline/?account={acme.pk}&cursor=nonsense").json() == {
        "cursor": ["Invalid cursor: use the next link as given."]
    }
    assert api_a.get(f"/api/v1/timeline/?account={acme.pk}&colour=red").status_code == 400


def test_the_timeline_page(client_for, tenant_a, acme, events, member_a):
    client = client_for(member_a)
    page = client.get(f"/t/{tenant_a.slug}/planning/accounts/{acme.pk}/timeline/")
    assert page.status_code == 200
    assert "Jo Lee" in page.content.decode()  # the contact filter
    fragment = client.get(
        f"/t/{tenant_a.slug}/api/timeline/?account={acme.pk}&contact=&channel=phone&team=", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Cold call" in fragment and "Intro e-mail" not in fragment


def test_days_show_as_their_day_in_a_workspace_west_of_utc(client_for, tenant_a, acme, member_a):
    """A signal of 3 November is shown on 3 November in New York, not at 19:00 the day before."""
    tenant_a.time_zone = "America/New_York"
    tenant_a.save()
    SignalFactory(tenant=tenant_a, account=acme, title="Series C", occurred_on=date(2026, 11, 3))
    client = client_for(member_a)
    url = f"/t/{tenant_a.slug}/api/timeline/?account={acme.pk}"
    assert client.get(url).json()["results"][0]["at"] == "2026-11-03T00:00:00Z"
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert '<time datetime="2026-11-03T00:00:00Z">2026-11-03</time>' in fragment


def test_play_runs_started_are_on_the_timeline(api_a, tenant_a, acme, member_a):
    from plays.models import PlayRun
    from tests.plays.factories import PlayTemplateFactory

    template = PlayTemplateFactory(tenant=tenant_a, name="Land Tier 1")
    with as_tenant(tenant_a, member_a):
        PlayRun.objects.create(template=template, template_version=1, account=acme, started_at=at(9))
    assert _events(api_a, f"account={acme.pk}")["results"][0] | {"id": None} == {
        "kind": "play_run",
        "id": None,
        "at": "2026-11-09T12:00:00Z",
        "all_day": False,
        "title": "Land Tier 1",
        "detail": "",
        "state": "running",
        "contact": None,
        "contact_name": "",
        "channel": "",
        "user": member_a.pk,
        "user_name": member_a.get_full_name(),
    }
