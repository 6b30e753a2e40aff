import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .caching import forget_tenant_access
from .context import get_current_tenant
from .models import ApiKey, ApiKeyScope, Invitation, Membership, Role, Tenant, hash_secret

INVITATION_LIFETIME = timedelta(days=14)


@transaction.atomic
def tenants_set_active(*, tenants, active: bool) -> int:
    """(De)activate workspaces in one statement; their members and keys gain or lose access at once."""
    tenant_ids = list(tenants.values_list("pk", flat=True))
    updated = Tenant.objects.filter(pk__in=tenant_ids).update(is_active=active)
    forget_tenant_access(tenant_ids)
    transaction.on_commit(lambda: forget_tenant_access(tenant_ids), robust=True)  # a request in between may re-cache
    return updated


@transaction.atomic
def tenant_create(*, name: str, owner, slug: str = "", currency: str = "USD", time_zone: str = "UTC") -> Tenant:
    tenant = Tenant(name=name, slug=slug or slugify(name)[:60], currency=currency, time_zone=time_zone)
    tenant.full_clean()
    tenant.save()
    Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
    return tenant


@transaction.atomic
def api_key_create(
    *, name: str, scope: str = ApiKeyScope.READ, created_by=None, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Create a key for the current tenant; returns it and the full secret, which is never stored."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix, raw_key = ApiKey.generate()
    api_key = ApiKey(
        tenant=get_current_tenant(),
        name=name,
        scope=scope,
        prefix=prefix,
        hashed_key=hash_secret(raw_key),
        created_by=created_by,
        expires_at=expires_at,
    )
    api_key.full_clean()
    api_key.save()
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


@transaction.atomic
def invitation_create(*, email: str, role: str, invited_by, accept_url_builder) -> Invitation:
    """Invite ``email`` to the current tenant and e-mail the link (the console in development)."""
    tenant = get_current_tenant()
    email = get_user_model().objects.normalize_email(email).lower()
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the workspace."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        tenant=tenant,
        email=email,
        role=role,
        hashed_token=hash_secret(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    link = accept_url_builder(reverse("invitation-accept", kwargs={"token": token}))
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {tenant.name}",
            message=f"{invited_by} invited you to the {tenant.name} workspace as {invitation.get_role_display()}.\n\n"
            f"Accept the invitation: {link}\n\nThe link expires on {invitation.expires_at:%Y-%m-%d}.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    if not invitation.is_open:
        raise ValidationError("This invitation has expired or was already used.")
    membership, _ = Membership.objects.get_or_create(
        tenant=invitation.tenant, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if membership.role == Role.OWNER and role != Role.OWNER:
        _refuse_removing_last_owner(membership)
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.OWNER:
        _refuse_removing_last_owner(membership)
    membership.delete()


def _refuse_removing_last_owner(membership: Membership) -> None:
    others = Membership.objects.select_for_update().filter(tenant=membership.tenant, role=Role.OWNER)
    if not others.exclude(pk=membership.pk).exists():
        raise ValidationError({"role": "A workspace needs at least one owner."})
