from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel

DEFAULT_REQUIRED_FIELDS = ["industry", "employee_count", "country"]
# The account fields a workspace may require (what ``data_complete`` checks).
REQUIRED_FIELD_CHOICES = [
    "industry",
    "employee_count",
    "country",
    "domain",
    "website",
    "annual_revenue",
    "headquarters",
]


def default_required_fields():
    return list(DEFAULT_REQUIRED_FIELDS)


class GapKind(models.TextChoices):
    DATA = "data", "Account data"
    PERSONAS = "personas", "Personas"
    TEAM = "team", "Team"


class CheckSettings(TenantOwnedModel):
    """The workspace's coverage check settings. One row per workspace at most; without one the defaults apply."""

    required_account_fields = models.JSONField(
        default=default_required_fields, help_text=f"Account fields that must be filled, of {REQUIRED_FIELD_CHOICES}."
    )
    accounts_goal = models.PositiveSmallIntegerField(
        default=100, validators=[MaxValueValidator(100)], help_text="% of target accounts without any gap."
    )
    personas_goal = models.PositiveSmallIntegerField(
        default=75, validators=[MaxValueValidator(100)], help_text="% of required personas covered."
    )
    stale_after_days = models.PositiveSmallIntegerField(
        default=365, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )

    class Meta:
        verbose_name = verbose_name_plural = "check settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="check_settings_one_per_tenant")]

    def __str__(self):
        return f"Goals: accounts {self.accounts_goal} %, personas {self.personas_goal} %"


class TierStaleness(TenantOwnedModel):
    """A shorter contact staleness threshold for one tier's accounts (a longer one than the workspace's does not
    apply: the shorter wins)."""

    tier = models.OneToOneField("icp.Tier", on_delete=models.CASCADE, related_name="staleness")
    stale_after_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3650)])

    class Meta:
        verbose_name_plural = "tier staleness thresholds"

    def __str__(self):
        return f"{self.tier}: stale after {self.stale_after_days} days"


class CoverageResult(TenantOwnedModel):
    """The last coverage check of one target account (upserted by every run)."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="coverage_result")
    checked_at = models.DateTimeField()
    data_complete = models.BooleanField()
    missing_fields = models.JSONField(default=list, blank=True)
    firmographics_verified = models.BooleanField(help_text="Account verified within the last 12 months.")
    personas_required = models.PositiveIntegerField()
    personas_covered = models.PositiveIntegerField()
    team_complete = models.BooleanField()
    missing_roles = models.JSONField(default=list, blank=True)
    gaps = models.JSONField(default=list, blank=True, help_text="Gap kinds: data, personas, team.")

    class Meta:
        ordering = ["account__name", "id"]

    def __str__(self):
        return f"Coverage of {self.account_id}: {', '.join(self.gaps) or 'no gap'}"


class StaleReason(models.TextChoices):
    EXPIRED = "expired", "Not verified within the threshold"
    UNVERIFIED = "unverified", "Never verified"
    BOUNCED = "bounced", "Bounced"
    LEFT_COMPANY = "left_company", "Left the company"
    FIRMOGRAPHICS = "firmographics", "Firmographics not verified within 12 months"


class StaleMark(TenantOwnedModel):
    """A record the decay check found stale: a contact (``contact`` set), or a target account's firmographics
    (``contact`` empty). Open while ``cleared_on`` is empty; kept once cleared, for the decay rate."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="stale_marks")
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="stale_marks"
    )
    reason = models.CharField(max_length=13, choices=StaleReason.choices)
    since = models.DateField(help_text="When the record became stale (its verification expired, or first seen).")
    cleared_on = models.DateField(null=True, blank=True, help_text="When the check found it fresh again.")

    class Meta:
        ordering = ["-since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact"],
                condition=models.Q(cleared_on__isnull=True),
                name="stale_mark_open_contact",
            ),
            models.UniqueConstraint(
                fields=["tenant", "account"],
                condition=models.Q(cleared_on__isnull=True, contact__isnull=True),
                name="stale_mark_open_account",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "since"], name="stale_mark_since")]

    def __str__(self):
        return f"{self.contact_id or self.account_id}: {self.reason}"
