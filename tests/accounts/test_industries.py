"""Industries as workspace values: the account form suggests this workspace's values, and admins rename or merge
them (one audited change that rescores the accounts)."""

import re

import pytest

from abs_platform.jobs.models import Job
from accounts.models import Account
from icp.tasks import fit_scores_recompute
from tests.accounts.test_events import industry_icp
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def industries_of(tenant):
    with as_tenant(tenant):
        return dict(Account.objects.values_list("name", "industry"))


def suggestions(html: str) -> list[str]:
    datalist = html.split('<datalist id="industry-options">', 1)[1].split("</datalist>")[0]
    return re.findall(r'<option value="([^"]*)">', datalist)


@pytest.mark.parametrize("form", ["new/", "{id}/edit/"])
def test_the_account_forms_suggest_this_workspaces_industries_only(client_for, member_a, tenant_a, tenant_b, form):
    acme = AccountFactory(tenant=tenant_a, industry="Software")
    AccountFactory(tenant=tenant_a, industry="Software")
    AccountFactory(tenant=tenant_a, industry="Retail")
    AccountFactory(tenant=tenant_a, industry="")
    AccountFactory(tenant=tenant_b, industry="Bravo Secret Industry")
    html = client_for(member_a).get(f"/t/alpha/api/accounts/{form.format(id=acme.pk)}", **HTMX).content.decode()
    assert suggestions(html) == ["Retail", "Software"]
    assert 'name="industry" type="text"' in html and 'list="industry-options"' in html
    assert "Bravo Secret" not in html


def test_a_refused_form_still_suggests_industries(client_for, member_a, tenant_a):
    AccountFactory(tenant=tenant_a, industry="Software")
    response = client_for(member_a).post("/t/alpha/api/accounts/", {"name": "", "industry": "Soft"}, **HTMX)
    assert response.status_code == 400
    assert suggestions(response.content.decode()) == ["Software"]


def test_merge_moves_every_account_records_it_and_rescores(api_a, tenant_a, tenant_b, owner_a):
    industry_icp(tenant_a)  # "Software" is worth the whole fit score
    AccountFactory(tenant=tenant_a, name="Acme", industry="Sofware")
    AccountFactory(tenant=tenant_a, name="Globex", industry="software")
    AccountFactory(tenant=tenant_a, name="Initech", industry="Software")
    AccountFactory(tenant=tenant_a, name="Hooli", industry="Retail")
    AccountFactory(tenant=tenant_b, name="Bravo", industry="Sofware")

    listed = api_a.get("/api/v1/accounts/industries/").json()
    assert (listed["count"], listed["next"]) == (4, None)
    assert sorted(listed["results"], key=lambda row: row["industry"]) == [  # in the database's collation
        {"industry": "Retail", "accounts": 1},
        {"industry": "Software", "accounts": 1},
        {"industry": "Sofware", "accounts": 1},
        {"industry": "software", "accounts": 1},
    ]
    response = api_a.post(
        "/api/v1/accounts/industries/", {"industries": ["Sofware", "software"], "to": "Software"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"updated": 2, "to": "Software"}
    assert industries_of(tenant_a) == {
        "Acme": "Software",
        "Globex": "Software",
        "Initech": "Software",
        "Hooli": "Retail",
    }
    assert industries_of(tenant_b) == {"Bravo": "Sofware"}  # another workspace's value of the same name stays
    with as_tenant(tenant_a):
        record = Account.history.filter(name="Acme").latest("history_id")
        assert (record.industry, record.history_change_reason, record.history_user_id) == (
            "Software",
            "Industry “Sofware”, “software” renamed to “Software”.",
            owner_a.pk,
        )
        job = Job.objects.get(kind="icp.fit_recompute")
    fit_scores_recompute.apply(args=[tenant_a.pk, job.pk]).get()
    with as_tenant(tenant_a):
        scores = dict(Account.objects.values_list("name", "fit_score"))
    assert scores == {"Acme": 100, "Globex": 100, "Initech": 100, "Hooli": 0}


def test_rename_needs_an_admin_and_a_name(client_for, member_a, admin_a, tenant_a):
    AccountFactory(tenant=tenant_a, name="Acme", industry="Sofware")
    refused = client_for(member_a).post("/t/alpha/api/accounts/industries/", {"industries": "Sofware", "to": "X"})
    assert refused.status_code == 403
    admin = client_for(admin_a)
    blank = admin.post("/t/alpha/api/accounts/industries/", {"industries": "Sofware", "to": "  "}, **HTMX)
    assert blank.status_code == 400
    assert "To: This field may not be blank." in blank.content.decode()
    assert industries_of(tenant_a) == {"Acme": "Sofware"}


def test_the_industries_page_renames_and_the_filter_follows(
    client_for, admin_a, member_a, tenant_a, django_capture_on_commit_callbacks
):
    AccountFactory(tenant=tenant_a, name="Acme", industry="Sofware")
    AccountFactory(tenant=tenant_a, name="Globex", industry="Software")
    admin = client_for(admin_a)
    assert "Sofware" in admin.get("/t/alpha/accounts/").content.decode()  # the filter's options, now cached
    page = admin.get("/t/alpha/accounts/industries/")
    assert page.status_code == 200
    listed = admin.get("/t/alpha/api/accounts/industries/", **HTMX).content.decode()
    assert 'value="Sofware" aria-label="Select Sofware"' in listed
    with django_capture_on_commit_callbacks(execute=True):  # the cached filter options are dropped on commit
        done = admin.post("/t/alpha/api/accounts/industries/", {"industries": "Sofware", "to": "Software"}, **HTMX)
    assert done["HX-Trigger"] == "objectsChanged"
    assert "1 account now read “Software”." in done.content.decode()
    assert "Sofware" not in admin.get("/t/alpha/accounts/").content.decode()
    assert client_for(member_a).get("/t/alpha/accounts/industries/").status_code == 403
