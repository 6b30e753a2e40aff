"""Marketing: engagement rate, click-through rate and conversions of advertising, web-visit and e-mail activities
(hand-worked values in the comments)."""

from datetime import date

import pytest

from metrics.filters import MetricFilters
from metrics.selectors.marketing import marketing
from tests.conftest import as_tenant
from tests.factories import AccountFactory

from .programme_data import PERIOD, log

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/marketing/"
FIGURES = (
    "activities",
    "accounts_reached",
    "accounts_engaged",
    "engagement_rate",
    "impressions",
    "clicks",
    "click_through_rate",
    "conversions",
    "conversion_rate",
)


@pytest.fixture
def programme(tenant_a, tenant_b):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    globex = AccountFactory(tenant=tenant_a, name="Globex")
    log(tenant_a, acme, channel="advertising", impressions=1000, clicks=30, conversions=2)
    log(tenant_a, acme, channel="advertising", impressions=500, clicks=0)
    log(tenant_a, acme, channel="web_visit", direction="inbound")
    log(tenant_a, acme, clicks=4, conversions=1)  # an e-mail's clicks without its impressions
    log(tenant_a, acme, outcome="replied")
    log(tenant_a, globex, channel="advertising", impressions=2000, clicks=50)
    log(tenant_a, globex)
    # Not counted: a call (not a campaign channel), a non-target account, another workspace.
    log(tenant_a, acme, channel="phone", outcome="connected")
    log(tenant_a, AccountFactory(tenant=tenant_a, is_target=False), channel="advertising", impressions=99, clicks=9)
    log(tenant_b, AccountFactory(tenant=tenant_b), channel="advertising", impressions=99, clicks=9)


def figures(row):
    return tuple(row[name] for name in FIGURES)


def test_per_channel_and_overall(api_a, programme):
    body = api_a.get(URL, PERIOD).json()
    # All 7 activities at 2 accounts, both engaged (Acme clicked and replied, Globex clicked): 2 / 2.
    # Click-through: the 80 clicks of activities with impressions / 3500 impressions = 0.022857…;
    # conversions 2 + 1 = 3 over 84 clicks = 0.035714….
    assert (body["metric"], figures(body)) == ("marketing", (7, 2, 2, 1.0, 3500, 84, 0.0229, 3, 0.0357))
    assert [(r["channel"], r["channel_label"], *figures(r)) for r in body["results"]] == [
        # 3 ads at 2 accounts, both clicked; 80 / 3500; 2 conversions / 80 clicks.
        ("advertising", "Advertising", 3, 2, 2, 1.0, 3500, 80, 0.0229, 2, 0.025),
        # 1 inbound visit: engaged; no impressions, no clicks: both rates null, not 0.
        ("web_visit", "Web visit", 1, 1, 1, 1.0, 0, 0, None, 0, None),
        # 3 e-mails at 2 accounts, only Acme engaged (clicks, a reply): 1 / 2; 4 clicks without impressions;
        # 1 conversion / 4 clicks.
        ("email", "E-mail", 3, 2, 1, 0.5, 0, 4, None, 1, 0.25),
    ]


def test_csv_and_no_activity(api_a, tenant_a):
    body = api_a.get(URL, PERIOD).json()
    assert figures(body) == (0, 0, 0, None, 0, 0, None, 0, None)
    lines = api_a.get(URL, {**PERIOD, "format": "csv"}).content.decode("utf-8-sig").splitlines()
    assert lines == [
        "channel,channel_label," + ",".join(FIGURES),
        "advertising,Advertising,0,0,0,,0,0,,0,",
        "web_visit,Web visit,0,0,0,,0,0,,0,",
        "email,E-mail,0,0,0,,0,0,,0,",
    ]


def test_one_query_whatever_the_data(tenant_a, programme, django_assert_num_queries):
    filters = MetricFilters(start=date(2026, 10, 1), end=date(2026, 10, 30))
    with as_tenant(tenant_a), django_assert_num_queries(1):
        marketing(filters)
    log(tenant_a, AccountFactory(tenant=tenant_a), 6, channel="advertising", impressions=10, clicks=1)
    with as_tenant(tenant_a), django_assert_num_queries(1):
        marketing(filters)
