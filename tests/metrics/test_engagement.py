"""Engagement of each target account in the period against a baseline: events, change, engaged contacts per
buying role, sharp movers (hand-worked values in the comments)."""

from datetime import date

import pytest

from accounts.models import Account
from metrics.filters import MetricFilters
from metrics.models import MetricsSettings
from metrics.selectors.engagement import engagement
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, TierFactory

from .programme_data import PERIOD, at, link_team, log

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/engagement/"
ROLES = [
    "decision_maker",
    "economic_buyer",
    "champion",
    "influencer",
    "end_user",
    "blocker",
    "legal_procurement",
    "executive_sponsor",
]


@pytest.fixture
def programme(tenant_a, tenant_b):
    """The programme started on 2026-09-01: the baseline is 2026-06-03 … 2026-08-31 (90 days), the period
    October 1–30 (30 days), so a baseline count is scaled by 30 / 90 = 1/3."""
    with as_tenant(tenant_a):
        MetricsSettings.objects.create(tenant=tenant_a, programme_start_on=date(2026, 9, 1))
    acme, globex, hooli, initech, wayne = (
        AccountFactory(tenant=tenant_a, name=name) for name in ("Acme", "Globex", "Hooli", "Initech", "Wayne")
    )
    jane = ContactFactory(tenant=tenant_a, account=acme, buying_role="champion")
    bob = ContactFactory(tenant=tenant_a, account=acme, buying_role="decision_maker")
    carl = ContactFactory(tenant=tenant_a, account=acme, buying_role="end_user")
    # Acme: 3 replies from Jane and 2 connected calls with Bob are 5 events; 4 unanswered e-mails to Carl are
    # none. Baseline: 3 events → 1.0 per period; change 5 − 1 = 4.0, ratio 4.0: rising (≥ 5 events, ≥ +50 %).
    log(tenant_a, acme, 3, direction="inbound", contact=jane)
    log(tenant_a, acme, 2, channel="phone", outcome="connected", contact=bob)
    log(tenant_a, acme, 4, contact=carl)
    log(tenant_a, acme, 3, direction="inbound", occurred_at=at(7, 15))
    # Globex: 1 web visit; baseline 30 events → 10.0; change −9.0, ratio −0.9: falling (baseline ≥ 5, ≤ −50 %).
    log(tenant_a, globex, channel="web_visit", direction="inbound")
    log(tenant_a, globex, 30, direction="inbound", occurred_at=at(8, 31, 23, 59))
    # Hooli: only baseline events, 6 → 2.0; change −2.0, ratio −1.0, but a baseline under 5: not sharp.
    log(tenant_a, hooli, 6, outcome="replied", occurred_at=at(6, 3, 0, 0))
    # Initech: nothing at all (0, 0, ratio null). Wayne: 4 inbound and an ad with 2 clicks = 5 events, no
    # baseline: rising from nothing (ratio null).
    log(tenant_a, wayne, 4, direction="inbound")
    log(tenant_a, wayne, channel="advertising", impressions=100, clicks=2)
    # Not counted: an ad nobody clicked, a day before the baseline, a non-target account, another workspace.
    log(tenant_a, wayne, channel="advertising", impressions=100, clicks=0)
    log(tenant_a, hooli, direction="inbound", occurred_at=at(6, 2, 23, 59))
    log(tenant_a, AccountFactory(tenant=tenant_a, name="Umbrella", is_target=False), 9, direction="inbound")
    log(tenant_b, AccountFactory(tenant=tenant_b, name="Acme B"), 9, direction="inbound")
    return {"acme": acme, "globex": globex, "hooli": hooli, "initech": initech, "wayne": wayne}


def rows(body):
    return [
        (
            r["account_name"],
            r["events"],
            r["baseline_events"],
            r["baseline_per_period"],
            r["change"],
            r["change_ratio"],
            r["movement"],
        )
        for r in body["results"]
    ]


def test_accounts_against_the_programme_baseline(api_a, programme):
    body = api_a.get(URL, PERIOD).json()
    assert body["baseline"] == {"start": "2026-06-03", "end": "2026-08-31", "days": 90, "source": "programme_start"}
    assert body["thresholds"] == {"change": 0.5, "min_events": 5}
    # 11 events (5 + 1 + 0 + 0 + 5) against 39 (3 + 30 + 6) → 13.0 per period: change −2.0, ratio −2 / 13.
    assert {k: body[k] for k in ("accounts", "events", "baseline_events", "baseline_per_period", "change")} == {
        "accounts": 5,
        "events": 11,
        "baseline_events": 39,
        "baseline_per_period": 13.0,
        "change": -2.0,
    }
    assert (body["change_ratio"], body["rising"], body["falling"], body["count"]) == (-0.1538, 2, 1, 5)
    assert rows(body) == [  # by change, largest first
        ("Wayne", 5, 0, 0.0, 5.0, None, "rising"),
        ("Acme", 5, 3, 1.0, 4.0, 4.0, "rising"),
        ("Initech", 0, 0, 0.0, 0.0, None, ""),
        ("Hooli", 0, 6, 2.0, -2.0, -1.0, ""),
        ("Globex", 1, 30, 10.0, -9.0, -0.9, "falling"),
    ]
    assert body["results"][1]["account"] == programme["acme"].pk


