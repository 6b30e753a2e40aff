from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel


class MetricsSettings(TenantOwnedModel):
    """The workspace's programme settings. One row per workspace at most; without one the defaults apply."""

    programme_start_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the account-based programme started: engagement is compared with the 90 days before it.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "metrics settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="metrics_settings_one_per_tenant")]

    def __str__(self):
        return f"Programme started {self.programme_start_on or 'not set'}"


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
