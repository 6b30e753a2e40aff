"""CSV import: parsing, mapping, dry run, atomic commit, jobs, isolation and roles (exact values)."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.celery import app as celery_app
from abs_platform.jobs.models import Job
from abs_platform.jobs.services import STALLED_ERROR
from abs_platform.jobs.tasks import jobs_fail_stalled
from accounts import imports
from accounts.models import Account, AccountTechnology, Contact, ImportBatch
from icp.tasks import fit_scores_recompute
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    ContactFactory,
    CriterionFactory,
    IcpFactory,
    PersonaFactory,
    TechnologyFactory,
)

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = (
    "Company,Website,Employees,Country,Industry\n"
    'Acme,https://www.Acme.com/,"1,200",DE,Software\n'
    "Globex, globex.io ,1200,United States,Energy\n"
    "Initech,initech.com, 1200 ,FR,\n"
)


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def post_import(client, kind, text, mapping=None, name="file.csv"):
    data = {"kind": kind, "file": upload(name, text)}
    if mapping is not None:
        data["mapping"] = json.dumps(mapping)
    return client.post("/api/v1/imports/", data, format="multipart")


def accounts_of(tenant):
    with as_tenant(tenant):
        return sorted(Account.objects.values_list("name", "domain", "employee_count", "country", "industry", "source"))


def contacts_of(tenant):
    with as_tenant(tenant):
        return sorted(Contact.objects.values_list("first_name", "email", "account__domain", "title", "source"))


def outcomes(body):
    return [(row["row"], row["outcome"]) for row in body["rows"]]


class TestFileChecks:
    """A malformed file writes nothing and says why (unit level; the API tests below check the 400s)."""

    def test_bom_and_semicolons_are_accepted(self):
        parsed = imports.parse(imports.decode("\ufeffName;Domain\nAcme;acme.com\n".encode()))
        assert (parsed.headers, parsed.rows, parsed.delimiter) == (["Name", "Domain"], [(2, ["Acme", "acme.com"])], ";")

    def test_commas_inside_quotes_do_not_fool_the_sniffer(self):
        parsed = imports.parse('Name,Employees\n"Acme, Inc.","1,200"\n')
        assert (parsed.delimiter, parsed.rows) == (",", [(2, ["Acme, Inc.", "1,200"])])

    def test_latin1_bytes_are_refused(self):
        with pytest.raises(imports.ImportFileError) as error:
            imports.decode("Name\nSociété Générale\n".encode("latin-1"))
        assert str(error.value) == (
            "The file is not UTF-8 text: byte 0xE9 on line 2 (position 9). Save it as “CSV UTF-8” and upload it again."
        )

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "The file is empty."),
            ("  \n\n", "The file is empty."),
            ("Name,Domain\n", "The file has a header row but no data rows."),
            ("Name,Name\nA,B\n", "The column “Name” appears twice."),
            ("Name,,Domain\nA,,a.com\n", "Column 2 has no name in the first row."),
        ],
    )
    def test_shape_errors(self, text, message):
        with pytest.raises(imports.ImportFileError) as error:
            imports.parse(imports.decode(text.encode()) if text.strip() else text)
        assert str(error.value) == message

    def test_too_many_rows(self, settings):
        settings.IMPORT_MAX_ROWS = 3
        with pytest.raises(imports.ImportFileError) as error:
            imports.parse("Name\nA\nB\nC\nD\n")
        assert str(error.value) == "The file has more than 3 rows; split it into smaller files."

    def test_too_large(self):
        big = SimpleUploadedFile("big.csv", b"Name\n" + b"x" * 10 * 1024 * 1024, content_type="text/csv")
        with pytest.raises(imports.ImportFileError) as error:
            imports.read_upload(big)
        assert str(error.value) == "The file has 10,485,765 bytes; the limit is 10,485,760 bytes (10 MB)."

    @pytest.mark.parametrize(
        ("value", "expected"), [("1,200", 1200), ("1200", 1200), (" 1200 ", 1200), ("12,345,678", 12345678)]
    )
    def test_numbers(self, value, expected):
        assert imports.parse_number(imports.clean_cell(value), integer=True) == expected

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("abc", "“abc” is not a whole number."),
            ("12.5", "“12.5” is not a whole number."),
            ("1,20", "“1,20” is not a whole number."),
        ],
    )
    def test_bad_numbers(self, value, message):
        with pytest.raises(imports.CellError) as error:
            imports.parse_number(value, integer=True)
        assert str(error.value) == message

    def test_decimals_and_countries(self):
        assert imports.parse_number("25,000,000.50", integer=False) == Decimal("25000000.50")
        assert [imports.parse_country(v) for v in ("de", "DEU", "Germany", "united states")] == ["DE", "DE", "DE", "US"]
        with pytest.raises(imports.CellError, match="“Atlantis” is not a known country"):
            imports.parse_country("Atlantis")

    def test_export_apostrophes_are_taken_off(self):
        assert [imports.clean_cell(v) for v in ("'=1+1", "'-2", "'@x", "O'Brien", "'quoted'")] == [
            "=1+1",
            "-2",
            "@x",
            "O'Brien",
            "'quoted'",
        ]


class TestMapping:
    def test_auto_map_by_name_and_alias(self):
        headers = ["Company", "Website", "Employees", "E-mail", "Notes", "Domain"]
        assert imports.auto_map("accounts", headers) == {
            "Company": "name",
            "Website": "domain",
            "Employees": "employee_count",
            "E-mail": "",
            "Notes": "",
            "Domain": "",  # "Website" took the domain field first
        }
        assert imports.auto_map("contacts", ["First Name", "E-mail", "Company domain", "Job title"]) == {
            "First Name": "first_name",
            "E-mail": "email",
            "Company domain": "account_domain",
            "Job title": "title",
        }

    @pytest.mark.parametrize(
        ("kind", "mapping", "message"),
        [
            ("accounts", {"A": "domain"}, "Missing required column. Accounts need a Name column."),
            (
                "contacts",
                {"A": "first_name"},
                "Missing required column. Contacts need a First name column and an E-mail or Account domain column.",
            ),
            ("accounts", {"A": "name", "B": "name"}, "Columns “A” and “B” are both mapped to name."),
            ("accounts", {"A": "nope"}, "Unknown field “nope” for column “A”."),
            ("accounts", {"Z": "name"}, "The file has no column “Z”. Its columns: A, B."),
        ],
    )
    def test_mapping_errors(self, kind, mapping, message):
        with pytest.raises(imports.ImportMappingError) as error:
            imports.validate_mapping(kind, ["A", "B"], mapping)
        assert str(error.value).startswith(message)


class TestAccountImportApi:
    def test_dry_run_reports_every_row_and_writes_nothing(self, api_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", employee_count=1200, country="DE")
        AccountFactory(tenant=tenant_a, name="Globex Corp", domain="globex.io", employee_count=50, country="US")
        response = post_import(api_a, "accounts", ACCOUNTS_CSV, name="accounts.csv")
        assert response.status_code == 201
        body = response.json()
        assert (body["status"], body["kind"], body["file_name"], body["row_count"]) == (
            "validated",
            "accounts",
            "accounts.csv",
            3,
        )
        assert body["mapping"] == {
            "Company": "name",
            "Website": "domain",
            "Employees": "employee_count",
            "Country": "country",
            "Industry": "industry",
        }
        assert body["counts"] == {"create": 1, "update": 1, "skip": 1, "error": 0}
        # Acme has exactly these values (the factory's industry is Software too); Globex changes.
        assert outcomes(body) == [(2, "skip"), (3, "update"), (4, "create")]
        rows = {row["row"]: row for row in body["rows"]}
        assert rows[3]["changes"] == ["name", "employee_count", "industry"]
        assert rows[3]["diff"] == {
            "name": {"old": "Globex Corp", "new": "Globex"},
            "employee_count": {"old": 50, "new": 1200},
            "industry": {"old": "Software", "new": "Energy"},
        }
        assert rows[4] == {
            "row": 4,
            "record": "Initech (initech.com)",
            "outcome": "create",
            "id": None,
            "changes": [],
            "diff": {},
            "errors": [],
            "warnings": [],
        }
        assert accounts_of(tenant_a) == [
            ("Acme", "acme.com", 1200, "DE", "Software", ""),
            ("Globex Corp", "globex.io", 50, "US", "Software", ""),
        ]

    def test_commit_writes_all_rows_with_history_and_source(self, api_a, tenant_a, owner_a):
        acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", employee_count=10, country="DE")
        batch = post_import(api_a, "accounts", ACCOUNTS_CSV).json()
        assert batch["counts"] == {"create": 2, "update": 1, "skip": 0, "error": 0}
        response = api_a.post(f"/api/v1/imports/{batch['id']}/commit/")
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["written"], body["counts"]) == (
            "committed",
            {"created": 2, "updated": 1},
            {"create": 2, "update": 1, "skip": 0, "error": 0},
        )
        assert body["committed_at"] is not None
        assert accounts_of(tenant_a) == [
            ("Acme", "acme.com", 1200, "DE", "Software", ""),
            ("Globex", "globex.io", 1200, "US", "Energy", "import"),
            ("Initech", "initech.com", 1200, "FR", "", "import"),
        ]
        with as_tenant(tenant_a):
            latest = Account.objects.get(pk=acme.pk).history.first()
            assert (latest.history_type, latest.employee_count, latest.history_change_reason) == (
                "~",
                1200,
                f"CSV import #{batch['id']}",
            )
            assert latest.history_user == owner_a  # the API key's creator
            created = Account.objects.get(domain="globex.io")
            assert list(created.history.values_list("history_type", flat=True)) == ["+"]
            assert (created.created_by, created.updated_by) == (owner_a, owner_a)
        # Committing twice is refused.
        again = api_a.post(f"/api/v1/imports/{batch['id']}/commit/")
        assert again.status_code == 400
        assert again.json() == {
            "detail": "This import is imported: it cannot start the import (run the dry run first)."
        }

    def test_dedup_by_normalized_domain_and_duplicates_in_the_file(self, api_a, tenant_a):
        existing = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        text = (
            "Name,Domain\n"
            "Acme Group,https://www.Acme.com/\n"
            "Acme again,WWW.ACME.COM\n"
            "New Co,newco.com\n"
            "New Co 2,http://newco.com/about\n"
        )
        body = post_import(api_a, "accounts", text).json()
        assert outcomes(body) == [(2, "update"), (3, "error"), (4, "create"), (5, "error")]
        rows = {row["row"]: row for row in body["rows"]}
        assert rows[2]["id"] == existing.pk
        assert rows[3]["errors"] == [
            {"field": "domain", "column": "Domain", "value": "acme.com", "message": "Same domain as row 2."}
        ]
        assert rows[5]["errors"] == [
            {"field": "domain", "column": "Domain", "value": "newco.com", "message": "Same domain as row 4."}
        ]

    def test_per_row_errors_name_field_column_value_and_reason(self, api_a, tenant_a):
        text = (
            "Company,Employees,Country,Website URL,Status,Domain\n"
            "Acme,abc,DE,https://acme.com,prospect,acme.com\n"
            "Globex,10,Atlantis,not a url,Customer,globex.io\n"
            ",5,DE,,,nameless.com\n"
            "Initech,-3,FR,,bogus,not a domain\n"
        )
        body = post_import(api_a, "accounts", text).json()
        assert body["counts"] == {"create": 0, "update": 0, "skip": 0, "error": 4}
        assert {row["row"]: row["errors"] for row in body["rows"]} == {
            2: [
                {
                    "field": "employee_count",
                    "column": "Employees",
                    "value": "abc",
                    "message": "“abc” is not a whole number.",
                }
            ],
            3: [
                {
                    "field": "country",
                    "column": "Country",
                    "value": "Atlantis",
                    "message": "“Atlantis” is not a known country; use a country name or its ISO code such as DE.",
                },
                {"field": "website", "column": "Website URL", "value": "not a url", "message": "Enter a valid URL."},
            ],
            4: [{"field": "name", "column": "Company", "value": "", "message": "A name is required."}],
            5: [
                {
                    "field": "status",
                    "column": "Status",
                    "value": "bogus",
                    "message": "“bogus” is not one of: Prospect, Customer, Churned.",
                },
                {
                    "field": "domain",
                    "column": "Domain",
                    "value": "not a domain",
                    "message": "“not a domain”: Enter a domain name such as acme.com.",
                },
                {
                    "field": "employee_count",
                    "column": "Employees",
                    "value": "-3",
                    "message": "Ensure this value is greater than or equal to 0.",
                },
            ],
        }
        commit = api_a.post(f"/api/v1/imports/{body['id']}/commit/")
        assert commit.status_code == 400
        assert commit.json() == {"detail": "4 rows have errors: fix the file and upload it again. Nothing was written."}
        assert accounts_of(tenant_a) == []

    def test_mapping_can_be_passed_and_changed(self, api_a, tenant_a):
        text = "Firma,Web,Notes\nAcme,acme.com,hello\n"
        missing = post_import(api_a, "accounts", text)
        assert missing.status_code == 400
        assert missing.json() == {"mapping": ["Missing required column. Accounts need a Name column."]}
        with as_tenant(tenant_a):
            assert ImportBatch.objects.count() == 0  # nothing kept
        body = post_import(api_a, "accounts", text, mapping={"Firma": "name", "Web": "domain"}).json()
        assert body["mapping"] == {"Firma": "name", "Web": "domain", "Notes": ""}
        assert body["counts"] == {"create": 1, "update": 0, "skip": 0, "error": 0}
        remapped = api_a.post(
            f"/api/v1/imports/{body['id']}/dry-run/", {"mapping": {"Notes": "industry"}}, format="json"
        ).json()
        assert remapped["mapping"] == {"Firma": "name", "Web": "domain", "Notes": "industry"}
        api_a.post(f"/api/v1/imports/{body['id']}/commit/")
        assert accounts_of(tenant_a) == [("Acme", "acme.com", None, "", "hello", "import")]

    @pytest.mark.parametrize(
        ("payload", "expected"),
        [
            (
                "Name\nSociété\n".encode("latin-1"),
                {
                    "file": [
                        "The file is not UTF-8 text: byte 0xE9 on line 2 (position 9). "
                        "Save it as “CSV UTF-8” and upload it again."
                    ]
                },
            ),
            (b"", {"file": ["The submitted file is empty."]}),
            (b"Name,Domain\n", {"file": ["The file has a header row but no data rows."]}),
            (b"Domain\nacme.com\n", {"mapping": ["Missing required column. Accounts need a Name column."]}),
        ],
    )
    def test_malformed_files_are_400_and_keep_nothing(self, api_a, tenant_a, payload, expected):
        response = post_import(api_a, "accounts", payload)
        assert response.status_code == 400
        assert response.json() == expected
        assert accounts_of(tenant_a) == []
        with as_tenant(tenant_a):
            assert ImportBatch.objects.count() == 0

    def test_size_limits_are_400_with_the_limit(self, api_a, tenant_a, settings):
        settings.IMPORT_MAX_ROWS = 3
        too_many = post_import(api_a, "accounts", "Name\nA\nB\nC\nD\n")
        assert (too_many.status_code, too_many.json()) == (
            400,
            {"file": ["The file has more than 3 rows; split it into smaller files."]},
        )
        settings.IMPORT_MAX_BYTES = 1024 * 1024
        too_big = post_import(api_a, "accounts", "Name\n" + "Acme\n" * 210_000)
        assert (too_big.status_code, too_big.json()) == (
            400,
            {"file": ["The file has 1,050,005 bytes; the limit is 1,048,576 bytes (1 MB)."]},
        )
        assert accounts_of(tenant_a) == []

    def test_a_200000_column_header_is_refused_naming_the_limit(self, api_a, tenant_a):
        header = ",".join(f"column{index}" for index in range(200_000))
        response = post_import(api_a, "accounts", f"{header}\nAcme\n")
        assert len(header) > 1_800_000
        assert (response.status_code, response.json()) == (
            400,
            {"file": ["Line 1 has 200,000 columns; the limit is 200."]},
        )
        with as_tenant(tenant_a):
            assert ImportBatch.objects.count() == 0

    def test_a_data_row_with_too_many_columns_is_refused(self, api_a, settings):
        settings.IMPORT_MAX_COLUMNS = 3
        response = post_import(api_a, "accounts", "Name,Domain\nAcme,acme.com\nGlobex,globex.io,a,b\n")
        assert (response.status_code, response.json()) == (400, {"file": ["Line 3 has 4 columns; the limit is 3."]})

    def test_a_cell_longer_than_the_limit_is_refused(self, api_a, settings):
        settings.IMPORT_MAX_CELL_CHARS = 10
        response = post_import(api_a, "accounts", "Name,Industry\nAcme,Software\nGlobex,Oil and gas trading\n")
        assert (response.status_code, response.json()) == (
            400,
            {"file": ["Line 3, column “Industry”: the cell has 19 characters; the limit is 10."]},
        )

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            ("Name,Domain\nAcme,acme.com\nGlo\x00bex,globex.io\n", "Line 3, column “Name”"),
            ("Name,Dom\x00ain\nAcme,acme.com\n", "Line 1, column 2"),
        ],
    )
    def test_a_nul_character_is_a_400_naming_line_and_column(self, api_a, tenant_a, text, where):
        response = post_import(api_a, "accounts", text)
        assert (response.status_code, response.json()) == (
            400,
            {
                "file": [
                    f"{where}: the cell contains a NUL character (0x00), which cannot be stored. "
                    "Remove it and upload the file again."
                ]
            },
        )
        with as_tenant(tenant_a):
            assert ImportBatch.objects.count() == 0

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            (
                'Name;Domain\nAcme;acme.com\n"Broken Quote Co;broken.com\nOther;other.com\n',
                "The file is not valid CSV: the quote that opens a cell on line 3 is never closed.",
            ),
            (
                'Name,Domain\nAcme,acme.com\n"Globex" Inc,globex.io\n',
                "The file is not valid CSV: line 3: ',' expected after '\"'.",
            ),
        ],
    )
    def test_malformed_csv_is_refused_naming_the_line(self, api_a, tenant_a, text, message):
        response = post_import(api_a, "accounts", text)
        assert (response.status_code, response.json()) == (400, {"file": [message]})
        with as_tenant(tenant_a):
            assert ImportBatch.objects.count() == 0

    def test_rows_are_numbered_by_the_line_they_start_on(self, api_a):
        body = post_import(api_a, "accounts", 'Name,Industry\n"Acme","Soft\nware"\n\nGlobex,Energy\n').json()
        assert [(row["row"], row["record"]) for row in body["rows"]] == [(2, "Acme"), (5, "Globex")]

    def test_rows_endpoint_pages_through_one_outcome(self, api_a, tenant_a):
        text = "Name,Employees\n" + "".join(f"Co{i},{'x' if i % 2 else i}\n" for i in range(6))
        body = post_import(api_a, "accounts", text).json()
        page = api_a.get(f"/api/v1/imports/{body['id']}/rows/?outcome=error&offset=1&limit=1").json()
        assert page["count"] == 3
        assert [row["row"] for row in page["results"]] == [5]


class TestReimportShowsChangesAndKeepsDerivedStatus:
    def won_customer(self, api_a, tenant_a):
        acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", status="prospect")
        stale = api_a.get("/api/v1/accounts/export/").content.decode("utf-8-sig")  # says Prospect
        won = api_a.post(
            "/api/v1/opportunities/",
            {
                "account": acme.pk,
                "name": "Big deal",
                "stage": "closed_won",
                "amount": "5000",
                "opened_on": "2026-01-05",
                "close_date": "2026-02-01",
            },
            format="json",
        )
        assert won.status_code == 201
        return acme, stale

    def status_of(self, tenant, account):
        with as_tenant(tenant):
            return Account.objects.get(pk=account.pk).status

    def test_a_stale_export_does_not_turn_a_won_customer_back_into_a_prospect(self, api_a, tenant_a):
        acme, stale = self.won_customer(api_a, tenant_a)
        body = post_import(api_a, "accounts", stale).json()
        assert body["counts"] == {"create": 0, "update": 0, "skip": 1, "error": 0}
        assert body["rows"][0]["warnings"] == [
            {
                "field": "status",
                "column": "Status",
                "value": "Prospect",
                "message": "Stays Customer: deal “Big deal” is closed won. A status of Churned in the file would "
                "change it.",
            }
        ]
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        assert self.status_of(tenant_a, acme) == "customer"

    def test_the_file_may_still_say_churned_and_the_dry_run_shows_the_status_change(self, api_a, tenant_a):
        acme, _ = self.won_customer(api_a, tenant_a)
        body = post_import(api_a, "accounts", "Name,Domain,Status,Employees\nAcme,acme.com,Churned,\n").json()
        row = body["rows"][0]
        assert (row["outcome"], row["diff"], row["warnings"]) == (
            "update",
            {"status": {"old": "customer", "new": "churned"}},
            [],
        )
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        assert self.status_of(tenant_a, acme) == "churned"

    def test_a_customer_without_a_won_deal_follows_the_file(self, api_a, tenant_a, owner_a):
        acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", status="customer", owner=None)
        body = post_import(api_a, "accounts", f"Name,Domain,Status,Owner\nAcme,acme.com,Prospect,{owner_a.email}\n")
        row = body.json()["rows"][0]
        assert row["diff"] == {
            "status": {"old": "customer", "new": "prospect"},
            "owner": {"old": None, "new": owner_a.email},
        }
        assert api_a.post(f"/api/v1/imports/{body.json()['id']}/commit/").status_code == 200
        assert self.status_of(tenant_a, acme) == "prospect"

    def test_the_page_shows_old_and_new_values_and_the_kept_status(self, api_a, client_for, member_a, tenant_a):
        self.won_customer(api_a, tenant_a)
        client = client_for(member_a)
        text = "Name,Domain,Employees,Status\nAcme,acme.com,1200,Prospect\n"
        url = client.post("/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", text)})["Location"]
        client.post(
            f"{url}dry-run/",
            {"column-0": "name", "column-1": "domain", "column-2": "employee_count", "column-3": "status"},
        )
        page = client.get(url).content.decode()
        assert '<span class="import-change">employee_count: 250 → 1200</span>' in page
        assert "status: customer → prospect" not in page
        assert (
            '<span class="muted">Status: Stays Customer: deal “Big deal” is closed won. '
            "A status of Churned in the file would change it.</span>"
        ) in page


class TestAtomicCommit:
    def test_a_failure_while_writing_writes_nothing(self, api_a, tenant_a, monkeypatch):
        AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", employee_count=10)
        batch = post_import(api_a, "accounts", ACCOUNTS_CSV).json()
        assert batch["counts"] == {"create": 2, "update": 1, "skip": 0, "error": 0}

        def fail_after_creates(*args, **kwargs):  # the creates are already in the database by then
            raise IntegrityError("simulated failure after the creates")

        monkeypatch.setattr(imports, "bulk_update_with_history", fail_after_creates)
        response = api_a.post(f"/api/v1/imports/{batch['id']}/commit/")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "The import was rolled back, nothing was written: simulated failure after the creates"
        }
        assert accounts_of(tenant_a) == [("Acme", "acme.com", 10, "US", "Software", "")]
        with as_tenant(tenant_a):
            assert Account.history.count() == 1

    def test_the_service_marks_the_batch_failed_with_the_reason(self, tenant_a, owner_a, monkeypatch):
        with as_tenant(tenant_a, owner_a):
            batch = imports.batch_create(kind="accounts", upload=upload("a.csv", ACCOUNTS_CSV))
            imports.batch_run(batch=batch, phase="dry_run")
            monkeypatch.setattr(
                imports, "bulk_create_with_history", lambda *a, **k: (_ for _ in ()).throw(IntegrityError("boom"))
            )
            imports.batch_start(batch=batch, status="committing")
            with pytest.raises(imports.ImportCommitError):
                imports.batch_commit(batch=batch)
            batch.refresh_from_db()
            assert (batch.status, batch.error) == ("failed", "The import was rolled back, nothing was written: boom")
            assert Account.objects.count() == 0


class TestContactImport:
    def test_contacts_match_by_email_and_account_by_domain(self, api_a, tenant_a):
        acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        AccountFactory(tenant=tenant_a, name="Globex", domain="globex.io")
        ContactFactory(tenant=tenant_a, account=acme, first_name="Ann", email="ann@acme.com", title="CEO")
        PersonaFactory(tenant=tenant_a, name="Finance", title_keywords=["CFO"])
        text = (
            "First name,Last name,E-mail,Company domain,Job title\n"
            "Ann,Lee,ANN@Acme.com,,CEO\n"  # update (last name), e-mail case ignored
            "Bob,Stone,bob@globex.io,https://www.globex.io/,CFO\n"  # create at Globex
            "Cid,Moe,cid@acme.com,,\n"  # create: account from the e-mail's domain
            "Dee,Roe,dee@nowhere.org,,\n"  # error: no account for that domain
            "Eve,Fox,eve@x.com,unknown.com,\n"  # error: no account with that domain
            "Bob,Again,BOB@globex.io,globex.io,\n"  # error: same e-mail as row 3
        )
        body = post_import(api_a, "contacts", text).json()
        assert outcomes(body) == [(2, "update"), (3, "create"), (4, "create"), (5, "error"), (6, "error"), (7, "error")]
        rows = {row["row"]: row for row in body["rows"]}
        assert rows[2]["changes"] == ["last_name"]
        assert rows[5]["errors"] == [
            {
                "field": "account_domain",
                "column": "Company domain",
                "value": "",
                "message": "No account with the e-mail's domain nowhere.org; add an Account domain column.",
            }
        ]
        assert rows[6]["errors"] == [
            {
                "field": "account_domain",
                "column": "Company domain",
                "value": "unknown.com",
                "message": "No account with the domain unknown.com in this workspace.",
            }
        ]
        assert rows[7]["errors"] == [
            {"field": "email", "column": "E-mail", "value": "bob@globex.io", "message": "Same e-mail as row 3."}
        ]

    def test_commit_creates_contacts_with_personas(self, api_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Globex", domain="globex.io")
        persona = PersonaFactory(tenant=tenant_a, name="Finance", title_keywords=["CFO"])
        text = "First name;E-mail;Title\nBob;Bob@Globex.io;Group CFO\nCid;cid@globex.io;Engineer\n"
        body = post_import(api_a, "contacts", text).json()
        assert body["counts"] == {"create": 2, "update": 0, "skip": 0, "error": 0}
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        assert contacts_of(tenant_a) == [
            ("Bob", "bob@globex.io", "globex.io", "Group CFO", "import"),
            ("Cid", "cid@globex.io", "globex.io", "Engineer", "import"),
        ]
        with as_tenant(tenant_a):
            bob = Contact.objects.get(email="bob@globex.io")
            assert (bob.persona_id, bob.persona_match_reason) == (persona.pk, "title contains “CFO”")


def parents_of(tenant) -> dict[str, str | None]:
    with as_tenant(tenant):
        return dict(Account.objects.values_list("name", "parent__name"))


def errors_by_row(body) -> dict[int, list[tuple[str, str, str, str]]]:
    return {
        row["row"]: [(e["field"], e["column"], e["value"], e["message"]) for e in row["errors"]]
        for row in body["rows"]
        if row["errors"]
    }


class TestParents:
    def test_a_parent_by_domain_or_name_in_the_workspace_or_the_file_in_any_order(self, api_a, tenant_a):
        holdings = AccountFactory(tenant=tenant_a, name="Acme Holdings", domain="acmeholdings.com")
        AccountFactory(tenant=tenant_a, name="Globex", domain="")
        text = (
            "Name,Domain,Parent company\n"
            "Acme Retail,acme-retail.com,https://www.AcmeHoldings.com/\n"  # a workspace account, by its domain
            "Acme Retail Berlin,berlin.acme-retail.com,ACME-RETAIL.com\n"  # an earlier row of the file
            "Initech Labs,labs.initech.com,initech.com\n"  # a later row of the file
            "Initech,initech.com,\n"
            "Globex Energy,globex-energy.com,Globex\n"  # a workspace account without a domain, by its name
            "Acme EU,acmeholdings.com,acmeholdings.com\n"  # a subsidiary sharing its parent's domain
            "Acme Labs,acmeholdings.com,Acme Holdings\n"  # the same, the parent named by its name
            "Hooli EU,hooli.com,Hooli\n"  # sharing the domain of a later row, named by its name
            "Hooli,hooli.com,\n"
        )
        body = post_import(api_a, "accounts", text).json()
        assert body["mapping"]["Parent company"] == "parent"
        assert (body["counts"], errors_by_row(body)) == ({"create": 9, "update": 0, "skip": 0, "error": 0}, {})
        assert parents_of(tenant_a) == {"Acme Holdings": None, "Globex": None}  # a dry run writes nothing

        commit = api_a.post(f"/api/v1/imports/{body['id']}/commit/").json()
        assert (commit["status"], commit["written"]) == ("committed", {"created": 9, "updated": 0})
        assert parents_of(tenant_a) == {
            "Acme Holdings": None,
            "Globex": None,
            "Acme Retail": "Acme Holdings",
            "Acme Retail Berlin": "Acme Retail",
            "Initech Labs": "Initech",
            "Initech": None,
            "Globex Energy": "Globex",
            "Acme EU": "Acme Holdings",
            "Acme Labs": "Acme Holdings",
            "Hooli EU": "Hooli",
            "Hooli": None,
        }
        with as_tenant(tenant_a):
            berlin = Account.objects.get(name="Acme Retail Berlin")
            # created with its parent already set: one history record, which has it
            assert list(berlin.history.values_list("history_type", "parent__name")) == [("+", "Acme Retail")]

        # Importing the same file again changes nothing; moving an account under another is an update.
        again = post_import(api_a, "accounts", text).json()
        assert again["counts"] == {"create": 0, "update": 0, "skip": 9, "error": 0}
        moved = post_import(api_a, "accounts", "Name,Domain,Parent\nInitech,initech.com,acme-retail.com\n").json()
        assert [(row["outcome"], row["changes"]) for row in moved["rows"]] == [("update", ["parent"])]
        assert moved["rows"][0]["diff"] == {"parent": {"old": None, "new": "Acme Retail"}}
        api_a.post(f"/api/v1/imports/{moved['id']}/commit/")
        assert parents_of(tenant_a)["Initech"] == "Acme Retail"
        with as_tenant(tenant_a):
            assert Account.objects.get(pk=holdings.pk).parent_id is None

    def test_an_existing_account_may_get_a_parent_created_by_the_same_file(self, api_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Umbrella Pharma", domain="umbrella-pharma.com")
        text = "Name,Domain,Parent\nUmbrella Pharma,umbrella-pharma.com,Umbrella Corp\nUmbrella Corp,umbrella.com,\n"
        body = post_import(api_a, "accounts", text).json()
        assert [(row["outcome"], row["changes"]) for row in body["rows"]] == [("update", ["parent"]), ("create", [])]
        assert body["rows"][0]["diff"] == {"parent": {"old": None, "new": "Umbrella Corp"}}
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        assert parents_of(tenant_a) == {"Umbrella Pharma": "Umbrella Corp", "Umbrella Corp": None}

    def test_parents_not_found_ambiguous_the_row_itself_or_a_cycle_are_row_errors(self, api_a, tenant_a):
        alpha = AccountFactory(tenant=tenant_a, name="Alpha", domain="alpha.com")
        AccountFactory(tenant=tenant_a, name="Beta", domain="beta.com", parent=alpha)
        AccountFactory(tenant=tenant_a, name="Twin", domain="")
        AccountFactory(tenant=tenant_a, name="Twin", domain="twin.io")
        text = (
            "Name,Domain,Parent\n"
            "Alpha,alpha.com,beta.com\n"  # Beta is already Alpha's child
            "Gamma,gamma.com,nowhere.com\n"
            "Delta,delta.com,www.delta.com\n"
            "Epsilon,eps.com,Zeta\n"
            "Zeta,zeta.com,Epsilon\n"
            "Eta,eta.com,Twin\n"
            "Theta,,Theta\n"
            "Iota,iota.com,alpha.com\n"  # fine
        )
        body = post_import(api_a, "accounts", text).json()
        assert body["counts"] == {"create": 1, "update": 0, "skip": 0, "error": 7}
        not_found = (
            "Parent not found: no account of this workspace or row of this file has the domain or the name "
            "“nowhere.com”."
        )
        assert errors_by_row(body) == {
            2: [("parent", "Parent", "beta.com", "The parent would create a cycle: Alpha → Beta → Alpha.")],
            3: [("parent", "Parent", "nowhere.com", not_found)],
            4: [("parent", "Parent", "www.delta.com", "A row cannot be its own parent.")],
            5: [("parent", "Parent", "Zeta", "The parent would create a cycle: Epsilon → Zeta → Epsilon.")],
            6: [("parent", "Parent", "Epsilon", "The parent would create a cycle: Zeta → Epsilon → Zeta.")],
            7: [("parent", "Parent", "Twin", "2 accounts are named “Twin”: give the parent's domain.")],
            8: [("parent", "Parent", "Theta", "A row cannot be its own parent.")],
        }
        commit = api_a.post(f"/api/v1/imports/{body['id']}/commit/")
        assert commit.json() == {"detail": "7 rows have errors: fix the file and upload it again. Nothing was written."}
        assert parents_of(tenant_a) == {"Alpha": None, "Beta": "Alpha", "Twin": None}

    def test_a_name_is_matched_exactly_else_in_any_case(self, api_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Acme Holdings", domain="acmeholdings.com")
        AccountFactory(tenant=tenant_a, name="Twin Co", domain="")
        AccountFactory(tenant=tenant_a, name="TWIN CO", domain="")
        text = (
            "Name,Domain,Parent\n"
            "Acme Retail,acme-retail.com,acme holdings\n"  # no exact name: the name in any case
            "Acme Labs,acmeholdings.com,ACME HOLDINGS\n"  # a subsidiary sharing its parent's domain, too
            "Twin Exact,twin-exact.com,TWIN CO\n"  # an exact name wins over names in other cases
            "Twin Child,twin-child.com,twin co\n"  # two accounts of that name in other cases
            "Beta Unit,beta-unit.com,beta group\n"  # a row of the file, named in another case
            "Beta Group,beta.com,\n"
            "Gamma,gamma.com,Acme  Holdings\n"  # spaces count
        )
        body = post_import(api_a, "accounts", text).json()
        assert errors_by_row(body) == {
            5: [("parent", "Parent", "twin co", "2 accounts are named “twin co”: give the parent's domain.")],
            8: [
                (
                    "parent",
                    "Parent",
                    "Acme  Holdings",
                    "Parent not found: no account of this workspace or row of this file has the domain or the "
                    "name “Acme  Holdings”.",
                )
            ],
        }
        assert body["counts"] == {"create": 5, "update": 0, "skip": 0, "error": 2}
        ok = post_import(api_a, "accounts", "\n".join(text.splitlines()[:4] + text.splitlines()[5:7]) + "\n").json()
        assert (ok["counts"], errors_by_row(ok)) == ({"create": 5, "update": 0, "skip": 0, "error": 0}, {})
        assert api_a.post(f"/api/v1/imports/{ok['id']}/commit/").status_code == 200
        assert parents_of(tenant_a) == {
            "Acme Holdings": None,
            "Twin Co": None,
            "TWIN CO": None,
            "Acme Retail": "Acme Holdings",
            "Acme Labs": "Acme Holdings",
            "Twin Exact": "TWIN CO",
            "Beta Unit": "Beta Group",
            "Beta Group": None,
        }


class TestTechnologies:
    def test_listed_technologies_replace_the_accounts_with_history(self, api_a, tenant_a, owner_a):
        crm = TechnologyFactory(tenant=tenant_a, name="CRM")
        warehouse = TechnologyFactory(tenant=tenant_a, name="Data Warehouse")
        old = TechnologyFactory(tenant=tenant_a, name="Old Tool")
        acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        umbrella = AccountFactory(tenant=tenant_a, name="Umbrella", domain="umbrella.com")
        with as_tenant(tenant_a):
            AccountTechnology.objects.create(account=acme, technology=crm)
            AccountTechnology.objects.create(account=acme, technology=old)
            AccountTechnology.objects.create(account=umbrella, technology=crm)
        text = (
            "Name,Domain,Tech stack\n"
            "Acme,acme.com,data warehouse; crm\n"  # Old Tool goes, Data Warehouse comes
            "Globex,globex.io,CRM;;crm\n"
            "Umbrella,umbrella.com,CRM\n"  # as it is
            "Initech,initech.com,\n"  # an empty cell leaves technologies alone
        )
        body = post_import(api_a, "accounts", text).json()
        assert body["mapping"]["Tech stack"] == "technologies"
        assert [(row["outcome"], row["changes"]) for row in body["rows"]] == [
            ("update", ["technologies"]),
            ("create", []),
            ("skip", []),
            ("create", []),
        ]
        assert body["rows"][0]["diff"] == {"technologies": {"old": "CRM; Old Tool", "new": "CRM; Data Warehouse"}}
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        with as_tenant(tenant_a):
            in_use = sorted(AccountTechnology.objects.values_list("account__name", "technology__name"))
            history = sorted(
                AccountTechnology.history.filter(history_change_reason=f"CSV import #{body['id']}").values_list(
                    "history_type", "account_id", "technology_id", "history_user"
                )
            )
            globex = Account.objects.get(name="Globex")
        assert in_use == [("Acme", "CRM"), ("Acme", "Data Warehouse"), ("Globex", "CRM"), ("Umbrella", "CRM")]
        assert history == [
            ("+", acme.pk, warehouse.pk, owner_a.pk),
            ("+", globex.pk, crm.pk, owner_a.pk),
            ("-", acme.pk, old.pk, owner_a.pk),
        ]

    def test_a_failure_while_writing_links_writes_no_account_either(self, api_a, tenant_a, monkeypatch):
        TechnologyFactory(tenant=tenant_a, name="CRM")
        text = "Name,Domain,Parent,Technologies\nGroup,group.com,,CRM\nDaughter,daughter.com,group.com,CRM\n"
        body = post_import(api_a, "accounts", text).json()
        assert body["counts"] == {"create": 2, "update": 0, "skip": 0, "error": 0}

        def fail(*args, **kwargs):  # the accounts are in the database by then
            raise IntegrityError("simulated failure while linking technologies")

        monkeypatch.setattr(imports, "_write_technologies", fail)
        response = api_a.post(f"/api/v1/imports/{body['id']}/commit/")
        assert response.json() == {
            "detail": "The import was rolled back, nothing was written: simulated failure while linking technologies"
        }
        assert accounts_of(tenant_a) == []
        with as_tenant(tenant_a):
            assert (Account.history.count(), AccountTechnology.objects.count()) == (0, 0)

    def test_unknown_technologies_are_a_row_error_naming_them(self, api_a, tenant_a):
        TechnologyFactory(tenant=tenant_a, name="CRM")
        text = "Name,Technologies\nAcme,CRM; Salesforce; hubspot; Salesforce\nGlobex,Nope\n"
        body = post_import(api_a, "accounts", text).json()
        assert errors_by_row(body) == {
            2: [
                (
                    "technologies",
                    "Technologies",
                    "CRM; Salesforce; hubspot; Salesforce",
                    "Not in the technology catalogue: “Salesforce”, “hubspot”. Add them to the catalogue first, "
                    "or correct the names.",
                )
            ],
            3: [
                (
                    "technologies",
                    "Technologies",
                    "Nope",
                    "Not in the technology catalogue: “Nope”. Add it to the catalogue first, or correct the name.",
                )
            ],
        }


class TestAccountImportKeepsScoresFresh:
    def test_one_bulk_recomputation_after_the_commit(self, api_a, tenant_a, django_capture_on_commit_callbacks):
        crm = TechnologyFactory(tenant=tenant_a, name="CRM")
        icp = IcpFactory(tenant=tenant_a, version=1, is_active=True)
        CriterionFactory(tenant=tenant_a, icp=icp, kind="industry", params={"values": ["Software"]}, weight=50)
        CriterionFactory(
            tenant=tenant_a, icp=icp, kind="technology", params={"mode": "any", "technology_ids": [crm.pk]}, weight=50
        )
        text = "Name,Industry,Technologies\n" + "".join(
            f"Co {index},{'Software' if index % 2 else 'Retail'},{'CRM' if index < 2 else ''}\n" for index in range(4)
        )
        body = post_import(api_a, "accounts", text).json()
        with django_capture_on_commit_callbacks() as callbacks:
            assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        assert len(callbacks) == 1  # one job for the file, not one per row
        with as_tenant(tenant_a):
            job = Job.objects.get(kind="icp.fit_recompute")
            assert job.status == "queued"
        fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()
        with as_tenant(tenant_a):
            assert dict(Account.objects.values_list("name", "fit_score")) == {
                "Co 0": 50,
                "Co 1": 100,
                "Co 2": 0,
                "Co 3": 50,
            }


def test_planning_parents_and_technologies_takes_the_same_queries_for_more_rows(tenant_a):
    TechnologyFactory(tenant=tenant_a, name="CRM")
    TechnologyFactory(tenant=tenant_a, name="BI")
    AccountFactory(tenant=tenant_a, name="Group", domain="group.com")

    def queries(count: int) -> int:
        for index in range(count):
            AccountFactory(tenant=tenant_a, name=f"Existing {count}-{index}", domain=f"e{count}-{index}.com")
        text = "Name,Domain,Parent,Technologies\n" + "".join(
            f"Existing {count}-{index},e{count}-{index}.com,group.com,CRM; BI\n"
            f"New {count}-{index},n{count}-{index}.com,e{count}-{index}.com,BI\n"
            for index in range(count)
        )
        parsed = imports.parse(text)
        with as_tenant(tenant_a), CaptureQueriesContext(connection) as captured:
            plan = imports.plan_import(
                kind="accounts", parsed=parsed, mapping=imports.auto_map("accounts", parsed.headers)
            )
        assert plan.counts == {"create": count, "update": count, "skip": 0, "error": 0}
        return len(captured)

    assert queries(3) == queries(30)


class TestLargeFileJob:
    @pytest.fixture
    def eager(self, monkeypatch):
        saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
        celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
        yield
        celery_app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])

    @pytest.fixture(autouse=True)
    def small_limits(self, monkeypatch):
        monkeypatch.setattr(imports, "IMPORT_SYNC_LIMIT", 5)
        monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)

    def test_large_files_run_as_a_job_that_reaches_100_percent(
        self, api_a, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        text = "Name,Domain\n" + "".join(f"Company {i},c{i}.com\n" for i in range(8))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = post_import(api_a, "accounts", text)
        assert response.status_code == 202
        assert response.json()["status"] == "validating"
        assert len(callbacks) == 1
        body = api_a.get(f"/api/v1/imports/{response.json()['id']}/").json()
        assert response["Location"] == f"/api/v1/jobs/{body['job']['id']}/"
        assert api_a.get(response["Location"]).json()["status"] == "succeeded"
        assert (body["status"], body["counts"]) == ("validated", {"create": 8, "update": 0, "skip": 0, "error": 0})
        assert body["job"] == {
            "id": body["job"]["id"],
            "status": "succeeded",
            "done": 16,
            "total": 16,
            "percent": 100,
            "error": "",
        }
        with django_capture_on_commit_callbacks(execute=True):
            commit = api_a.post(f"/api/v1/imports/{body['id']}/commit/")
        assert commit.status_code == 202
        done = api_a.get(f"/api/v1/imports/{body['id']}/").json()
        assert (done["status"], done["written"], done["job"]["percent"]) == (
            "committed",
            {"created": 8, "updated": 0},
            100,
        )
        assert len(accounts_of(tenant_a)) == 8
        with as_tenant(tenant_a):
            assert list(Job.objects.values_list("kind", "status")) == [("import", "succeeded"), ("import", "succeeded")]

    def test_a_redelivered_task_does_not_run_twice(self, api_a, tenant_a, eager, django_capture_on_commit_callbacks):
        from accounts.tasks import import_batch_run

        text = "Name\n" + "".join(f"Co {i}\n" for i in range(8))
        with django_capture_on_commit_callbacks(execute=True):
            batch = post_import(api_a, "accounts", text).json()
        with django_capture_on_commit_callbacks(execute=True):
            api_a.post(f"/api/v1/imports/{batch['id']}/commit/")
        job_id = api_a.get(f"/api/v1/imports/{batch['id']}/").json()["job"]["id"]
        again = import_batch_run.apply(args=[tenant_a.pk, batch["id"], "commit"], kwargs={"job_id": job_id}).get()
        assert again == {"skipped": job_id}
        assert len(accounts_of(tenant_a)) == 8

    def test_the_browser_polls_the_progress_until_the_job_ends(
        self, client_for, member_a, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        client = client_for(member_a)
        text = "Name\n" + "".join(f"Co {i}\n" for i in range(8))
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post("/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", text)})
        batch_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(f"/t/alpha/accounts/import/{batch_id}/dry-run/", {"column-0": "name"})
        page = client.get(f"/t/alpha/accounts/import/{batch_id}/").content.decode()
        assert f'hx-get="/t/alpha/accounts/import/{batch_id}/progress/" hx-trigger="every 1s"' in page
        assert 'aria-valuenow="0"' in page
        progress = client.get(f"/t/alpha/accounts/import/{batch_id}/progress/", HTTP_HX_REQUEST="true")
        assert "Dry run in progress" in progress.content.decode()
        callbacks[0]()  # the worker runs
        finished = client.get(f"/t/alpha/accounts/import/{batch_id}/progress/", HTTP_HX_REQUEST="true")
        assert finished["HX-Redirect"] == f"/t/alpha/accounts/import/{batch_id}/"

    def test_an_import_whose_job_the_sweep_fails_fails_with_it_and_can_be_started_again(
        self, api_a, client_for, member_a, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        """A worker lost during the commit: the stalled-job sweep fails the job, and the import with it (it no
        longer says "Import in progress", the page stops polling); a new dry run and commit then work."""
        text = "Name\n" + "".join(f"Co {i}\n" for i in range(8))
        with django_capture_on_commit_callbacks(execute=True):
            batch_id = post_import(api_a, "accounts", text).json()["id"]
        with django_capture_on_commit_callbacks(execute=False):
            assert api_a.post(f"/api/v1/imports/{batch_id}/commit/").status_code == 202  # its worker is lost
        lost = api_a.get(f"/api/v1/imports/{batch_id}/").json()["job"]["id"]
        with as_tenant(tenant_a):
            Job.objects.filter(pk=lost).update(status="running", updated_at=timezone.now() - timedelta(hours=4))
        assert jobs_fail_stalled.apply().get() == 1

        body = api_a.get(f"/api/v1/imports/{batch_id}/").json()
        assert (body["status"], body["error"], body["job"]["status"]) == ("failed", STALLED_ERROR, "failed")
        progress = client_for(member_a).get(f"/t/alpha/accounts/import/{batch_id}/progress/", HTTP_HX_REQUEST="true")
        assert progress["HX-Redirect"] == f"/t/alpha/accounts/import/{batch_id}/"
        assert api_a.post(f"/api/v1/imports/{batch_id}/commit/").json() == {
            "detail": "This import is failed: it cannot start the import (run the dry run first)."
        }
        with django_capture_on_commit_callbacks(execute=True):
            assert api_a.post(f"/api/v1/imports/{batch_id}/dry-run/", {}, format="json").status_code == 202
        with django_capture_on_commit_callbacks(execute=True):
            assert api_a.post(f"/api/v1/imports/{batch_id}/commit/").status_code == 202
        body = api_a.get(f"/api/v1/imports/{batch_id}/").json()
        assert (body["status"], body["job"]["status"], len(accounts_of(tenant_a))) == ("committed", "succeeded", 8)

    def test_an_import_stuck_before_imports_followed_their_jobs_can_be_started_again(
        self, api_a, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        text = "Name\n" + "".join(f"Co {i}\n" for i in range(8))
        with django_capture_on_commit_callbacks(execute=False):
            batch_id = post_import(api_a, "accounts", text).json()["id"]
        with as_tenant(tenant_a):  # failed without telling the import, as the sweep used to
            Job.objects.update(status="failed", error=STALLED_ERROR)
        assert api_a.get(f"/api/v1/imports/{batch_id}/").json()["status"] == "validating"
        with django_capture_on_commit_callbacks(execute=True):
            assert api_a.post(f"/api/v1/imports/{batch_id}/dry-run/", {}, format="json").status_code == 202
        body = api_a.get(f"/api/v1/imports/{batch_id}/").json()
        assert (body["status"], body["job"]["status"], body["counts"]["create"]) == ("validated", "succeeded", 8)

    def test_deleting_an_import_whose_task_is_still_queued_fails_its_job_and_the_task_then_does_nothing(
        self, api_a, tenant_a, eager, django_capture_on_commit_callbacks
    ):
        text = "Name\n" + "".join(f"Co {i}\n" for i in range(8))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            batch_id = post_import(api_a, "accounts", text).json()["id"]
        assert api_a.delete(f"/api/v1/imports/{batch_id}/").status_code == 204
        callbacks[0]()  # the message reaches a worker after all
        with as_tenant(tenant_a):
            assert list(Job.objects.values_list("status", "error")) == [("failed", "The import was deleted.")]
        assert accounts_of(tenant_a) == []


class TestBrowserFlow:
    def test_upload_map_dry_run_and_commit(self, client_for, member_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", employee_count=10)
        client = client_for(member_a)
        response = client.post("/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", ACCOUNTS_CSV)})
        assert response.status_code == 302
        batch_url = response["Location"]
        page = client.get(batch_url).content.decode()
        assert '<option value="domain" selected>Domain</option>' in page  # "Website" auto-mapped
        assert '<option value="parent" >Parent</option>' in page
        assert '<option value="technologies" >Technologies</option>' in page
        mapping = {
            "column-0": "name",
            "column-1": "domain",
            "column-2": "employee_count",
            "column-3": "",
            "column-4": "",
        }
        assert client.post(f"{batch_url}dry-run/", mapping).status_code == 302
        report = client.get(batch_url).content.decode()
        assert '<span class="tile-value" id="count-create">2</span>' in report
        assert '<span class="tile-value" id="count-update">1</span>' in report
        assert "Import 3 rows" in report
        assert client.post(f"{batch_url}commit/").status_code == 302
        done = client.get(batch_url).content.decode()
        assert "Imported: 2 created, 1 updated, 0 unchanged." in done
        assert accounts_of(tenant_a) == [
            ("Acme", "acme.com", 1200, "US", "Software", ""),
            ("Globex", "globex.io", 1200, "", "", "import"),
            ("Initech", "initech.com", 1200, "", "", "import"),
        ]

    def test_a_bad_file_re_renders_the_form_with_the_reason(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        response = client.post(
            "/t/alpha/accounts/import/",
            {"kind": "accounts", "file": upload("a.csv", "Name\nSociété\n".encode("latin-1"))},
        )
        assert response.status_code == 400
        assert "The file is not UTF-8 text: byte 0xE9 on line 2 (position 9)." in response.content.decode()
        with as_tenant(tenant_a):
            assert ImportBatch.objects.count() == 0

    def test_errors_are_listed_with_column_value_and_reason(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        url = client.post(
            "/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", "Name,Employees\nAcme,abc\n")}
        )["Location"]
        client.post(f"{url}dry-run/", {"column-0": "name", "column-1": "employee_count"})
        page = client.get(url).content.decode()
        assert "<td>Acme</td><td>Employees</td><td>abc</td><td>“abc” is not a whole number.</td>" in page
        assert "Fix the rows with errors in the file" in page
        assert "Import 0 rows" not in page

    def test_a_mapping_without_the_required_column_is_refused(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        url = client.post("/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", ACCOUNTS_CSV)})[
            "Location"
        ]
        response = client.post(f"{url}dry-run/", {"column-0": ""})
        assert response.status_code == 400
        assert "Missing required column. Accounts need a Name column." in response.content.decode()


class TestRolesAndIsolation:
    def test_viewer_cannot_import(self, client_for, viewer_a, tenant_a):
        client = client_for(viewer_a)
        assert client.get("/t/alpha/accounts/import/").status_code == 403
        response = client.post("/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", ACCOUNTS_CSV)})
        assert response.status_code == 403
        api = client.post(
            "/t/alpha/api/imports/", {"kind": "accounts", "file": upload("a.csv", ACCOUNTS_CSV)}, HTTP_HX_REQUEST="true"
        )
        assert api.status_code == 403
        assert accounts_of(tenant_a) == []

    def test_read_only_key_cannot_import(self, api_a_read, tenant_a):
        response = post_import(api_a_read, "accounts", ACCOUNTS_CSV)
        assert response.status_code == 403
        assert response.json() == {"detail": "This API key is read-only."}

    def test_imports_never_match_or_touch_another_tenants_rows(self, api_a, api_b, tenant_a, tenant_b):
        b_account = AccountFactory(tenant=tenant_b, name="Acme B", domain="acme.com", employee_count=5)
        ContactFactory(tenant=tenant_b, account=b_account, first_name="Ann", email="ann@acme.com")
        a_account = AccountFactory(tenant=tenant_a, name="Acme A", domain="acme.com", employee_count=7)
        body = post_import(api_a, "accounts", "Name,Domain,Employees\nAcme A,acme.com,99\n").json()
        assert [(row["outcome"], row["id"]) for row in body["rows"]] == [("update", a_account.pk)]
        api_a.post(f"/api/v1/imports/{body['id']}/commit/")
        contacts = post_import(api_a, "contacts", "First name,E-mail\nAnn,ann@acme.com\n").json()
        assert [(row["outcome"], row["id"]) for row in contacts["rows"]] == [("create", None)]
        api_a.post(f"/api/v1/imports/{contacts['id']}/commit/")
        assert accounts_of(tenant_b) == [("Acme B", "acme.com", 5, "US", "Software", "")]
        assert contacts_of(tenant_b) == [("Ann", "ann@acme.com", "acme.com", "", "")]
        assert contacts_of(tenant_a) == [("Ann", "ann@acme.com", "acme.com", "", "import")]
        assert accounts_of(tenant_a) == [("Acme A", "acme.com", 99, "US", "Software", "")]

    def test_a_batch_of_a_is_404_for_b_on_every_verb(self, api_a, api_b, client_for, member_b, tenant_a):
        batch_id = post_import(api_a, "accounts", ACCOUNTS_CSV).json()["id"]
        for method, path in [
            ("get", f"/api/v1/imports/{batch_id}/"),
            ("get", f"/api/v1/imports/{batch_id}/rows/"),
            ("post", f"/api/v1/imports/{batch_id}/dry-run/"),
            ("post", f"/api/v1/imports/{batch_id}/commit/"),
            ("delete", f"/api/v1/imports/{batch_id}/"),
        ]:
            assert getattr(api_b, method)(path).status_code == 404, (method, path)
        assert api_b.get("/api/v1/imports/").json()["results"] == []
        browser = client_for(member_b)
        for method, path in [
            ("get", f"/t/bravo/accounts/import/{batch_id}/"),
            ("get", f"/t/bravo/accounts/import/{batch_id}/progress/"),
            ("post", f"/t/bravo/accounts/import/{batch_id}/dry-run/"),
            ("post", f"/t/bravo/accounts/import/{batch_id}/commit/"),
            ("get", f"/t/bravo/api/imports/{batch_id}/"),
        ]:
            assert getattr(browser, method)(path).status_code == 404, (method, path)
        # Nor may B reach A's workspace URLs at all.
        assert browser.get(f"/t/alpha/accounts/import/{batch_id}/").status_code == 404
        assert accounts_of(tenant_a) == []


class TestQueryBudget:
    def count(self, client, url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    def test_import_list(self, api_a, tenant_a):
        for _ in range(2):
            post_import(api_a, "accounts", ACCOUNTS_CSV)
        two = self.count(api_a, "/api/v1/imports/")
        for _ in range(8):
            post_import(api_a, "accounts", ACCOUNTS_CSV)
        ten = self.count(api_a, "/api/v1/imports/")
        # one list query (+4 for the transaction; the key is cached after the warm-up)
        assert two == ten == 5

    def test_import_page(self, client_for, member_a, tenant_a, api_a):
        client = client_for(member_a)
        post_import(api_a, "accounts", ACCOUNTS_CSV)
        one = self.count(client, "/t/alpha/accounts/import/")
        for _ in range(5):
            post_import(api_a, "accounts", ACCOUNTS_CSV)
        six = self.count(client, "/t/alpha/accounts/import/")
        # the recent imports (+4 for the transaction; session, user, membership and switcher are cached)
        assert one == six == 5

    def test_batch_page(self, client_for, member_a, tenant_a, api_a):
        batch = post_import(api_a, "accounts", ACCOUNTS_CSV).json()
        client = client_for(member_a)
        # the batch with its job (+4; session, user, membership and switcher are cached)
        assert self.count(client, f"/t/alpha/accounts/import/{batch['id']}/") == 5
        # the batch with its job (+4; the key is cached)
        assert self.count(api_a, f"/api/v1/imports/{batch['id']}/") == 5


def test_last_verified_dates_and_booleans(api_a, tenant_a):
    text = "Name,Target account,Last verified on\nAcme,No,2026-01-31\nGlobex,maybe,31/01/2026\n"
    body = post_import(api_a, "accounts", text).json()
    assert [[e["message"] for e in row["errors"]] for row in body["rows"]] == [
        [],
        ["“maybe” is not yes or no.", "“31/01/2026” is not a date; use YYYY-MM-DD."],
    ]
    with as_tenant(tenant_a):
        assert imports.parse_date("2026-01-31") == date(2026, 1, 31)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_large_import_through_redis(tenant_a, owner_a, monkeypatch):
    """The job path end to end: enqueued on commit, run by a worker thread, progress committed as it goes."""
    import time

    from celery.contrib.testing.worker import start_worker

    from abs_platform.tenancy.context import tenant_context
    from abs_platform.tenancy.db import tenant_transaction

    monkeypatch.setattr(imports, "IMPORT_SYNC_LIMIT", 5)
    text = "Name,Domain\n" + "".join(f"Company {i},c{i}.com\n" for i in range(12))

    def wait_for(batch_id, status):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with as_tenant(tenant_a):
                batch = ImportBatch.objects.select_related("job").get(pk=batch_id)
            # The worker finishes the job in its own transaction just after the batch's.
            if batch.status == status and batch.job.status in ("succeeded", "failed"):
                return batch
            time.sleep(0.1)
        raise AssertionError(f"import still {batch.status}, job {batch.job.status}")

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with tenant_context(tenant_a, owner_a):
            with tenant_transaction(tenant_a):
                batch = imports.batch_create(kind="accounts", upload=upload("a.csv", text))
                imports.batch_run(batch=batch, phase="dry_run")
            validated = wait_for(batch.pk, "validated")
            assert (validated.report["counts"], validated.job.percent) == (
                {"create": 12, "update": 0, "skip": 0, "error": 0},
                100,
            )
            with tenant_transaction(tenant_a):
                imports.batch_run(batch=validated, phase="commit")
        committed = wait_for(batch.pk, "committed")
    assert (committed.report["written"], committed.job.status, committed.job.done) == (
        {"created": 12, "updated": 0},
        "succeeded",
        24,
    )
    assert len(accounts_of(tenant_a)) == 12


class TestNewAccountsTarget:
    """Whether new accounts become targets is asked, default yes; the file's own Target column wins."""

    TEXT = "Company,Website,Target account\nAcme,acme.com,\nGlobex,globex.io,yes\nInitech,initech.com,no\n"

    def targets_after(self, api_a, tenant_a, **fields):
        data = {"kind": "accounts", "file": upload("a.csv", self.TEXT), **fields}
        body = api_a.post("/api/v1/imports/", data, format="multipart").json()
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
        with as_tenant(tenant_a):
            return body["new_accounts_target"], dict(Account.objects.values_list("name", "is_target"))

    def test_by_default_new_accounts_are_targets(self, api_a, tenant_a):
        assert self.targets_after(api_a, tenant_a) == (True, {"Acme": True, "Globex": True, "Initech": False})

    def test_asked_not_to_they_are_not_unless_the_file_says_so(self, api_a, tenant_a):
        assert self.targets_after(api_a, tenant_a, new_accounts_target="false") == (
            False,
            {"Acme": False, "Globex": True, "Initech": False},
        )

    def test_the_upload_page_asks_and_passes_the_answer_on(self, client_for, member_a, tenant_a):
        client = client_for(member_a)
        form = client.get("/t/alpha/accounts/import/").content.decode()
        client.post("/t/alpha/accounts/import/", {"kind": "accounts", "file": upload("a.csv", self.TEXT)})

        assert '<input type="checkbox" name="new_accounts_target" checked>' in form
        with as_tenant(tenant_a):
            assert ImportBatch.objects.get().new_accounts_target is False  # the box was not ticked
