"""Who-may-do-what, cached: the lookups every request makes before it does any work.

Every API request looks up its key, and every page request its user and the
user's memberships; all change rarely and are read constantly, so they are kept in
the shared cache (Redis in deployment: ``CACHE_URL``) for at most
``ACCESS_CACHE_SECONDS`` and dropped at once, by the signal receivers below,
whenever a key, a user, a membership or a workspace is saved or deleted. Writes that
bypass signals (``QuerySet.update``) call ``forget_tenant_access`` themselves.
Why a shared cache and not per-process memory: docs/decisions/0006.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import cache_reads
from .models import ApiKey, Membership, Tenant

ACCESS_CACHE_SECONDS = 60


def api_key_cache_key(hashed_key: str) -> str:
    return f"access:api-key:{hashed_key}"


def memberships_cache_key(user_id: int) -> str:
    return f"access:memberships:{user_id}"


def user_cache_key(user_id) -> str:
    return f"access:user:{user_id}"


class CachedUserBackend(ModelBackend):
    """Django's model backend, with the session's user read from the cache. The session's password hash
    is still checked against the cached user, and saving a user (a new password, deactivation) drops it."""

    def get_user(self, user_id):
        # The user's memberships come in the same round trip: every workspace page reads them next
        # (``selectors.memberships_of`` takes them from ``user.cached_memberships``).
        cache_key, memberships_key = user_cache_key(user_id), memberships_cache_key(user_id)
        found = cache_reads.read_many([cache_key, memberships_key])
        user = found.get(cache_key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache_reads.write(cache_key, user, ACCESS_CACHE_SECONDS)
        if user is not None and memberships_key in found:
            user.cached_memberships = found[memberships_key]
        return user


def forget_tenant_access(tenant_ids) -> None:
    """Drop the cached keys and memberships of these workspaces (after a deactivation, say)."""
    keys = ApiKey.objects.filter(tenant_id__in=tenant_ids).values_list("hashed_key", flat=True)
    users = Membership.objects.filter(tenant_id__in=tenant_ids).values_list("user_id", flat=True)
    cache.delete_many([api_key_cache_key(hashed) for hashed in keys] + [memberships_cache_key(pk) for pk in users])


def _forget(cache_key: str) -> None:
    """Now, and again at commit: a request reading the old row in between may have cached it again. The first
    fails the change when the cache is down; the second, after the commit, is logged instead (a committed
    change must not answer 500; a copy cached in between then lives out its ``ACCESS_CACHE_SECONDS``)."""
    cache.delete(cache_key)
    transaction.on_commit(lambda: cache.delete(cache_key), robust=True)


def _forget_api_key(sender, instance, **kwargs):
    _forget(api_key_cache_key(instance.hashed_key))


def _forget_keys_created_by(user_id) -> None:
    """A cached key carries its creator and whether the creator is still a member of its workspace."""
    for hashed_key in ApiKey.objects.filter(created_by_id=user_id).values_list("hashed_key", flat=True):
        _forget(api_key_cache_key(hashed_key))


def _forget_memberships(sender, instance, **kwargs):
    """The user's memberships, and the keys they created (which act only while they are a member)."""
    _forget(memberships_cache_key(instance.user_id))
    _forget_keys_created_by(instance.user_id)


def _forget_user(sender, instance, update_fields=None, **kwargs):
    """The user, and the keys they created (e.g. whether the creator is still active). Not for a log-in's
    ``last_login`` alone: nothing that decides access reads it from the cached user, and a log-in must not
    depend on the cache being reachable."""
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return
    _forget(user_cache_key(instance.pk))
    _forget_keys_created_by(instance.pk)


def _forget_tenant(sender, instance, **kwargs):
    forget_tenant_access([instance.pk])
    transaction.on_commit(lambda: forget_tenant_access([instance.pk]), robust=True)


def connect_receivers() -> None:
    for event, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(_forget_api_key, sender=ApiKey, dispatch_uid=f"access_api_key_{event}")
        signal.connect(_forget_memberships, sender=Membership, dispatch_uid=f"access_memberships_{event}")
        signal.connect(_forget_user, sender=get_user_model(), dispatch_uid=f"access_user_{event}")
    post_save.connect(_forget_tenant, sender=Tenant, dispatch_uid="access_tenant_saved")
