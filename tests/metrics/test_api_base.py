"""What every metric endpoint shares (``metrics.api.base.MetricViewSet``), through a probe metric listing the
accounts the filters leave: the response shape, JSON or CSV, roles and API keys, 400s naming the parameter."""

import csv
import io

import pytest

from tests.conftest import as_tenant, make_api_client
from tests.factories import AccountFactory, TierFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.metrics.probe_urls")]

URL = "/api/v1/metrics/probe/"


@pytest.fixture
def accounts(tenant_a, tenant_b, owner_a):
    """Alpha: "=HYPERLINK(…)" (a formula if a spreadsheet read it) and "Plain" in tier 1, "-minus" in tier 2;
    Bravo: one account, which never shows."""
    tier1, tier2 = TierFactory(tenant=tenant_a, rank=1), TierFactory(tenant=tenant_a, rank=2)
    AccountFactory(tenant=tenant_a, name='=HYPERLINK("http://x.example")', tier=tier1, owner=owner_a)
    AccountFactory(tenant=tenant_a, name="Plain", tier=tier1)
    AccountFactory(tenant=tenant_a, name="-minus", tier=tier2)
    AccountFactory(tenant=tenant_b, name="Bravo's own")
    return tier1, tier2


def rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read the byte-order mark as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_json_carries_the_metric_its_filters_and_null_ratios(api_a, accounts):
    tier1, _ = accounts
    response = api_a.get(URL, {"start": "2026-01-01", "end": "2026-01-31", "tier": tier1.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "metric": "probe",
        "filters": {"start": "2026-01-01", "end": "2026-01-31", "tier": tier1.pk, "team": None, "owner": None},
        "accounts": 2,
        "share": 0.3333,
        "none_share": None,
        "results": [
            {"name": '=HYPERLINK("http://x.example")', "change": -3, "share": 0.6667, "none_share": None},
            {"name": "Plain", "change": -3, "share": 0.6667, "none_share": None},
        ],
    }


def test_csv_downloads_the_rows_with_a_header_and_neutralised_formulas(api_a, accounts):
    response = api_a.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="probe.csv"'
    # Text starting with = + - @ gets an apostrophe; numbers (a negative change) stay numbers; null is empty.
    assert rows(response) == [
        ["name", "change", "share", "none_share"],
        ["'-minus", "-3", "0.6667", ""],
        ['\'=HYPERLINK("http://x.example")', "-3", "0.6667", ""],
        ["Plain", "-3", "0.6667", ""],
    ]


def test_csv_without_rows_still_has_its_header(api_a, accounts, owner_a):
    # Nobody else owns an account: no row. Before the fix the file was empty, without its columns.
    response = api_a.get(URL, {"format": "csv", "owner": owner_a.pk, "tier": accounts[1].pk})
    assert rows(response) == [["name", "change", "share", "none_share"]]


def test_csv_of_a_metric_without_rows_is_one_row_of_its_figures(api_a, accounts):
    response = api_a.get("/api/v1/metrics/scalar-probe/", {"format": "csv"})
    assert rows(response) == [["metric", "accounts", "share", "none_share"], ["scalar-probe", "3", "0.3333", ""]]


def test_a_refused_filter_is_a_json_400_naming_it_even_when_csv_was_asked(api_a, accounts):
    response = api_a.get(URL, {"format": "csv", "start": "2026-02-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"start": ["The start must be on or before the end."]}


def test_the_metrics_own_parameters_are_accepted_others_refused(api_a, accounts):
    assert api_a.get(URL, {"detail": "1"}).status_code == 200
    response = api_a.get(URL, {"tier_id": "1"})
    assert response.status_code == 400
    assert response.json() == {
        "tier_id": ["Unknown query parameter. Use one of: detail, end, format, owner, period, start, team, tier."]
    }


def test_another_workspaces_tier_is_refused_and_its_rows_never_count(api_a, api_b, accounts, tenant_b):
    tier1, _ = accounts
    response = api_b.get(URL, {"tier": tier1.pk})
    assert response.status_code == 400
    assert response.json() == {"tier": [f"No tier with id {tier1.pk} in this workspace."]}
    assert api_b.get(URL).json()["results"] == [
        {"name": "Bravo's own", "change": -3, "share": 0.6667, "none_share": None}
    ]


def test_a_viewer_reads_in_the_browser_and_a_read_only_key_reads(client_for, viewer_a, api_a_read, accounts):
    response = client_for(viewer_a).get("/t/alpha/api/metrics/probe/", {"period": "30d"})
    assert response.status_code == 200
    assert response.json()["accounts"] == 3
    assert api_a_read.get(URL).json()["accounts"] == 3


def test_writes_and_anonymous_reads_are_refused(client, api_a, accounts):
    assert client.get(URL).status_code in (401, 403)
    assert api_a.post(URL, {}).status_code == 405


def test_a_revoked_key_reads_nothing(tenant_a, owner_a, accounts):
    from abs_platform.tenancy import services
    from abs_platform.tenancy.models import ApiKey

    api = make_api_client(tenant_a, created_by=owner_a)
    assert api.get(URL).status_code == 200
    with as_tenant(tenant_a, owner_a):
        services.api_key_revoke(api_key=ApiKey.objects.get(tenant=tenant_a), by=owner_a)
    assert api.get(URL).status_code in (401, 403)
