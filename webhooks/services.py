"""Writes of the webhooks: endpoints, deliveries written with the change they report (the outbox), each attempt
and its retry, and the disabling of an endpoint that keeps failing (docs/api.md "Webhooks", ADR 0030)."""

import hashlib
import hmac
import json
import logging
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from abs_platform.tenancy.context import get_current_tenant
from abs_platform.tenancy.db import is_postgresql, tenant_transaction
from abs_platform.tenancy.models import Membership, Role
from accounts.services import KEEP, given

from . import network
from .models import (
    OPEN_STATES,
    PING,
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    new_secret,
)

logger = logging.getLogger(__name__)

# Retry n (after the n-th failed attempt) waits a random time between 0 and min(30 s × 2^(n-1), 1 h): full jitter.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
MAX_ATTEMPTS = 20
FAILURE_WINDOW = timedelta(hours=24)
# How long a send task holds a delivery: longer than the connect and read timeouts. A task lost with its worker
# leaves the delivery to the periodic send once this has passed.
LEASE = timedelta(minutes=2)
# At most this many deliveries per endpoint are sent by one periodic run (no retry storm after an outage).
ENDPOINT_BATCH = 20
EVENT_NAMESPACE = uuid.UUID("6f1c1f4e-2f59-4d0a-9a57-8f0e3c8b1d20")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-ABS-Signature`` value: ``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def retry_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts."""
    cap = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)
    return timedelta(seconds=random.uniform(0, cap))  # noqa: S311 (jitter, not a secret)


# ---------------------------------------------------------------- endpoints


def _checked_url(url: str) -> str:
    try:
        network.resolve(url)
    except network.RefusedURL as error:
        raise ValidationError({"url": [str(error)]}) from None
    return url


def _events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError({"events": [f"Unknown event types: {', '.join(unknown)}."]})
    if not events:
        raise ValidationError({"events": ["Choose at least one event."]})
    return [event for event in WebhookEvent.values if event in events]


def _save(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.full_clean(exclude=["tenant"])
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_create(*, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """A new endpoint with a new secret (the caller shows it once)."""
    return _save(
        WebhookEndpoint(
            tenant=get_current_tenant(), url=_checked_url(url), events=_events(events), description=description
        )
    )


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str = KEEP,
    events: list[str] = KEEP,
    description: str = KEEP,
    is_active: bool = KEEP,
) -> WebhookEndpoint:
    """Change an endpoint. Switching it on again clears why it was disabled and its failure streak."""
    fields = given(url=url, events=events, description=description, is_active=is_active)
    if "url" in fields and fields["url"] != endpoint.url:
        _checked_url(fields["url"])
    if "events" in fields:
        fields["events"] = _events(fields["events"])
    if fields.get("is_active") and not endpoint.is_active:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    for name, value in fields.items():
        setattr(endpoint, name, value)
    return _save(endpoint)


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; deliveries sent from now on are signed with it."""
    endpoint.secret = new_secret()
    return _save(endpoint)


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


@transaction.atomic
def endpoint_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a ``ping`` event to the endpoint now (whatever it subscribes to)."""
    if not endpoint.is_active:
        raise ValidationError("The endpoint is disabled; switch it on before testing it.")
    event_id = uuid.uuid4()
    payload = _envelope(PING, event_id, {"endpoint": {"id": endpoint.pk, "url": endpoint.url}})
    delivery = WebhookDelivery(endpoint=endpoint, event=PING, event_id=event_id, payload=payload)
    _claim_new([delivery])
    delivery.save()
    _send_on_commit([delivery])
    return delivery


# ---------------------------------------------------------------- deliveries (the outbox)


def _change_id() -> str:
    """What tells this transaction's change from another one with the same values (the tier going back and
    forth): the PostgreSQL transaction id. Elsewhere (SQLite) a new value, so no cross-call de-duplication."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current()")
            return str(cursor.fetchone()[0])
    return uuid.uuid4().hex


def _envelope(event: str, event_id: uuid.UUID, data: dict) -> dict:
    tenant = get_current_tenant()
    return {
        "id": str(event_id),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "workspace": {"id": tenant.pk, "slug": tenant.slug},
        "data": data,
    }


