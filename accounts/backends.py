"""The session's user is loaded with their memberships and reach in one query (core/json_rows.py)."""

from django.contrib.auth.backends import ModelBackend

from core.json_rows import attach_lists, with_lists

from . import jurisdiction
from .models import User


class ReachModelBackend(ModelBackend):
    def get_user(self, user_id):
        lists = {"memberships": jurisdiction.memberships_with_reach()}
        user = with_lists(User._default_manager.filter(pk=user_id), **lists).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        attach_lists(user, **lists)
        return user
