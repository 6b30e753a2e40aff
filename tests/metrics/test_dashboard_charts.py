"""The dashboard's charts on a hand-built programme: engagement movers (marketing, and the AE's own accounts),
play effectiveness on the scorecard, each chart's CSV holding exactly its table's rows, and the empty states.

October 2026 (30 days) against the 90 days before the programme's start (2026-09-01), scaled by 30 / 90:
* Wayne: 5 inbound events, no baseline: change +5.0, rising (ratio null).
* Acme (the AE's): 5 inbound events, 3 in the baseline (1.0 per period): change +4.0, ratio 4.0, rising; an
  unanswered outbound e-mail prospects it.
* Globex (the AE's): 1 event, 30 in the baseline (10.0): change −9.0, ratio −0.9, falling.
* Hooli: 6 baseline events (2.0): change −2.0, under the sharp threshold.
* Initech: the Blitz play launched on October 5th and completed (a reply, a meeting: 2 events, no baseline,
  fewer than 5: not sharp), a hand-off accepted on the 6th and a deal of 1,000.50 opened on the 5th.
"""

import csv
import io
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from abs_platform.tenancy.models import Role
from metrics.models import MetricsSettings
from planning.models import HandOff, HandOffState
from teams.models import TeamRole
from tests.conftest import _member, as_tenant
from tests.factories import AccountFactory, OpportunityFactory
from tests.plays.factories import PlayTemplateFactory

from .programme_data import at, log
from .test_dashboard import on_team
from .test_plays import run

pytestmark = pytest.mark.django_db
QUERY = "start=2026-10-01&end=2026-10-30"


@pytest.fixture
def ae(tenant_a):
    user = _member(tenant_a, Role.MEMBER, "abe")
    on_team(tenant_a, user, TeamRole.ACCOUNT_EXECUTIVE)
    return user


@pytest.fixture
def programme(tenant_a, ae):
    with as_tenant(tenant_a):
        MetricsSettings.objects.create(tenant=tenant_a, programme_start_on=date(2026, 9, 1))
    acme = AccountFactory(tenant=tenant_a, name="Acme", owner=ae)
    globex = AccountFactory(tenant=tenant_a, name="Globex", owner=ae)
    hooli, initech, wayne = (AccountFactory(tenant=tenant_a, name=n) for n in ("Hooli", "Initech", "Wayne"))
    log(tenant_a, wayne, 5, direction="inbound")
    log(tenant_a, acme, 5, direction="inbound")
    log(tenant_a, acme, 3, direction="inbound", occurred_at=at(7, 15))
    log(tenant_a, acme)
    log(tenant_a, globex, direction="inbound")
    log(tenant_a, globex, 30, direction="inbound", occurred_at=at(8, 31, 23, 59))
    log(tenant_a, hooli, 6, direction="inbound", occurred_at=at(6, 3))
    blitz = PlayTemplateFactory(tenant=tenant_a, name="Blitz")
    PlayTemplateFactory(tenant=tenant_a, name="Idle")
    run(tenant_a, blitz, initech, at(10, 5, 10), "completed", ["replied", "meeting_booked"])
    with as_tenant(tenant_a):
        HandOff.objects.create(tenant=tenant_a, account=initech, passed_at=at(10, 6), state=HandOffState.ACCEPTED)
    OpportunityFactory(tenant=tenant_a, account=initech, amount=Decimal("1000.50"), opened_on=date(2026, 10, 5))
    return {"acme": acme, "globex": globex, "wayne": wayne}


def get_chart(response, key):
    return next(chart for chart in response.context["charts"] if chart.key == key)


