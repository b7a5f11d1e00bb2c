"""The session's user, with what every page asks of them: memberships with their reach, object grants, and what
other apps register (e.g. cases: the reports assigned to the user).

Loading all of that took one query whose compilation by the ORM and whose subqueries cost several milliseconds
on every request. It changes rarely, so it is cached (in the process, then in Redis) under the user's
`reach_version`, which jurisdiction.forget() replaces in the same transaction as any change of memberships,
grants or assignments: a request reads the user's row as before (a disabled account, a new password or a
required password change take effect at once) and the cached reach only if it was loaded for the version that
row carries now. What changes often (the unread count) is registered `per_request` and read with the row.
"""

import functools
import hashlib
import logging
from collections.abc import Callable

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db.models import Expression

from core.cache import Recent
from core.json_rows import PREFIX, attach_lists, with_lists

from . import jurisdiction
from .models import User

logger = logging.getLogger(__name__)

_loaded_with_user: dict[str, Callable[[], Expression]] = {}
_loaded_per_request: dict[str, Callable[[], Expression]] = {}
# An entry outlives no version change (the key carries the version); the limit only clears unused entries.
REACH_CACHE_SECONDS = 6 * 3600


def load_with_user(name: str, expression: Callable[[], Expression], *, per_request: bool = False) -> None:
    """Register an annotation of the user's query (an app's AppConfig.ready); it becomes an attribute of
    request.user. Unless `per_request`, it is cached with the reach: a service that changes it must call
    jurisdiction.forget(user). Code reading it must fall back to a query when the attribute is absent (API
    tokens)."""
    (_loaded_per_request if per_request else _loaded_with_user)[name] = expression


@functools.cache
def _memberships():
    """The memberships' queryset, only for its shape (attach_lists reads its related fields and ordering)."""
    return jurisdiction.memberships_with_reach()


@functools.cache
def _shape() -> str:
    """What a cached reach holds: an entry written by code that loaded other names is never read (after a deploy)."""
    return hashlib.sha1(" ".join(sorted(_loaded_names())).encode()).hexdigest()[:8]


def _reach_key(user: User) -> str:
    return f"reach:{_shape()}:{user.pk}:{user.reach_version}"


# The last reaches this process loaded, in front of Redis (one round trip less per request). As safe as Redis: the
# key carries the version read from the user's row on this very request.
_recent = Recent(size=512)


def _cache_call(method: str, *args):
    """A Redis outage costs only speed: the reach is then loaded from the database."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        logger.warning("reach cache unavailable (%s); using the database", method, exc_info=True)
        return None


def _loaded_names() -> list[str]:
    return [PREFIX + "memberships", *jurisdiction.grant_annotations(), *_loaded_with_user]


# An id no user has: it marks where the user's id goes in the compiled SQL of _user_query.
_ID_MARK = -918_273_645


@functools.cache
def _user_query() -> tuple[str, tuple, int]:
    """The user's row with the per-request annotations, compiled once per process: the ORM's compilation of the
    annotated query took longer than PostgreSQL's answer to it (a few hundred microseconds against 0.1 ms)."""
    per_request = {name: expression() for name, expression in _loaded_per_request.items()}
    sql, params = User._default_manager.filter(pk=_ID_MARK).annotate(**per_request).query.sql_with_params()
    if list(params).count(_ID_MARK) != 1:
        raise RuntimeError("the user query must take the id once")
    return sql, tuple(params), list(params).index(_ID_MARK)


def _user_row(user_id) -> User | None:
    sql, params, at = _user_query()
    try:
        user_id = User._meta.pk.to_python(user_id)
    except Exception:
        return None
    values = list(params)
    values[at] = user_id
    return next(iter(User._default_manager.raw(sql, values)), None)


class ReachModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = _user_row(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        key = _reach_key(user)
        loaded = _recent.get(key)
        if loaded is None:
            loaded = _cache_call("get", key)
            if loaded is None:
                loaded = self._load_reach(user)
            _recent.set(_reach_key(user), loaded)
        for name, value in loaded.items():
            setattr(user, name, value)
        attach_lists(user, memberships=_memberships())
        return user

    def _load_reach(self, user: User) -> dict:
        """One query for the reach, cached under the version it was read with: a change committed meanwhile has
        a new version, so this entry is never read for it."""
        lists = {"memberships": jurisdiction.memberships_with_reach()}
        extra = {name: expression() for name, expression in _loaded_with_user.items()}
        names = _loaded_names()
        row = (
            with_lists(User._default_manager.filter(pk=user.pk), **lists)
            .annotate(**jurisdiction.grant_annotations(), **extra)
            .values("reach_version", *names)
            .first()
        )
        if row is None:
            return {}
        loaded = {name: row[name] for name in names}
        user.reach_version = row["reach_version"]
        _cache_call("set", _reach_key(user), loaded, REACH_CACHE_SECONDS)
        return loaded
