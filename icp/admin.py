from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

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


@admin.register(Criterion)
class CriterionAdmin(TenantScopedAdmin):
    list_display = ("__str__", "icp", "tenant", "kind", "weight", "must_have")
    list_filter = ("kind", "must_have")
    list_select_related = ("tenant", "icp")


@admin.register(SignOff)
class SignOffAdmin(TenantScopedAdmin):
    list_display = ("icp", "department", "tenant", "signed_by", "created_at")
    list_filter = ("department",)
    list_select_related = ("tenant", "icp", "signed_by")
