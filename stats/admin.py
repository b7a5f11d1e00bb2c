from django.contrib import admin

from .models import ExportJob, Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Published figures are read-only: they are taken by the monthly task or `manage.py stats_snapshot`."""

    list_display = ["commission", "month", "taken_at"]
    list_filter = ["month"]
    readonly_fields = ["commission", "month", "figures", "taken_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "kind", "fmt", "status", "rows_done", "rows_total", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
