from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import Job


@admin.register(Job)
class JobAdmin(TenantScopedAdmin):
    list_display = ("kind", "tenant", "status", "done", "total", "attempts", "enqueued_at", "started_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = (
        "kind",
        "status",
        "total",
        "done",
        "result",
        "error",
        "started_at",
        "finished_at",
        "task",
        "args",
        "enqueued_at",
        "attempts",
    )

    def has_add_permission(self, request, *args):
        return False  # jobs are started by the product, not by hand
