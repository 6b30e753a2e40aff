from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    list_display = ("url", "tenant", "is_active", "failing_since", "disabled_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    list_select_related = ("tenant",)
    readonly_fields = ("disabled_at", "disabled_reason", "failing_since")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "started_at", "duration_ms", "status_code", "error", "response_excerpt", "succeeded")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantScopedAdmin):
    list_display = ("event", "endpoint", "state", "attempts", "next_attempt_at", "last_status_code", "created_at")
    list_filter = ("state", "event")
    search_fields = ("endpoint__url", "event_id")
    list_select_related = ("tenant", "endpoint")
    readonly_fields = (
        "endpoint",
        "event",
        "event_id",
        "payload",
        "attempts",
        "last_status_code",
        "last_error",
    )
    inlines = [WebhookAttemptInline]
    date_hierarchy = "created_at"
    list_per_page = 50


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(TenantScopedAdmin):
    list_display = ("delivery", "number", "started_at", "status_code", "error", "succeeded", "tenant")
    list_filter = ("succeeded",)
    list_select_related = ("tenant", "delivery")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
