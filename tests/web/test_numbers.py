"""Numbers as users type and read them: grouped input in forms, grouped numbers and money on pages, plain
numbers in JSON."""

from decimal import Decimal

import pytest

from abs_platform.web.numbers import locale_from_header
from accounts.models import Account
from icp.models import Criterion
from tests.conftest import as_tenant
from tests.factories import AccountFactory, IcpFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}


def stored(tenant, name):
    with as_tenant(tenant):
        return Account.objects.values("employee_count", "annual_revenue").get(name=name)


def test_form_post_with_grouped_numbers_stores_the_numbers(client_for, member_a, tenant_a):
    response = client_for(member_a).post(
        "/t/alpha/api/accounts/",
        {"name": "Globex", "employee_count": "85,000,000", "annual_revenue": "349,500,000.50", "is_target": "true"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 201, response.content
    assert stored(tenant_a, "Globex") == {"employee_count": 85000000, "annual_revenue": Decimal("349500000.50")}


def test_german_reader_types_german_grouping(client_for, member_a, tenant_a):
    response = client_for(member_a).post(
        "/t/alpha/api/accounts/",
        {"name": "Globex", "employee_count": "85.000.000", "annual_revenue": "349.500.000,50", "is_target": "true"},
        HTTP_HX_REQUEST="true",
        **GERMAN,
    )
    assert response.status_code == 201, response.content
    assert stored(tenant_a, "Globex") == {"employee_count": 85000000, "annual_revenue": Decimal("349500000.50")}


@pytest.mark.parametrize("typed", ["1,5", "85,00,000", "lots", "12.5.6"])
def test_a_malformed_number_is_refused_naming_the_field(api_a, tenant_a, typed):
    response = api_a.post("/api/v1/accounts/", {"name": "Globex", "employee_count": typed}, format="json")
    assert response.status_code == 400
    assert response.json() == {"employee_count": ["Enter a number as you write it, e.g. 85,000,000."]}
    assert not Account.all_tenants.filter(name="Globex").exists()


def test_json_numbers_stay_numbers(api_a, tenant_a):
    response = api_a.post(
        "/api/v1/accounts/", {"name": "Globex", "employee_count": 85000000, "annual_revenue": 349500000}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["employee_count"], response.json()["annual_revenue"]) == (85000000, "349500000.00")


def test_pages_show_grouped_numbers_and_money(client_for, member_a, tenant_a):
    account = AccountFactory(
        tenant=tenant_a, name="Globex", employee_count=85000000, annual_revenue=Decimal("349500000.00")
    )
    OpportunityFactory(tenant=tenant_a, account=account, name="Big deal", amount=Decimal("1234567.89"))
    client = client_for(member_a)
    row = client.get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
    assert '<td class="num">85,000,000</td>' in row
    detail = client.get(f"/t/alpha/api/accounts/{account.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<dd>85,000,000</dd>" in detail
    assert "<dd>$349,500,000</dd>" in detail
    page = client.get(f"/t/alpha/accounts/{account.pk}/").content.decode()
    assert "<dd>$349,500,000</dd>" in page
    deals = client.get(f"/t/alpha/api/opportunities/?account={account.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert '<td class="num">$1,234,567.89</td>' in deals


def test_german_reader_sees_german_grouping(client_for, member_a, tenant_a):
    tenant_a.currency = "EUR"
    tenant_a.save()
    account = AccountFactory(
        tenant=tenant_a, name="Globex", employee_count=85000000, annual_revenue=Decimal("349500000.00")
    )
    client = client_for(member_a)
    detail = client.get(f"/t/alpha/api/accounts/{account.pk}/", HTTP_HX_REQUEST="true", **GERMAN)
    html = detail.content.decode()
    assert "<dd>85.000.000</dd>" in html
    assert "<dd>349.500.000\xa0€</dd>" in html
    assert "Accept-Language" in detail["Vary"]


def test_the_edit_form_shows_the_value_as_the_reader_types_it(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, employee_count=85000000, annual_revenue=Decimal("349500000.50"))
    client = client_for(member_a)
    url = f"/t/alpha/api/accounts/{account.pk}/edit/"
    english = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="employee_count" type="text" value="85,000,000"' in english
    assert 'name="annual_revenue" type="text" value="349,500,000.5"' in english
    german = client.get(url, HTTP_HX_REQUEST="true", **GERMAN).content.decode()
    assert 'name="employee_count" type="text" value="85.000.000"' in german
    refused = client.put(
        f"/t/alpha/api/accounts/{account.pk}/",
        "name=Globex&employee_count=85%2C000%2C000x",
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'value="85,000,000x"' in refused  # shown again as typed, with its error
    assert "Enter a number as you write it, e.g. 85,000,000." in refused


@pytest.mark.parametrize(
    ("header", "locale"),
    [("", "en_US"), ("de-DE,de;q=0.9", "de_DE"), ("xx-YY, fr;q=0.8", "fr"), ("*", "en_US")],
)
def test_locale_from_accept_language(header, locale):
    assert str(locale_from_header(header)) == locale


def test_icp_range_bounds_are_typed_and_shown_grouped(client_for, admin_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1)
    client = client_for(admin_a)
    response = client.post(
        "/t/alpha/api/criteria/",
        {"icp": icp.pk, "kind": "revenue", "min": "1.000.000", "max": "2.500.000,50", "weight": "10"},
        HTTP_HX_REQUEST="true",
        **GERMAN,
    )
    assert response.status_code == 201, response.content
    with as_tenant(tenant_a):
        criterion = Criterion.objects.get()
    assert criterion.params == {"min": 1000000, "max": 2500000.5}
    form = client.get(f"/t/alpha/api/criteria/{criterion.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="min" type="text" inputmode="decimal" value="1,000,000"' in form
    assert 'name="max" type="text" inputmode="decimal" value="2,500,000.5"' in form
