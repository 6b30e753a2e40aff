"""The webhooks API and the settings page: admins and owners manage endpoints, the secret is answered once, the
SSRF guard answers 400 naming `url`, deliveries list with their attempts and filters, test and redeliver."""

import pytest

from accounts import services as account_services
from tests.conftest import as_tenant, make_api_client
from tests.factories import OpportunityFactory
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

from .conftest import send, verify

HTMX = {"HTTP_HX_REQUEST": "true"}
PUBLIC = "https://93.184.215.14/hooks"


def create(api, url=PUBLIC, events=("task.completed",), **fields):
    return api.post("/api/v1/webhooks/", {"url": url, "events": list(events), **fields}, format="json")


def test_create_answers_the_secret_once(api_a, tenant_a):
    response = create(api_a, description="CRM")
    assert response.status_code == 201
    body = response.json()
    with as_tenant(tenant_a):
        endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret and body["secret"].startswith("whsec_")
    assert {key: body[key] for key in ("url", "description", "events", "is_active", "last_delivery_state")} == {
        "url": PUBLIC,
        "description": "CRM",
        "events": ["task.completed"],
        "is_active": True,
        "last_delivery_state": None,
    }
    assert "secret" not in api_a.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert "secret" not in api_a.get("/api/v1/webhooks/").json()["results"][0]
    rotated = api_a.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/").json()
    with as_tenant(tenant_a):
        endpoint.refresh_from_db()
    assert rotated["secret"] == endpoint.secret != body["secret"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://localhost:8000/hooks",
        "http://0.0.0.0/hooks",
        "http://224.0.0.1/hooks",
    ],
)
def test_private_and_loopback_targets_are_refused(api_a, tenant_a, url):
    response = create(api_a, url=url)
    assert response.status_code == 400
    [message] = response.json()["url"]
    assert "webhooks go to public addresses only" in message
    with as_tenant(tenant_a):
        assert WebhookEndpoint.objects.count() == 0


def test_other_schemes_are_refused(api_a):
    response = create(api_a, url="ftp://93.184.215.14/hooks")
    assert response.status_code == 400
    assert "url" in response.json()


