from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from abs_platform.tenancy.models import TenantOwnedModel

# Months between two reviews of an account of a tier, when the workspace has not set its own: by tier rank
# (Tier 1 monthly, Tier 2 quarterly); other ranks are not reviewed.
DEFAULT_REVIEW_MONTHS = {1: 1, 2: 3}


class AccountPlan(TenantOwnedModel):
    """The plan for one account: what the account wants, what we know, how we will win it."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="plan")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    business_objectives = models.TextField(blank=True, help_text="What the account wants to achieve.")
    challenges = models.TextField(blank=True, help_text="What stands in its way.")
    research_markets = models.TextField(blank=True, verbose_name="research: markets")
    research_company = models.TextField(blank=True, verbose_name="research: company")
    research_contacts = models.TextField(blank=True, verbose_name="research: contacts")
    strategy = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    chosen_plays = models.ManyToManyField(
        "plays.PlayTemplate", through="AccountPlanPlay", blank=True, related_name="account_plans"
    )

    def __str__(self):
        return f"Plan for {self.account}"


class AccountPlanPlay(TenantOwnedModel):
    """A play of the playbook chosen in an account plan (a row per choice: its history is the audit trail)."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="play_links")
    template = models.ForeignKey("plays.PlayTemplate", on_delete=models.CASCADE, related_name="plan_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "plan", "template"], name="plan_play_unique")]

    def __str__(self):
        return f"{self.plan}: {self.template}"


class ReviewCadence(TenantOwnedModel):
    """The workspace's review cadence for one tier (without a row: ``DEFAULT_REVIEW_MONTHS``)."""

    class Every(models.IntegerChoices):
        NEVER = 0, "No reviews"
        MONTH = 1, "Monthly"
        QUARTER = 3, "Quarterly"
        HALF_YEAR = 6, "Every six months"
        YEAR = 12, "Yearly"

    tier = models.OneToOneField("icp.Tier", on_delete=models.CASCADE, related_name="review_cadence")
    months = models.PositiveSmallIntegerField(choices=Every.choices)

    def __str__(self):
        return f"{self.tier}: {self.get_months_display()}"


class ReviewStatus(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class AccountReview(TenantOwnedModel):
    """One review of an account over a period, in the same format every time."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="reviews")
    period_start = models.DateField()
    period_end = models.DateField()
    held_on = models.DateField(help_text="The day the review took place.")
    status = models.CharField(max_length=5, choices=ReviewStatus.choices)
    progress = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "period_start", "period_end"],
                name="review_period_unique_per_account",
                violation_error_message="This account already has a review of this period.",
            )
        ]
        indexes = [models.Index(fields=["tenant", "account", "period_end"], name="review_tenant_account")]

    def __str__(self):
        return f"{self.account}: {self.period_start} – {self.period_end}"

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": ["The period cannot end before it starts."]})


class ReviewAction(TenantOwnedModel):
    """A prioritized action agreed in a review (position 1 first); each becomes a task of its assignee."""

    review = models.ForeignKey(AccountReview, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField()
    task = models.OneToOneField(
        "tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="review_action", editable=False
    )

    class Meta:
        ordering = ["review", "position", "id"]

    def __str__(self):
        return self.title


class HandOffState(models.TextChoices):
    PASSED = "passed", "Passed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class HandOff(TenantOwnedModel):
    """A qualified lead an SDR passes to the account's AE, who accepts it into the sales cycle (an opportunity)
    or rejects it with a reason. The funnel's pass and pipeline rates are counted from these rows."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="hand_offs")
    contacts = models.ManyToManyField("accounts.Contact", blank=True, related_name="hand_offs")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="hand_offs_passed"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="hand_offs_received"
    )
    notes = models.TextField(blank=True)
    state = models.CharField(max_length=8, choices=HandOffState.choices, default=HandOffState.PASSED)
    passed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When it was accepted or rejected.")
    rejection_reason = models.CharField(max_length=300, blank=True)
    opportunity = models.ForeignKey(
        "accounts.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="hand_offs"
    )
    task = models.OneToOneField(
        "tasks.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hand_off",
        editable=False,
        help_text="The receiving AE's task to accept or reject the lead.",
    )

    class Meta:
        ordering = ["-passed_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "to_user", "state"], name="handoff_tenant_to_user"),
            models.Index(fields=["tenant", "account", "passed_at"], name="handoff_tenant_account"),
        ]

    def __str__(self):
        return f"{self.account} → {self.to_user}"
