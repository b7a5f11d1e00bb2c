"""Django's Redis cache with one client per connection pool instead of one per call.

Django's RedisCacheClient.get_client() builds a new redis.Redis for every get and set, and redis-py fills a
table of about two hundred response callbacks in each one: measurable on every request, which reads the session
and the user's reach from this cache (accounts/sessions.py, accounts/backends.py). The client holds no
connection of its own (the pool does, and redis-py's pool reconnects after a fork), so keeping it is safe.

`Recent`: a small cache in the process, in front of Redis or instead of it.
"""

from collections import OrderedDict
from collections.abc import Callable

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


class Recent:
    """The last entries this process used, the least recently used pushed out beyond `size`: for what is keyed by
    a version (a user's reach, the work list's compiled SQL), so that an entry of an older version is never read
    again and only waits to be pushed out."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, dict] = OrderedDict()

    def get(self, key: str) -> dict | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def get_or_set(self, key, build: Callable):
        found = self.get(key)
        if found is None:
            found = build()
            self.set(key, found)
        return found

    def set(self, key: str, loaded: dict) -> None:
        self.entries[key] = loaded
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
