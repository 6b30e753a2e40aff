from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from abs_platform.tenancy.models import Membership, TenantOwnedModel

from .domains import normalize_domain

DUPLICATE_DOMAIN_MESSAGE = "An account with this domain already exists in this workspace."


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    CHURNED = "churned", "Churned"


class Account(TenantOwnedModel):
    """A target account: a named company being pursued or grown."""

    name = models.CharField(max_length=200)
    domain = models.CharField(
        max_length=253, blank=True, help_text="Normalized: lower case, no scheme, no “www.”, e.g. acme.com."
    )
    website = models.URLField(blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text="In the workspace currency."
    )
    country = CountryField(blank=True)
    status = models.CharField(max_length=10, choices=AccountStatus.choices, default=AccountStatus.PROSPECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_accounts"
    )
    is_target = models.BooleanField(default=True, help_text="Part of the account-based programme.")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The parent company of a subsidiary, business unit or buying centre.",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "domain"],
                condition=~Q(domain=""),
                name="account_domain_unique_per_tenant",
                violation_error_message=DUPLICATE_DOMAIN_MESSAGE,
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="account_tenant_created"),
            models.Index(fields=["tenant", "name", "id"], name="account_tenant_name"),
            models.Index(fields=["tenant", "updated_at", "id"], name="account_tenant_updated"),
            models.Index(fields=["tenant", "industry", "created_at", "id"], name="account_tenant_industry"),
            models.Index(fields=["tenant", "status", "created_at", "id"], name="account_tenant_status"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            self.domain = normalize_domain(self.domain)
        except ValidationError as error:
            errors["domain"] = error.messages
        if self.parent_id is not None and self._parent_chain_reaches_self():
            errors["parent"] = ["An account cannot be its own parent or ancestor."]
        if (
            self.owner_id is not None
            and not Membership.objects.filter(tenant_id=self.tenant_id, user_id=self.owner_id).exists()
        ):
            errors["owner"] = ["The owner must be a member of this workspace."]
        if errors:
            raise ValidationError(errors)

    def _parent_chain_reaches_self(self) -> bool:
        """Walk up the (short) hierarchy from the new parent; meeting this account means a cycle."""
        seen, current_id = set(), self.parent_id
        while current_id is not None and current_id not in seen:
            if current_id == self.pk:
                return True
            seen.add(current_id)
            current_id = Account.all_tenants.filter(pk=current_id).values_list("parent_id", flat=True).first()
        return current_id is not None and self.pk is not None and current_id == self.pk
