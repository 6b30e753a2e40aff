from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import SpendEntry


@admin.register(SpendEntry)
class SpendEntryAdmin(TenantScopedAdmin):
    list_display = ("channel", "period_start", "period_end", "amount", "tenant", "note")
    list_filter = ("channel",)
    search_fields = ("note",)
    list_select_related = ("tenant",)
    date_hierarchy = "period_start"
