"""The webhook settings page lists its endpoints 25 a page, with their total and page numbers."""

import re

import pytest

from tests.conftest import as_tenant
from tests.web.test_list_pages import page_links, pager
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_endpoints(tenant, count) -> list[int]:
    """Ids newest first, as the list shows them."""
    ids = []
    for number in range(count):
        with as_tenant(tenant):
            ids.append(WebhookEndpoint.objects.create(url=f"https://93.184.215.14/hooks/{number}", events=["ping"]).pk)
    return ids[::-1]


def row_ids(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr id="endpoint-row-(\d+)"', html)]


def test_endpoints_page_by_number(client_for, admin_a, tenant_a):
    ids = make_endpoints(tenant_a, 27)
    client = client_for(admin_a)
    assert (
        'id="endpoint-list" hx-get="/t/alpha/api/webhooks/"'
        in client.get("/t/alpha/settings/webhooks/").content.decode()
    )

    first = client.get("/t/alpha/api/webhooks/", **HTMX).content.decode()
    assert pager(first) == "1–25 of 27 1 2 Next →"
    assert row_ids(first) == ids[:25]
    assert 'hx-target="#endpoint-list"' in first.split('<nav class="pager"')[1]

    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "26–27 of 27 ← Previous 1 2"
    assert row_ids(second) == ids[25:]


def test_no_endpoint_keeps_the_empty_state_without_a_count(client_for, admin_a, tenant_a):
    html = client_for(admin_a).get("/t/alpha/api/webhooks/", **HTMX).content.decode()
    assert "No endpoints yet." in html
    assert pager(html) == ""
