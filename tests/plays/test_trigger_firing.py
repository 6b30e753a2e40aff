"""Trigger rules fire on new signals from every path that writes one (the API, the admin), once per signal and
rule, and only for active rules of the signal's type in the signal's workspace."""

from datetime import date, timedelta

import pytest

from accounts import services as account_services
from plays.models import TriggerFiring, TriggerRule
from tasks.models import Task, TaskSource
from tests.conftest import as_tenant
from tests.factories import AccountFactory, SignalFactory
from tests.plays.factories import PlayTemplateFactory

pytestmark = pytest.mark.django_db

RECENT = date.today() - timedelta(days=2)


def suggestions(tenant):
    with as_tenant(tenant):
        return list(Task.objects.filter(source=TaskSource.TRIGGER).order_by("id").values_list("title", flat=True))


def signal_body(account, **fields):
    return {
        "account": account.pk,
        "signal_type": "funding",
        "occurred_on": RECENT.isoformat(),
        "title": "Series B",
    } | fields


def test_a_signal_posted_through_the_api_fires_each_matching_rule_once(api_a, tenant_a, sales):
    expand = PlayTemplateFactory(tenant=tenant_a, name="Expand")
    with as_tenant(tenant_a):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"])
        TriggerRule.objects.create(signal_type="funding", template=expand)
        TriggerRule.objects.create(signal_type="funding", template=PlayTemplateFactory(tenant=tenant_a), active=False)
        TriggerRule.objects.create(signal_type="leadership_hire", template=sales["template"])
    response = api_a.post("/api/v1/signals/", signal_body(sales["acme"]), format="json")
    assert response.status_code == 201, response.json()
    assert suggestions(tenant_a) == ["Consider play Land: Series B", "Consider play Expand: Series B"]

    signal_url = f"/api/v1/signals/{response.json()['id']}/"
    assert api_a.patch(signal_url, {"title": "Series B: $40M"}, format="json").status_code == 200
    assert api_a.patch(signal_url, {"signal_type": "funding"}, format="json").status_code == 200
    assert len(suggestions(tenant_a)) == 2
    with as_tenant(tenant_a):
        assert TriggerFiring.objects.count() == 2


def test_a_signal_retyped_to_a_rules_type_fires_it(api_a, tenant_a, sales):
    with as_tenant(tenant_a):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"])
    body = signal_body(sales["acme"], signal_type="other", title="Raised money")
    signal_id = api_a.post("/api/v1/signals/", body, format="json").json()["id"]
    assert suggestions(tenant_a) == []
    assert api_a.patch(f"/api/v1/signals/{signal_id}/", {"signal_type": "funding"}, format="json").status_code == 200
    assert suggestions(tenant_a) == ["Consider play Land: Raised money"]


def test_editing_a_signal_older_than_the_rule_sets_off_nothing(tenant_a, sales):
    """Regression: any edit of a signal used to fire the rules created after it (a typo fixed in a year-old
    funding round suggested the play)."""
    old = SignalFactory(tenant=tenant_a, account=sales["acme"], signal_type="funding", occurred_on=date(2025, 3, 2))
    with as_tenant(tenant_a, sales["ae"]):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"])
        account_services.signal_update(signal=old, title="Series A (corrected)", notes="typo")
    assert suggestions(tenant_a) == []


def test_a_signal_added_in_the_admin_fires_the_rule_once(client_for, tenant_a, admin_a, sales):
    admin_a.is_staff = True
    admin_a.save()
    with as_tenant(tenant_a):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"])
    client = client_for(admin_a)
    form = {
        "tenant": tenant_a.pk,
        "account": sales["acme"].pk,
        "signal_type": "funding",
        "occurred_on": RECENT.isoformat(),
        "title": "Series B",
    }
    assert client.post("/admin/accounts/signal/add/", form).status_code == 302
    assert suggestions(tenant_a) == ["Consider play Land: Series B"]
    with as_tenant(tenant_a):
        signal_id = TriggerFiring.objects.get().signal_id
    form["title"] = "Series B: $40M"
    assert client.post(f"/admin/accounts/signal/{signal_id}/change/", form).status_code == 302
    assert suggestions(tenant_a) == ["Consider play Land: Series B"]


def test_rules_of_another_workspace_do_not_fire(api_a, tenant_a, tenant_b, sales):
    theirs = PlayTemplateFactory(tenant=tenant_b, name="Theirs")
    with as_tenant(tenant_b):
        TriggerRule.objects.create(signal_type="funding", template=theirs)
    other = AccountFactory(tenant=tenant_a, name="Other target")
    assert api_a.post("/api/v1/signals/", signal_body(other), format="json").status_code == 201
    assert suggestions(tenant_a) == suggestions(tenant_b) == []
