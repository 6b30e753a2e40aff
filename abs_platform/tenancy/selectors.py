from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import cache_reads
from .caching import ACCESS_CACHE_SECONDS, api_key_cache_key, memberships_cache_key
from .context import get_current_tenant
from .models import ApiKey, Invitation, Membership, Role, hash_secret

API_KEY_HEADER_PREFIX = "Api-Key "
LAST_USED_RESOLUTION = timedelta(minutes=1)


def membership_for(*, user, tenant_slug: str) -> Membership | None:
    return membership_in(memberships_of(user), tenant_slug=tenant_slug)


def membership_in(memberships: list[Membership], *, tenant_slug: str) -> Membership | None:
    return next((m for m in memberships if m.tenant.slug == tenant_slug), None)


def memberships_of(user) -> list[Membership]:
    """The user's memberships of active workspaces, with the workspace (cached: see tenancy/caching.py;
    the session's user carries them when they were in the cache with it)."""
    memberships = getattr(user, "cached_memberships", None)
    if memberships is not None:
        return memberships
    return cache_reads.remembered(
        memberships_cache_key(user.pk),
        ACCESS_CACHE_SECONDS,
        lambda: list(Membership.objects.select_related("tenant").filter(user=user, tenant__is_active=True)),
    )


def administered_memberships(user) -> list[Membership]:
    """The memberships through which a staff user administers workspaces in the Django admin."""
    return [m for m in memberships_of(user) if m.role in (Role.ADMIN, Role.OWNER)]


def api_key_from_header(header: str) -> str | None:
    if not header.startswith(API_KEY_HEADER_PREFIX):
        return None
    return header[len(API_KEY_HEADER_PREFIX) :].strip()


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key``, or None. Records when it was last used (once a minute at most)."""
    parts = raw_key.split("_")
    if len(parts) < 3 or parts[0] != "abs":
        return None
    hashed_key = hash_secret(raw_key)
    cache_key = api_key_cache_key(hashed_key)
    api_key = cache_reads.read(cache_key)
    if api_key is None:
        try:
            api_key = ApiKey.objects.select_related("tenant", "created_by").get(
                prefix=parts[1], hashed_key=hashed_key, tenant__is_active=True
            )
        except ApiKey.DoesNotExist:
            return None
        # Cached with the key (one cache read per request): caching.py drops the key when its creator or
        # the creator's memberships (their role too) change.
        api_key.creator_role = _creator_role(api_key)
        cache_reads.write(cache_key, api_key, ACCESS_CACHE_SECONDS)
    if not api_key.is_active or api_key.creator_role is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
        cache_reads.write(cache_key, api_key, ACCESS_CACHE_SECONDS)
    return api_key


def _creator_role(api_key: ApiKey) -> str | None:
    """A key acts for the member who created it, with at most their current role (permissions.py); None (the
    key stops) when they left the workspace or were deactivated."""
    creator = api_key.created_by
    if creator is None or not creator.is_active:
        return None
    membership = membership_for(user=creator, tenant_slug=api_key.tenant.slug)
    return None if membership is None else membership.role


def assignable_members():
    """Users of the current tenant who can own records: every member but viewers, who only read."""
    return (
        get_user_model()
        .objects.filter(
            memberships__tenant=get_current_tenant(), memberships__role__in=[r for r in Role if r != Role.VIEWER]
        )
        .order_by("username")
    )


def tenant_memberships():
    return Membership.objects.select_related("user").filter(tenant=get_current_tenant()).order_by("user__username")


def tenant_api_keys():
    return ApiKey.objects.select_related("created_by", "revoked_by").filter(tenant=get_current_tenant())


def tenant_open_invitations():
    return Invitation.objects.filter(
        tenant=get_current_tenant(), accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("tenant").filter(hashed_token=hash_secret(token)).first()


def last_opened_workspace(user) -> str | None:
    """The slug of the workspace ``user`` opened last (``services.workspace_opened``), if any."""
    return (
        Membership.objects.filter(user=user, last_opened_at__isnull=False)
        .order_by("-last_opened_at")
        .values_list("tenant__slug", flat=True)
        .first()
    )
