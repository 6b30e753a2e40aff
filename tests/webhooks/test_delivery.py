"""Sending: signed POSTs to a real receiver, retries with backoff and jitter, one attempt in flight, the 24 h
disable with its notice, the SSRF guard at send time, and tenant isolation."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from abs_platform.celery import app
from abs_platform.tenancy.models import Role
from accounts import services as account_services
from tests.conftest import _member, as_tenant
from tests.factories import OpportunityFactory
from webhooks import services
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint

from .conftest import send, send_due, verify

STAGE = "opportunity.stage_changed"


@pytest.fixture
def endpoint(tenant_a, receiver):
    with as_tenant(tenant_a):
        return services.endpoint_create(url=receiver.url, events=[STAGE], description="CRM sync")


@pytest.fixture
def deal(tenant_a):
    return OpportunityFactory(tenant=tenant_a, name="Acme renewal", amount=50000)


def change_stage(tenant, deal, stage) -> WebhookDelivery:
    with as_tenant(tenant):
        account_services.opportunity_update(opportunity=deal, stage=stage)
        return WebhookDelivery.objects.order_by("-id").first()


def attempts_of(tenant, delivery):
    with as_tenant(tenant):
        return list(
            WebhookAttempt.objects.filter(delivery=delivery)
            .order_by("number")
            .values_list("number", "status_code", "error", "succeeded")
        )


def reloaded(tenant, obj):
    with as_tenant(tenant):
        return type(obj).objects.get(pk=obj.pk)


def test_a_delivery_is_signed_and_verifies_in_the_receiver(tenant_a, endpoint, deal, receiver):
    delivery = change_stage(tenant_a, deal, "proposal")
    assert send(tenant_a, delivery.pk) == 1
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert verify(endpoint.secret, headers, body)
    assert not verify("whsec_another", headers, body)
    assert request["path"] == "/hooks?team=ops"
    assert (headers["X-ABS-Event"], headers["X-ABS-Delivery"], headers["Content-Type"]) == (
        STAGE,
        str(delivery.pk),
        "application/json",
    )
    sent = json.loads(body)
    assert sent["id"] == str(delivery.event_id) and sent["type"] == STAGE
    assert sent["workspace"] == {"id": tenant_a.pk, "slug": "alpha"}
    assert sent["data"]["previous_stage"] == "prospecting"
    delivery = reloaded(tenant_a, delivery)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at, delivery.last_status_code) == (
        DeliveryState.SUCCEEDED,
        1,
        None,
        200,
    )
    assert attempts_of(tenant_a, delivery) == [(1, 200, "", True)]
    with as_tenant(tenant_a):
        assert WebhookAttempt.objects.get().response_excerpt == "received"


def test_an_old_timestamp_does_not_verify(tenant_a, endpoint, deal, receiver):
    delivery = change_stage(tenant_a, deal, "proposal")
    send(tenant_a, delivery.pk)
    request = receiver.requests[0]
    old = int(request["headers"]["X-ABS-Timestamp"]) - 301
    headers = {
        "X-ABS-Timestamp": str(old),
        "X-ABS-Signature": services.sign(endpoint.secret, old, request["body"]),
    }
    assert not verify(endpoint.secret, headers, request["body"])


def test_a_500_is_retried_with_backoff_and_jitter_until_it_succeeds(tenant_a, endpoint, deal, receiver):
    receiver.answer((500, 0), (503, 0))
    delivery = change_stage(tenant_a, deal, "proposal")
    for number, window in ((1, 30), (2, 60)):
        assert send(tenant_a, delivery.pk) == number
        delivery = reloaded(tenant_a, delivery)
        with as_tenant(tenant_a):
            attempt = WebhookAttempt.objects.get(delivery=delivery, number=number)
        assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, number)
        assert attempt.finished_at <= delivery.next_attempt_at <= attempt.finished_at + timedelta(seconds=window)
        assert send(tenant_a, delivery.pk) is None  # not due yet, nobody holds it: nothing is sent
        assert send_due(tenant_a, now=delivery.next_attempt_at - timedelta(microseconds=1)) == 0
        assert send_due(tenant_a, now=delivery.next_attempt_at) == 1
    assert send(tenant_a, delivery.pk) == 3
    assert attempts_of(tenant_a, delivery) == [
        (1, 500, "HTTP 500", False),
        (2, 503, "HTTP 503", False),
        (3, 200, "", True),
    ]
    assert len(receiver.requests) == 3
    assert len({request["headers"]["X-ABS-Delivery"] for request in receiver.requests}) == 1
    assert reloaded(tenant_a, delivery).state == DeliveryState.SUCCEEDED
    assert reloaded(tenant_a, endpoint).failing_since is None


def test_a_timeout_is_a_failed_attempt_retried_later(tenant_a, endpoint, deal, receiver, settings):
    settings.WEBHOOKS_READ_TIMEOUT = 0.2
    receiver.answer((200, 1.0))
    delivery = change_stage(tenant_a, deal, "proposal")
    started = timezone.now()
    assert send(tenant_a, delivery.pk) == 1
    assert attempts_of(tenant_a, delivery) == [(1, None, "Timed out.", False)]
    delivery = reloaded(tenant_a, delivery)
    assert delivery.state == DeliveryState.FAILED
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert reloaded(tenant_a, endpoint).failing_since >= started


def test_redirects_are_not_followed(tenant_a, endpoint, deal, receiver):
    receiver.answer((302, 0))
    delivery = change_stage(tenant_a, deal, "proposal")
    send(tenant_a, delivery.pk)
    assert attempts_of(tenant_a, delivery) == [(1, 302, "HTTP 302", False)]
    assert len(receiver.requests) == 1


def test_the_same_change_announced_twice_makes_one_delivery(tenant_a, endpoint, deal):
    with as_tenant(tenant_a):
        account_services.opportunity_update(opportunity=deal, stage="proposal")
        from accounts import events

        events.opportunity_stage_changed.send(type(deal), opportunity=deal, previous_stage="prospecting")
        assert WebhookDelivery.objects.count() == 1
        account_services.opportunity_update(opportunity=deal, stage="negotiation")
        assert WebhookDelivery.objects.count() == 2


def test_a_send_task_run_twice_makes_one_attempt(tenant_a, endpoint, deal, receiver):
    delivery = change_stage(tenant_a, deal, "proposal")
    claim = str(delivery.claim)
    from webhooks.tasks import deliver

    assert deliver.apply(args=[tenant_a.pk, delivery.pk, claim]).get() == 1
    assert deliver.apply(args=[tenant_a.pk, delivery.pk, claim]).get() is None
    assert len(receiver.requests) == 1
    assert attempts_of(tenant_a, delivery) == [(1, 200, "", True)]


def test_no_retry_storm_a_capped_batch_per_endpoint_and_nothing_claimed_twice(tenant_a, endpoint, receiver):
    with as_tenant(tenant_a):
        deals = [OpportunityFactory(tenant=tenant_a) for _ in range(services.ENDPOINT_BATCH + 5)]
        for deal in deals:
            account_services.opportunity_update(opportunity=deal, stage="proposal")
    later = timezone.now() + services.LEASE + timedelta(seconds=1)  # the first sends were lost
    assert send_due(tenant_a, now=later) == services.ENDPOINT_BATCH
    assert send_due(tenant_a, now=later) == 5  # the next run takes the rest
    assert send_due(tenant_a, now=later) == 0  # every one is held by its send task
    # Once their lease has passed without an attempt, the oldest due come first, capped again.
    assert send_due(tenant_a, now=later + services.LEASE) == services.ENDPOINT_BATCH


def test_the_on_commit_send_reaches_the_receiver(
    tenant_a, endpoint, deal, receiver, django_capture_on_commit_callbacks
):
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            change_stage(tenant_a, deal, "proposal")
    finally:
        app.conf.task_always_eager = False
    assert [request["headers"]["X-ABS-Event"] for request in receiver.requests] == [STAGE]


def test_an_endpoint_failing_for_24_hours_is_disabled_and_the_admins_told(
    tenant_a, owner_a, admin_a, member_a, endpoint, deal, receiver, django_capture_on_commit_callbacks
):
    receiver.answer((500, 0))
    first = change_stage(tenant_a, deal, "proposal")
    send(tenant_a, first.pk)
    second = change_stage(tenant_a, deal, "negotiation")
    failing_since = reloaded(tenant_a, endpoint).failing_since
    assert send_due(tenant_a, now=failing_since + timedelta(hours=23, minutes=59)) == 2  # not yet
    assert reloaded(tenant_a, endpoint).is_active
    assert mail.outbox == []
    with as_tenant(tenant_a):
        WebhookDelivery.objects.update(claim=None, next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due(tenant_a, now=failing_since + timedelta(hours=24)) == 0
    endpoint = reloaded(tenant_a, endpoint)
    assert (endpoint.is_active, endpoint.disabled_at) == (False, failing_since + timedelta(hours=24))
    assert endpoint.disabled_reason == (
        f"Every delivery failed for 24 hours (since {failing_since:%Y-%m-%d %H:%M} UTC)."
    )
    assert [reloaded(tenant_a, d).state for d in (first, second)] == [DeliveryState.GIVEN_UP] * 2
    [notice] = mail.outbox
    assert sorted(notice.to) == ["admin_a@example.com", "owner_a@example.com"]
    assert notice.subject == "[ABS] Webhook endpoint disabled in Alpha Corp"
    assert endpoint.url in notice.body and "/t/alpha/settings/webhooks/" in notice.body
    # Re-enabled, it starts afresh.
    with as_tenant(tenant_a):
        endpoint = services.endpoint_update(endpoint=endpoint, is_active=True)
    assert (endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since) == (
        True,
        None,
        "",
        None,
    )


def test_a_success_resets_the_failure_streak(tenant_a, endpoint, deal, receiver):
    receiver.answer((500, 0))
    delivery = change_stage(tenant_a, deal, "proposal")
    send(tenant_a, delivery.pk)
    assert reloaded(tenant_a, endpoint).failing_since is not None
    with as_tenant(tenant_a):
        services.delivery_redeliver(delivery=reloaded(tenant_a, delivery))
    assert send(tenant_a, delivery.pk) == 2
    assert reloaded(tenant_a, endpoint).failing_since is None


def test_the_address_is_checked_again_at_send_time(tenant_a, endpoint, deal, receiver, settings):
    delivery = change_stage(tenant_a, deal, "proposal")
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    assert send(tenant_a, delivery.pk) == 1
    assert receiver.requests == []
    [(number, status, error, succeeded)] = attempts_of(tenant_a, delivery)
    assert (number, status, succeeded) == (1, None, False)
    assert error.startswith("Refused: “127.0.0.1” resolves to 127.0.0.1, a private, loopback")
    settings.WEBHOOKS_ALLOWED_HOSTS = ["127.0.0.0/8"]
    with as_tenant(tenant_a):
        services.delivery_redeliver(delivery=reloaded(tenant_a, delivery))
    assert send(tenant_a, delivery.pk) == 2
    assert len(receiver.requests) == 1


def test_another_workspace_never_receives(tenant_a, tenant_b, endpoint, deal, receiver):
    with as_tenant(tenant_b):
        other = services.endpoint_create(url=receiver.url, events=[STAGE])
    _member(tenant_b, Role.ADMIN, "admin_b")
    delivery = change_stage(tenant_a, deal, "proposal")
    with as_tenant(tenant_b):
        assert WebhookDelivery.objects.count() == 0
        assert WebhookDelivery.all_tenants.filter(endpoint=other).count() == 0
    send(tenant_a, delivery.pk)
    assert [request["headers"]["X-ABS-Delivery"] for request in receiver.requests] == [str(delivery.pk)]
    with as_tenant(tenant_a):
        assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [endpoint.pk]
    with as_tenant(tenant_b):
        assert send_due(tenant_b, now=timezone.now() + timedelta(hours=1)) == 0


def test_an_unsubscribed_or_inactive_endpoint_gets_nothing(tenant_a, receiver, deal):
    with as_tenant(tenant_a):
        services.endpoint_create(url=receiver.url, events=["task.completed"])
        paused = services.endpoint_create(url=receiver.url, events=[STAGE])
        services.endpoint_update(endpoint=paused, is_active=False)
        account_services.opportunity_update(opportunity=deal, stage="proposal")
        assert WebhookDelivery.objects.count() == 0
        assert WebhookEndpoint.objects.count() == 2
