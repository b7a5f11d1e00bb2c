from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from core import jobs

        from .services import SNAPSHOT_JOB, snapshots_take_due

        jobs.register_monthly(SNAPSHOT_JOB, snapshots_take_due)
