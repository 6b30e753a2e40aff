"""The ICP builder page and its htmx fragments."""

import pytest

from icp import services
from icp.models import Criterion
from icp.tasks import fit_scores_recompute
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory, TechnologyFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def test_page_for_admin_and_viewer(client_for, admin_a, viewer_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1, is_active=True, name="Core ICP")
    html = client_for(admin_a).get("/t/alpha/icp/").content.decode()
    assert "Core ICP" in html and "Active" in html
    assert f'hx-get="/t/alpha/api/criteria/new/?icp={icp.pk}"' in html
    assert f'hx-get="/t/alpha/api/icps/{icp.pk}/preview/"' in html
    assert "New version (copy of v1)" in html
    viewer_html = client_for(viewer_a).get("/t/alpha/icp/").content.decode()
    assert "Core ICP" in viewer_html
    assert "criteria/new/" not in viewer_html and "New version" not in viewer_html
    assert 'href="/t/alpha/icp/" aria-current="page">ICP</a>' in viewer_html


def test_page_without_icp_and_unknown_version(client_for, admin_a, tenant_a):
    client = client_for(admin_a)
    assert "Start the ICP" in client.get("/t/alpha/icp/").content.decode()
    assert client.get("/t/alpha/icp/?version=7").status_code == 404


def test_previous_version_is_shown_read_only(client_for, admin_a, tenant_a):
    IcpFactory(tenant=tenant_a, version=1)
    IcpFactory(tenant=tenant_a, version=2, is_active=True)
    html = client_for(admin_a).get("/t/alpha/icp/?version=1").content.decode()
    assert "Previous version · read-only" in html
    assert "criteria/new/" not in html


def test_htmx_criterion_form_flow(client_for, admin_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1)
    crm = TechnologyFactory(tenant=tenant_a, name="Salesforce")
    client = client_for(admin_a)
    form = client.get(f"/t/alpha/api/criteria/new/?icp={icp.pk}&kind=technology", **HX).content.decode()
    assert 'name="technology_ids"' in form and "Salesforce" in form
    bad = client.post(
        "/t/alpha/api/criteria/", {"icp": icp.pk, "kind": "employees", "min": "500", "max": "100", "weight": "10"}, **HX
    )
    assert bad.status_code == 400
    assert "“min” cannot be greater than “max”." in bad.content.decode()
    assert 'value="500"' in bad.content.decode()  # the form comes back as typed
    created = client.post(
        "/t/alpha/api/criteria/",
        {
            "icp": icp.pk,
            "kind": "technology",
            "mode": "all",
            "technology_ids": [crm.pk],
            "weight": "20",
            "must_have": "on",
        },
        **HX,
    )
    assert created.status_code == 201
    assert created["HX-Trigger"] == "objectsChanged"
    assert "Criterion “Uses all of Salesforce” added." in created.content.decode()
    countries = client.post(
        "/t/alpha/api/criteria/", {"icp": icp.pk, "kind": "country", "values": "de, fr", "weight": "5"}, **HX
    )
    assert countries.status_code == 201
    with as_tenant(tenant_a):
        assert list(Criterion.objects.values_list("kind", "params", "weight", "must_have")) == [
            ("technology", {"mode": "all", "technology_ids": [crm.pk]}, 20, True),
            ("country", {"values": ["DE", "FR"]}, 5, False),
        ]
    listing = client.get(f"/t/alpha/api/criteria/?icp={icp.pk}", **HX).content.decode()
    assert "Uses all of Salesforce" in listing and "Country in DE, FR" in listing
    assert "sum of all weights, here 25" in listing


def test_htmx_edit_form_keeps_params(client_for, admin_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1)
    criterion = CriterionFactory(tenant=tenant_a, icp=icp, kind="industry", params={"values": ["Software", "Media"]})
    client = client_for(admin_a)
    form = client.get(f"/t/alpha/api/criteria/{criterion.pk}/edit/", **HX).content.decode()
    assert 'value="Software, Media"' in form
    saved = client.put(
        f"/t/alpha/api/criteria/{criterion.pk}/",
        f"icp={icp.pk}&kind=industry&values=Retail&weight=30",
        content_type="application/x-www-form-urlencoded",
        **HX,
    )
    assert saved.status_code == 200
    assert "Industry in Retail" in saved.content.decode()


def test_htmx_preview_fragment(client_for, viewer_a, tenant_a):
    icp = IcpFactory(tenant=tenant_a, version=1, is_active=True)
    CriterionFactory(tenant=tenant_a, icp=icp, kind="industry", params={"values": ["Software"]}, weight=10)
    AccountFactory(tenant=tenant_a, name="Soft Co", industry="Software")
    AccountFactory(tenant=tenant_a, name="Shop Co", industry="Retail")
    html = client_for(viewer_a).get(f"/t/alpha/api/icps/{icp.pk}/preview/", **HX).content.decode()
    assert '<strong id="preview-matching">1</strong> of 2 target accounts match' in html
    assert "Soft Co" in html and "— → <strong>Tier 1</strong>" in html
    assert 'title="90–100: 1"' in html and 'title="0–9: 1"' in html


def test_job_progress_fragment(client_for, member_a, tenant_a):
    with as_tenant(tenant_a):
        job = services.fit_recompute_enqueue()
    client = client_for(member_a)
    html = client.get(f"/t/alpha/icp/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html and "Queued" in html
    assert fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()["accounts"] == 0
    done = client.get(f"/t/alpha/icp/jobs/{job.pk}/").content.decode()
    assert "Succeeded" in done and "every 1s" not in done and 'aria-valuenow="100"' in done


def test_new_version_via_htmx_redirects_to_it(client_for, admin_a, tenant_a):
    IcpFactory(tenant=tenant_a, version=1, is_active=True)
    response = client_for(admin_a).post("/t/alpha/api/icps/", {}, **HX)
    assert response.status_code == 201
    assert response["HX-Redirect"] == "/t/alpha/icp/?version=2"
