"""The Django admin for ops.

Platform operators (superusers) see every workspace. A workspace's own ops
admins (staff flag plus the admin or owner role) use the same admin limited to
the workspaces they administer: ``TenantScopedAdmin`` does that for every
tenant-owned model, and other tenants' objects answer 404.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .context import tenant_context
from .models import ApiKey, Invitation, Membership, Role, Tenant, TenantOwnedModel

admin.site.site_header = "ABS Platform operations"
admin.site.site_title = "ABS ops"
admin.site.index_title = "Workspaces, people and data"

ADMIN_ROLES = (Role.ADMIN, Role.OWNER)


def administered_tenant_ids(user) -> list[int]:
    """Workspaces whose data this staff user may manage in the admin (all of them for superusers)."""
    if not (user.is_active and user.is_staff):
        return []
    cache_name = "_administered_tenant_ids"
    if not hasattr(user, cache_name):
        setattr(
            user,
            cache_name,
            list(Membership.objects.filter(user=user, role__in=ADMIN_ROLES).values_list("tenant_id", flat=True)),
        )
    return getattr(user, cache_name)


class TenantOpsPermissions:
    """Tenant ops admins may use these admin pages without Django model permissions."""

    tenant_field = "tenant"
    ops_can_add = True
    ops_can_delete = True

    def _is_ops(self, request) -> bool:
        return bool(administered_tenant_ids(request.user))

    def _owns(self, request, obj) -> bool:
        return obj is None or getattr(obj, f"{self.tenant_field}_id") in administered_tenant_ids(request.user)

    def has_module_permission(self, request):
        return request.user.is_superuser or self._is_ops(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or (self._is_ops(request) and self._owns(request, obj))

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser or (self.ops_can_add and self._is_ops(request))

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or (self.ops_can_delete and self.has_view_permission(request, obj))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.tenant_field}_id__in": administered_tenant_ids(request.user)})

    def get_list_filter(self, request):
        filters = tuple(super().get_list_filter(request))
        return (self.tenant_field, *filters) if request.user.is_superuser else filters

    def _refuse_foreign(self, request, object_id):
        if object_id and not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404("No such object.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_foreign(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse_foreign(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_foreign(request, object_id)
        return super().history_view(request, object_id, extra_context)


class TenantOwnedAdminForm(forms.ModelForm):
    """Adds the tenant choice when creating; the instance gets its tenant before model validation."""

    tenant = forms.ModelChoiceField(queryset=Tenant.objects.all(), required=False)

    def clean(self):
        cleaned = super().clean()
        if self.instance.tenant_id is None:
            if cleaned.get("tenant") is None:
                self.add_error("tenant", "Choose the workspace this belongs to.")
            else:
                self.instance.tenant = cleaned["tenant"]
        return cleaned


class TenantScopedAdmin(TenantOpsPermissions, SimpleHistoryAdmin):
    """Admin of a tenant-owned model, with its audit history (the “History” button)."""

    form = TenantOwnedAdminForm
    audit_fields = ("created_at", "created_by", "updated_at", "updated_by")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj)) + self.audit_fields
        return ("tenant", *readonly) if obj is not None else readonly

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in ("tenant", *self.audit_fields)]
        return ["tenant", *fields, *self.audit_fields] if obj is not None else ["tenant", *fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and kwargs.get("fields"):
            # "tenant" is the form's own field (the model field is not editable): listing it among the model
            # form's fields makes Django refuse to build the add form.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != "tenant"]
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None and "tenant" in form.base_fields:
            tenants = Tenant.objects.all()
            if not request.user.is_superuser:
                tenants = tenants.filter(pk__in=administered_tenant_ids(request.user))
            form.base_fields["tenant"].queryset = tenants
            if tenants.count() == 1:
                form.base_fields["tenant"].initial = tenants.first()
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser:
            if isinstance(related, type) and issubclass(related, TenantOwnedModel):
                kwargs["queryset"] = related.all_tenants.filter(tenant_id__in=administered_tenant_ids(request.user))
            elif related is get_user_model():
                kwargs["queryset"] = related.objects.filter(
                    memberships__tenant_id__in=administered_tenant_ids(request.user)
                ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        with tenant_context(obj.tenant, request.user):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with tenant_context(obj.tenant, request.user):
            super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


@admin.register(Tenant)
class TenantAdmin(TenantOpsPermissions, admin.ModelAdmin):
    tenant_field = "id"
    ops_can_add = False
    ops_can_delete = False
    list_display = ("name", "slug", "currency", "time_zone", "is_active", "member_count", "created_at")
    list_filter = ("is_active", "currency")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    actions = ["deactivate", "activate"]

    def _owns(self, request, obj):
        return obj is None or obj.pk in administered_tenant_ids(request.user)

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if not request.user.is_superuser:
            queryset = queryset.filter(pk__in=administered_tenant_ids(request.user))
        return queryset

    def get_list_filter(self, request):
        return self.list_filter

    @admin.display(description="Members")
    def member_count(self, tenant):
        return tenant.memberships.count()

    @admin.action(description="Deactivate: members and API keys lose access")
    def deactivate(self, request, queryset):
        updated = services.tenants_set_active(tenants=queryset, active=False)
        messages.success(request, f"{updated} workspace(s) deactivated.")

    @admin.action(description="Reactivate")
    def activate(self, request, queryset):
        updated = services.tenants_set_active(tenants=queryset, active=True)
        messages.success(request, f"{updated} workspace(s) reactivated.")

    def get_actions(self, request):
        return super().get_actions(request) if request.user.is_superuser else {}


@admin.register(Membership)
class MembershipAdmin(TenantOpsPermissions, SimpleHistoryAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "tenant__name")
    raw_id_fields = ("user",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant" and not request.user.is_superuser:
            kwargs["queryset"] = Tenant.objects.filter(pk__in=administered_tenant_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_raw_id_fields(self, request):
        return self.raw_id_fields if request.user.is_superuser else ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(memberships__tenant_id__in=administered_tenant_ids(request.user))
                .distinct()
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(ApiKey)
class ApiKeyAdmin(TenantOpsPermissions, SimpleHistoryAdmin):
    ops_can_add = False
    list_display = ("name", "prefix", "tenant", "scope", "created_by", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "tenant__name")
    readonly_fields = ("tenant", "prefix", "created_by", "created_at", "last_used_at")
    fields = (
        "tenant",
        "name",
        "prefix",
        "scope",
        "created_by",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False  # keys are created in the workspace, where the secret is shown once

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key)
        messages.success(request, f"{queryset.count()} key(s) revoked.")


@admin.register(Invitation)
class InvitationAdmin(TenantOpsPermissions, admin.ModelAdmin):
    ops_can_add = False
    list_display = ("email", "tenant", "role", "invited_by", "created_at", "expires_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email", "tenant__name")
    readonly_fields = ("tenant", "email", "role", "invited_by", "created_at", "accepted_at")
    fields = ("tenant", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at")

    def has_add_permission(self, request, *args):
        return False  # invitations are sent from the workspace's Members page


class TenantAwareUserAdmin(UserAdmin):
    """Superusers manage every user; workspace ops admins see the members of their workspaces."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active", "last_login")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(memberships__tenant_id__in=administered_tenant_ids(request.user)).distinct()


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), TenantAwareUserAdmin)
