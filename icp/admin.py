from django.contrib import admin
from django.core.exceptions import ValidationError

from abs_platform.tenancy.admin import TenantOwnedAdminForm, TenantScopedAdmin
from abs_platform.tenancy.context import tenant_context

from . import services
from .models import Criterion, IdealCustomerProfile, SignOff, Tier


@admin.register(Tier)
class TierAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "rank", "engagement_model", "capacity")
    list_filter = ("engagement_model",)
    list_select_related = ("tenant",)
    ordering = ("tenant", "rank")


@admin.register(IdealCustomerProfile)
class IdealCustomerProfileAdmin(TenantScopedAdmin):
    list_display = ("name", "version", "tenant", "is_active", "activated_at")
    list_filter = ("is_active",)
    list_select_related = ("tenant",)
    readonly_fields = ("is_active", "activated_at")


class CriterionAdminForm(TenantOwnedAdminForm):
    """Validates kind, weight and ``params`` with the rules of the API (``services.criterion_clean``), in the
    criterion's workspace, and saves the normalized ``params``."""

    def _post_clean(self):
        super()._post_clean()  # builds the instance from the form and runs the model's own validation
        criterion = self.instance
        if criterion.tenant_id is None or {"kind", "params", "weight"} & set(self.errors):
            return
        try:
            with tenant_context(criterion.tenant):
                services.criterion_clean(criterion)
        except ValidationError as error:
            self.add_error(None, error)


@admin.register(Criterion)
class CriterionAdmin(TenantScopedAdmin):
    form = CriterionAdminForm
    list_display = ("__str__", "icp", "tenant", "kind", "weight", "must_have")
    list_filter = ("kind", "must_have")
    list_select_related = ("tenant", "icp")


@admin.register(SignOff)
class SignOffAdmin(TenantScopedAdmin):
    list_display = ("icp", "department", "tenant", "signed_by", "created_at")
    list_filter = ("department",)
    list_select_related = ("tenant", "icp", "signed_by")
