from django.contrib import admin

from accounts.admin_site import ReadOnlyAdminMixin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "commission"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor__username"]
    list_select_related = ["actor", "commission"]
