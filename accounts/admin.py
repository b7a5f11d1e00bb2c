from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError

from core.errors import DomainError

from . import services
from .models import Commission, Membership, Office, User


class CommissionAdminForm(forms.ModelForm):
    class Meta:
        model = Commission
        fields = ["name_zh", "name_en", "level", "parent", "division_code", "abbr"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("level"):
            try:
                services.commission_check_parent(
                    commission=self.instance if self.instance.pk else None,
                    parent=cleaned.get("parent"),
                    level=cleaned["level"],
                )
            except DomainError as error:
                raise ValidationError(error.message) from error
        return cleaned


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    form = CommissionAdminForm
    list_display = ["name_zh", "name_en", "level", "division_code", "abbr", "parent"]
    list_filter = ["level"]
    search_fields = ["name_zh", "name_en", "division_code"]
    list_select_related = ["parent"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if change:
            saved = services.commission_update(commission=obj, actor=request.user, **data)
        else:
            saved = services.commission_create(actor=request.user, **data)
        obj.pk, obj.path = saved.pk, saved.path

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["commission", "kind"]
    list_filter = ["kind"]
    list_select_related = ["commission"]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "commission", "role", "office"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") and cleaned.get("role"):
            try:
                services.membership_check(
                    user=cleaned["user"],
                    commission=cleaned.get("commission"),
                    role=cleaned["role"],
                    office=cleaned.get("office"),
                    replacing=self.instance if self.instance.pk else None,
                )
            except DomainError as error:
                raise ValidationError(error.message) from error
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "commission", "role", "office"]
    list_filter = ["role", "commission__level"]
    search_fields = ["user__username", "user__full_name", "commission__name_zh"]
    list_select_related = ["user", "commission", "office"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        if change:
            services.membership_delete(membership=Membership.objects.get(pk=obj.pk), actor=request.user)
        saved = services.membership_create(
            user=obj.user, commission=obj.commission, role=obj.role, office=obj.office, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.membership_delete(membership=obj, actor=request.user)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["commission", "role", "office"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ["full_name"]}))
    inlines = [MembershipInline]
