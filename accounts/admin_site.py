"""The Django admin site: a non-superuser reaches only what accounts/administration.py gives them.

Django's model permissions are not what opens a page here. An admin class that scopes itself by the
administration rule says so (`scoped_for_administrators = True`: the accounts pages, the exemption catalogue);
the province-wide periodic tasks (django_celery_beat) are for the administrators of the root commission; every
other registered model (groups, second-factor devices, API tokens, login attempts, the audit trail...) is for
superusers only, whatever permissions a user has been given. Changes made through those generic pages are
audited with what changed (accounts.services.admin_object_save / admin_object_delete).
"""

from contextlib import suppress

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.base import ModelBase
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import administration, services

# Form fields whose values never reach the audit trail (TOTP keys, token keys, password hashes).
SECRET_FIELDS = frozenset({"password", "key", "bin_key", "token", "secret"})


def form_changes(form) -> dict:
    """{field: [before, after]} of a model form's changed fields, secrets named but not shown."""
    changes = {}
    for name in form.changed_data:
        if name in SECRET_FIELDS or "password" in name:
            changes[name] = ["***", "***"]
            continue
        before = form.initial.get(name)
        with suppress(Exception):
            before = form.fields[name].to_python(before) if not isinstance(before, list) else before
        changes[name] = [before, form.cleaned_data.get(name)]
    return changes


class DeleteEachMixin:
    """A bulk deletion deletes row by row through delete_model (its service and audit event), all or none."""

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class AuditedAdminMixin(DeleteEachMixin):
    """Saves, deletions and actions on the generic pages become audit events in the same transaction."""

    def save_model(self, request, obj, form, change):
        services.admin_object_save(obj=obj, actor=request.user, created=not change, changes=form_changes(form))

    def delete_model(self, request, obj):
        services.admin_object_delete(obj=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.admin_object_delete(obj=obj, actor=request.user)
        for inline_form in formset.saved_forms:
            services.admin_object_save(
                obj=inline_form.instance,
                actor=request.user,
                created=inline_form.instance._state.adding,
                changes=form_changes(inline_form),
            )
        formset.save_m2m()

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {
            name: (func if name == "delete_selected" else _audited_action(func, name), name, description)
            for name, (func, name, description) in actions.items()
        }


def _audited_action(func, name):
    def action(modeladmin, request, queryset):
        with transaction.atomic():
            services.admin_action_record(actor=request.user, queryset=queryset, action=name)
            return func(modeladmin, request, queryset)

    return action


class SuperuserOnlyAdminMixin(AuditedAdminMixin):
    scoped_for_administrators = True

    def _guard_allows(self, request) -> bool:
        return administration.is_superuser(request.user)

    def has_module_permission(self, request):
        return self._guard_allows(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._guard_allows(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._guard_allows(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._guard_allows(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._guard_allows(request) and super().has_delete_permission(request, obj)


class RootAdministratorsAdminMixin(SuperuserOnlyAdminMixin):
    """Province-wide settings: the administrators of the root commission (and superusers) keep them. Their
    inlines (the tasks using a schedule) are read-only lists."""

    def _guard_allows(self, request) -> bool:
        return administration.administers_root(request.user)

    def _may_edit(self, request) -> bool:
        return self._guard_allows(request) and not isinstance(self, admin.options.InlineModelAdmin)

    def has_module_permission(self, request):
        return self._guard_allows(request)

    def has_view_permission(self, request, obj=None):
        return self._guard_allows(request)

    def has_add_permission(self, request, *args):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request)


class ReadOnlyAdminMixin:
    """Rows the application (or a data migration) alone writes: the admin lists them and changes nothing."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProvinceDataAdminMixin:
    """Province-wide data, a `province_code` on each row (the exemption catalogue, the evaluative phrases): each
    province's administrators (administration.administers_province) see and keep their province's rows, saved
    through the app's service (`save_through_service`). Nothing is deleted: rows are cited, so they are retired."""

    scoped_for_administrators = True

    def save_through_service(self, actor, obj) -> None:
        raise NotImplementedError

    def _allowed(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        provinces = administration.provinces_administered_by(request.user)
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
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(province_code__in=administration.provinces_administered_by(request.user))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        provinces = sorted(administration.provinces_administered_by(request.user))
        if len(provinces) == 1:
            initial.setdefault("province_code", provinces[0])
        return initial

    def save_model(self, request, obj, form, change):
        try:
            self.save_through_service(request.user, obj)
        except DomainError as error:
            messages.error(request, error.message)
            raise PermissionDenied(error.message) from error


# Models of these apps are settings of the whole tree (the province), not of one commission.
ROOT_ADMINISTERED_APPS = frozenset({"django_celery_beat"})


class ProductAdminSite(admin.AdminSite):
    site_header = _("Discipline Inspection Case Management")
    site_title = _("Discipline Inspection Case Management")
    index_title = _("Administration")

    def password_change(self, request, extra_context=None):
        # One page for one's own password (accounts/views.py): audited, and it ends a forced change.
        return redirect("password-change")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        for model in models:
            super().register(model, guarded(model, admin_class), **options)


def guarded(model, admin_class):
    """The admin class as registered, behind the rule for models that do not scope themselves."""
    if getattr(admin_class, "scoped_for_administrators", False):
        return admin_class
    if model._meta.app_label in ROOT_ADMINISTERED_APPS:
        mixin = RootAdministratorsAdminMixin
    else:
        mixin = SuperuserOnlyAdminMixin
    inlines = [guarded(inline.model, inline) for inline in getattr(admin_class, "inlines", [])]
    return type(admin_class.__name__, (mixin, admin_class), {"__module__": admin_class.__module__, "inlines": inlines})
