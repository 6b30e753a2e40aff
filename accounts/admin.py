from django.contrib import admin, messages
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from abs_platform.tenancy.admin import TenantScopedAdmin
from abs_platform.tenancy.context import tenant_context

from .models import (
    Account,
    AccountStatus,
    AccountTechnology,
    Activity,
    Contact,
    ImportBatch,
    Opportunity,
    SavedView,
    Signal,
    Technology,
)
from .services import apply_persona_match


class RescoresAccountsAdmin(TenantScopedAdmin):
    """Saving or deleting here changes what an account's fit score reads: rescore it as the services do (in the
    same transaction; a changed score of a target account queues the tier re-suggestion)."""

    def account_of(self, obj) -> int:
        return obj.account_id

    def save_model(self, request, obj, form, change):
        # Moved to another account: the one it left is rescored too (the form's initial data has its id).
        left = form.initial.get("account") if change else None
        super().save_model(request, obj, form, change)
        self._rescore(request, obj, {left, self.account_of(obj)} - {None})

    def delete_model(self, request, obj):
        account_id = self.account_of(obj)
        super().delete_model(request, obj)
        self._rescore(request, obj, [account_id])

    @staticmethod
    def _rescore(request, obj, account_ids) -> None:
        from icp.services import fit_scores_recompute_accounts

        with tenant_context(obj.tenant, request.user):
            fit_scores_recompute_accounts(account_ids=account_ids)


@admin.register(Account)
class AccountAdmin(RescoresAccountsAdmin):
    list_display = ("name", "domain", "tenant", "industry", "employee_count", "country", "status", "owner", "is_target")
    list_filter = ("status", "is_target", "industry", "country")
    search_fields = ("name", "domain")
    list_select_related = ("tenant", "owner")
    list_per_page = 50
    actions = ["mark_target", "unmark_target", "mark_customer", "mark_churned"]

    def account_of(self, obj) -> int:
        return obj.pk

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_target" in form.changed_data and obj.fit_score is not None:
            self._resuggest_tiers(request, [obj.tenant])

    def delete_model(self, request, obj):
        ranked = obj.is_target and obj.fit_score is not None
        super().delete_model(request, obj)
        if ranked:
            self._resuggest_tiers(request, [obj.tenant])

    def delete_queryset(self, request, queryset):
        ranked = {account.tenant for account in queryset.filter(is_target=True, fit_score__isnull=False)}
        super().delete_queryset(request, queryset)
        self._resuggest_tiers(request, ranked)

    @staticmethod
    def _resuggest_tiers(request, tenants) -> None:
        """Ranked target accounts joined, left or were deleted: their workspaces' tiers are suggested again."""
        from icp.services import tiers_resuggest_enqueue

        for tenant in tenants:
            with tenant_context(tenant, request.user):
                tiers_resuggest_enqueue()

    def _bulk_set(self, request, queryset, **values):
        """One change to many accounts, then what the services would queue per workspace: a new status can
        change existing-customer scores (a background job, as after an import), a target flag the ranking."""
        from icp.models import CriterionKind
        from icp.services import fit_recompute_enqueue_for

        values = {**values, "updated_at": timezone.now(), "updated_by": request.user}
        accounts = list(queryset.select_related("tenant"))
        for account in accounts:
            for field, value in values.items():
                setattr(account, field, value)
        bulk_update_with_history(
            accounts, Account, list(values), default_user=request.user, manager=Account.all_tenants
        )
        tenants = {account.tenant for account in accounts}
        if "status" in values:
            for tenant in tenants:
                with tenant_context(tenant, request.user):
                    fit_recompute_enqueue_for(kinds={CriterionKind.EXISTING_CUSTOMER})
        if "is_target" in values:
            self._resuggest_tiers(request, tenants)
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


# --- Contacts, signals, opportunities, technologies -------------------------------------------------


@admin.register(Technology)
class TechnologyAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "category", "relation")
    list_filter = ("relation",)
    search_fields = ("name", "category")
    list_select_related = ("tenant",)


@admin.register(AccountTechnology)
class AccountTechnologyAdmin(RescoresAccountsAdmin):
    list_display = ("account", "technology", "tenant")
    list_select_related = ("tenant", "account", "technology")
    raw_id_fields = ("account", "technology")
    search_fields = ("account__name", "technology__name")


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
            apply_persona_match(obj)
        super().save_model(request, obj, form, change)


@admin.register(Signal)
class SignalAdmin(RescoresAccountsAdmin):
    list_display = ("title", "account", "tenant", "signal_type", "occurred_on")
    list_filter = ("signal_type",)
    search_fields = ("title", "notes")
    list_select_related = ("tenant", "account")
    raw_id_fields = ("account", "contact")
    date_hierarchy = "occurred_on"


@admin.register(Activity)
class ActivityAdmin(TenantScopedAdmin):
    list_display = ("subject", "account", "tenant", "channel", "direction", "occurred_at", "contact", "owner")
    list_filter = ("direction", "channel")
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
