"""The playbook's lists (templates, steps, runs, trigger rules, offers) show their total and pages by number."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from plays.models import PlayRun, TriggerRule
from tests.conftest import as_tenant
from tests.factories import AccountFactory
from tests.web.test_list_pages import page_links, pager

from .factories import OfferFactory, PlayStepFactory, PlayTemplateFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(number) for number in re.findall(rf'<(?:tr|li) id="{prefix}-(\d+)"', html)]


def pages(client, url: str, prefix: str) -> tuple[str, list[int], str, list[int]]:
    """The first page's pager and rows, then page 2's, followed by its number."""
    first = client.get(url, **HTMX).content.decode()
    second = client.get(page_links(first)["2"], **HTMX).content.decode()
    return pager(first), row_ids(first, prefix), pager(second), row_ids(second, prefix)


def test_the_playbook_pages_its_templates_by_number(client_for, member_a, tenant_a):
    templates = [PlayTemplateFactory(tenant=tenant_a, name=f"Play {number:02}") for number in range(31)]
    ids = [template.pk for template in templates]
    html = client_for(member_a).get("/t/alpha/plays/").content.decode()
    assert 'id="template-list" hx-get="/t/alpha/api/play-templates/"' in html

    assert pages(client_for(member_a), "/t/alpha/api/play-templates/", "template-row") == (
        "1–25 of 31 1 2 Next →",
        ids[:25],
        "26–31 of 31 ← Previous 1 2",
        ids[25:],
    )


def test_a_templates_steps_page_by_number_in_position_order(client_for, member_a, tenant_a):
    template = PlayTemplateFactory(tenant=tenant_a)
    steps = [PlayStepFactory(tenant=tenant_a, template=template, position=number) for number in range(1, 28)]
    other = PlayStepFactory(tenant=tenant_a, position=1)
    client = client_for(member_a)
    detail = client.get(f"/t/alpha/api/play-templates/{template.pk}/", **HTMX).content.decode()
    assert f'hx-get="/t/alpha/api/play-steps/?template={template.pk}"' in detail

    first, first_rows, second, second_rows = pages(
        client, f"/t/alpha/api/play-steps/?template={template.pk}", "step-row"
    )
    assert (first, second) == ("1–25 of 27 1 2 Next →", "26–27 of 27 ← Previous 1 2")
    assert first_rows + second_rows == [step.pk for step in steps]
    assert other.pk not in first_rows + second_rows


def test_runs_in_flight_page_by_number_and_keep_the_state_filter(client_for, member_a, tenant_a):
    template = PlayTemplateFactory(tenant=tenant_a)
    start = timezone.now()
    with as_tenant(tenant_a):
        runs = [
            PlayRun.objects.create(
                template=template,
                template_version=1,
                account=AccountFactory(tenant=tenant_a),
                state="running",
                started_at=start - timedelta(hours=number),
            )
            for number in range(26)
        ]
        PlayRun.objects.create(
            template=template,
            template_version=1,
            account=AccountFactory(tenant=tenant_a),
            state="completed",
            started_at=start,
        )
    client = client_for(member_a)
    url = "/t/alpha/api/play-runs/?state=running&state=paused"
    first = client.get(url, **HTMX).content.decode()
    assert 'hx-target="closest div"' in first.split('<nav class="pager"')[1]
    assert pages(client, url, "run-row") == (
        "1–25 of 26 1 2 Next →",
        [run.pk for run in runs[:25]],
        "26–26 of 26 ← Previous 1 2",
        [runs[25].pk],
    )


def test_trigger_rules_page_by_number(client_for, member_a, tenant_a):
    with as_tenant(tenant_a):
        rules = [
            TriggerRule.objects.create(signal_type="funding", template=PlayTemplateFactory(tenant=tenant_a))
            for _ in range(30)
        ]
    assert pages(client_for(member_a), "/t/alpha/api/trigger-rules/", "trigger-row") == (
        "1–25 of 30 1 2 Next →",
        [rule.pk for rule in rules[:25]],
        "26–30 of 30 ← Previous 1 2",
        [rule.pk for rule in rules[25:]],
    )


def test_offers_page_by_number_and_keep_their_search(client_for, member_a, tenant_a):
    offers = [OfferFactory(tenant=tenant_a, name=f"Report {number:02}") for number in range(28)]
    OfferFactory(tenant=tenant_a, name="Webinar")
    client = client_for(member_a)
    first = client.get("/t/alpha/api/offers/?search=Report", **HTMX).content.decode()
    assert "search=Report" in page_links(first)["2"]
    assert pages(client, "/t/alpha/api/offers/?search=Report", "offer-row") == (
        "1–25 of 28 1 2 Next →",
        [offer.pk for offer in offers[:25]],
        "26–28 of 28 ← Previous 1 2",
        [offer.pk for offer in offers[25:]],
    )


def test_an_empty_playbook_keeps_its_empty_state_without_a_count(client_for, member_a, tenant_a):
    html = client_for(member_a).get("/t/alpha/api/play-templates/", **HTMX).content.decode()
    assert "Create your first play template." in html
    assert pager(html) == ""
