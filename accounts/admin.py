"""Commissions, offices, memberships and people in the Django admin, scoped by accounts/administration.py.

Every page lists only what the signed-in administrator administers (anything else answers like an object
that does not exist), every choice offered stops at their subtree, and every save goes through a service
in accounts/services.py, which checks the same rule again and writes the audit event.
"""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import DomainError

from . import administration, services
from .admin_site import DeleteEachMixin, ReadOnlyAdminMixin
from .models import Commission, Membership, Office, User


class ActorFormMixin:
    """The admin's form knows who is acting, so its clean() can ask the services' checks."""

    actor = None

    def refuse_unless(self, check, **kwargs) -> None:
        """Run a service's check; its refusal becomes the form's error."""
        try:
            check(**kwargs)
        except DomainError as error:
            raise ValidationError(error.message, code=error.code) from error


class AdministeredAdmin(DeleteEachMixin, admin.ModelAdmin):
    """Pages of accounts: what a non-superuser may see and do comes from accounts/administration.py, never from
    Django's model permissions (accounts/admin_site.py). Deletions go through the model's service
    (`delete_through_service`)."""

    scoped_for_administrators = True

    def scoped(self, actor, queryset):
        raise NotImplementedError

    def delete_through_service(self, actor, obj) -> None:
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scoped(request.user, super().get_queryset(request))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def _in_reach(self, request, obj) -> bool:
        return obj is None or self.scoped(request.user, self.model._default_manager.filter(pk=obj.pk)).exists()

    def has_module_permission(self, request):
        return administration.is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return administration.is_administrator(request.user) and self._in_reach(request, obj)

    def has_add_permission(self, request):
        return administration.is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return administration.is_administrator(request.user) and self._in_reach(request, obj)

    def has_delete_permission(self, request, obj=None):
        return administration.is_administrator(request.user) and self._in_reach(request, obj)

    def refused(self, request, error: DomainError) -> PermissionDenied:
        """A refusal the form could not foresee (the service checked again): the change is rolled back."""
        messages.error(request, error.message)
        return PermissionDenied(error.message)

    def delete_model(self, request, obj):
        try:
            self.delete_through_service(request.user, obj)
        except DomainError as error:
            raise self.refused(request, error) from error


class CommissionAdminForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Commission
        fields = ["name_zh", "name_en", "level", "parent", "division_code", "abbr"]

    def clean(self):
        cleaned = super().clean()
        commission = self.instance if self.instance.pk else None
        self.refuse_unless(
            administration.check_commission_change,
            actor=self.actor,
            commission=commission,
            parent=cleaned.get("parent"),
        )
        if cleaned.get("level"):
            self.refuse_unless(
                services.commission_check_parent,
                commission=commission,
                parent=cleaned.get("parent"),
                level=cleaned["level"],
            )
        return cleaned


@admin.register(Commission)
class CommissionAdmin(AdministeredAdmin):
    form = CommissionAdminForm
    list_display = ["name_zh", "name_en", "level", "division_code", "abbr", "parent"]
    list_filter = ["level"]
    search_fields = ["name_zh", "name_en", "division_code"]
    list_select_related = ["parent"]

    def scoped(self, actor, queryset):
        return administration.commissions_administered_by(actor, queryset)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not administration.may_change_commission(request.user, obj):
            return False  # their own commission and its place in the tree belong to the administrators above
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = administration.commissions_administered_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if change:
            saved = services.commission_update(commission=obj, actor=request.user, **data)
        else:
            saved = services.commission_create(actor=request.user, **data)
        obj.pk, obj.path = saved.pk, saved.path


class OfficeAdminForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Office
        fields = ["commission", "kind"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("commission"):
            stored = Office.objects.get(pk=self.instance.pk)
            self.refuse_unless(services.office_check_move, office=stored, commission=cleaned["commission"])
        return cleaned


@admin.register(Office)
class OfficeAdmin(AdministeredAdmin):
    form = OfficeAdminForm
    list_display = ["commission", "kind"]
    list_filter = ["kind"]
    list_select_related = ["commission"]

    def scoped(self, actor, queryset):
        return administration.offices_administered_by(actor, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "commission":
            kwargs["queryset"] = administration.commissions_administered_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {"commission": form.cleaned_data["commission"], "kind": form.cleaned_data["kind"]}
        try:
            if change:
                saved = services.office_update(office=obj, actor=request.user, **data)
            else:
                saved = services.office_create(actor=request.user, **data)
        except DomainError as error:
            raise self.refused(request, error) from error
        obj.pk = saved.pk

    def delete_through_service(self, actor, obj) -> None:
        services.office_delete(office=obj, actor=actor)


class MembershipAdminForm(ActorFormMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "commission", "role", "office"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") and cleaned.get("role"):
            if self.instance.pk:  # a change replaces the old membership: taking that away is checked too
                old = Membership.objects.select_related("user", "commission").get(pk=self.instance.pk)
                self.refuse_unless(
                    administration.check_membership,
                    actor=self.actor,
                    user=old.user,
                    commission=old.commission,
                    role=old.role,
                )
            self.refuse_unless(
                services.membership_check,
                actor=self.actor,
                user=cleaned["user"],
                commission=cleaned.get("commission"),
                role=cleaned["role"],
                office=cleaned.get("office"),
                replacing=self.instance if self.instance.pk else None,
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(AdministeredAdmin):
    form = MembershipAdminForm
    list_display = ["user", "commission", "role", "office"]
    list_filter = ["role", "commission__level"]
    search_fields = ["user__username", "user__full_name", "commission__name_zh"]
    list_select_related = ["user", "commission", "office"]
    autocomplete_fields = ["user"]

    def scoped(self, actor, queryset):
        return administration.memberships_administered_by(actor, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = {
            "user": administration.users_administered_by,
            "commission": administration.commissions_administered_by,
            "office": administration.offices_administered_by,
        }
        if db_field.name in choices:
            kwargs["queryset"] = choices[db_field.name](request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            services.membership_delete(membership=Membership.objects.get(pk=obj.pk), actor=request.user)
        saved = services.membership_create(
            user=obj.user, commission=obj.commission, role=obj.role, office=obj.office, actor=request.user
        )
        obj.pk = saved.pk

    def delete_through_service(self, actor, obj) -> None:
        services.membership_delete(membership=obj, actor=actor)


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["commission", "role", "office"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    scoped_for_administrators = True

    def has_view_permission(self, request, obj=None):
        return administration.is_administrator(request.user)


# The admin's password form is built by Django's UserAdmin without the request; the view sets the actor here.
_password_actor: ContextVar = ContextVar("password_actor", default=None)


class AdministratorSetPasswordForm(AdminPasswordChangeForm):
    """Setting a password through the admin: the service audits it and the user must change it at next login."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        saved = services.user_password_set(user=self.user, actor=_password_actor.get(), password=password)
        self.user.password, self.user.must_change_password = saved.password, saved.must_change_password
        return self.user


class UserCreationForm(ActorFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email", "home_commission")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not administration.is_superuser(self.actor):
            self.fields["home_commission"].required = True

    def clean_home_commission(self):
        commission = self.cleaned_data.get("home_commission")
        self.refuse_unless(administration.check_commission, actor=self.actor, commission=commission)
        return commission


class UserChangeForm(ActorFormMixin, BaseUserAdmin.form):
    def clean_home_commission(self):
        commission = self.cleaned_data.get("home_commission")
        if "home_commission" in self.changed_data:
            self.refuse_unless(administration.check_commission, actor=self.actor, commission=commission)
        return commission


# What an administrator sees of an account; superusers see Django's whole form.
ADMINISTRATOR_FIELDSETS = (
    (None, {"fields": ("username", "password")}),
    (_("Personal info"), {"fields": ("full_name", "email")}),
    (_("Commission"), {"fields": ("home_commission", "is_active", "must_change_password")}),
    (_("Important dates"), {"fields": ("last_login", "date_joined")}),
)
ADD_FIELDS = ("username", "full_name", "email", "home_commission", "usable_password", "password1", "password2")


@admin.register(User)
class UserAdmin(AdministeredAdmin, BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    add_form_template = "admin/accounts/user/add_form.html"
    change_password_form = AdministratorSetPasswordForm
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Commission"), {"fields": ["full_name", "home_commission", "must_change_password"]}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ADD_FIELDS}),)
    inlines = [MembershipInline]
    actions = ["reset_two_factor"]
    list_select_related = ["home_commission"]

    def scoped(self, actor, queryset):
        return administration.users_administered_by(actor, queryset)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not administration.is_superuser(request.user):
            return ADMINISTRATOR_FIELDSETS
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["must_change_password", "last_login", "date_joined"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_list_display(self, request):
        if administration.is_superuser(request.user):
            return ["username", "full_name", "email", "home_commission", "is_active", "is_staff", "is_superuser"]
        return ["username", "full_name", "email", "home_commission", "is_active"]

    def get_list_filter(self, request):
        return super().get_list_filter(request) if administration.is_superuser(request.user) else ["is_active"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "home_commission":
            kwargs["queryset"] = administration.commissions_administered_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return administration.is_superuser(request.user)  # administrators deactivate accounts instead

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changed = {name: data[name] for name in form.changed_data if name in form.fields and name in data}
            services.user_update(user=obj, actor=request.user, **changed)
            return
        usable = data.get("set_usable_password", True)
        created = services.user_create(
            username=data["username"],
            password=data["password1"] if usable else None,
            full_name=data.get("full_name", ""),
            email=data.get("email", ""),
            home_commission=data.get("home_commission"),
            actor=request.user,
        )
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # Groups and permissions were set by user_update (audited); the membership inline is read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_through_service(self, actor, obj) -> None:
        services.user_delete(user=obj, actor=actor)

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    @admin.action(description=_("Reset the second factor (the user enrols again at the next login)"))
    def reset_two_factor(self, request, queryset):
        reset = 0
        with transaction.atomic():
            for user in queryset:
                if services.user_two_factor_reset(user=user, actor=request.user):
                    reset += 1
        self.message_user(
            request,
            ngettext(
                "The second factor of %(count)d user was removed; they set up a new one at their next login.",
                "The second factors of %(count)d users were removed; they set up new ones at their next login.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )
