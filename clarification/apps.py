from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClarificationConfig(AppConfig):
    name = "clarification"
    verbose_name = _("Clarification")

    def ready(self):
        from core import jobs

        from .services.batches import JOB_NAME, batches_build_due

        jobs.register_monthly(JOB_NAME, batches_build_due)
