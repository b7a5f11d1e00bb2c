"""The admin shows case data to nobody (DESIGN.md §3); the monthly schedule itself is edited under
"Periodic tasks" (django_celery_beat). Here admins can see which months the joint batch job has run."""

from django.contrib import admin

from accounts.admin_site import ProvinceDataAdminMixin, ReadOnlyAdminMixin
from core.models import JobRun

from .models import EvaluativePhrase
from .services.phrases import phrase_save


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["job", "period", "status", "started_at", "heartbeat_at", "finished_at", "attempts", "runner"]
    list_filter = ["job", "status"]
    ordering = ["job", "-period"]


@admin.register(EvaluativePhrase)
class EvaluativePhraseAdmin(ProvinceDataAdminMixin, admin.ModelAdmin):
    """A province's administrators keep the phrases a clarification statement must not carry. A phrase is retired,
    never deleted: overrides and audit events cite it."""

    list_display = ["phrase", "province_code", "retired"]
    list_filter = ["province_code", "retired"]
    search_fields = ["phrase"]
    ordering = ["province_code", "phrase"]

    def save_through_service(self, actor, obj) -> None:
        phrase_save(actor=actor, phrase=obj)
