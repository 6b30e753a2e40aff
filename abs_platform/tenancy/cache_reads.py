"""Reads from the shared cache (Redis in deployment) that fall back to the database when it is unreachable.

Everything cached here (who may do what, per-workspace figures) is a copy of rows in PostgreSQL, so a cache
that cannot be reached, or that fails to store a copy, only makes requests slower: they read the rows
instead, and the failure is logged. Dropping an entry stays strict (``caching._forget`` uses the cache
directly): a change that cannot drop the copies it invalidates fails and is rolled back, rather than leave a
stale grant behind for when the cache comes back (docs/decisions/0006).
"""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def read(key: str):
    """The cached value, or None when it is missing or the cache cannot be reached."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Cache unreachable; reading %s from the database.", key, exc_info=True)
        return None


def read_many(keys: list[str]) -> dict:
    """The cached values found (``cache.get_many``); none when the cache cannot be reached."""
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("Cache unreachable; reading %s from the database.", ", ".join(keys), exc_info=True)
        return {}


def write(key: str, value, seconds: int) -> None:
    """Keep a copy for ``seconds``; a cache that cannot take it is logged, and the next read recomputes."""
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("Cache unreachable; %s not kept.", key, exc_info=True)


def remembered(key: str, seconds: int, compute):
    """The cached value of ``key``, else ``compute()`` kept for ``seconds``."""
    value = read(key)
    if value is None:
        value = compute()
        write(key, value, seconds)
    return value
