from django.contrib import admin, messages

from abs_platform.tenancy.admin import TenantScopedAdmin
from abs_platform.tenancy.context import tenant_context
from accounts.models import Account

from . import services
from .coverage import coverage_store
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

    def save_model(self, request, obj, form, change):
        left = form.initial.get("tier") if change else None
        super().save_model(request, obj, form, change)
        with tenant_context(obj.tenant, request.user):
            coverage_store(Account.objects.filter(tier_id__in={left, obj.tier_id} - {None}))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        with tenant_context(obj.tenant, request.user):
            coverage_store(Account.objects.filter(tier_id=obj.tier_id))
