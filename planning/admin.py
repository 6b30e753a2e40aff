from django.contrib import admin

from abs_platform.tenancy.admin import TenantScopedAdmin

from .models import AccountPlan, AccountPlanPlay, AccountReview, HandOff, ReviewAction, ReviewCadence


@admin.register(AccountPlan)
class AccountPlanAdmin(TenantScopedAdmin):
    list_display = ("account", "owner", "updated_at", "tenant")
    list_select_related = ("tenant", "account", "owner")
    search_fields = ("account__name",)
    raw_id_fields = ("account",)


@admin.register(AccountPlanPlay)
class AccountPlanPlayAdmin(TenantScopedAdmin):
    list_display = ("plan", "template", "tenant")
    list_select_related = ("tenant", "plan__account", "template")
    raw_id_fields = ("plan", "template")


@admin.register(ReviewCadence)
class ReviewCadenceAdmin(TenantScopedAdmin):
    list_display = ("tier", "months", "tenant")
    list_select_related = ("tenant", "tier")


@admin.register(AccountReview)
class AccountReviewAdmin(TenantScopedAdmin):
    list_display = ("account", "period_start", "period_end", "status", "held_on", "tenant")
    list_filter = ("status",)
    list_select_related = ("tenant", "account")
    search_fields = ("account__name",)
    raw_id_fields = ("account",)
    readonly_fields = ("attendees",)  # people are chosen in the app, where only the workspace's members are offered


@admin.register(ReviewAction)
class ReviewActionAdmin(TenantScopedAdmin):
    list_display = ("title", "review", "position", "assignee", "due_on", "tenant")
    list_select_related = ("tenant", "review__account", "assignee")
    raw_id_fields = ("review",)


@admin.register(HandOff)
class HandOffAdmin(TenantScopedAdmin):
    list_display = ("account", "from_user", "to_user", "state", "passed_at", "decided_at", "tenant")
    list_filter = ("state",)
    list_select_related = ("tenant", "account", "from_user", "to_user")
    search_fields = ("account__name",)
    raw_id_fields = ("account", "opportunity")
    readonly_fields = ("contacts",)
