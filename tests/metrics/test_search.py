"""The global search (``/search/?q=``): grouped hits with their pages, every word must match, at most five of
each kind, another workspace's rows never found, a fixed number of queries, the header's htmx dropdown."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plays.models import PlayTemplate
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(tenant_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme Robotics", domain="acme.io")
    ContactFactory(tenant=tenant_a, account=acme, first_name="Ada", last_name="Acme", title="CFO", email="ada@acme.io")
    ContactFactory(tenant=tenant_a, account=acme, first_name="Bo", last_name="Berg", title="CTO", email="bo@acme.io")
    with as_tenant(tenant_a):
        PlayTemplate.objects.create(name="Acme expansion", kind="expansion")
    return acme


def test_hits_are_grouped_by_kind_with_their_pages(api_a, acme):
    body = api_a.get("/api/v1/search/", {"q": "acme"}).json()
    assert body == {
        "q": "acme",
        "accounts": {
            "results": [
                {"id": acme.pk, "name": "Acme Robotics", "detail": "acme.io", "url": f"/t/alpha/accounts/{acme.pk}/"}
            ],
            "more": False,
            "more_url": None,
        },
        "contacts": {
            "results": [
                {
                    "id": body["contacts"]["results"][0]["id"],
                    "name": "Ada Acme",
                    "detail": "CFO · Acme Robotics",
                    "url": f"/t/alpha/accounts/{acme.pk}/",
                },
                {
                    "id": body["contacts"]["results"][1]["id"],
                    "name": "Bo Berg",
                    "detail": "CTO · Acme Robotics",
                    "url": f"/t/alpha/accounts/{acme.pk}/",
                },
            ],
            "more": False,
            "more_url": None,
        },
        "plays": {
            "results": [
                {
                    "id": body["plays"]["results"][0]["id"],
                    "name": "Acme expansion",
                    "detail": "Expansion",
                    "url": "/t/alpha/plays/",
                }
            ],
            "more": False,
            "more_url": None,
        },
    }


def test_every_word_must_match_a_field(api_a, acme):
    contacts = api_a.get("/api/v1/search/", {"q": "ada cfo"}).json()["contacts"]["results"]
    assert [hit["name"] for hit in contacts] == ["Ada Acme"]
    assert api_a.get("/api/v1/search/", {"q": "ada cto"}).json()["contacts"]["results"] == []


def test_at_most_five_of_a_kind_then_a_link_to_the_list(api_a, tenant_a):
    for n in range(7):
        AccountFactory(tenant=tenant_a, name=f"Globex {n}")
    accounts = api_a.get("/api/v1/search/", {"q": "globex"}).json()["accounts"]
    assert [hit["name"] for hit in accounts["results"]] == [f"Globex {n}" for n in range(5)]
    assert (accounts["more"], accounts["more_url"]) == (True, "/t/alpha/accounts/?search=globex")


def test_another_workspace_is_never_found(api_a, api_b, acme, tenant_b):
    AccountFactory(tenant=tenant_b, name="Acme Bravo")
    names = [hit["name"] for hit in api_b.get("/api/v1/search/", {"q": "acme"}).json()["accounts"]["results"]]
    assert names == ["Acme Bravo"]
    assert [hit["name"] for hit in api_a.get("/api/v1/search/", {"q": "acme"}).json()["accounts"]["results"]] == [
        "Acme Robotics"
    ]


def test_short_and_refused_queries(api_a, acme):
    short = api_a.get("/api/v1/search/", {"q": " a "}).json()
    assert [short[kind]["results"] for kind in ("accounts", "contacts", "plays")] == [[], [], []]
    unknown = api_a.get("/api/v1/search/", {"q": "acme", "kind": "accounts"})
    assert (unknown.status_code, unknown.json()) == (400, {"kind": ["Unknown parameter."]})
    too_long = api_a.get("/api/v1/search/", {"q": "x" * 101})
    assert too_long.status_code == 400 and "q" in too_long.json()
    assert api_a.get("/api/v1/search/").status_code == 400


def test_a_fixed_number_of_queries(api_a, tenant_a, acme):
    def queries():
        api_a.get("/api/v1/search/", {"q": "acme"})  # the key's look-up is cached after a first request
        with CaptureQueriesContext(connection) as captured:
            assert api_a.get("/api/v1/search/", {"q": "acme"}).status_code == 200
        return len(captured)

    few = queries()
    for n in range(30):
        account = AccountFactory(tenant=tenant_a, name=f"Acme {n}")
        ContactFactory(tenant=tenant_a, account=account, last_name=f"Acme {n}")
    assert queries() == few
    with CaptureQueriesContext(connection) as captured:
        api_a.get("/api/v1/search/", {"q": "acme"})
    searches = [
        query["sql"] for query in captured if 'FROM "accounts_' in query["sql"] or 'FROM "plays_' in query["sql"]
    ]
    assert len(searches) == 3  # one per kind


def test_the_header_dropdown(client_for, owner_a, acme, viewer_a):
    page = client_for(viewer_a).get("/t/alpha/accounts/").content.decode()
    assert 'hx-get="/t/alpha/api/search/"' in page and 'id="global-search-results"' in page
    html = client_for(viewer_a).get("/t/alpha/api/search/", {"q": "acme"}, **HTMX).content.decode()
    assert f'<a href="/t/alpha/accounts/{acme.pk}/">Acme Robotics</a>' in html
    assert "<h3>Contacts</h3>" in html and "<h3>Plays</h3>" in html
    nothing = client_for(viewer_a).get("/t/alpha/api/search/", {"q": "zzz"}, **HTMX).content.decode()
    assert "Nothing matches “zzz”." in nothing
