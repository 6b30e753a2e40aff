"""The criterion admin validates ``params`` with the API's rules and names the problem."""

import json

import pytest

from icp.models import Criterion
from tests.conftest import as_tenant
from tests.factories import CriterionFactory, IcpFactory, TechnologyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_admin_a(admin_a):
    admin_a.is_staff = True
    admin_a.save()
    return admin_a


def criterion_form(tenant, icp, kind, params, weight=10):
    return {
        "tenant": tenant.pk,
        "icp": icp.pk,
        "kind": kind,
        "params": json.dumps(params),
        "weight": weight,
        "position": 1,
    }


def errors_of(response) -> str:
    assert response.status_code == 200  # the form again, not a redirect
    return response.content.decode()


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("employees", {"min": 500, "max": 100}, "“min” cannot be greater than “max”."),
        ("employees", {"min": "many"}, "“min” must be a number."),
        ("country", {"values": ["DE", "XX"]}, "Unknown country code(s): XX."),
        ("industry", {"values": "Software"}, "Give “values”: a non-empty list of industries."),
        ("trigger_event", {"signal_types": ["funding"], "within_days": 0}, "“within_days” must be between 1 and 3650."),
        ("existing_customer", {"x": 1}, "The existing-customer criterion takes no parameters."),
    ],
)
def test_bad_params_are_a_form_error_naming_the_problem(client_for, ops_admin_a, tenant_a, kind, params, message):
    icp = IcpFactory(tenant=tenant_a, version=1)
    response = client_for(ops_admin_a).post("/admin/icp/criterion/add/", criterion_form(tenant_a, icp, kind, params))
    assert message in errors_of(response)
    with as_tenant(tenant_a):
        assert Criterion.objects.count() == 0


def test_technology_ids_are_checked_against_the_criterions_workspace(client_for, ops_admin_a, tenant_a, tenant_b):
    icp = IcpFactory(tenant=tenant_a, version=1)
    foreign = TechnologyFactory(tenant=tenant_b, name="Foreign CRM")
    own = TechnologyFactory(tenant=tenant_a, name="Own CRM")
    client = client_for(ops_admin_a)
    refused = client.post(
        "/admin/icp/criterion/add/",
        criterion_form(tenant_a, icp, "technology", {"mode": "any", "technology_ids": [own.pk, foreign.pk]}),
    )
    assert f"No technology with id {foreign.pk} in this workspace." in errors_of(refused)
    weight = client.post(
        "/admin/icp/criterion/add/",
        criterion_form(tenant_a, icp, "technology", {"technology_ids": [own.pk]}, weight=0),
    )
    assert "The weight must be between 1 and 100." in errors_of(weight)
    saved = client.post(
        "/admin/icp/criterion/add/",
        criterion_form(tenant_a, icp, "technology", {"technology_ids": [str(own.pk), own.pk]}),
    )
    assert saved.status_code == 302
    with as_tenant(tenant_a):
        # stored normalized, as the API stores it
        assert list(Criterion.objects.values_list("kind", "params")) == [
            ("technology", {"mode": "any", "technology_ids": [own.pk]})
        ]


def test_changing_a_criterion_validates_too(client_for, ops_admin_a, tenant_a):
    criterion = CriterionFactory(tenant=tenant_a, kind="revenue", params={"min": 1000}, weight=20)
    url = f"/admin/icp/criterion/{criterion.pk}/change/"
    client = client_for(ops_admin_a)
    form = criterion_form(tenant_a, criterion.icp, "revenue", {"min": -5})
    del form["tenant"]  # read-only once created
    assert "The range cannot be negative." in errors_of(client.post(url, form))
    ok = client.post(url, {**form, "params": json.dumps({"min": "2500.0", "max": 10000})})
    assert ok.status_code == 302
    with as_tenant(tenant_a):
        criterion.refresh_from_db()
    assert criterion.params == {"min": 2500, "max": 10000}
