"""CSV import of deals (opportunities) and activities: the accounts and contacts import's machinery (dry run,
all or nothing, row errors naming line and column), the API's rules, the workspace's time zone (exact values)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.celery import app as celery_app
from accounts import imports
from accounts.models import Account, Activity, Opportunity
from tests.accounts.test_import import post_import
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", status="prospect")


@pytest.fixture
def globex(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Globex Corp", domain="globex.com", status="prospect")


def errors_of(body) -> dict[int, list[tuple[str, str, str, str]]]:
    return {
        row["row"]: [(e["field"], e["column"], e["value"], e["message"]) for e in row["errors"]]
        for row in body["rows"]
        if row["errors"]
    }


class TestDeals:
    def test_dry_run_applies_the_apis_rules_per_row(self, api_a, tenant_a, acme, globex):
        tenant_a.currency = "EUR"
        tenant_a.save()
        text = (
            "Deal name,Account domain,Account name,Stage,Amount,Currency,Opened on,Close date,Lost reason\n"
            'Platform,https://www.acme.com/,,Closed won,"12,500.50",eur,2026-01-05,2026-02-01,\n'
            "Pilot,,globex corp,proposal,900,,,,\n"
            "Ghost,unknown.com,,Proposal,1,,,,\n"
            "Lost,acme.com,,Closed lost,,,2026-01-05,2026-02-01,\n"
            "Dollars,acme.com,,Proposal,5,USD,,,\n"
            "Early,acme.com,,Discovery,-5,,2026-03-01,2026-02-01,\n"
            "Reason,,Nobody,Proposal,,,,,Price\n"
        )
        body = post_import(api_a, "opportunities", text).json()
        assert body["kind"] == "opportunities"
        assert body["counts"] == {"create": 2, "update": 0, "skip": 0, "error": 5}
        assert errors_of(body) == {
            4: [
                (
                    "account_domain",
                    "Account domain",
                    "unknown.com",
                    "No account with the domain unknown.com in this workspace.",
                )
            ],
            5: [("lost_reason", "Lost reason", "", "Say why the deal was lost.")],
            6: [
                (
                    "currency",
                    "Currency",
                    "USD",
                    "Amounts are in the workspace currency, EUR; convert them or leave the cell empty.",
                )
            ],
            7: [
                ("amount", "Amount", "-5", "An amount cannot be negative."),
                ("close_date", "Close date", "2026-02-01", "The close date cannot be before the open date."),
            ],
            8: [("account_name", "Account name", "Nobody", "No account named “Nobody” in this workspace.")],
        }
        with as_tenant(tenant_a):
            assert Opportunity.objects.count() == 0

    def test_commit_creates_deals_and_won_ones_make_customers(self, api_a, tenant_a, owner_a, acme, globex):
        text = (
            "Deal name,Account,Stage,Amount,Opened on,Close date\n"
            "Platform,Acme,Closed won,12500,2026-01-05,2026-02-01\n"
            "Pilot,Globex Corp,Qualification,900,,\n"
        )
        body = post_import(api_a, "opportunities", text, name="deals.csv").json()
        assert [(row["row"], row["record"], row["outcome"]) for row in body["rows"]] == [
            (2, "Platform", "create"),
            (3, "Pilot", "create"),
        ]
        committed = api_a.post(f"/api/v1/imports/{body['id']}/commit/").json()
        assert (committed["status"], committed["written"]) == ("committed", {"created": 2, "updated": 0})
        with as_tenant(tenant_a):
            today = timezone.localdate()
            deals = sorted(
                Opportunity.objects.values_list("name", "account__name", "stage", "amount", "opened_on", "close_date")
            )
            reasons = set(Opportunity.history.values_list("history_change_reason", "history_user"))
            statuses = dict(Account.objects.values_list("name", "status"))
            won = list(Account.history.filter(id=acme.pk, status="customer").values_list("history_change_reason"))
        assert [(n, a, s, str(m), o, c) for n, a, s, m, o, c in deals] == [
            ("Pilot", "Globex Corp", "qualification", "900.00", today, None),
            ("Platform", "Acme", "closed_won", "12500.00", datetime(2026, 1, 5).date(), datetime(2026, 2, 1).date()),
        ]
        assert reasons == {(f"CSV import #{body['id']}", owner_a.pk)}
        assert statuses == {"Acme": "customer", "Globex Corp": "prospect"}
        assert won == [("Deal “Platform” closed won",)]

    def test_deals_are_never_matched_the_dry_run_warns_of_a_same_named_one(self, api_a, tenant_a, acme):
        OpportunityFactory(tenant=tenant_a, account=acme, name="Platform")
        body = post_import(api_a, "opportunities", "Deal name,Account domain\nplatform,acme.com\n").json()
        row = body["rows"][0]
        assert (row["outcome"], row["warnings"]) == (
            "create",
            [
                {
                    "field": "name",
                    "column": "Deal name",
                    "value": "platform",
                    "message": "This account already has a deal of this name; the row creates another one "
                    "(deals are not matched).",
                }
            ],
        )

    def test_required_columns(self, api_a):
        response = post_import(api_a, "opportunities", "Deal name,Stage\nX,Proposal\n")
        assert response.json() == {
            "mapping": [
                "Missing required column. Deals need a Deal name column and an Account domain or Account name column."
            ]
        }


class TestActivities:
    def test_times_contacts_owners_and_the_models_rules(self, api_a, tenant_a, member_a, viewer_a, acme, globex):
        tenant_a.time_zone = "Europe/Berlin"
        tenant_a.save()
        ContactFactory(tenant=tenant_a, account=acme, first_name="Jane", email="jane@acme.com")
        ContactFactory(tenant=tenant_a, account=globex, first_name="Gus", email="gus@globex.com")
        future = (timezone.now() + timedelta(days=2)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = (
            "Account domain,Contact e-mail,Channel,Direction,Occurred at,Subject,Notes,Owner\n"
            f",JANE@acme.com,Meeting,Inbound response,2026-03-02 09:30,Demo,Went well,{member_a.email}\n"
            "globex.com,,e-mail,,2026-03-02T09:30:00+02:00,Intro,,\n"
            "acme.com,gus@globex.com,phone,,2026-03-02,Call,,\n"
            f"acme.com,,fax,sideways,{future},Later,,{viewer_a.username}\n"
            "acme.com,,email,,02/03/2026,Bad time,,\n"
            ",,email,,2026-03-02 10:00,,,\n"
        )
        body = post_import(api_a, "activities", text).json()
        assert body["counts"] == {"create": 2, "update": 0, "skip": 0, "error": 4}
        assert [row["record"] for row in body["rows"][:2]] == ["2026-03-02 09:30 · Demo", "2026-03-02 08:30 · Intro"]
        assert errors_of(body) == {
            4: [
                ("contact", "Contact e-mail", "gus@globex.com", "This contact does not work at the activity's account.")
            ],
            5: [
                (
                    "channel",
                    "Channel",
                    "fax",
                    "“fax” is not one of: E-mail, Phone, Meeting, Social, Event, Web visit, "
                    "Advertising, Direct mail, Other.",
                ),
                ("direction", "Direction", "sideways", "“sideways” is not one of: Outbound touch, Inbound response."),
                (
                    "owner",
                    "Owner",
                    viewer_a.username,
                    "No member of this workspace who can own records (not a viewer) has the e-mail or user name "
                    f"“{viewer_a.username}”.",
                ),
                ("occurred_at", "Occurred at", future, "An activity cannot be in the future."),
            ],
            6: [
                (
                    "occurred_at",
                    "Occurred at",
                    "02/03/2026",
                    "“02/03/2026” is not a date and time; use YYYY-MM-DD HH:MM (in the workspace's time zone) or "
                    "ISO 8601 with an offset such as 2026-03-02T09:30:00+01:00.",
                )
            ],
            7: [
                (
                    "account_domain",
                    "Account domain",
                    "",
                    "An account is required: its domain, its name or a contact's e-mail.",
                ),
                ("subject", "Subject", "", "Subject is required."),
            ],
        }

    def test_commit_writes_them_in_utc_with_history(self, api_a, tenant_a, owner_a, member_a, acme):
        tenant_a.time_zone = "Europe/Berlin"
        tenant_a.save()
        jane = ContactFactory(tenant=tenant_a, account=acme, first_name="Jane", email="jane@acme.com")
        text = (
            "Contact e-mail,Channel,Direction,Occurred at,Subject,Owner\n"
            f"jane@acme.com,Meeting,inbound,2026-03-02 09:30,Demo,{member_a.username}\n"
            "jane@acme.com,email,,2026-07-01 09:30,Follow-up,\n"
        )
        body = post_import(api_a, "activities", text).json()
        assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").json()["written"] == {"created": 2, "updated": 0}
        with as_tenant(tenant_a):
            rows = sorted(
                Activity.objects.values_list("occurred_at", "account_id", "contact_id", "channel", "direction", "owner")
            )
            history = set(Activity.history.values_list("history_type", "history_change_reason", "history_user"))
        assert rows == [
            (datetime(2026, 3, 2, 8, 30, tzinfo=UTC), acme.pk, jane.pk, "meeting", "inbound", member_a.pk),
            (datetime(2026, 7, 1, 7, 30, tzinfo=UTC), acme.pk, jane.pk, "email", "outbound", None),  # summer time
        ]
        assert history == {("+", f"CSV import #{body['id']}", owner_a.pk)}
        again = post_import(api_a, "activities", text).json()
        assert [row["warnings"][0]["message"] for row in again["rows"]] == [
            "This account already has an activity with this time and subject; the row creates another one "
            "(activities are not matched)."
        ] * 2


def test_planning_activities_takes_the_same_queries_for_more_rows(tenant_a, owner_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def queries(count: int) -> int:
        for index in range(count):
            ContactFactory(tenant=tenant_a, account=acme, first_name="C", email=f"c{count}-{index}@acme.com")
        text = "Contact e-mail,Channel,Occurred at,Subject,Owner\n" + "".join(
            f"c{count}-{index}@acme.com,email,{(at + timedelta(minutes=index)).isoformat()},Touch,{owner_a.username}\n"
            for index in range(count)
        )
        parsed = imports.parse(text)
        with as_tenant(tenant_a, owner_a), CaptureQueriesContext(connection) as captured:
            plan = imports.plan_import(
                kind="activities", parsed=parsed, mapping=imports.auto_map("activities", parsed.headers)
            )
        assert plan.counts == {"create": count, "update": 0, "skip": 0, "error": 0}
        return len(captured)

    assert queries(3) == queries(30)


def test_the_template_names_every_column(client_for, member_a, tenant_a):
    response = client_for(member_a).get("/t/alpha/accounts/import/template/?kind=activities")
    assert response["Content-Disposition"] == 'attachment; filename="activities-import.csv"'
    assert response.content.decode("utf-8-sig") == (
        "Account domain,Account name,Contact e-mail,Channel,Direction,Occurred at,Subject,Notes,Owner,Outcome,"
        "Impressions,Clicks,Conversions\r\n"
    )
    assert client_for(member_a).get("/t/alpha/accounts/import/template/?kind=nothing").status_code == 404


def test_a_large_deals_file_runs_as_a_job(api_a, tenant_a, acme, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(imports, "IMPORT_SYNC_LIMIT", 2)
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        text = "Deal name,Account domain,Stage,Opened on,Close date\n" + "".join(
            f"Deal {i},acme.com,Closed won,2026-01-05,2026-02-0{i + 1}\n" for i in range(3)
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = post_import(api_a, "opportunities", text)
        assert response.status_code == 202
        with django_capture_on_commit_callbacks(execute=True):
            assert api_a.post(f"/api/v1/imports/{response.json()['id']}/commit/").status_code == 202
    finally:
        celery_app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])
    done = api_a.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (done["status"], done["written"], done["job"]["percent"]) == ("committed", {"created": 3, "updated": 0}, 100)
    with as_tenant(tenant_a):
        assert Account.objects.get(pk=acme.pk).status == "customer"
        assert sorted(Opportunity.objects.values_list("name", flat=True)) == ["Deal 0", "Deal 1", "Deal 2"]
