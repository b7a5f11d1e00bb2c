"""The exemption catalogue is data, kept per province by that province's administrators."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from accounts import jurisdiction
from accounts.roles import Role
from core.errors import DomainError

from . import services
from .models import ExemptionEntry, MeasureRule


def _provinces(user) -> set[str]:
    return {m.commission.division_code for m in jurisdiction.memberships_of(user) if m.role == Role.ADMIN}


@admin.register(ExemptionEntry)
class ExemptionEntryAdmin(admin.ModelAdmin):
    scoped_for_administrators = True  # by the province's administrators, below (accounts/admin_site.py)
    list_display = ["code", "title", "title_en", "province_code", "in_force_from", "in_force_to", "retired"]
    list_filter = ["province_code", "retired"]
    search_fields = ["code", "title", "title_en"]
    ordering = ["province_code", "code"]

    def _allowed(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        provinces = {p for p in _provinces(request.user) if services.may_edit_catalogue(request.user, p)}
        if obj is None:
            return bool(provinces) and request.user.is_staff
        return obj.province_code in provinces

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # entries once cited are retired, never deleted

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(province_code__in=_provinces(request.user))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        provinces = sorted(_provinces(request.user))
        if len(provinces) == 1:
            initial.setdefault("province_code", provinces[0])
        return initial

    def save_model(self, request, obj, form, change):
        try:
            services.catalogue_entry_save(actor=request.user, entry=obj)
        except DomainError as error:
            messages.error(request, error.message)
            raise PermissionDenied(error.message) from error


@admin.register(MeasureRule)
class MeasureRuleAdmin(admin.ModelAdmin):
    """The measures each form allows are national rules: shown here, changed only by a data migration."""

    list_display = ["target_kind", "form", "measure"]
    list_filter = ["target_kind", "form"]

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(_provinces(request.user))

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