def events_record(event: str, items: Callable[[], list[tuple[str, dict]]]) -> int:
    """Deliveries of ``event`` to every active endpoint of the workspace subscribed to it, in the caller's
    transaction, one per item ``items()`` returns (``(key, data)``: ``key`` names the change, ``data`` is the
    payload's ``data``; only asked for when an endpoint subscribes), sent once the transaction commits. The event
    id comes from the workspace, the event, the key and the transaction: the same change announced twice makes
    one delivery per endpoint. How many deliveries were written."""
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(is_active=True) if event in endpoint.events]
    if not endpoints:
        return 0
    tenant = get_current_tenant()
    change = _change_id()
    deliveries = []
    for key, data in items():
        event_id = uuid.uuid5(EVENT_NAMESPACE, f"{tenant.pk}:{event}:{key}:{change}")
        payload = _envelope(event, event_id, data)
        deliveries += [
            WebhookDelivery(tenant=tenant, endpoint=endpoint, event=event, event_id=event_id, payload=payload)
            for endpoint in endpoints
        ]
    if not deliveries:
        return 0
    _claim_new(deliveries)
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    written = list(WebhookDelivery.objects.filter(claim__in=[d.claim for d in deliveries]).only("pk", "claim"))
    _send_on_commit(written)
    return len(written)


def _claim_new(deliveries: list[WebhookDelivery]) -> None:
    lease_end = timezone.now() + LEASE
    for delivery in deliveries:
        delivery.claim, delivery.next_attempt_at = uuid.uuid4(), lease_end


