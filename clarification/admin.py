"""The admin shows case data to nobody (DESIGN.md §3); the monthly schedule itself is edited under
"Periodic tasks" (django_celery_beat). Here admins can see which months the joint batch job has run."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from core.errors import DomainError
from core.models import JobRun

from .models import EvaluativePhrase
from .services.phrases import may_edit_phrases, phrase_save


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "status", "started_at", "heartbeat_at", "finished_at", "attempts", "runner"]
    list_filter = ["job", "status"]
    ordering = ["job", "-period"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _admin_provinces(user) -> set[str]:
    from accounts import jurisdiction
    from accounts.roles import Role

    return {m.commission.division_code for m in jurisdiction.memberships_of(user) if m.role == Role.ADMIN}


@admin.register(EvaluativePhrase)
class EvaluativePhraseAdmin(admin.ModelAdmin):
    """A province's administrators keep the phrases a clarification statement must not carry."""

    scoped_for_administrators = True  # by the province's administrators, below (accounts/admin_site.py)

    list_display = ["phrase", "province_code", "retired"]
    list_filter = ["province_code", "retired"]
    search_fields = ["phrase"]
    ordering = ["province_code", "phrase"]

    def _allowed(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        provinces = {p for p in _admin_provinces(request.user) if may_edit_phrases(request.user, p)}
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
        return False  # retire a phrase instead: overrides and audit events cite it

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(province_code__in=_admin_provinces(request.user))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        provinces = sorted(_admin_provinces(request.user))
        if len(provinces) == 1:
            initial.setdefault("province_code", provinces[0])
        return initial

    def save_model(self, request, obj, form, change):
        try:
            phrase_save(actor=request.user, phrase=obj)
        except DomainError as error:
            messages.error(request, error.message)
            raise PermissionDenied(error.message) from error
