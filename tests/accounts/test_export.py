"""CSV export of the account and contact lists: filters, formula neutralization, round trip, isolation."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.exports import neutralize
from accounts.models import AccountTechnology
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, TechnologyFactory, TierFactory

pytestmark = pytest.mark.django_db

ACCOUNT_HEADER = [
    "Name",
    "Domain",
    "Website URL",
    "Industry",
    "Employees",
    "Annual revenue",
    "Country",
    "Status",
    "Owner",
    "Target account",
    "Company type",
    "Growth rate (%)",
    "Headquarters",
    "Offices",
    "Last verified on",
    "Parent",
    "Technologies",
    "Tier",
    "Fit score",
    "Source",
    "Created at",
]


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return read_csv_text(response.content)


def read_csv_text(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read the file as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


class TestNeutralize:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("=1+1", "'=1+1"),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("-2", "'-2"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("\0x", "'\0x"),
            ("Acme", "Acme"),
            ("a=b", "a=b"),
            (None, ""),
            (True, "Yes"),
            (-5, "'-5"),
            (1200, "1200"),
        ],
    )
    def test_cells(self, value, expected):
        assert neutralize(value) == expected


class TestAccountExport:
    def test_formula_cells_come_out_prefixed(self, api_a, tenant_a, owner_a):
        AccountFactory(
            tenant=tenant_a, name="=1+1", domain="a.com", industry="+SUM(A1)", headquarters="-2", owner=owner_a
        )
        AccountFactory(tenant=tenant_a, name="@x", domain="b.com", industry="Software")
        rows = read_csv(api_a.get("/api/v1/accounts/export/?ordering=name"))
        assert rows[0] == ACCOUNT_HEADER
        assert [[*row[:4], row[8], row[12]] for row in rows[1:]] == [
            ["'=1+1", "a.com", "", "'+SUM(A1)", "owner_a@example.com", "'-2"],
            ["'@x", "b.com", "", "Software", "", ""],
        ]
        assert [[*row[4:8], row[9]] for row in rows[1:]] == [["250", "", "US", "Prospect", "Yes"]] * 2

    def test_same_filters_search_and_ordering_as_the_list_and_every_row(self, api_a, tenant_a):
        for index in range(30):
            AccountFactory(tenant=tenant_a, name=f"Soft {index:02d}", domain=f"s{index}.com", industry="Software")
        AccountFactory(tenant=tenant_a, name="Oil", domain="oil.com", industry="Energy")
        rows = read_csv(api_a.get("/api/v1/accounts/export/?industry=Software&ordering=-name"))
        assert [row[0] for row in rows[1:]] == [f"Soft {index:02d}" for index in reversed(range(30))]  # not one page
        searched = read_csv(api_a.get("/api/v1/accounts/export/?search=oil"))
        assert [row[0] for row in searched[1:]] == ["Oil"]
        bad = api_a.get("/api/v1/accounts/export/?status=bogus")
        assert bad.status_code == 400
        assert bad.json() == {"status": ["Select a valid choice. bogus is not one of the available choices."]}

    def test_the_dashboard_serves_it_too_with_the_filters(self, client_for, viewer_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", industry="Software")
        AccountFactory(tenant=tenant_a, name="Oil", domain="oil.com", industry="Energy")
        client = client_for(viewer_a)
        response = client.get("/t/alpha/api/accounts/export/?industry=Energy")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="accounts-')
        assert [row[0] for row in read_csv(response)[1:]] == ["Oil"]
        page = client.get("/t/alpha/accounts/").content.decode()
        assert (
            'id="export-csv" href="/t/alpha/api/accounts/export/" download data-export-form="account-filters"' in page
        )
        assert 'id="import-csv"' not in page  # viewers do not import

    def test_round_trip_export_then_import_dry_run_is_all_skips(self, api_a, tenant_a, owner_a):
        tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
        acme = AccountFactory(
            tenant=tenant_a, name="=Acme", domain="acme.com", owner=owner_a, growth_rate="-2.50", tier=tier
        )
        globex = AccountFactory(tenant=tenant_a, name="Globex", domain="", industry="@Energy", office_count=3)
        acme_eu = AccountFactory(tenant=tenant_a, name="Acme EU", domain="acme.com", parent=acme)
        AccountFactory(tenant=tenant_a, name="Globex Labs", domain="labs.io", parent=globex)
        crm, bi = TechnologyFactory(tenant=tenant_a, name="=CRM"), TechnologyFactory(tenant=tenant_a, name="bi tool")
        with as_tenant(tenant_a):
            AccountTechnology.objects.create(account=acme_eu, technology=crm)
            AccountTechnology.objects.create(account=acme_eu, technology=bi)
        exported = api_a.get("/api/v1/accounts/export/?ordering=name").content
        rows = read_csv_text(exported)
        assert [(row[0], row[1], row[15], row[16]) for row in rows[1:]] == [
            ("'=Acme", "acme.com", "", ""),
            ("Acme EU", "acme.com", "acme.com", "'=CRM; bi tool"),
            ("Globex", "", "", ""),
            ("Globex Labs", "labs.io", "Globex", ""),
        ]
        response = api_a.post(
            "/api/v1/imports/",
            {"kind": "accounts", "file": SimpleUploadedFile("export.csv", exported, content_type="text/csv")},
            format="multipart",
        )
        body = response.json()
        assert body["counts"] == {"create": 0, "update": 0, "skip": 4, "error": 0}
        assert {header: field for header, field in body["mapping"].items() if field} == {
            "Name": "name",
            "Domain": "domain",
            "Website URL": "website",
            "Industry": "industry",
            "Employees": "employee_count",
            "Annual revenue": "annual_revenue",
            "Country": "country",
            "Status": "status",
            "Owner": "owner",
            "Target account": "is_target",
            "Company type": "company_type",
            "Growth rate (%)": "growth_rate",
            "Headquarters": "headquarters",
            "Offices": "office_count",
            "Last verified on": "last_verified_on",
            "Parent": "parent",
            "Technologies": "technologies",
            "Tier": "tier",  # its names read back as the same tiers: no change, no override
        }

    def test_isolation_and_roles(self, api_a, api_b, api_a_read, tenant_a, tenant_b):
        AccountFactory(tenant=tenant_a, name="Mine", domain="acme.com")
        AccountFactory(tenant=tenant_b, name="Theirs", domain="acme.com")
        assert [row[0] for row in read_csv(api_b.get("/api/v1/accounts/export/"))[1:]] == ["Theirs"]
        assert [row[0] for row in read_csv(api_a_read.get("/api/v1/accounts/export/"))[1:]] == ["Mine"]
        assert api_a.post("/api/v1/accounts/export/").status_code == 405

    def test_query_budget(self, api_a, tenant_a):
        url = "/api/v1/accounts/export/"
        for _ in range(10):
            AccountFactory(tenant=tenant_a)
        api_a.get(url)
        with CaptureQueriesContext(connection) as ten:
            api_a.get(url)
        for _ in range(90):
            AccountFactory(tenant=tenant_a)
        with CaptureQueriesContext(connection) as hundred:
            response = api_a.get(url)
        assert len(read_csv(response)) == 101
        # the accounts' technologies + one export query (+4 for the transaction; the key is cached)
        assert len(ten) == len(hundred) == 6


class TestContactExport:
    def test_contacts_with_neutralized_cells_and_round_trip(self, api_a, tenant_a):
        account = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        ContactFactory(
            tenant=tenant_a, account=account, first_name="=cmd", last_name="-2", email="a@acme.com", title="CFO"
        )
        ContactFactory(tenant=tenant_a, account=account, first_name="Bob", last_name="Lee", email="b@acme.com")
        response = api_a.get("/api/v1/contacts/export/?ordering=last_name")
        rows = read_csv(response)
        assert rows[0] == [
            "First name",
            "Last name",
            "E-mail",
            "Account domain",
            "Account name",
            "Title",
            "Department",
            "Seniority",
            "Phone",
            "LinkedIn URL",
            "Buying role",
            "Relationship strength",
            "Status",
            "Last verified on",
            "Persona",
            "Source",
            "Created at",
        ]
        assert [row[:6] + row[11:13] for row in rows[1:]] == [
            ["'=cmd", "'-2", "a@acme.com", "acme.com", "Acme", "CFO", "None", "Active"],
            ["Bob", "Lee", "b@acme.com", "acme.com", "Acme", "", "None", "Active"],
        ]
        filtered = read_csv(api_a.get(f"/api/v1/contacts/export/?account={account.pk}&search=bob"))
        assert [row[0] for row in filtered[1:]] == ["Bob"]
        body = api_a.post(
            "/api/v1/imports/",
            {"kind": "contacts", "file": SimpleUploadedFile("c.csv", response.content, content_type="text/csv")},
            format="multipart",
        ).json()
        assert (body["counts"], json.dumps(body["rows"][0]["errors"])) == (
            {"create": 0, "update": 0, "skip": 2, "error": 0},
            "[]",
        )

    def test_isolation(self, api_b, tenant_a, tenant_b):
        ContactFactory(tenant=tenant_a, email="a@acme.com")
        ContactFactory(tenant=tenant_b, email="b@acme.com")
        assert [row[2] for row in read_csv(api_b.get("/api/v1/contacts/export/"))[1:]] == ["b@acme.com"]
