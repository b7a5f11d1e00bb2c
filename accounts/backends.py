"""The session's user, with what every page asks of them: memberships with their reach, object grants, and what
other apps register (e.g. cases: the reports assigned to the user).

Loading all of that took one query whose compilation by the ORM and whose subqueries cost several milliseconds
on every request. It changes rarely, so it is cached (Redis) under the user's `reach_version`, which
jurisdiction.forget() replaces in the same transaction as any change of memberships, grants or assignments: a
request reads the user's row as before (a disabled account, a new password or a required password change take
effect at once) and the cached reach only if it was loaded for the version that row carries now. What changes
often (the unread count) is registered `per_request` and read with the row every time.
"""

import functools
import logging
from collections.abc import Callable

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db.models import Expression

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


def _reach_key(user: User) -> str:
    return f"reach:{user.pk}:{user.reach_version}"


def _cache_call(method: str, *args):
    """A Redis outage costs only speed: the reach is then loaded from the database."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        logger.warning("reach cache unavailable (%s); using the database", method, exc_info=True)
        return None


def _loaded_names() -> list[str]:
    return [PREFIX + "memberships", *jurisdiction.grant_annotations(), *_loaded_with_user]


class ReachModelBackend(ModelBackend):
    def get_user(self, user_id):
        per_request = {name: expression() for name, expression in _loaded_per_request.items()}
        user = User._default_manager.filter(pk=user_id).annotate(**per_request).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        loaded = _cache_call("get", _reach_key(user))
        if loaded is None:
            loaded = self._load_reach(user)
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
