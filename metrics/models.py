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
