"""The admin shows case data to nobody (DESIGN.md §3); the monthly schedule itself is edited under
"Periodic tasks" (django_celery_beat). Here admins can see which months the joint batch job has run."""

from django.contrib import admin

from core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "status", "started_at", "finished_at"]
    list_filter = ["job", "status"]
    ordering = ["job", "-period"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
