from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import CheckSettings, CoverageResult, StaleMark, TierStaleness


@admin.register(CheckSettings)
class CheckSettingsAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tenant", "accounts_goal", "personas_goal", "stale_after_days")
    list_select_related = ("tenant",)


@admin.register(CoverageResult)
class CoverageResultAdmin(TenantScopedAdmin):
    list_display = (
        "account",
        "tenant",
        "checked_at",
        "data_complete",
        "personas_covered",
        "personas_required",
        "team_complete",
    )
    list_filter = ("data_complete", "team_complete")
    search_fields = ("account__name",)
    list_select_related = ("tenant", "account")
    raw_id_fields = ("account",)
    list_per_page = 50


@admin.register(StaleMark)
class StaleMarkAdmin(TenantScopedAdmin):
    list_display = ("account", "contact", "reason", "since", "cleared_on", "tenant")
    list_filter = ("reason",)
    search_fields = ("account__name", "contact__last_name", "contact__email")
    list_select_related = ("tenant", "account", "contact")
    raw_id_fields = ("account", "contact")
    date_hierarchy = "since"
    list_per_page = 50


@admin.register(TierStaleness)
class TierStalenessAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tier", "stale_after_days", "tenant")
    list_select_related = ("tenant", "tier")
