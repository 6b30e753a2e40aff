"""The Django admin for ops.

Platform operators (superusers) see every workspace, through the database's bypass role. A workspace's own
ops admins (staff flag plus the admin or owner role) use the same admin in one workspace at a time (the
middleware chooses it; ``admin_workspace`` switches), under row-level security as its members are: every
query, widget lookup included, sees that workspace's rows only, and other workspaces' ids answer as unknown.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .context import tenant_context
from .models import ApiKey, Invitation, Membership, Tenant, TenantOwnedModel

admin.site.site_header = "ABS Platform operations"
admin.site.site_title = "ABS ops"
admin.site.index_title = "Workspaces, people and data"


def admin_workspace(request) -> Tenant | None:
    """The one workspace a workspace ops admin works in; None for platform operators (and refused staff)."""
    return None if request.user.is_superuser else getattr(request, "tenant", None)


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Names the chosen object only when the field's queryset holds it: another workspace's id reads as unknown."""

    def __init__(self, rel, admin_site, queryset, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        try:
            visible = self.queryset.filter(**{self.rel.get_related_field().name: value}).exists()
        except (ValueError, ValidationError):
            visible = False
        return super().label_and_url_for_value(value) if visible else ("", "")


class ScopedFormFields:
    """Foreign-key choices (selects and raw-id widgets alike) of the workspace being administered."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        tenant = admin_workspace(request)
        related = db_field.related_model
        if tenant is not None and "queryset" not in kwargs:
            if isinstance(related, type) and issubclass(related, TenantOwnedModel):
                kwargs["queryset"] = related.objects.all()
            elif related is get_user_model():
                kwargs["queryset"] = related.objects.filter(memberships__tenant=tenant).distinct()
            elif related is Tenant:
                kwargs["queryset"] = Tenant.objects.filter(pk=tenant.pk)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, ForeignKeyRawIdWidget):
            widget = formfield.widget
            formfield.widget = ScopedRawIdWidget(widget.rel, widget.admin_site, formfield.queryset, using=widget.db)
        return formfield


class TenantOpsPermissions(ScopedFormFields):
    """Tenant ops admins may use these admin pages without Django model permissions."""

    tenant_field = "tenant"
    ops_can_add = True
    ops_can_delete = True

    def _is_ops(self, request) -> bool:
        return admin_workspace(request) is not None

    def _owns(self, request, obj) -> bool:
        return obj is None or getattr(obj, f"{self.tenant_field}_id") == admin_workspace(request).pk

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
        return queryset.filter(**{f"{self.tenant_field}_id": admin_workspace(request).pk})

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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_queryset(request).select_related("tenant").filter(pk=unquote(object_id)).first()
        if obj is None:
            raise Http404("No such object.")
        # django-simple-history reads the live row through ``objects``, the tenant manager: give it the workspace.
        with tenant_context(obj.tenant, request.user):
            return super().history_form_view(request, object_id, version_id, extra_context)


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
        tenant = admin_workspace(request)
        if obj is None and "tenant" in form.base_fields and tenant is not None:
            form.base_fields["tenant"].queryset = Tenant.objects.filter(pk=tenant.pk)
            form.base_fields["tenant"].initial = tenant
        return form

    def save_model(self, request, obj, form, change):
        with tenant_context(obj.tenant, request.user):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with tenant_context(obj.tenant, request.user):
            super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    """The workspace's members at a glance; each is changed on its own page, where the role rules apply."""

    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        return obj is None or obj.pk == admin_workspace(request).pk

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if not request.user.is_superuser:
            queryset = queryset.filter(pk=admin_workspace(request).pk)
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


class MembershipAdminForm(forms.ModelForm):
    """Grants, changes and removals follow ``services.membership_role_check`` (``actor`` is set per request)."""

    actor = None

    def clean(self):
        cleaned = super().clean()
        tenant = cleaned.get("tenant") or (self.instance.tenant if self.instance.tenant_id else None)
        if tenant is not None and cleaned.get("role"):
            stored = self.instance if self.instance.pk else None
            try:
                services.membership_role_check(actor=self.actor, tenant=tenant, membership=stored, role=cleaned["role"])
            except PermissionDenied as refused:
                self.add_error("role", str(refused))
            except ValidationError as error:
                self.add_error(None, error.messages)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(TenantOpsPermissions, SimpleHistoryAdmin):
    form = MembershipAdminForm
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "tenant__name")
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # One membership is one person: to move the role to someone else, change roles, not the person.
        return ("tenant", "user") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        try:
            if obj is not None:
                services.membership_role_check(actor=request.user, tenant=obj.tenant, membership=obj)
        except (PermissionDenied, ValidationError):
            return False
        return True

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        """All or nothing: a refusal answers 403, which rolls the request back (removing every owner at once)."""
        for membership in queryset.select_related("tenant"):
            try:
                services.membership_remove(membership=membership, by=request.user)
            except ValidationError as refused:
                raise PermissionDenied(" ".join(refused.messages)) from refused


@admin.register(ApiKey)
class ApiKeyAdmin(TenantOpsPermissions, SimpleHistoryAdmin):
    ops_can_add = False
    list_display = ("name", "prefix", "tenant", "scope", "created_by", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "tenant__name")
    readonly_fields = ("tenant", "prefix", "created_by", "created_at", "last_used_at", "revoked_by")
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
        "revoked_by",
    )
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False  # keys are created in the workspace, where the secret is shown once

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key, by=request.user)
        messages.success(request, f"{queryset.count()} key(s) revoked.")


@admin.register(Invitation)
class InvitationAdmin(TenantOpsPermissions, admin.ModelAdmin):
    ops_can_add = False
    list_display = ("email", "tenant", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email", "tenant__name")
    readonly_fields = ("tenant", "email", "role", "invited_by", "created_at", "accepted_at", "revoked_at")
    fields = ("tenant", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")

    def has_add_permission(self, request, *args):
        return False  # invitations are sent from the workspace's Members page


class TenantAwareUserAdmin(UserAdmin):
    """Superusers manage every user; workspace ops admins see the members of their workspace."""

    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active", "last_login")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        tenant = admin_workspace(request)
        if request.user.is_superuser:
            return queryset
        if tenant is None:
            return queryset.none()
        return queryset.filter(memberships__tenant=tenant).distinct()


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), TenantAwareUserAdmin)
