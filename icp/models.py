from django.conf import settings
from django.db import models
from django.db.models import Q

from abs_platform.tenancy.models import TenantOwnedModel


class EngagementModel(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "1:1"
    ONE_TO_FEW = "one_to_few", "1:few"
    ONE_TO_MANY = "one_to_many", "1:many"


class Tier(TenantOwnedModel):
    """How much effort an account gets; rank 1 is the smallest tier with the most resources."""

    name = models.CharField(max_length=50)
    rank = models.PositiveSmallIntegerField()
    engagement_model = models.CharField(max_length=12, choices=EngagementModel.choices)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Most accounts in the tier; empty: no cap.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["tenant", "rank"], name="tier_rank_unique_per_tenant")]

    def __str__(self):
        return self.name


class IdealCustomerProfile(TenantOwnedModel):
    """One version of the workspace's ICP; exactly one is active, older ones are kept read-only."""

    version = models.PositiveIntegerField()
    name = models.CharField(max_length=100, default="Ideal customer profile")
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = "ideal customer profile"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version"], name="icp_version_unique"),
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_active=True), name="icp_one_active"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class CriterionKind(models.TextChoices):
    INDUSTRY = "industry", "Industry in set"
    EMPLOYEES = "employees", "Employee count in range"
    REVENUE = "revenue", "Annual revenue in range"
    COUNTRY = "country", "Country in set"
    COMPANY_TYPE = "company_type", "Company type in set"
    GROWTH = "growth", "Growth rate in range"
    TECHNOLOGY = "technology", "Technologies in use"
    TRIGGER_EVENT = "trigger_event", "Recent trigger event"
    EXISTING_CUSTOMER = "existing_customer", "Existing customer"


class Criterion(TenantOwnedModel):
    """A weighted ICP criterion. ``params`` depend on the kind (see icp/scoring.py)."""

    icp = models.ForeignKey(IdealCustomerProfile, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=20, choices=CriterionKind.choices)
    params = models.JSONField(default=dict, blank=True)
    weight = models.PositiveSmallIntegerField(default=10)
    must_have = models.BooleanField(default=False, help_text="A miss disqualifies the account (score 0).")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return f"{self.get_kind_display()} (weight {self.weight})"


class Department(models.TextChoices):
    SALES = "sales", "Sales"
    SALES_DEVELOPMENT = "sales_development", "Sales development"
    MARKETING = "marketing", "Marketing"
    CUSTOMER_SUCCESS = "customer_success", "Customer success"
    FINANCE = "finance", "Finance"
    SALES_OPS = "sales_ops", "Sales operations"


class SignOff(TenantOwnedModel):
    """A department's agreement to one ICP version."""

    icp = models.ForeignKey(IdealCustomerProfile, on_delete=models.CASCADE, related_name="sign_offs")
    department = models.CharField(max_length=20, choices=Department.choices)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["department"]
        constraints = [models.UniqueConstraint(fields=["tenant", "icp", "department"], name="sign_off_unique")]

    def __str__(self):
        return f"{self.get_department_display()} signed {self.icp}"
