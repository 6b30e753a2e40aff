import secrets
from datetime import datetime, timedelta
from itertools import count

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
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
    """A workspace owned by ``owner``. Without ``slug`` its address comes from the name, numbered when taken
    (``acme``, ``acme-2``); a ``slug`` given is used as it is, or refused when taken."""
    tenant = Tenant(name=name, slug=slug or _free_slug(name), currency=currency, time_zone=time_zone)
    tenant.full_clean()
    tenant.save()
    Membership.objects.create(tenant=tenant, user=owner, role=Role.OWNER)
    return tenant


def _free_slug(name: str) -> str:
    base = slugify(name)[:50]
    if not base:
        return ""  # full_clean names the name: it has no letters or digits to make an address of
    taken = set(Tenant.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(slug for number in count(1) if (slug := base if number == 1 else f"{base}-{number}") not in taken)


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


def api_key_revoke(*, api_key: ApiKey, by=None) -> ApiKey:
    """Revoke at once (the access cache drops the key on save); revoking twice keeps the first revocation."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = by
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


@transaction.atomic
def invitation_create(*, email: str, role: str, invited_by, accept_url_builder) -> Invitation:
    """Invite ``email`` to the current tenant and e-mail the link (the console in development)."""
    tenant = get_current_tenant()
    membership_role_check(actor=invited_by, tenant=tenant, role=role)
    email = get_user_model().objects.normalize_email(email).lower()
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the workspace."})
    invitation = Invitation(tenant=tenant, email=email, role=role, invited_by=invited_by)
    _invitation_send(invitation, sender=invited_by, accept_url_builder=accept_url_builder)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by, accept_url_builder) -> Invitation:
    """A fresh link and expiry, e-mailed again in ``by``'s name; the previous link stops working. Allowed to
    whoever may invite with the invitation's role."""
    membership_role_check(actor=by, tenant=invitation.tenant, role=invitation.role)
    if not invitation.is_open:
        raise ValidationError("Only an open invitation can be sent again; invite the person anew.")
    invitation.invited_by = by
    _invitation_send(invitation, sender=by, accept_url_builder=accept_url_builder)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    """Its link stops working at once (the page says it was revoked). Allowed to whoever may invite with the
    invitation's role."""
    membership_role_check(actor=by, tenant=invitation.tenant, role=invitation.role)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was accepted already; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _invitation_send(invitation: Invitation, *, sender, accept_url_builder) -> None:
    """Give ``invitation`` a new token and expiry, save it and e-mail the link once the transaction commits."""
    token = secrets.token_urlsafe(32)
    invitation.hashed_token = hash_secret(token)
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.full_clean()
    invitation.save()
    tenant = invitation.tenant
    link = accept_url_builder(reverse("invitation-accept", kwargs={"token": token}))
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {tenant.name}",
            message=f"{sender} invited you to the {tenant.name} workspace as {invitation.get_role_display()}.\n\n"
            f"Accept the invitation: {link}\n\nThe link expires on {invitation.expires_at:%Y-%m-%d}.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[invitation.email],
        )
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Join with the invited role; an owner invitation grants owner only while its inviter may grant it."""
    if not invitation.is_open:
        raise ValidationError("This invitation has expired or was already used.")
    membership = Membership.objects.filter(tenant=invitation.tenant, user=user).first()
    if membership is None:
        membership_role_check(actor=invitation.invited_by, tenant=invitation.tenant, role=invitation.role)
        membership = Membership.objects.create(tenant=invitation.tenant, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by) -> Membership:
    membership_role_check(actor=by, tenant=membership.tenant, membership=membership, role=role)
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    membership_role_check(actor=by, tenant=membership.tenant, membership=membership)
    membership.delete()


OWNER_RULE = "Only owners grant, change or remove the owner role."
LAST_OWNER_RULE = "A workspace needs at least one owner."


def may_manage_owners(actor, tenant: Tenant) -> bool:
    """Owners of ``tenant`` and platform operators (superusers)."""
    if actor is None or not actor.is_active:
        return False
    return actor.is_superuser or Membership.objects.filter(tenant=tenant, user=actor, role=Role.OWNER).exists()


def grantable_roles(actor, tenant: Tenant) -> list[tuple[str, str]]:
    """The role choices ``actor`` may hand out in ``tenant``."""
    if may_manage_owners(actor, tenant):
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.OWNER]


def membership_role_check(*, actor, tenant: Tenant, membership: Membership | None = None, role: str | None = None):
    """The one rule of every path that grants, changes or removes a role: ``membership`` None grants ``role``
    anew, ``role`` None removes ``membership``. Only owners and platform operators grant, change or remove the
    owner role (PermissionDenied); the last owner is never demoted or removed (ValidationError)."""
    current = membership.role if membership is not None else None
    if current == role:
        return
    if Role.OWNER in (current, role) and not may_manage_owners(actor, tenant):
        raise PermissionDenied(OWNER_RULE)
    if current == Role.OWNER:
        owners = Membership.objects.select_for_update().filter(tenant=tenant, role=Role.OWNER)
        if not owners.exclude(pk=membership.pk).exists():
            raise ValidationError({"role": LAST_OWNER_RULE})


OPENED_WORKSPACE_SESSION_KEY = "opened_workspace"


def workspace_opened(request, membership: Membership) -> None:
    """Remember the workspace a member opens, so that the next log-in lands there; written once per session
    and workspace switch, not per request."""
    if request.session.get(OPENED_WORKSPACE_SESSION_KEY) == membership.tenant_id:
        return
    Membership.objects.filter(pk=membership.pk).update(last_opened_at=timezone.now())
    request.session[OPENED_WORKSPACE_SESSION_KEY] = membership.tenant_id
