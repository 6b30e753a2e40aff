from django.contrib import admin, messages

from abs_platform.tenancy.admin import TenantScopedAdmin
from abs_platform.tenancy.context import tenant_context

from . import services
from .models import CommitteeRequirement, Persona


@admin.register(Persona)
class PersonaAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "decision_role", "title_keywords", "departments", "seniorities")
    list_filter = ("decision_role",)
    search_fields = ("name",)
    list_select_related = ("tenant",)
    actions = ["rematch_contacts"]

    @admin.action(description="Re-match the workspace's contacts to personas (background job)")
    def rematch_contacts(self, request, queryset):
        tenants = {persona.tenant for persona in queryset.select_related("tenant")}
        for tenant in tenants:
            with tenant_context(tenant, request.user):
                services.persona_rematch_enqueue()
        messages.success(request, f"Re-match queued for {len(tenants)} workspace(s).")


@admin.register(CommitteeRequirement)
class CommitteeRequirementAdmin(TenantScopedAdmin):
    list_display = ("tier", "persona", "min_contacts", "tenant")
    list_select_related = ("tenant", "tier", "persona")
    list_filter = ("tier__rank",)
