from datetime import date, timedelta

import pytest

from accounts import services as account_services
from plays.models import PlayRun, TriggerFiring, TriggerRule
from tasks.models import Task, TaskSource
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

# Rules act on recent signals only (max_signal_age_days, 30 by default).
RECENT = date.today() - timedelta(days=2)


def funding(account, title="Series B: $40M"):
    return account_services.signal_create(account=account, signal_type="funding", occurred_on=RECENT, title=title)


def test_a_suggesting_rule_gives_the_ae_a_task_once_per_signal(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"])
        signal = funding(sales["acme"])
        account_services.signal_update(signal=signal, title="Series B: $45M")
        account_services.signal_create(
            account=sales["acme"], signal_type="leadership_hire", occurred_on=RECENT, title="New CFO"
        )
        assert list(Task.objects.values_list("title", "assignee__username", "source", "instructions")) == [
            (
                "Consider play Land: Series B: $40M",
                "member_a",
                TaskSource.TRIGGER,
                f"Funding on {RECENT:%Y-%m-%d}: Series B: $40M. "
                "Launch it from the account page (section “Plays”) if it fits.",
            )
        ]
        assert PlayRun.objects.count() == 0


def test_a_launching_rule_launches_and_falls_back_to_a_suggestion_when_it_cannot(tenant_a, sales):
    with as_tenant(tenant_a, sales["ae"]):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"], action="launch")
        signal = funding(sales["acme"])
        run = PlayRun.objects.get()
        assert (run.account, run.signal, run.run_tasks.count()) == (sales["acme"], signal, 4)
        funding(sales["acme"], title="Series C")
        suggestion = Task.objects.get(source=TaskSource.TRIGGER)
        assert suggestion.title == "Consider play Land: Series C"
        assert "The play was not launched: “Land” is already running on Acme." in suggestion.instructions
        assert TriggerFiring.objects.count() == 2


def test_signals_on_accounts_outside_the_programme_set_off_nothing(tenant_a, sales):
    other = AccountFactory(tenant=tenant_a, name="Not a target", is_target=False)
    with as_tenant(tenant_a, sales["ae"]):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"], action="launch")
        funding(other)
        assert (PlayRun.objects.count(), Task.objects.count()) == (0, 0)


def test_rules_are_written_by_admins(client_for, sales, admin_a):
    body = {"signal_type": "funding", "template": sales["template"].pk, "action": "launch"}
    assert (
        client_for(sales["ae"]).post("/t/alpha/api/trigger-rules/", body, content_type="application/json").status_code
        == 403
    )
    client = client_for(admin_a)
    assert client.post("/t/alpha/api/trigger-rules/", body, content_type="application/json").status_code == 201
    again = client.post("/t/alpha/api/trigger-rules/", body, content_type="application/json")
    assert again.json() == {"non_field_errors": ["A rule for this signal type and play already exists."]}


def test_a_rule_ignores_signals_older_than_its_age_limit(tenant_a, sales):
    today = date.today()
    with as_tenant(tenant_a, sales["ae"]):
        TriggerRule.objects.create(signal_type="funding", template=sales["template"], max_signal_age_days=10)
        for days_old, title in ((11, "Last year's round"), (10, "Round ten days ago"), (0, "Round today")):
            account_services.signal_create(
                account=sales["acme"],
                signal_type="funding",
                occurred_on=today - timedelta(days=days_old),
                title=title,
            )
        assert sorted(Task.objects.values_list("title", flat=True)) == [
            "Consider play Land: Round ten days ago",
            "Consider play Land: Round today",
        ]
        assert TriggerFiring.objects.count() == 2


def test_the_age_limit_is_30_days_by_default_and_validated(client_for, sales, admin_a):
    client = client_for(admin_a)
    body = {"signal_type": "funding", "template": sales["template"].pk}
    created = client.post("/t/alpha/api/trigger-rules/", body, content_type="application/json")
    assert (created.status_code, created.json()["max_signal_age_days"]) == (201, 30)
    for value, error in (
        (0, "Ensure this value is greater than or equal to 1."),
        (366, "Ensure this value is less than or equal to 365."),
    ):
        response = client.post(
            "/t/alpha/api/trigger-rules/",
            body | {"signal_type": "leadership_hire", "max_signal_age_days": value},
            content_type="application/json",
        )
        assert (response.status_code, response.json()) == (400, {"max_signal_age_days": [error]})
