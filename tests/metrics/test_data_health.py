"""Data health metrics on a hand-built workspace: stale and invalid records by reason, the decay over 12 months
against ~20 %/year, the 30/60/90-day projection (the checks' own figures, narrowed by the filters), the query
budget and isolation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.tenancy.context import workspace_today
from accounts.models import Contact
from checks import selectors as checks_selectors
from checks import services as checks
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CommitteeRequirementFactory, ContactFactory, PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/data-health/"


@pytest.fixture
def workspace(tenant_a, owner_a, member_a):
    """Tier 1 requires one CFO. Acme (owner_a's, verified 10 days ago), Beta (member_a's, verified 400 days ago:
    stale firmographics). T = today; "old" contacts were created two years ago.

    Acme: Ann CFO verified T−10 (old); Ed verified T−400 (old: expired since T−35); Gil bounced (old).
    Beta: Cy CFO verified T−340 (old: current until T+25); Flo never verified; Hal left the company.
    """
    with as_tenant(tenant_a):
        today = workspace_today()
    ago = lambda days: today - timedelta(days=days)  # noqa: E731
    tier = TierFactory(tenant=tenant_a, rank=1)
    cfo = PersonaFactory(tenant=tenant_a, name="CFO")
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=cfo)
    acme = AccountFactory(tenant=tenant_a, name="Acme", tier=tier, owner=owner_a, last_verified_on=ago(10))
    beta = AccountFactory(tenant=tenant_a, name="Beta", tier=tier, owner=member_a, last_verified_on=ago(400))
    old = []
    for at, name, persona, verified, status, is_old in (
        (acme, "Ann", cfo, ago(10), "active", True),
        (acme, "Ed", None, ago(400), "active", True),
        (acme, "Gil", None, ago(10), "bounced", True),
        (beta, "Cy", cfo, ago(340), "active", True),
        (beta, "Flo", None, None, "active", False),
        (beta, "Hal", None, ago(10), "left_company", False),
    ):
        contact = ContactFactory(
            tenant=tenant_a, account=at, first_name=name, persona=persona, last_verified_on=verified, status=status
        )
        if is_old:
            old.append(contact.pk)
    with as_tenant(tenant_a):
        Contact.objects.filter(pk__in=old).update(created_at=timezone.now() - timedelta(days=730))
        checks.decay_check()
    return {"today": today, "acme": acme, "beta": beta}


def test_stale_and_invalid_records_decay_and_projection(api_a, workspace):
    today = workspace["today"]
    body = api_a.get(URL).json()
    assert body["results"] == [
        {"reason": "expired", "label": "Not verified within the threshold", "kind": "stale", "records": 1},  # Ed
        {"reason": "unverified", "label": "Never verified", "kind": "stale", "records": 1},  # Flo
        {"reason": "bounced", "label": "Bounced", "kind": "invalid", "records": 1},  # Gil
        {"reason": "left_company", "label": "Left the company", "kind": "invalid", "records": 1},  # Hal
        {
            "reason": "firmographics",
            "label": "Firmographics not verified within 12 months",
            "kind": "stale",
            "records": 1,  # Beta
        },
    ]
    assert (body["stale"], body["invalid"]) == (3, 2)
    # Ann, Ed, Gil and Cy existed a year ago; Ed (since T−35) and Gil (since today) decayed within it: 2 / 4.
    assert body["decay"] == {
        "window_start": (today - timedelta(days=365)).isoformat(),
        "window_end": today.isoformat(),
        "contacts_at_start": 4,
        "decayed": 2,
        "rate": 0.5,
        "expected_rate": 0.2,
    }
    # Today both CFOs are current (2 of 2); from day 25 Cy has expired; Ann holds until day 355: 1 of 2.
    assert body["projections"] == [
        {"days": 30, "personas_required": 2, "personas_covered": 1, "personas_coverage": 0.5},
        {"days": 60, "personas_required": 2, "personas_covered": 1, "personas_coverage": 0.5},
        {"days": 90, "personas_required": 2, "personas_covered": 1, "personas_coverage": 0.5},
    ]


def test_the_figures_are_the_data_health_summarys(api_a, tenant_a, workspace):
    with as_tenant(tenant_a):
        summary = checks_selectors.summary()
    body = api_a.get(URL).json()
    assert {row["reason"]: row["records"] for row in body["results"]} == summary["stale_by_reason"]
    assert (body["decay"]["contacts_at_start"], body["decay"]["decayed"]) == (
        summary["decay"]["contacts_at_start"],
        summary["decay"]["decayed"],
    )
    assert [(p["personas_required"], p["personas_covered"]) for p in body["projections"]] == [
        (p["personas_required"], p["personas_covered"]) for p in summary["projections"]
    ]


def test_an_owner_narrows_every_figure_to_their_accounts(api_a, workspace, member_a):
    body = api_a.get(URL, {"owner": member_a.pk}).json()
    # Beta: Flo unverified, Hal left, its firmographics.
    assert {row["reason"]: row["records"] for row in body["results"]} == {
        "expired": 0,
        "unverified": 1,
        "bounced": 0,
        "left_company": 1,
        "firmographics": 1,
    }
    assert (body["stale"], body["invalid"]) == (2, 1)
    # Only Cy existed a year ago, and has not decayed: 0 of 1 (0 %, not null).
    assert (body["decay"]["contacts_at_start"], body["decay"]["decayed"], body["decay"]["rate"]) == (1, 0, 0.0)
    assert [p["personas_coverage"] for p in body["projections"]] == [0.0, 0.0, 0.0]


def test_decay_is_measured_up_to_the_periods_end(api_a, workspace):
    end = workspace["today"] - timedelta(days=40)
    body = api_a.get(URL, {"end": end.isoformat()}).json()
    # A year before T−40 the four old contacts existed; neither Ed (T−35) nor Gil (today) had decayed by T−40.
    assert (body["decay"]["contacts_at_start"], body["decay"]["decayed"], body["decay"]["rate"]) == (4, 0, 0.0)


def test_an_empty_workspace_has_null_ratios_and_sees_nothing_of_another(api_b, workspace):
    body = api_b.get(URL).json()
    assert (body["stale"], body["invalid"], body["decay"]["rate"]) == (0, 0, None)
    assert [p["personas_coverage"] for p in body["projections"]] == [None, None, None]


def test_csv_and_a_query_budget_independent_of_the_records(api_a, tenant_a, workspace):
    response = api_a.get(URL, {"format": "csv"})
    assert response.content.decode()[1:].splitlines()[:2] == [
        "reason,label,kind,records",
        "expired,Not verified within the threshold,stale,1",
    ]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            api_a.get(URL)
        return len(captured)

    few = queries()
    for n in range(5):
        ContactFactory(tenant=tenant_a, account=workspace["beta"], first_name=f"New {n}")
    with as_tenant(tenant_a):
        checks.decay_check()
    api_a.get(URL)  # writes may have emptied the key's access cache: filled again
    assert queries() == few