def test_engaged_contacts_per_account_and_buying_role(api_a, programme):
    body = api_a.get(URL, {**PERIOD, "ordering": "account_name"}).json()
    # Jane (champion) and Bob (decision maker) engaged at Acme; Carl was only touched.
    assert body["engaged_contacts"] == 2
    assert [(r["buying_role"], r["contacts"]) for r in body["engaged_contacts_by_role"]] == [
        (role, 1 if role in ("champion", "decision_maker") else 0) for role in ROLES
    ]
    assert body["engaged_contacts_by_role"][0]["label"] == "Decision maker"
    acme = body["results"][0]
    assert (acme["account_name"], acme["engaged_contacts"]) == ("Acme", 2)
    assert {role: acme[f"engaged_{role}"] for role in ROLES if acme[f"engaged_{role}"]} == {
        "champion": 1,
        "decision_maker": 1,
    }


def test_orderings_sharp_movers_and_pages(api_a, programme):
    by_ratio = api_a.get(URL, {**PERIOD, "ordering": "-change_ratio"}).json()
    # Ratios 4.0, −0.9, −1.0, then the accounts without a baseline (null) by name.
    assert [r["account_name"] for r in by_ratio["results"]] == ["Acme", "Globex", "Hooli", "Initech", "Wayne"]
    ascending = api_a.get(URL, {**PERIOD, "ordering": "change", "limit": 2, "offset": 1}).json()
    assert (ascending["count"], [r["account_name"] for r in ascending["results"]]) == (5, ["Hooli", "Initech"])
    rising = api_a.get(URL, {**PERIOD, "movement": "rising"}).json()
    assert (rising["count"], [r["account_name"] for r in rising["results"]]) == (2, ["Wayne", "Acme"])
    falling = api_a.get(URL, {**PERIOD, "movement": "falling"}).json()
    assert (falling["count"], falling["rising"], [r["account_name"] for r in falling["results"]]) == (1, 2, ["Globex"])


def test_tier_team_and_owner_narrow_the_accounts(api_a, tenant_a, member_a, programme):
    tier = TierFactory(tenant=tenant_a)
    with as_tenant(tenant_a):
        Account.objects.filter(pk=programme["acme"].pk).update(tier=tier, owner=member_a)
    team = link_team(tenant_a, "Tigers", programme["globex"], programme["hooli"])
    assert [r[0] for r in rows(api_a.get(URL, {**PERIOD, "team": team.pk}).json())] == ["Hooli", "Globex"]
    by_tier = api_a.get(URL, {**PERIOD, "tier": tier.pk}).json()
    assert (by_tier["accounts"], by_tier["events"], by_tier["engaged_contacts"]) == (1, 5, 2)
    assert api_a.get(URL, {**PERIOD, "owner": member_a.pk}).json()["results"][0]["account_name"] == "Acme"


def test_baseline_before_the_period_or_requested(api_a, tenant_a, programme):
    requested = api_a.get(URL, {**PERIOD, "baseline_start": "2026-06-03", "baseline_end": "2026-08-31"}).json()
    assert requested["baseline"]["source"] == "requested"
    assert (requested["events"], requested["baseline_events"]) == (11, 39)
    # A 30-day baseline of its own: August 2 … 31 holds Globex's 30 events, scaled by 30 / 30.
    august = api_a.get(URL, {**PERIOD, "baseline_start": "2026-08-02", "baseline_end": "2026-08-31"}).json()
    assert (august["baseline_events"], august["baseline_per_period"], august["change"]) == (30, 30.0, -19.0)
    with as_tenant(tenant_a):
        MetricsSettings.objects.all().delete()
    # No programme start: the 90 days before the period, July 3 … September 30 (Acme's 3 and Globex's 30).
    before = api_a.get(URL, PERIOD).json()
    assert before["baseline"] == {"start": "2026-07-03", "end": "2026-09-30", "days": 90, "source": "before_period"}
    assert before["baseline_events"] == 33
    assert api_a.get(URL, {**PERIOD, "baseline_start": "2026-08-01"}).json() == {
        "baseline_end": ["Give both baseline_start and baseline_end, or neither."]
    }
    assert api_a.get(URL, {**PERIOD, "baseline_start": "2026-08-02", "baseline_end": "2026-08-01"}).json() == {
        "baseline_start": ["The baseline must start on or before its end."]
    }
    assert api_a.get(URL, {**PERIOD, "ordering": "tier"}).json() == {"ordering": ['"tier" is not a valid choice.']}


def test_csv_and_no_activity(api_a, tenant_a):
    AccountFactory(tenant=tenant_a, name="Quiet")
    body = api_a.get(URL, PERIOD).json()
    assert (body["events"], body["change"], body["change_ratio"], body["rising"]) == (0, 0.0, None, 0)
    assert rows(body) == [("Quiet", 0, 0, 0.0, 0.0, None, "")]
    lines = api_a.get(URL, {**PERIOD, "format": "csv"}).content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("account,account_name,tier_name,events,baseline_events,baseline_per_period,change,")
    assert lines[1].startswith(f"{body['results'][0]['account']},Quiet,,0,0,0.0,0.0,,,0,0,")


def test_queries_do_not_grow_with_the_data(tenant_a, programme, django_assert_num_queries):
    filters = MetricFilters(start=date(2026, 10, 1), end=date(2026, 10, 30))
    with as_tenant(tenant_a), django_assert_num_queries(3):  # the settings, the totals, the page
        engagement(filters)
    for index in range(4):
        log(tenant_a, AccountFactory(tenant=tenant_a, name=f"More {index}"), 3, direction="inbound")
    with as_tenant(tenant_a), django_assert_num_queries(3):
        engagement(filters, movement="rising")
