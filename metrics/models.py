from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.models import TenantOwnedModel

START_IN_FUTURE = "The programme start cannot be in the future."


def started_by_today(value) -> None:
    """The programme has started on or before today (the workspace's day): the baseline is the 90 days before."""
    if value is not None and value > workspace_today():
        raise ValidationError(START_IN_FUTURE)


class MetricsSettings(TenantOwnedModel):
    """The workspace's programme settings. One row per workspace at most; without one the defaults apply."""

    programme_start_on = models.DateField(
        null=True,
        blank=True,
        validators=[started_by_today],
        help_text="When the account-based programme started: engagement is compared with the 90 days before it.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "metrics settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="metrics_settings_one_per_tenant")]

    def __str__(self):
        return f"Programme started {self.programme_start_on or 'not set'}"


class DailySnapshot(TenantOwnedModel):
    """The workspace's headline figures of one day, for trends (one row per day, upserted by the daily job).

    A day the job missed is back-filled afterwards (``backfilled``) from what dated rows still tell about it
    (engagement, pipeline, tasks); what only the day itself could measure (coverage, staleness) stays null."""

    day = models.DateField()
    taken_at = models.DateTimeField(help_text="When the figures were last computed.")
    backfilled = models.BooleanField(default=False, help_text="Computed after the day: coverage and staleness null.")
    coverage_checked_at = models.DateTimeField(null=True, blank=True, help_text="The coverage check the day used.")
    accounts_checked = models.PositiveIntegerField(null=True, blank=True)
    accounts_without_gap = models.PositiveIntegerField(null=True, blank=True)
    personas_required = models.PositiveIntegerField(null=True, blank=True)
    personas_covered = models.PositiveIntegerField(null=True, blank=True)
    stale_by_reason = models.JSONField(null=True, blank=True, help_text="Open stale marks per reason.")
    engaged_accounts = models.PositiveIntegerField(
        help_text="Target accounts with an inbound activity or a meaningful outcome in the 30 days up to the day."
    )
    touches = models.PositiveIntegerField(help_text="Outbound activities at target accounts on the day.")
    open_deals = models.PositiveIntegerField(help_text="Deals of target accounts open at the end of the day.")
    open_pipeline = models.DecimalField(max_digits=18, decimal_places=2)
    tasks_done = models.PositiveIntegerField()
    tasks_overdue = models.PositiveIntegerField(help_text="Tasks open at the end of the day and due before it.")

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="daily_snapshot_one_per_day")]

    def __str__(self):
        return f"Snapshot of {self.day}"


class SpendChannel(models.TextChoices):
    ADVERTISING = "advertising", "Advertising"
    EVENTS = "events", "Events"
    CONTENT = "content", "Content"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    DATA_TOOLS = "data_tools", "Data and tools"
    PEOPLE = "people", "People"
    OTHER = "other", "Other"


class SpendEntry(TenantOwnedModel):
    """What the programme spent on one channel over a period: customer acquisition cost (CAC) is read from
    these rows, spread evenly over each entry's days."""

    period_start = models.DateField()
    period_end = models.DateField(help_text="Last day, included.")
    channel = models.CharField(max_length=12, choices=SpendChannel.choices)
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="In the workspace currency.",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-period_start", "channel", "id"]
        verbose_name_plural = "spend entries"
        indexes = [models.Index(fields=["tenant", "period_start", "period_end"], name="spend_tenant_period")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.period_start}–{self.period_end}: {self.amount}"

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": ["The period cannot end before it starts."]})
