"""Django's ``cached_db`` sessions, read together with the hinted user's access entries.

``SESSION_ENGINE`` points here. When the request carries a user hint
(``middleware.UserHintMiddleware``), loading the session reads the session and
that user's cached user and memberships in one round trip; ``CachedUserBackend``
takes them if the session's user is the hinted one (docs/decisions/0011).
"""

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS

from .caching import current_user_hint


class SessionStore(cached_db.SessionStore):
    def load(self):
        hint = current_user_hint()
        if hint is None or hint.found is not None or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:
            return super().load()
        try:
            found = self._cache.get_many([self.cache_key, *hint.cache_keys])
        except Exception:
            return super().load()
        data = found.pop(self.cache_key, None)
        hint.found = found
        return super().load() if data is None else data
