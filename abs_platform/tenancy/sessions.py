"""Django's ``cached_db`` sessions, readable when the cache is not (``SESSION_ENGINE`` points here).

A session missing from the cache, or a cache that cannot be reached, is read from the database (where every
session is), as ``cache_reads`` does for the rest (docs/decisions/0006, addendum).
"""

import logging

from django.contrib.sessions.backends import cached_db, db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        """Django's, except that a cache that cannot take the copy read from the database is logged, not
        raised (Django's store fails the request)."""
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Cache unreachable; reading the session from the database.", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("Cache unreachable; the session is not kept there.", exc_info=True)
        return data

    def delete(self, session_key=None):
        """The cached copy first, strictly, then the row: a log-out that cannot reach the cache fails with both
        intact, rather than leave a copy that would sign the cookie in again once the cache is back (Django's
        store deletes the row first)."""
        session_key = session_key or self.session_key
        if session_key is None:
            return
        self._cache.delete(self.cache_key_prefix + session_key)
        db.SessionStore.delete(self, session_key)

    def exists(self, session_key):
        """Whether a new key is taken (at log-in): the database has every session, so it answers when the cache
        cannot (Django's own store would fail the log-in)."""
        try:
            return super().exists(session_key)
        except Exception:
            return db.SessionStore.exists(self, session_key)
