from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin
from abs_platform.tenancy.context import tenant_context

from . import services
from .models import RoleRequirement, StaffingSettings, Team, TeamAccount, TeamMember


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "rule_industries", "rule_tier", "rule_countries", "rule_targets_only")
    search_fields = ("name",)
    list_select_related = ("tenant", "rule_tier")

    def save_model(self, request, obj, form, change):
        """Saved as the services save: the rule is re-applied at once."""
        super().save_model(request, obj, form, change)
        with tenant_context(obj.tenant, request.user):
            services.team_rule_apply(obj)


@admin.register(TeamMember)
class TeamMemberAdmin(TenantScopedAdmin):
    list_display = ("team", "user", "role", "tenant")
    list_filter = ("role",)
    search_fields = ("team__name", "user__username")
    list_select_related = ("tenant", "team", "user")


@admin.register(TeamAccount)
class TeamAccountAdmin(TenantScopedAdmin):
    list_display = ("team", "account", "source", "tenant")
    list_filter = ("source",)
    search_fields = ("team__name", "account__name")
    list_select_related = ("tenant", "team", "account")


@admin.register(RoleRequirement)
class RoleRequirementAdmin(TenantScopedAdmin):
    list_display = ("tier", "role", "tenant")
    list_filter = ("role",)
    list_select_related = ("tenant", "tier")


@admin.register(StaffingSettings)
class StaffingSettingsAdmin(TenantScopedAdmin):
    list_display = ("tenant", "max_accounts_per_ae", "max_accounts_per_sdr")
    list_select_related = ("tenant",)
