"""A small fixed-window rate limiter on the shared cache (Redis in production), per client address or key.

Client addresses are kept only as keyed hashes: the public pages serve people who report officials, and
their addresses must not sit readable in the cache.
"""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.crypto import keyed_hash

PREFIX = "ratelimit"
logger = logging.getLogger(__name__)


def _cache_down(error: Exception) -> None:
    # With the cache (Redis) down the public pages keep serving: limits are skipped, never the reporter.
    logger.warning("rate limiter cache unavailable: %s", error.__class__.__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the header a trusted reverse proxy sets (CLIENT_IP_HEADER, e.g.
    HTTP_X_REAL_IP); None when there is no valid one.

    The one answer to "who is this client" for the public rate limits and the login throttling (django-axes).
    """
    header = getattr(settings, "CLIENT_IP_HEADER", None)
    if header is None:  # the setting's old name
        header = getattr(settings, "RATELIMIT_CLIENT_IP_HEADER", "")
    value = request.META.get(header) if header else None
    # X-Forwarded-For may hold a chain; the proxy we trust appends the client it saw last.
    value = value.split(",")[-1].strip() if value else request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _cache_key(scope: str, who: str, window: int) -> str:
    bucket = int(time.time() // window)
    return f"{PREFIX}:{scope}:{keyed_hash(who, purpose='ratelimit')}:{window}:{bucket}"


def _who(request: HttpRequest, key: str | None) -> str:
    return key if key is not None else client_address(request)


def count(request: HttpRequest, scope: str, window: int, *, key: str | None = None) -> int:
    """How many hits this client (or key) made in the current window of this scope."""
    try:
        return int(cache.get(_cache_key(scope, _who(request, key), window)) or 0)
    except Exception as error:
        _cache_down(error)
        return 0


def exceeded(request: HttpRequest, scope: str, limit: int, window: int, *, key: str | None = None) -> bool:
    """True when the limit is already used up, without counting a hit."""
    return count(request, scope, window, key=key) >= limit


def hit(request: HttpRequest, scope: str, limit: int, window: int, *, key: str | None = None) -> bool:
    """Count one hit; True while the client (or key) stays within `limit` hits per `window` seconds."""
    cache_key = _cache_key(scope, _who(request, key), window)
    try:
        cache.add(cache_key, 0, timeout=window)
        try:
            used = cache.incr(cache_key)
        except ValueError:  # the window expired between add and incr
            cache.set(cache_key, 1, timeout=window)
            used = 1
    except Exception as error:
        _cache_down(error)
        return True
    return used <= limit


def first_use(scope: str, token: str, window: int) -> bool:
    """True the first time a token is presented within the window: stops a form from being sent twice."""
    try:
        return cache.add(f"{PREFIX}:once:{scope}:{keyed_hash(token, purpose='once')}", 1, timeout=window)
    except Exception as error:
        _cache_down(error)
        return True