def test_a_refused_url_on_update_and_the_allow_list(api_a, tenant_a, settings):
    endpoint_id = create(api_a).json()["id"]
    response = api_a.patch(f"/api/v1/webhooks/{endpoint_id}/", {"url": "http://10.0.0.5/x"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["url"]
    settings.WEBHOOKS_ALLOWED_HOSTS = ["10.0.0.0/24"]
    response = api_a.patch(f"/api/v1/webhooks/{endpoint_id}/", {"url": "http://10.0.0.5/x"}, format="json")
    assert response.status_code == 200 and response.json()["url"] == "http://10.0.0.5/x"


def test_unknown_and_empty_events_are_refused(api_a):
    assert create(api_a, events=["account.deleted"]).status_code == 400
    assert list(create(api_a, events=[]).json()) == ["events"]


def test_only_admins_and_owners(client_for, tenant_a, member_a, admin_a, owner_a):
    assert client_for(member_a).get("/t/alpha/api/webhooks/").status_code == 403
    assert client_for(member_a).get("/t/alpha/settings/webhooks/").status_code == 403
    assert client_for(admin_a).get("/t/alpha/api/webhooks/").status_code == 200
    member_key = make_api_client(tenant_a, created_by=member_a)
    assert create(member_key).status_code == 403


def test_deliveries_with_attempts_filters_and_redeliver(api_a, tenant_a, receiver):
    endpoint_id = create(api_a, url=receiver.url, events=["opportunity.stage_changed"]).json()["id"]
    deal = OpportunityFactory(tenant=tenant_a)
    receiver.answer((500, 0))
    with as_tenant(tenant_a):
        account_services.opportunity_update(opportunity=deal, stage="proposal")
        delivery = WebhookDelivery.objects.get()
    send(tenant_a, delivery.pk)
    listed = api_a.get(f"/api/v1/webhook-deliveries/?endpoint={endpoint_id}&state=failed").json()
    [row] = listed["results"]
    assert (row["id"], row["event"], row["state"], row["attempts"], row["last_status_code"]) == (
        delivery.pk,
        "opportunity.stage_changed",
        "failed",
        1,
        500,
    )
    assert [(a["number"], a["status_code"], a["response_excerpt"]) for a in row["attempt_log"]] == [
        (1, 500, "receiver error")
    ]
    assert api_a.get("/api/v1/webhook-deliveries/?state=succeeded").json()["results"] == []
    assert api_a.get("/api/v1/webhook-deliveries/?event=task.due").json()["results"] == []
    assert api_a.get("/api/v1/webhook-deliveries/?state=lost").status_code == 400
    assert api_a.get("/api/v1/webhooks/").json()["results"][0]["last_delivery_state"] == "failed"
    response = api_a.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/")
    assert (response.status_code, response.json()["state"]) == (202, "pending")
    send(tenant_a, delivery.pk)
    assert api_a.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()["state"] == DeliveryState.SUCCEEDED
    assert api_a.post("/api/v1/webhook-deliveries/", {}, format="json").status_code == 405


def test_the_test_action_sends_a_signed_ping(api_a, tenant_a, receiver):
    created = create(api_a, url=receiver.url).json()
    response = api_a.post(f"/api/v1/webhooks/{created['id']}/test/")
    assert response.status_code == 202
    assert response.json()["event"] == "ping"
    send(tenant_a, response.json()["id"])
    [request] = receiver.requests
    assert request["headers"]["X-ABS-Event"] == "ping"
    assert verify(created["secret"], request["headers"], request["body"])


def test_a_disabled_endpoint_is_shown_and_re_enabled_on_the_page(client_for, tenant_a, admin_a):
    with as_tenant(tenant_a):
        endpoint = WebhookEndpoint.objects.create(
            url=PUBLIC, events=["task.due"], is_active=False, disabled_reason="Every delivery failed for 24 hours."
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(disabled_at=endpoint.created_at)
    client = client_for(admin_a)
    page = client.get("/t/alpha/settings/webhooks/").content.decode()
    assert 'hx-get="/t/alpha/api/webhooks/"' in page
    assert 'href="/t/alpha/settings/webhooks/" aria-current="page">Webhooks</a>' in page
    listed = client.get("/t/alpha/api/webhooks/", **HTMX).content.decode()
    assert '<strong class="error">disabled</strong> Every delivery failed for 24 hours.' in listed
    assert f'hx-patch="/t/alpha/api/webhooks/{endpoint.pk}/"' in listed and "Re-enable" in listed
    row = client.patch(
        f"/t/alpha/api/webhooks/{endpoint.pk}/",
        "is_active=true",
        content_type="application/x-www-form-urlencoded",
        **HTMX,
    ).content.decode()
    assert "Re-enable" not in row and "Send test" in row


def test_the_add_form_shows_errors_beside_the_fields_and_the_secret_once(client_for, tenant_a, admin_a):
    client = client_for(admin_a)
    form = client.get("/t/alpha/api/webhooks/new/", **HTMX).content.decode()
    assert 'name="url"' in form and 'value="contact.went_stale"' in form
    refused = client.post("/t/alpha/api/webhooks/", {"url": "http://127.0.0.1/", "events": ["task.due"]}, **HTMX)
    assert refused.status_code == 400
    assert "webhooks go to public addresses only" in refused.content.decode()
    created = client.post("/t/alpha/api/webhooks/", {"url": PUBLIC, "events": ["task.due"]}, **HTMX)
    assert created.status_code == 201
    with as_tenant(tenant_a):
        secret = WebhookEndpoint.objects.get().secret
    assert f'<pre class="secret" id="webhook-secret">{secret}</pre>' in created.content.decode()
    assert secret not in client.get("/t/alpha/api/webhooks/", **HTMX).content.decode()
