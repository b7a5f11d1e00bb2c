"""The exemption catalogue is data, kept per province by that province's administrators."""

from django.contrib import admin

from accounts import administration
from accounts.admin_site import ProvinceDataAdminMixin, ReadOnlyAdminMixin

from . import services
from .models import ExemptionEntry, MeasureRule


@admin.register(ExemptionEntry)
class ExemptionEntryAdmin(ProvinceDataAdminMixin, admin.ModelAdmin):
    """Entries once cited are retired, never deleted."""

    list_display = ["code", "title", "title_en", "province_code", "in_force_from", "in_force_to", "retired"]
    list_filter = ["province_code", "retired"]
    search_fields = ["code", "title", "title_en"]
    ordering = ["province_code", "code"]

    def save_through_service(self, actor, obj) -> None:
        services.catalogue_entry_save(actor=actor, entry=obj)


@admin.register(MeasureRule)
class MeasureRuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The measures each form allows are national rules: shown here, changed only by a data migration."""

    list_display = ["target_kind", "form", "measure"]
    list_filter = ["target_kind", "form"]

    def has_module_permission(self, request):
        return administration.is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)
