from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Notifications")

    def ready(self):
        from core.workflow import AFTER_TRANSITION

        from .tasks_of_workflows import on_transition

        AFTER_TRANSITION.append(on_transition)
