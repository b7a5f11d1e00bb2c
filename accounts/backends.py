"""The session's user is loaded in one query with what every page asks of them: memberships with their reach,
object grants, and what other apps register (e.g. cases: the reports assigned to the user)."""

from collections.abc import Callable

from django.contrib.auth.backends import ModelBackend
from django.db.models import Expression

from core.json_rows import attach_lists, with_lists

from . import jurisdiction
from .models import User

_loaded_with_user: dict[str, Callable[[], Expression]] = {}


def load_with_user(name: str, expression: Callable[[], Expression]) -> None:
    """Register an annotation of the user's query (an app's AppConfig.ready); it becomes an attribute of
    request.user. Code reading it must fall back to a query when the attribute is absent (API tokens)."""
    _loaded_with_user[name] = expression


class ReachModelBackend(ModelBackend):
    def get_user(self, user_id):
        lists = {"memberships": jurisdiction.memberships_with_reach()}
        extra = {name: expression() for name, expression in _loaded_with_user.items()}
        queryset = with_lists(User._default_manager.filter(pk=user_id), **lists).annotate(
            **jurisdiction.grant_annotations(), **extra
        )
        user = queryset.first()
        if user is None or not self.user_can_authenticate(user):
            return None
        attach_lists(user, **lists)
        return user
