from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import Task, TouchLimit


@admin.register(Task)
class TaskAdmin(TenantScopedAdmin):
    list_display = ("title", "account", "contact", "assignee", "due_on", "state", "source", "tenant")
    list_filter = ("state", "source", "channel")
    search_fields = ("title", "account__name")
    list_select_related = ("tenant", "account", "contact", "assignee")
    raw_id_fields = ("account", "contact", "activity")
    readonly_fields = ("completed_at", "became_due_on", "reminded_on")
    date_hierarchy = "due_on"
    list_per_page = 50


@admin.register(TouchLimit)
class TouchLimitAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tenant", "max_touches", "window_days")
    list_select_related = ("tenant",)
