from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts.backends import load_with_user
        from core.workflow import AFTER_TRANSITION

        from .selectors import UNREAD_ATTR, unread_count_expression

        load_with_user(UNREAD_ATTR, unread_count_expression, per_request=True)  # changes with every notification

        from .tasks_of_workflows import on_transition

        AFTER_TRANSITION.append(on_transition)
