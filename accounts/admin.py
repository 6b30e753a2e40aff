from django.contrib import admin, messages
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import Account, AccountStatus


@admin.register(Account)
class AccountAdmin(TenantScopedAdmin):
    list_display = ("name", "domain", "tenant", "industry", "employee_count", "country", "status", "owner", "is_target")
    list_filter = ("status", "is_target", "industry", "country")
    search_fields = ("name", "domain")
    list_select_related = ("tenant", "owner")
    list_per_page = 50
    actions = ["mark_target", "unmark_target", "mark_customer", "mark_churned"]

    def _bulk_set(self, request, queryset, **values):
        values = {**values, "updated_at": timezone.now(), "updated_by": request.user}
        accounts = list(queryset)
        for account in accounts:
            for field, value in values.items():
                setattr(account, field, value)
        bulk_update_with_history(
            accounts, Account, list(values), default_user=request.user, manager=Account.all_tenants
        )
        messages.success(request, f"{len(accounts)} account(s) updated.")

    @admin.action(description="Mark as target accounts")
    def mark_target(self, request, queryset):
        self._bulk_set(request, queryset, is_target=True)

    @admin.action(description="Remove from the target list")
    def unmark_target(self, request, queryset):
        self._bulk_set(request, queryset, is_target=False)

    @admin.action(description="Set status: customer")
    def mark_customer(self, request, queryset):
        self._bulk_set(request, queryset, status=AccountStatus.CUSTOMER)

    @admin.action(description="Set status: churned")
    def mark_churned(self, request, queryset):
        self._bulk_set(request, queryset, status=AccountStatus.CHURNED)
