"""Tenants (workspaces), their members and API keys, and the base of all tenant-owned data."""

import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .context import NoTenantError, current_scope, get_current_tenant, get_current_user


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/Berlin).")


class Tenant(models.Model):
    """A selling company using the product; "workspace" on screen."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. USD.")],
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.MANAGER: 2, Role.ADMIN: 3, Role.OWNER: 4}


def role_at_least(role: str, minimum: str) -> bool:
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[minimum]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the member last opened this workspace."
    )

    history = HistoricalRecords(excluded_fields=["last_opened_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")]
        ordering = ["tenant__name", "user__username"]

    def __str__(self):
        return f"{self.user} in {self.tenant} ({self.role})"

    def can(self, minimum_role: str) -> bool:
        return role_at_least(self.role, minimum_role)


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


def hash_secret(raw: str) -> str:
    """Keys are 256-bit random, so a fast hash is enough (no password stretching needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """A per-tenant key for integrations. The full key is shown once; only its hash is kept."""

    PREFIX_LENGTH = 8

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=10, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str]:
        """Return (prefix, full key). The key reads ``abs_<prefix>_<secret>``."""
        prefix = secrets.token_hex(ApiKey.PREFIX_LENGTH // 2)
        return prefix, f"abs_{prefix}_{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == ApiKeyScope.READ_WRITE


class Invitation(models.Model):
    """An e-mailed invitation to join a tenant with a role; accepted once, before it expires."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    hashed_token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.tenant} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class TenantMismatchError(ValueError):
    """A row was saved into, or made to point at, another tenant's data."""


class TenantManager(models.Manager):
    """The everyday manager: only the current tenant's rows; raises with no tenant."""

    def get_queryset(self):
        return super().get_queryset().filter(tenant_id=get_current_tenant().pk)


def history_user(request=None, **kwargs):
    """Who made a change: the acting user of the tenant context, else the request's user."""
    user = get_current_user()
    if user is None and request is not None:
        user = request.user
    return user if getattr(user, "is_authenticated", False) else None


class TenantOwnedModel(models.Model):
    """Base of every tenant-owned model.

    ``objects`` is scoped to the current tenant and fails closed.
    ``all_tenants`` (the default manager, so the admin and Django internals work)
    is for ops-admin and system code only. ``save()`` stamps the tenant from the
    context and refuses rows of, or pointing to, another tenant.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    all_tenants = models.Manager()
    objects = TenantManager()
    history = HistoricalRecords(inherit=True, excluded_fields=["updated_at"], get_user=history_user)

    class Meta:
        abstract = True
        default_manager_name = "all_tenants"

    def save(self, *args, **kwargs):
        scope = current_scope()
        if self.tenant_id is None:
            if scope is None:
                raise NoTenantError(f"Cannot save {type(self).__name__} without a tenant.")
            self.tenant = scope.tenant
        elif scope is not None and scope.tenant.pk != self.tenant_id:
            raise TenantMismatchError(f"{type(self).__name__} belongs to another tenant than the current one.")
        self.check_same_tenant_references()
        user = scope.user if scope else None
        if user is not None and getattr(user, "is_authenticated", False):
            if self._state.adding and self.created_by_id is None:
                self.created_by = user
            self.updated_by = user
        super().save(*args, **kwargs)

    def check_same_tenant_references(self) -> None:
        """Refuse foreign keys to tenant-owned rows of another tenant."""
        for field in self._meta.concrete_fields:
            if not field.is_relation or not issubclass(field.related_model, TenantOwnedModel):
                continue
            target_id = getattr(self, field.attname)
            if target_id is None:
                continue
            cached = field.get_cached_value(self, default=None)
            if cached is not None and cached.pk == target_id:
                target_tenant_id = cached.tenant_id
            else:
                target_tenant_id = (
                    field.related_model.all_tenants.filter(pk=target_id).values_list("tenant_id", flat=True).first()
                )
            if target_tenant_id != self.tenant_id:
                raise TenantMismatchError(f"{type(self).__name__}.{field.name} refers to a row of another tenant.")
