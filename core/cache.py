"""Django's Redis cache with one client per connection pool instead of one per call.

Django's RedisCacheClient.get_client() builds a new redis.Redis for every get and set, and redis-py fills a
table of about two hundred response callbacks in each one: measurable on every request, which reads the session
and the user's reach from this cache (accounts/sessions.py, accounts/backends.py). The client holds no
connection of its own (the pool does, and redis-py's pool reconnects after a fork), so keeping it is safe.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
