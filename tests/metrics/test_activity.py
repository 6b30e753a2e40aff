"""Activity metrics: touches, conversations and meetings per account, channel, team and person, with attempts
per conversation and conversations per meeting (hand-worked values in the comments)."""

from datetime import date

import pytest

from metrics.filters import MetricFilters
from metrics.selectors.activity import activity
from tests.conftest import as_tenant
from tests.factories import AccountFactory

from .programme_data import PERIOD, at, link_team, log

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/activity/"


@pytest.fixture
def programme(tenant_a, tenant_b, owner_a, member_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme", owner=member_a)
    globex = AccountFactory(tenant=tenant_a, name="Globex")
    initech = AccountFactory(tenant=tenant_a, name="Initech", is_target=False)
    tigers = link_team(tenant_a, "Tigers", acme)
    # Acme: 6 touches (3 unanswered e-mails and a connected call by member_a; a replied e-mail and a call that
    # booked a meeting by owner_a), 3 conversations, 1 meeting booked, and 1 meeting held (inbound, no owner).
    log(tenant_a, acme, 3, owner=member_a)
    log(tenant_a, acme, channel="phone", outcome="connected", owner=member_a)
    log(tenant_a, acme, outcome="replied", owner=owner_a)
    log(tenant_a, acme, channel="phone", outcome="meeting_booked", owner=owner_a)
    log(tenant_a, acme, channel="meeting", direction="inbound")
    # Globex: 2 unanswered e-mails, no owner.
    log(tenant_a, globex, 2)
    # Not counted: a non-target account, a touch the evening before the period, another workspace's touches.
    log(tenant_a, initech, 5)
    log(tenant_a, acme, occurred_at=at(9, 30, 23, 59), outcome="replied")
    log(tenant_b, AccountFactory(tenant=tenant_b, name="Acme B"), 4, outcome="replied")
    return {"acme": acme, "globex": globex, "tigers": tigers}


def figures(row):
    return (row["touches"], row["conversations"], row["meetings"], row["meetings_held"])


def test_totals_and_per_account(api_a, programme):
    body = api_a.get(URL, PERIOD).json()
    # 8 touches (6 + 2), 3 conversations, 1 meeting: 8 / 3 = 2.6667 attempts per conversation, 3 / 1 = 3.0.
    assert (body["metric"], figures(body)) == ("activity", (8, 3, 1, 1))
    assert (body["attempts_per_conversation"], body["conversations_per_meeting"]) == (2.6667, 3.0)
    assert body["count"] == 2
    assert [
        (r["account_name"], figures(r), r["attempts_per_conversation"], r["conversations_per_meeting"])
        for r in body["results"]
    ] == [
        ("Acme", (6, 3, 1, 1), 2.0, 3.0),  # 6 / 3, 3 / 1
        ("Globex", (2, 0, 0, 0), None, None),  # nothing to divide by: null, not 0
    ]
    assert body["results"][0]["account"] == programme["acme"].pk


def test_per_channel_team_and_person(api_a, programme, owner_a, member_a):
    by_channel = api_a.get(URL, {**PERIOD, "by": "channel"}).json()["results"]
    assert [(r["channel"], r["channel_label"], figures(r), r["attempts_per_conversation"]) for r in by_channel] == [
        ("email", "E-mail", (6, 1, 0, 0), 6.0),  # 3 + 1 at Acme, 2 at Globex; 1 reply
        ("phone", "Phone", (2, 2, 1, 0), 1.0),
        ("meeting", "Meeting", (0, 0, 0, 1), None),
    ]
    by_team = api_a.get(URL, {**PERIOD, "by": "team"}).json()["results"]
    assert [(r["team"], r["team_name"], figures(r)) for r in by_team] == [
        (programme["tigers"].pk, "Tigers", (6, 3, 1, 1)),
        (None, "", (2, 0, 0, 0)),  # accounts no team works
    ]
    by_owner = api_a.get(URL, {**PERIOD, "by": "owner", "ordering": "-conversations"}).json()["results"]
    assert [(r["owner"], r["owner_name"], figures(r)) for r in by_owner] == [
        (owner_a.pk, owner_a.get_full_name(), (2, 2, 1, 0)),
        (member_a.pk, member_a.get_full_name(), (4, 1, 0, 0)),
        (None, "", (2, 0, 0, 1)),
    ]


def test_filters_and_pages(api_a, programme, member_a):
    only_tigers = api_a.get(URL, {**PERIOD, "team": programme["tigers"].pk}).json()
    assert (figures(only_tigers), only_tigers["count"]) == ((6, 3, 1, 1), 1)
    assert figures(api_a.get(URL, {**PERIOD, "owner": member_a.pk}).json()) == (6, 3, 1, 1)
    second = api_a.get(URL, {**PERIOD, "limit": 1, "offset": 1}).json()
    assert (second["count"], [r["account_name"] for r in second["results"]]) == (2, ["Globex"])
    assert api_a.get(URL, {**PERIOD, "by": "region"}).json() == {"by": ['"region" is not a valid choice.']}
    assert api_a.get(URL, {**PERIOD, "limit": 0}).json() == {
        "limit": ["Ensure this value is greater than or equal to 1."]
    }


def test_csv_holds_the_rows(api_a, programme):
    response = api_a.get(URL, {**PERIOD, "by": "channel", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="activity.csv"'
    assert response.content.decode("utf-8-sig").splitlines() == [
        "channel,channel_label,touches,conversations,meetings,meetings_held,attempts_per_conversation,"
        "conversations_per_meeting",
        "email,E-mail,6,1,0,0,6.0,",
        "phone,Phone,2,2,1,0,1.0,2.0",
        "meeting,Meeting,0,0,0,1,,",
    ]


def test_no_activity_at_all(api_a):
    body = api_a.get(URL, PERIOD).json()
    assert (figures(body), body["attempts_per_conversation"], body["conversations_per_meeting"]) == (
        (0, 0, 0, 0),
        None,
        None,
    )
    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.parametrize("by", ["account", "channel", "team", "owner"])
def test_queries_do_not_grow_with_the_data(tenant_a, programme, by, django_assert_num_queries):
    filters = MetricFilters(start=date(2026, 10, 1), end=date(2026, 10, 30))
    with as_tenant(tenant_a), django_assert_num_queries(3):  # totals, the number of rows, the page
        activity(filters, by=by)
    for index in range(5):
        log(tenant_a, AccountFactory(tenant=tenant_a, name=f"More {index}"), 3, outcome="replied")
    with as_tenant(tenant_a), django_assert_num_queries(3):
        activity(filters, by=by)


def test_days_are_the_workspaces(api_a, tenant_a):
    tenant_a.time_zone = "Europe/Berlin"
    tenant_a.save()
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    log(tenant_a, acme, occurred_at=at(9, 30, 22, 30))  # 00:30 on October 1st in Berlin: in the period
    log(tenant_a, acme, 2, occurred_at=at(10, 30, 23, 30))  # 00:30 on October 31st in Berlin (winter time): after it
    assert api_a.get(URL, PERIOD).json()["touches"] == 1


def test_the_calendars_ends_are_no_server_error(api_a):
    for params in ({"start": "9999-12-01", "end": "9999-12-31"}, {"start": "0001-04-01", "end": "0001-04-02"}):
        assert api_a.get(URL, params).json()["touches"] == 0
        assert api_a.get("/api/v1/metrics/engagement/", params).json()["events"] == 0
        assert api_a.get("/api/v1/metrics/marketing/", params).json()["clicks"] == 0
        assert api_a.get("/api/v1/metrics/plays/", params).json()["launches"] == 0
    assert api_a.get(URL, {"offset": 2**40}).json() == {
        "offset": ["Ensure this value is less than or equal to 2147483647."]
    }
