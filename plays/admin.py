from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin, admin_workspace

from .models import Offer, PlayRun, PlayRunTask, PlayStep, PlayTemplate, TriggerRule


class ScopedManyToMany:
    """Many-to-many choices of the workspace being administered."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if admin_workspace(request) is not None:
            kwargs.setdefault("queryset", db_field.related_model.objects.all())
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Offer)
class OfferAdmin(ScopedManyToMany, TenantScopedAdmin):
    list_display = ("name", "offer_format", "effort", "personalization", "lifecycle_stage", "tenant")
    list_filter = ("offer_format", "effort", "personalization", "lifecycle_stage")
    search_fields = ("name",)
    list_select_related = ("tenant",)


class PlayStepInline(admin.TabularInline):
    model = PlayStep
    fields = ("position", "name", "day_offset", "channel", "team_role", "offer")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PlayTemplate)
class PlayTemplateAdmin(ScopedManyToMany, TenantScopedAdmin):
    list_display = ("name", "kind", "version", "tenant")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("tenant",)
    inlines = [PlayStepInline]


@admin.register(PlayStep)
class PlayStepAdmin(TenantScopedAdmin):
    list_display = ("template", "position", "name", "day_offset", "channel", "team_role", "tenant")
    list_filter = ("channel", "team_role")
    search_fields = ("name", "template__name")
    list_select_related = ("tenant", "template")


class PlayRunTaskInline(admin.TabularInline):
    model = PlayRunTask
    fields = ("step_position", "task", "held")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PlayRun)
class PlayRunAdmin(TenantScopedAdmin):
    list_display = ("template", "account", "state", "template_version", "started_at", "tenant")
    list_filter = ("state",)
    search_fields = ("template__name", "account__name")
    list_select_related = ("tenant", "template", "account")
    readonly_fields = ("template", "template_version", "steps", "account", "started_at", "signal")
    inlines = [PlayRunTaskInline]


@admin.register(TriggerRule)
class TriggerRuleAdmin(TenantScopedAdmin):
    list_display = ("signal_type", "template", "action", "active", "tenant")
    list_filter = ("signal_type", "action", "active")
    list_select_related = ("tenant", "template")
