"""Impressions, clicks and conversions on advertising, web-visit and e-mail activities: through the activities
API, its bulk endpoint and the CSV import, with errors naming the field."""

import pytest

from accounts.models import Activity
from tests.accounts.test_import import post_import
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

WHEN = "2026-03-02T10:00:00Z"


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def activity(acme, channel="advertising", **figures):
    return {"account": acme.pk, "channel": channel, "occurred_at": WHEN, "subject": "Spring campaign", **figures}


def test_an_ad_activity_keeps_its_figures_and_a_partial_update_changes_them(api_a, acme):
    response = api_a.post("/api/v1/activities/", activity(acme, impressions=1200, clicks=36, conversions=2))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["impressions"], body["clicks"], body["conversions"]) == (1200, 36, 2)
    patched = api_a.patch(f"/api/v1/activities/{body['id']}/", {"clicks": 40}, format="json").json()
    assert (patched["impressions"], patched["clicks"], patched["conversions"]) == (1200, 40, 2)
    plain = api_a.post("/api/v1/activities/", activity(acme, channel="phone")).json()
    assert (plain["impressions"], plain["clicks"], plain["conversions"]) == (None, None, None)


def test_errors_name_the_field(api_a, acme):
    too_many = api_a.post("/api/v1/activities/", activity(acme, impressions=10, clicks=11), format="json")
    assert too_many.status_code == 400
    assert too_many.json() == {"clicks": ["Clicks (11) cannot exceed impressions (10)."]}
    on_a_call = api_a.post("/api/v1/activities/", activity(acme, channel="phone", clicks=1, conversions=1))
    assert on_a_call.json() == {
        "clicks": ["Clicks are recorded for advertising, web-visit and e-mail activities only."],
        "conversions": ["Conversions are recorded for advertising, web-visit and e-mail activities only."],
    }
    negative = api_a.post("/api/v1/activities/", activity(acme, impressions=-1), format="json")
    assert negative.json() == {"impressions": ["Ensure this value is greater than or equal to 0."]}
    created = api_a.post("/api/v1/activities/", activity(acme, impressions=10, clicks=5), format="json").json()
    shrunk = api_a.patch(f"/api/v1/activities/{created['id']}/", {"impressions": 4}, format="json")
    assert shrunk.json() == {"clicks": ["Clicks (5) cannot exceed impressions (4)."]}


def test_bulk_refuses_the_list_naming_the_item_and_field(api_a, tenant_a, acme):
    items = [activity(acme, impressions=100, clicks=3), activity(acme, channel="web_visit", impressions=5, clicks=6)]
    response = api_a.post("/api/v1/activities/bulk/", items, format="json")
    assert response.status_code == 400
    assert response.json() == {"1": {"clicks": ["Clicks (6) cannot exceed impressions (5)."]}}
    items[1]["clicks"] = 5
    created = api_a.post("/api/v1/activities/bulk/", items, format="json").json()
    assert [(row["impressions"], row["clicks"]) for row in created] == [(100, 3), (5, 5)]


def test_the_csv_import_reads_outcome_and_figures(api_a, tenant_a, acme):
    text = (
        "Account domain,Channel,Direction,Occurred at,Subject,Outcome,Impressions,Clicks,Conversions\n"
        "acme.com,advertising,outbound,2026-03-02 09:30,Banner,,2000,40,3\n"
        "acme.com,phone,outbound,2026-03-02 10:30,Call,Connected,,,\n"
        "acme.com,email,outbound,2026-03-02 11:30,Mail,,10,11,\n"
        "acme.com,phone,outbound,2026-03-02 12:30,Call,,5,,\n"
    )
    body = post_import(api_a, "activities", text).json()
    assert {row["row"]: [(e["field"], e["column"], e["message"]) for e in row["errors"]] for row in body["rows"]} == {
        2: [],
        3: [],
        4: [("clicks", "Clicks", "Clicks (11) cannot exceed impressions (10).")],
        5: [
            (
                "impressions",
                "Impressions",
                "Impressions are recorded for advertising, web-visit and e-mail activities only.",
            )
        ],
    }
    fixed = text.replace(",10,11,", ",10,9,").replace("Call,,5,,", "Call,,,,")
    body = post_import(api_a, "activities", fixed).json()
    assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").json()["written"] == {"created": 4, "updated": 0}
    with as_tenant(tenant_a):
        rows = sorted(Activity.objects.values_list("subject", "outcome", "impressions", "clicks", "conversions"))
    assert rows == [
        ("Banner", "", 2000, 40, 3),
        ("Call", "", None, None, None),
        ("Call", "connected", None, None, None),
        ("Mail", "", 10, 9, None),
    ]
