import pytest

from plays.models import PlayRun
from tasks.models import Task, TaskState
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory

from .conftest import queries

pytestmark = pytest.mark.django_db


def launch(client, template, *accounts, query=""):
    body = {"template": template.pk, "accounts": [account.pk for account in accounts]}
    return client.post(f"/t/alpha/api/play-runs/{query}", body, content_type="application/json")


def test_launch_answers_the_runs_and_the_second_is_refused(client_for, sales):
    client = client_for(sales["ae"])
    response = launch(client, sales["template"], sales["acme"])
    assert response.status_code == 201, response.json()
    (run,) = response.json()
    assert (run["template_name"], run["account_name"], run["state"], run["tasks_done"], run["tasks_total"]) == (
        "Land",
        "Acme",
        "running",
        0,
        4,
    )
    again = launch(client, sales["template"], sales["acme"], query="?proceed=true")
    assert again.status_code == 409
    assert again.json()["problems"] == [
        {
            "account": sales["acme"].pk,
            "account_name": "Acme",
            "kind": "already_running",
            "blocking": True,
            "message": "“Land” is already running on Acme.",
        }
    ]


def test_problems_answer_409_until_proceed(client_for, sales, tenant_a):
    lonely = AccountFactory(tenant=tenant_a, name="Lonely")
    ContactFactory(tenant=tenant_a, account=lonely, first_name="Lo", buying_role="champion")
    client = client_for(sales["ae"])
    refused = launch(client, sales["template"], lonely)
    assert refused.status_code == 409
    assert [problem["kind"] for problem in refused.json()["problems"]] == ["missing_role", "missing_role"]
    assert refused.json()["detail"].endswith("Send ?proceed=true to launch anyway.")
    with as_tenant(tenant_a):
        assert PlayRun.objects.count() == 0
    assert launch(client, sales["template"], lonely, query="?proceed=true").status_code == 201
    with as_tenant(tenant_a):
        assert set(Task.objects.values_list("assignee", flat=True)) == {None}


def test_preview_shows_the_plan_and_launches_nothing(client_for, sales, tenant_a):
    client = client_for(sales["ae"])
    response = client.post(
        "/t/alpha/api/play-runs/preview/",
        {"template": sales["template"].pk, "accounts": [sales["acme"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 200
    plan = response.json()
    assert (plan["needs_confirmation"], plan["blocked"], plan["problems"], plan["conflicts"]) == (False, False, [], [])
    assert [(task["title"], task["contact_name"], task["assignee_name"]) for task in plan["tasks"]] == [
        ("Intro e-mail", "Carla Diaz", "Ann Lee"),
        ("Intro e-mail", "Dan Ek", "Ann Lee"),
        ("Call", "Carla Diaz", "Sid Roe"),
        ("Call", "Dan Ek", "Sid Roe"),
    ]
    with as_tenant(tenant_a):
        assert PlayRun.objects.count() == 0
    page = client.post(
        "/t/alpha/api/play-runs/preview/",
        {"template": sales["template"].pk, "accounts": [sales["acme"].pk]},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Hi Carla, Ann Lee here about Acme." in page
    assert '<button class="primary" type="submit">Launch</button>' in page


def test_pause_resume_cancel_through_the_api(client_for, sales, tenant_a):
    client = client_for(sales["ae"])
    run_id = launch(client, sales["template"], sales["acme"]).json()[0]["id"]
    paused = client.post(f"/t/alpha/api/play-runs/{run_id}/pause/").json()
    assert (paused["state"], paused["tasks_open"], paused["tasks_total"]) == ("paused", 0, 4)
    assert client.post(f"/t/alpha/api/play-runs/{run_id}/pause/").json() == {"state": ["This run is paused."]}
    assert client.post(f"/t/alpha/api/play-runs/{run_id}/resume/").json()["tasks_open"] == 4
    cancelled = client.post(f"/t/alpha/api/play-runs/{run_id}/cancel/").json()
    assert cancelled["state"] == "cancelled"
    with as_tenant(tenant_a):
        assert set(Task.objects.values_list("state", flat=True)) == {TaskState.CANCELLED}


def test_viewers_read_but_do_not_launch(client_for, sales, viewer_a):
    client = client_for(viewer_a)
    assert launch(client, sales["template"], sales["acme"]).status_code == 403
    assert client.get("/t/alpha/api/play-runs/").status_code == 200


def test_run_page_and_list_keep_their_query_count(client_for, sales, tenant_a):
    client = client_for(sales["ae"])
    run_id = launch(client, sales["template"], sales["acme"]).json()[0]["id"]
    detail = client.get(f"/t/alpha/api/play-runs/{run_id}/", HTTP_HX_REQUEST="true")
    assert "0 of 4 done" in detail.content.decode()
    few = queries(client, f"/t/alpha/api/play-runs/{run_id}/")
    few_runs = queries(client, "/t/alpha/api/play-runs/")
    more = [AccountFactory(tenant=tenant_a, name=f"More {n}") for n in range(5)]
    for account in more:
        ContactFactory(tenant=tenant_a, account=account, buying_role="champion")
    with as_tenant(tenant_a):
        team = sales["acme"].team_links.get().team
        for account in more:
            team.account_links.create(account=account)
    many = launch(client, sales["template"], *more).json()
    assert len(many) == 5
    with as_tenant(tenant_a):
        big = PlayRun.objects.get(account=more[0])
    for contact_number in range(6):
        ContactFactory(tenant=tenant_a, account=more[0], buying_role="champion", first_name=f"C{contact_number}")
    assert queries(client, f"/t/alpha/api/play-runs/{big.pk}/") == few == 2
    assert queries(client, "/t/alpha/api/play-runs/") == few_runs == 1
    page = client.get(f"/t/alpha/plays/runs/{run_id}/")
    assert page.status_code == 200 and "Land on Acme" in page.content.decode()
