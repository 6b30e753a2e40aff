from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.tenancy.admin import TenantScopedAdmin
from abs_platform.tenancy.context import tenant_context, workspace_today

from . import events, services
from .models import (
    Account,
    AccountStatus,
    AccountStatusChange,
    AccountTechnology,
    Activity,
    Contact,
    ImportBatch,
    Opportunity,
    SavedView,
    Signal,
    Technology,
)


class AccountDataAdmin(TenantScopedAdmin):
    """Saving or deleting a row that belongs to an account announces it as the services do, naming the
    account it left too (the form's initial data has its id). Each subclass defines ``announce``: it sends
    its model's event from ``accounts.events`` for the row and the ids of the accounts it touched."""

    announce: Callable[[Any, set[int]], None]

    def save_model(self, request, obj, form, change):
        left = form.initial.get("account") if change else None
        super().save_model(request, obj, form, change)
        with tenant_context(obj.tenant, request.user):
            self.announce(obj, {left, obj.account_id} - {None})

    def delete_model(self, request, obj):
        account_id = obj.account_id
        super().delete_model(request, obj)
        with tenant_context(obj.tenant, request.user):
            self.announce(obj, {account_id})


@admin.register(Account)
class AccountAdmin(TenantScopedAdmin):
    list_display = ("name", "domain", "tenant", "industry", "employee_count", "country", "status", "owner", "is_target")
    list_filter = ("status", "is_target", "industry", "country")
    search_fields = ("name", "domain")
    list_select_related = ("tenant", "owner")
    list_per_page = 50
    actions = ["mark_target", "unmark_target", "mark_customer", "mark_churned"]
    readonly_fields = ("customer_since", "churned_on")

    def save_model(self, request, obj, form, change):
        status_changed = "status" in form.changed_data
        if status_changed:
            with tenant_context(obj.tenant, request.user):
                services.apply_status_dates(obj, workspace_today())
        super().save_model(request, obj, form, change)
        with tenant_context(obj.tenant, request.user):
            if status_changed:
                services.log_status_changes([obj])
            events.account_changed.send(Account, account=obj, created=not change, changed=set(form.changed_data))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        with tenant_context(obj.tenant, request.user):
            events.account_deleted.send(Account, account=obj)

    def delete_queryset(self, request, queryset):
        accounts = list(queryset.select_related("tenant"))
        super().delete_queryset(request, queryset)
        for account in accounts:
            with tenant_context(account.tenant, request.user):
                events.account_deleted.send(Account, account=account)

    def _bulk_set(self, request, queryset, **values):
        """One change to many accounts, announced per workspace as the services do."""
        fields = set(values)
        values = {**values, "updated_at": timezone.now(), "updated_by": request.user}
        accounts = list(queryset.select_related("tenant"))
        by_tenant = defaultdict(list)
        status_changed = defaultdict(list)
        for account in accounts:
            by_tenant[account.tenant].append(account)
            if "status" in values and account.status != values["status"]:
                status_changed[account.tenant].append(account)
            for field, value in values.items():
                setattr(account, field, value)
        if "status" in values:
            for tenant, changed in status_changed.items():
                with tenant_context(tenant, request.user):
                    for account in changed:
                        services.apply_status_dates(account, workspace_today())
            values.update(dict.fromkeys(services.STATUS_DATE_FIELDS))
        bulk_update_with_history(
            accounts, Account, list(values), default_user=request.user, manager=Account.all_tenants
        )
        for tenant, tenant_accounts in by_tenant.items():
            with tenant_context(tenant, request.user):
                services.log_status_changes(status_changed[tenant])
                events.accounts_changed.send(Account, account_ids=[a.pk for a in tenant_accounts], fields=fields)
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


@admin.register(AccountStatusChange)
class AccountStatusChangeAdmin(TenantScopedAdmin):
    """The status-change log, read-only: the accounts services write it with each status change."""

    list_display = ("account", "status", "changed_on", "tenant")
    list_filter = ("status",)
    search_fields = ("account__name",)
    list_select_related = ("tenant", "account")
    date_hierarchy = "changed_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Contacts, signals, opportunities, technologies -------------------------------------------------


@admin.register(Technology)
class TechnologyAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "category", "relation")
    list_filter = ("relation",)
    search_fields = ("name", "category")
    list_select_related = ("tenant",)


@admin.register(AccountTechnology)
class AccountTechnologyAdmin(AccountDataAdmin):
    list_display = ("account", "technology", "tenant")
    list_select_related = ("tenant", "account", "technology")
    raw_id_fields = ("account", "technology")
    search_fields = ("account__name", "technology__name")

    def announce(self, obj, account_ids: set[int]) -> None:
        events.account_technologies_changed.send(AccountTechnology, account_ids=account_ids)


@admin.register(Contact)
class ContactAdmin(TenantScopedAdmin):
    list_display = ("__str__", "account", "tenant", "title", "persona", "buying_role", "status", "last_verified_on")
    list_filter = ("status", "buying_role", "seniority", "persona_overridden")
    search_fields = ("first_name", "last_name", "email", "title")
    list_select_related = ("tenant", "account", "persona")
    raw_id_fields = ("account",)
    readonly_fields = ("persona_match_reason",)
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        # The same rules as the API: choosing a persona pins it, clearing it hands it back to matching.
        if "persona" in form.changed_data:
            obj.persona_overridden = obj.persona_id is not None
        obj.email = (obj.email or "").strip().lower()
        with tenant_context(obj.tenant, request.user):
            events.contacts_saving.send(Contact, contacts=[obj])
        super().save_model(request, obj, form, change)


@admin.register(Signal)
class SignalAdmin(AccountDataAdmin):
    list_display = ("title", "account", "tenant", "signal_type", "occurred_on")
    list_filter = ("signal_type",)
    search_fields = ("title", "notes")
    list_select_related = ("tenant", "account")
    raw_id_fields = ("account", "contact")
    date_hierarchy = "occurred_on"

    def announce(self, obj, account_ids: set[int]) -> None:
        events.signal_changed.send(Signal, instance=obj, account_ids=account_ids)


@admin.register(Activity)
class ActivityAdmin(TenantScopedAdmin):
    list_display = ("subject", "account", "tenant", "channel", "direction", "occurred_at", "contact", "owner")
    list_filter = ("direction", "channel", "outcome")
    search_fields = ("subject", "notes", "account__name")
    list_select_related = ("tenant", "account", "contact", "owner")
    raw_id_fields = ("account", "contact", "owner")
    date_hierarchy = "occurred_at"
    list_per_page = 50


@admin.register(Opportunity)
class OpportunityAdmin(TenantScopedAdmin):
    list_display = ("name", "account", "tenant", "kind", "stage", "amount", "opened_on", "close_date")
    list_filter = ("stage", "kind")
    search_fields = ("name", "account__name")
    list_select_related = ("tenant", "account")
    raw_id_fields = ("account",)


@admin.register(ImportBatch)
class ImportBatchAdmin(TenantScopedAdmin):
    """CSV imports: read-only for ops (an import is changed only by its dry run and commit)."""

    list_display = ("id", "tenant", "kind", "status", "file_name", "row_count", "created_at", "committed_at")
    list_filter = ("kind", "status")
    search_fields = ("file_name",)
    list_select_related = ("tenant",)
    readonly_fields = ("kind", "status", "file_name", "row_count", "headers", "mapping", "error", "job", "committed_at")
    exclude = ("content", "report")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SavedView)
class SavedViewAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "user", "list", "is_shared", "query", "updated_at")
    list_filter = ("list", "is_shared")
    search_fields = ("name", "user__username")
    list_select_related = ("tenant", "user")
