"""``manage.py create_workspace``: a workspace, its owner and a working API key in one scripted step."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from abs_platform.tenancy.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def create(*args) -> dict:
    out = StringIO()
    call_command("create_workspace", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_creates_the_workspace_its_owner_and_a_key_that_works():
    result = create(
        "--name",
        "Initech Sales",
        "--owner",
        "peter",
        "--owner-email",
        "peter@initech.com",
        "--time-zone",
        "Europe/Berlin",
        "--currency",
        "EUR",
    )

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {result['api_key']}")
    created = api.post("/api/v1/accounts/", {"name": "Acme", "domain": "acme.com"}, format="json")
    assert (result["workspace"], result["owner"]) == ("initech-sales", "peter")
    assert created.status_code == 201
    assert api.get("/api/v1/accounts/").json()["results"][0]["name"] == "Acme"
    tenant = Tenant.objects.get(slug="initech-sales")
    assert (tenant.name, tenant.currency, tenant.time_zone) == ("Initech Sales", "EUR", "Europe/Berlin")
    assert list(Membership.objects.filter(tenant=tenant).values_list("user__username", "role")) == [("peter", "owner")]
    assert get_user_model().objects.get(username="peter").check_password(result["owner_password"])


def test_an_existing_user_becomes_owner_unchanged_and_no_key_on_request(member_a):
    result = create("--name", "Second", "--owner", member_a.username, "--no-api-key")

    assert result == {"workspace": "second", "owner": member_a.username, "owner_password": None, "api_key": None}
    assert Membership.objects.get(tenant__slug="second").role == "owner"


def test_bad_input_names_the_field_and_creates_nothing(tenant_a):
    with pytest.raises(CommandError, match=r"slug: Tenant with this Slug already exists\."):
        create("--name", "Clash", "--slug", tenant_a.slug, "--owner", "newcomer")

    assert not get_user_model().objects.filter(username="newcomer").exists()
    assert not Tenant.objects.filter(name="Clash").exists()


def test_a_taken_name_gets_a_numbered_address():
    first = create("--name", "Initech Sales", "--owner", "peter", "--no-api-key")
    second = create("--name", "Initech Sales", "--owner", "michael", "--no-api-key")

    assert (first["workspace"], second["workspace"]) == ("initech-sales", "initech-sales-2")
    assert list(Tenant.objects.filter(name="Initech Sales").order_by("slug").values_list("slug", flat=True)) == [
        "initech-sales",
        "initech-sales-2",
    ]
