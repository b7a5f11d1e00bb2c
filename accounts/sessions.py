"""Sessions kept in PostgreSQL and read from Redis: a page costs no session query, and a Redis outage costs
nothing but speed (Django's cached_db store fails when the cache is down while it loads or deletes)."""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def _cache_call(self, method: str, *args):
        try:
            return getattr(self._cache, method)(*args)
        except Exception:
            logger.warning("session cache unavailable (%s); using the database", method, exc_info=True)
            return None

    def load(self):
        data = self._cache_call("get", self.cache_key)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_call("set", self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        if session_key and self._cache_call("has_key", self.cache_key_prefix + session_key):
            return True
        return super(cached_db.SessionStore, self).exists(session_key)

    def delete(self, session_key=None):
        super(cached_db.SessionStore, self).delete(session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cache_call("delete", self.cache_key_prefix + session_key)
