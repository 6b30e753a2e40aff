"""Outbound webhooks: a workspace's endpoints, the deliveries of events to them (the outbox) and each attempt."""

import secrets

from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel


class WebhookEvent(models.TextChoices):
    ACCOUNT_TIER_CHANGED = "account.tier_changed", "Account tier changed"
    COVERAGE_GAP_OPENED = "coverage.gap_opened", "Coverage gap opened"
    COVERAGE_GAP_CLOSED = "coverage.gap_closed", "Coverage gap closed"
    CONTACT_WENT_STALE = "contact.went_stale", "Contact went stale"
    TASK_DUE = "task.due", "Task due"
    TASK_COMPLETED = "task.completed", "Task completed"
    PLAY_RUN_FINISHED = "play_run.finished", "Play run finished"
    OPPORTUNITY_STAGE_CHANGED = "opportunity.stage_changed", "Opportunity stage changed"
    HAND_OFF_ACCEPTED = "hand_off.accepted", "Hand-off accepted"
    HAND_OFF_REJECTED = "hand_off.rejected", "Hand-off rejected"


# Sent by the "test" action only; no endpoint subscribes to it.
PING = "ping"


def new_secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


class WebhookEndpoint(TenantOwnedModel):
    """A URL of the workspace that receives the events it subscribes to, signed with its own secret."""

    url = models.URLField(max_length=2000, help_text="http(s) URL the events are POSTed to.")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event types sent to this endpoint.")
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last success; empty while it succeeds."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhook_endpoint_active")]

    def __str__(self):
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed, will retry"
    GIVEN_UP = "given_up", "Given up"


OPEN_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)


class WebhookDelivery(TenantOwnedModel):
    """One event for one endpoint. Written in the transaction of the change it reports (the outbox); sent by a
    task holding ``claim`` and retried by the periodic ``webhooks.send_due`` from ``next_attempt_at``."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(help_text="The event's id: the same for every endpoint and every retry.")
    payload = models.JSONField()
    state = models.CharField(max_length=9, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(
        null=True, blank=True, editable=False, help_text="The token of the one send task allowed to attempt it."
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "endpoint", "event_id"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["tenant", "state", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["tenant", "endpoint", "created_at"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(TenantOwnedModel):
    """One POST of a delivery: its answer or the error, and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField()

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "delivery", "number"], name="webhook_attempt_number"),
        ]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery_id}"