def _send_on_commit(deliveries: list[WebhookDelivery]) -> None:
    """Queue the send task of each claimed delivery after the commit. A broker that cannot take it is logged, not
    raised: the periodic send picks the delivery up once its lease has passed."""
    tenant_id = get_current_tenant().pk
    claims = [(delivery.pk, str(delivery.claim)) for delivery in deliveries]

    def send():
        from .tasks import deliver

        for pk, claim in claims:
            try:
                deliver.apply_async(args=[tenant_id, pk, claim], retry=False)
            except Exception as error:
                logger.warning("Webhook delivery %s not queued, the periodic send will retry: %s", pk, error)

    if claims:
        transaction.on_commit(send)


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever its state (same event id: receivers can tell it is the same event)."""
    if not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, is_active=True).exists():
        raise ValidationError("The endpoint is disabled; switch it on before redelivering.")
    _claim_new([delivery])
    delivery.state = DeliveryState.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=delivery.state, claim=delivery.claim, next_attempt_at=delivery.next_attempt_at, updated_at=timezone.now()
    )
    _send_on_commit([delivery])
    return delivery


def delivery_attempt(*, delivery_id: int, claim: uuid.UUID) -> WebhookAttempt | None:
    """One attempt of the delivery, by the task holding ``claim`` (any other — a message sent twice, a claim
    taken over — does nothing and gets None). The POST happens outside any transaction; the attempt, the
    delivery's next state and the endpoint's failure streak are recorded after it."""
    tenant = get_current_tenant()
    with tenant_transaction(tenant):
        now = timezone.now()
        claimed = WebhookDelivery.objects.filter(
            pk=delivery_id, claim=claim, state__in=OPEN_STATES, endpoint__is_active=True
        ).update(claim=None, next_attempt_at=now + LEASE, updated_at=now)
        if not claimed:
            return None
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    started = timezone.now()
    answer = _post(delivery)
    finished = timezone.now()
    with tenant_transaction(tenant):
        return _record(delivery, answer, started, finished)


def _post(delivery: WebhookDelivery) -> network.Answer:
    try:
        target = network.resolve(delivery.endpoint.url)
    except network.RefusedURL as error:
        return network.Answer(None, "", f"Refused: {error}"[:300])
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ABS-Webhooks/1",
        "X-ABS-Event": delivery.event,
        "X-ABS-Delivery": str(delivery.pk),
        "X-ABS-Timestamp": str(timestamp),
        "X-ABS-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }
    return network.post(target, body, headers)


def _record(delivery: WebhookDelivery, answer: network.Answer, started: datetime, finished: datetime):
    succeeded = answer.status_code is not None and 200 <= answer.status_code < 300
    number = delivery.attempts + 1
    attempt = WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started,
        finished_at=finished,
        duration_ms=int((finished - started).total_seconds() * 1000),
        status_code=answer.status_code,
        error=answer.error or ("" if succeeded else f"HTTP {answer.status_code}"),
        response_excerpt=answer.excerpt,
        succeeded=succeeded,
    )
    if succeeded:
        state, next_at = DeliveryState.SUCCEEDED, None
    elif number >= MAX_ATTEMPTS:
        state, next_at = DeliveryState.GIVEN_UP, None
    else:
        state, next_at = DeliveryState.FAILED, finished + retry_delay(number)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state,
        attempts=number,
        next_attempt_at=next_at,
        last_status_code=answer.status_code,
        last_error=attempt.error,
        updated_at=finished,
    )
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if succeeded:
        endpoints.exclude(failing_since=None).update(failing_since=None)
    else:
        endpoints.filter(failing_since=None).update(failing_since=started)
        _disable(list(endpoints.filter(is_active=True, failing_since__lte=finished - FAILURE_WINDOW)), finished)
    return attempt


# ---------------------------------------------------------------- the periodic send


def deliveries_send_due(*, now: datetime | None = None) -> int:
    """Disable the endpoints failing for 24 h, then claim and queue the due deliveries (never sent, retries, and
    those whose send task was lost), at most ``ENDPOINT_BATCH`` per endpoint, oldest first. How many were queued."""
    now = now or timezone.now()
    with tenant_transaction(get_current_tenant()):
        _disable(list(WebhookEndpoint.objects.filter(is_active=True, failing_since__lte=now - FAILURE_WINDOW)), now)
        due = list(
            WebhookDelivery.objects.filter(state__in=OPEN_STATES, next_attempt_at__lte=now, endpoint__is_active=True)
            .annotate(
                place=Window(RowNumber(), partition_by=F("endpoint_id"), order_by=[F("next_attempt_at"), F("id")])
            )
            .filter(place__lte=ENDPOINT_BATCH)
            .values_list("pk", flat=True)
        )
        claimed = []
        for pk in due:  # each claim only if still due: a send task may have taken it since
            delivery = WebhookDelivery(pk=pk, claim=uuid.uuid4(), next_attempt_at=now + LEASE)
            if WebhookDelivery.objects.filter(pk=pk, state__in=OPEN_STATES, next_attempt_at__lte=now).update(
                claim=delivery.claim, next_attempt_at=delivery.next_attempt_at, updated_at=now
            ):
                claimed.append(delivery)
        _send_on_commit(claimed)
    return len(claimed)


def _disable(endpoints: list[WebhookEndpoint], now: datetime) -> None:
    """Switch the endpoints off with the reason, give up their open deliveries and tell the workspace's admins
    and owners by e-mail once the transaction commits."""
    if not endpoints:
        return
    for endpoint in endpoints:
        endpoint.is_active, endpoint.disabled_at = False, now
        endpoint.disabled_reason = (
            f"Every delivery failed for 24 hours (since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC)."
        )
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    WebhookDelivery.objects.filter(endpoint__in=endpoints, state__in=OPEN_STATES).update(
        state=DeliveryState.GIVEN_UP, next_attempt_at=None, claim=None, updated_at=now
    )
    tenant = get_current_tenant()
    recipients = sorted(
        email
        for email in Membership.objects.filter(tenant=tenant, role__in=(Role.OWNER, Role.ADMIN)).values_list(
            "user__email", flat=True
        )
        if email
    )
    page = reverse("webhooks:page", args=[tenant.slug])
    lines = [f"- {endpoint.url}: {endpoint.disabled_reason}" for endpoint in endpoints]
    message = (
        f"These webhook endpoints of {tenant.name} were disabled; their pending deliveries were given up:\n\n"
        + "\n".join(lines)
        + f"\n\nFix the receiver, then switch the endpoint on again under Settings → Webhooks ({page})."
    )

    def notify():
        try:
            send_mail(f"[ABS] Webhook endpoint disabled in {tenant.name}", message, None, recipients)
        except Exception as error:
            logger.warning("The notice of disabled webhook endpoints was not sent: %s", error)

    if recipients:
        transaction.on_commit(notify)
