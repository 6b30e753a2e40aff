from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django_countries import countries

from abs_platform.tenancy.models import Membership, Role, TenantOwnedModel

# Staffing limits a workspace has not set (ADR 0025): a product default, not a figure from the seeds.
DEFAULT_MAX_ACCOUNTS_PER_AE = 15
DEFAULT_MAX_ACCOUNTS_PER_SDR = 40


class TeamRole(models.TextChoices):
    ACCOUNT_EXECUTIVE = "account_executive", "Account executive"
    SDR = "sdr", "SDR"
    MARKETER = "marketer", "Marketer"
    CUSTOMER_SUCCESS = "customer_success", "Customer success manager"
    SUPPORT = "support", "Support rep"
    INDUSTRY_MARKETER = "industry_marketer", "Industry marketer"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"


class TeamAccountSource(models.TextChoices):
    LISTED = "listed", "Listed"
    RULE = "rule", "Rule"


def _string_list(value, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(f"Give a list of {what}.")
    return value


class Team(TenantOwnedModel):
    """A cross-functional account team. It covers the accounts listed for it and, when it has a rule, every
    account matching it: each rule field given must match (an industry of the list, the tier, a country of the
    list), and only target accounts unless ``rule_targets_only`` is off (ADR 0025)."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    rule_industries = models.JSONField(
        default=list, blank=True, help_text="Accounts in one of these industries (case does not matter)."
    )
    rule_tier = models.ForeignKey(
        "icp.Tier",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rule_teams",
        help_text="Accounts in this tier.",
    )
    rule_countries = models.JSONField(
        default=list, blank=True, help_text="Accounts in one of these countries (ISO codes, e.g. DE, US)."
    )
    rule_targets_only = models.BooleanField(default=True, help_text="The rule takes target accounts only.")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "tenant",
                Lower("name"),
                name="team_name_unique_per_tenant",
                violation_error_message="A team with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def has_rule(self) -> bool:
        return bool(self.rule_industries or self.rule_tier_id or self.rule_countries)

    def clean(self):
        errors = {}
        try:
            self.rule_industries = sorted(
                {item.strip() for item in _string_list(self.rule_industries, "industries") if item.strip()}
            )
        except ValidationError as error:
            errors["rule_industries"] = error.messages
        try:
            codes = sorted({item.strip().upper() for item in _string_list(self.rule_countries, "country codes")})
            unknown = [code for code in codes if code not in countries]
            if unknown:
                errors["rule_countries"] = [f"Unknown country code: {', '.join(unknown)}."]
            self.rule_countries = codes
        except ValidationError as error:
            errors["rule_countries"] = error.messages
        if errors:
            raise ValidationError(errors)


class TeamMember(TenantOwnedModel):
    """A workspace member holding a role on a team; one person may hold several roles and sit on many teams."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=20, choices=TeamRole.choices)

    class Meta:
        ordering = ["team__name", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "team", "user", "role"],
                name="team_member_unique",
                violation_error_message="This person already holds this role on the team.",
            )
        ]
        indexes = [models.Index(fields=["tenant", "user", "role"], name="team_member_tenant_user")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) on {self.team}"

    def clean(self):
        """Members who can write only: a team member gets tasks to complete, which viewers cannot (ADR 0025)."""
        if (
            self.user_id is not None
            and not Membership.objects.filter(tenant_id=self.tenant_id, user_id=self.user_id)
            .exclude(role=Role.VIEWER)
            .exists()
        ):
            raise ValidationError(
                {"user": ["A team member must be a member of this workspace who can edit (not a viewer)."]}
            )


class TeamAccount(TenantOwnedModel):
    """An account a team covers: listed by hand, or matched by the team's rule (kept up to date by it)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="account_links")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="team_links")
    source = models.CharField(max_length=10, choices=TeamAccountSource.choices, default=TeamAccountSource.LISTED)

    class Meta:
        ordering = ["team__name", "account__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "team", "account"],
                name="team_account_unique",
                violation_error_message="The team already covers this account.",
            )
        ]
        indexes = [models.Index(fields=["tenant", "account"], name="team_account_tenant_account")]

    def __str__(self):
        return f"{self.team} → {self.account} ({self.source})"


class RoleRequirement(TenantOwnedModel):
    """A team role every account of a tier needs on its team(s); missing ones are staffing gaps."""

    tier = models.ForeignKey("icp.Tier", on_delete=models.CASCADE, related_name="role_requirements")
    role = models.CharField(max_length=20, choices=TeamRole.choices)

    class Meta:
        ordering = ["tier__rank", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "tier", "role"],
                name="role_requirement_unique",
                violation_error_message="This tier already requires this role.",
            )
        ]

    def __str__(self):
        return f"{self.tier}: {self.get_role_display()}"


class StaffingSettings(TenantOwnedModel):
    """The workspace's staffing limits: people above them are flagged as overloaded. One row per workspace at
    most; without one the defaults apply."""

    max_accounts_per_ae = models.PositiveSmallIntegerField(default=DEFAULT_MAX_ACCOUNTS_PER_AE)
    max_accounts_per_sdr = models.PositiveSmallIntegerField(default=DEFAULT_MAX_ACCOUNTS_PER_SDR)

    class Meta:
        verbose_name = "staffing settings"
        verbose_name_plural = "staffing settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="staffing_settings_one_per_tenant")]

    def __str__(self):
        return f"Staffing limits: {self.max_accounts_per_ae} per AE, {self.max_accounts_per_sdr} per SDR"
