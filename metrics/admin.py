from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import DailySnapshot, MetricsSettings, SpendEntry


@admin.register(MetricsSettings)
class MetricsSettingsAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tenant", "programme_start_on")
    list_select_related = ("tenant",)


@admin.register(DailySnapshot)
class DailySnapshotAdmin(TenantScopedAdmin):
    list_display = ("day", "tenant", "backfilled", "engaged_accounts", "open_deals", "tasks_done", "tasks_overdue")
    list_filter = ("backfilled",)
    list_select_related = ("tenant",)
    date_hierarchy = "day"
    list_per_page = 50


@admin.register(SpendEntry)
class SpendEntryAdmin(TenantScopedAdmin):
    list_display = ("channel", "period_start", "period_end", "amount", "tenant", "note")
    list_filter = ("channel",)
    search_fields = ("note",)
    list_select_related = ("tenant",)
    date_hierarchy = "period_start"