def download(client, chart) -> list[list[str]]:
    response = client.get(chart.csv_url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{chart.key}.csv"'
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


class TableLabels(HTMLParser):
    """The first cell of each body row of every chart's "Show the numbers" table, by chart key."""

    def __init__(self):
        super().__init__()
        self.labels, self.card, self.in_body, self.cell, self.text = {}, None, False, 0, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and attrs.get("id", "").startswith("card-"):
            self.card = attrs["id"].removeprefix("card-")
            self.labels[self.card] = []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr":
            self.cell = 0
        elif tag == "td" and self.in_body:
            self.cell, self.text = self.cell + 1, ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.in_body and self.cell == 1 and self.card:
            self.labels[self.card].append(self.text.strip())

    def handle_data(self, data):
        self.text += data


def shown_labels(response) -> dict:
    parser = TableLabels()
    parser.feed(response.content.decode())
    return parser.labels


class TestEngagementMovers:
    def test_marketing_draws_the_sharp_movers_as_diverging_bars_linked_to_their_accounts(
        self, client_for, owner_a, programme
    ):
        response = client_for(owner_a).get(f"/t/alpha/dashboard/?view=marketing&{QUERY}")
        chart = get_chart(response, "engagement-movers")
        ids = [programme[name].pk for name in ("wayne", "acme", "globex")]
        assert chart.config == {
            "kind": "horizontal-bar",
            "labels": ["Wayne", "Acme", "Globex"],
            "datasets": [{"label": "Change in engagement events", "unit": "count", "data": [5.0, 4.0, -9.0]}],
            "links": [f"/t/alpha/accounts/{pk}/" for pk in ids],
            "diverging": True,
        }
        page = response.content.decode()
        assert '<canvas data-chart="chart-data-engagement-movers"' in page
        assert f'<td><a href="/t/alpha/accounts/{ids[2]}/">Globex</a></td>' in page
        assert download(client_for(owner_a), chart) == [
            [
                "Account",
                "Change in engagement events",
                "Events in the period",
                "Baseline (same length)",
                "Change against the baseline",
            ],
            ["Wayne", "5.0", "5", "0.0", ""],
            ["Acme", "4.0", "5", "1.0", "4.0"],
            ["Globex", "-9.0", "1", "10.0", "-0.9"],
        ]

    def test_the_ae_sees_the_movers_among_the_accounts_they_own(self, client_for, ae, programme):
        response = client_for(ae).get(f"/t/alpha/dashboard/?{QUERY}")
        assert response.context["view"] == "ae"
        chart = get_chart(response, "my-engagement-movers")
        assert (chart.config["labels"], chart.config["datasets"][0]["data"]) == (["Acme", "Globex"], [4.0, -9.0])
        assert chart.csv_url == f"/t/alpha/dashboard/chart.csv?chart=my-engagement-movers&{QUERY}&owner={ae.pk}"
        assert [row[0] for row in download(client_for(ae), chart)] == ["Account", "Acme", "Globex"]


class TestPlayEffectiveness:
    def test_the_scorecard_charts_each_template_with_its_numbers(self, client_for, owner_a, programme):
        response = client_for(owner_a).get(f"/t/alpha/dashboard/?{QUERY}")
        chart = get_chart(response, "play-effectiveness")
        assert chart.config["labels"] == ["Blitz", "Idle"]
        assert [(d["label"], d["data"]) for d in chart.config["datasets"]] == [
            ("Launches", [1, 0]),
            ("Completed", [1, 0]),
            ("Replies", [1, 0]),
            ("Meetings", [1, 0]),
            ("Hand-offs", [1, 0]),
        ]
        assert '<canvas data-chart="chart-data-play-effectiveness"' in response.content.decode()
        assert download(client_for(owner_a), chart) == [
            ["Play", "Launches", "Completed", "Replies", "Meetings", "Hand-offs", "Completion", "Pipeline influenced"],
            ["Blitz", "1", "1", "1", "1", "1", "1.0", "1000.50"],
            ["Idle", "0", "0", "0", "0", "0", "", "0.00"],
        ]


class TestChartCsv:
    @pytest.mark.parametrize(("view", "user"), [("leader", "owner_a"), ("marketing", "owner_a"), ("ae", "ae")])
    def test_every_charts_csv_holds_exactly_its_tables_rows(self, request, client_for, programme, view, user):
        client = client_for(request.getfixturevalue(user))
        response = client.get(f"/t/alpha/dashboard/?view={view}&{QUERY}")
        shown = shown_labels(response)
        assert set(shown) == {chart.key for chart in response.context["charts"]}
        for chart in response.context["charts"]:
            rows = download(client, chart)
            assert rows[0] == [chart.label_title, *(series.label for series in chart.series)], chart.key
            assert [row[0] for row in rows[1:]] == shown[chart.key], chart.key
            expected = [
                ["" if cell["value"] is None else str(cell["value"]) for cell in row["values"]] for row in chart.table
            ]
            assert [row[1:] for row in rows[1:]] == expected, chart.key

    def test_the_funnel_csv_is_the_stages_drawn(self, client_for, owner_a, programme):
        client = client_for(owner_a)
        chart = get_chart(client.get(f"/t/alpha/dashboard/?{QUERY}"), "funnel")
        # Acme (an unanswered e-mail) and Initech (the play's reply) were prospected; Initech connected, was
        # passed and accepted.
        assert download(client, chart) == [
            ["Stage", "Accounts"],
            ["Prospected", "2"],
            ["Connected", "1"],
            ["Passed", "1"],
            ["Accepted", "1"],
        ]

    def test_the_cohort_csv_is_one_row_per_cohort_drawn(self, client_for, owner_a, programme):
        client = client_for(owner_a)
        chart = get_chart(client.get(f"/t/alpha/dashboard/?{QUERY}"), "pipeline")
        rows = download(client, chart)
        assert rows[0] == [
            "Cohort",
            "Win rate",
            "Accounts",
            "Pipeline created",
            "Average deal size",
            "Sales cycle (days)",
            "Deal velocity (per day)",
        ]
        # Five target accounts, Initech's deal of 1,000.50 opened in the period and none closed; no non-target
        # account at all.
        assert rows[1:] == [
            ["Target accounts", "", "5", "1000.50", "", "", ""],
            ["Random customers", "", "0", "0.00", "", "", ""],
            ["Look-alikes", "", "0", "0.00", "", "", ""],
        ]

    def test_an_unknown_chart_is_a_404_and_a_bad_filter_a_400(self, client_for, owner_a):
        client = client_for(owner_a)
        assert client.get("/t/alpha/dashboard/chart.csv?chart=revenue").status_code == 404
        response = client.get("/t/alpha/dashboard/chart.csv?chart=funnel&owner=999999")
        assert response.status_code == 400
        assert response.json() == {"owner": ["No member of this workspace has id 999999."]}


class TestEmptyStates:
    def test_each_chart_without_data_says_what_to_do(self, client_for, owner_a, tenant_a):
        AccountFactory(tenant=tenant_a, fit_score=None)
        page = client_for(owner_a).get("/t/alpha/dashboard/").content.decode()
        assert "The trend draws from the daily snapshots" in page and 'href="/t/alpha/data-health/">Open Data' in page
        assert "No target account was prospected in this period" in page
        assert "No play was launched in this period: launch a play on a target account." in page
        assert 'href="/t/alpha/plays/">Open Plays</a>' in page
        # Amounts of "0.00" and a win rate of null in every cohort are nothing to draw either.
        assert "No open opportunities: add a deal" in page and "No deal was won or lost in this period" in page
        assert page.count("<canvas") == 2  # the distributions: one target account, in their "none" bands
        narrowed = client_for(owner_a).get(f"/t/alpha/dashboard/?owner={owner_a.pk}").content.decode()
        assert "The trend is of the whole workspace (daily snapshots): clear the tier, team and owner" in narrowed
        marketing = client_for(owner_a).get("/t/alpha/dashboard/?view=marketing").content.decode()
        assert "No target account&#x27;s engagement rose or fell sharply in this period (by 50% or more" in marketing
        assert "No ad, web visit or e-mail with impressions, clicks or conversions in this period" in marketing
        assert "<canvas" not in marketing
