"""A verification date in the future would count as fresh for years: every path that sets one refuses it with
the message bulk "mark verified" gives, judged by today in the workspace's time zone."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from abs_platform.tenancy.context import workspace_today
from accounts.models import Account, Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

MESSAGE = "A verification date cannot be in the future."


@pytest.fixture
def today(tenant_a):
    tenant_a.time_zone = "Pacific/Kiritimati"  # UTC+14: its today is often the UTC calendar's tomorrow
    tenant_a.save()
    with as_tenant(tenant_a):
        return workspace_today()


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def test_contact_create_and_update_refuse_a_future_date_and_take_today(api_a, tenant_a, acme, today):
    tomorrow, iso_today = str(today + timedelta(days=1)), str(today)
    refused = api_a.post(
        "/api/v1/contacts/",
        {"account": acme.pk, "first_name": "Ann", "last_verified_on": tomorrow},
        format="json",
    )
    created = api_a.post(
        "/api/v1/contacts/",
        {"account": acme.pk, "first_name": "Ann", "last_verified_on": iso_today},
        format="json",
    )
    updated = api_a.patch(f"/api/v1/contacts/{created.json()['id']}/", {"last_verified_on": tomorrow}, format="json")

    assert (refused.status_code, refused.json()) == (400, {"last_verified_on": [MESSAGE]})
    assert (created.status_code, created.json()["last_verified_on"]) == (201, iso_today)
    assert (updated.status_code, updated.json()) == (400, {"last_verified_on": [MESSAGE]})
    with as_tenant(tenant_a):
        assert list(Contact.objects.values_list("last_verified_on", flat=True)) == [today]


def test_account_import_reports_a_future_date_as_a_row_error(api_a, tenant_a, acme, today):
    future = str(today + timedelta(days=3))
    text = f"Company,Website,Last verified on\nAcme,acme.com,{future}\n"
    upload = SimpleUploadedFile("accounts.csv", text.encode(), content_type="text/csv")

    body = api_a.post("/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart").json()

    assert body["rows"][0]["errors"] == [
        {"field": "last_verified_on", "column": "Last verified on", "value": future, "message": MESSAGE}
    ]
    with as_tenant(tenant_a):
        assert Account.objects.get(pk=acme.pk).last_verified_on is None


def test_contact_import_reports_a_future_date_as_a_row_error(api_a, tenant_a, acme, today):
    ContactFactory(tenant=tenant_a, account=acme, first_name="Ann", email="ann@acme.com")
    future = str(today + timedelta(days=30))
    text = f"First name,E-mail,Last verified on\nAnn,ann@acme.com,{future}\nBob,bob@acme.com,{today}\n"
    upload = SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")

    body = api_a.post("/api/v1/imports/", {"kind": "contacts", "file": upload}, format="multipart").json()

    rows = {row["row"]: row for row in body["rows"]}
    assert (rows[2]["outcome"], rows[3]["outcome"]) == ("error", "create")
    assert rows[2]["errors"] == [
        {"field": "last_verified_on", "column": "Last verified on", "value": future, "message": MESSAGE}
    ]
