"""The account page's open tasks show their total and page numbers, ten at a time."""

import re
from datetime import date, timedelta

import pytest

from tests.factories import AccountFactory
from tests.tasks.factories import TaskFactory
from tests.web.test_list_pages import page_links, pager

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_open_tasks_by_page_of_ten(client_for, tenant_a, member_a):
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    tasks = [
        TaskFactory(tenant=tenant_a, account=acme, title=f"Call {n}", due_on=date(2026, 3, 1) + timedelta(days=n))
        for n in range(12)
    ]
    client = client_for(member_a)
    first = client.get(f"/t/alpha/api/tasks/?account={acme.pk}&state=open&page_size=10", **HTMX).content.decode()
    assert pager(first) == "1–10 of 12 1 2 Later →"
    assert 'hx-target="closest .task-section" aria-label="Page 2"' in first

    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    assert pager(second) == "11–12 of 12 ← Earlier 1 2"
    assert [int(pk) for pk in re.findall(r'<li id="task-row-(\d+)"', second)] == [tasks[10].pk, tasks[11].pk]
    assert "state=open" in page_links(second)["1"]
