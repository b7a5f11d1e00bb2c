from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError, full_clean_or_refuse

from . import administration, jurisdiction
from .models import Commission, Membership, Office, User
from .roles import Role


def _audit_value(value):
    """A field's value as the audit trail keeps it (JSON): objects by primary key, sets sorted."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return sorted((_audit_value(v) for v in value), key=str)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # Decimal, timedelta, UUID...


def _comparable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set | frozenset):
        return sorted((_comparable(v) for v in value), key=str)
    return value


def _changes(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        name: [_audit_value(before.get(name)), _audit_value(value)]
        for name, value in after.items()
        if _comparable(before.get(name)) != _comparable(value)
    }


def _path_for(*, division_code: str, parent: Commission | None) -> str:
    return f"{parent.path if parent else '/'}{division_code}/"


def commission_check_parent(*, commission: Commission | None, parent: Commission | None, level: int) -> None:
    """Refuse a parent that would put the tree out of order or close a cycle."""
    if parent is None:
        return
    if commission is not None and commission.pk and parent.path.startswith(commission.path):
        raise DomainError(_("A commission cannot be placed under itself or one of its subordinates."), code="cycle")
    if level <= parent.level:
        raise DomainError(_("A commission must sit at a lower level than its parent."), code="level")


@transaction.atomic
def commission_create(
    *,
    name_zh: str,
    name_en: str,
    level: int,
    division_code: str,
    abbr: str,
    parent: Commission | None = None,
    actor: User | None = None,
) -> Commission:
    administration.check_commission_change(actor=actor, commission=None, parent=parent)
    commission_check_parent(commission=None, parent=parent, level=level)
    commission = Commission(
        name_zh=name_zh,
        name_en=name_en,
        level=level,
        division_code=division_code,
        abbr=abbr,
        parent=parent,
        path=_path_for(division_code=division_code, parent=parent),
    )
    full_clean_or_refuse(commission)
    commission.save()
    audit_record(
        actor=actor,
        action="commission.create",
        target=commission,
        commission=commission,
        fields={name: _audit_value(getattr(commission, name)) for name in _COMMISSION_FIELDS},
    )
    jurisdiction.forget_everyone()  # the supervisors above now reach it
    return commission


_COMMISSION_FIELDS = ("name_zh", "name_en", "level", "division_code", "abbr", "parent")


@transaction.atomic
def commission_update(*, commission: Commission, actor: User | None = None, **fields) -> Commission:
    """Change names, codes or the parent; a move rewrites the paths of the whole subtree."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    before = {name: getattr(commission, name) for name in _COMMISSION_FIELDS}
    old_path = commission.path
    parent = fields.pop("parent", commission.parent)
    level = fields.get("level", commission.level)
    administration.check_commission_change(actor=actor, commission=commission, parent=parent)
    commission_check_parent(commission=commission, parent=parent, level=level)
    for name, value in fields.items():
        setattr(commission, name, value)
    commission.parent = parent
    commission.path = _path_for(division_code=commission.division_code, parent=parent)
    full_clean_or_refuse(commission)
    for child in commission.children.all():
        if child.level <= commission.level:
            raise DomainError(_("A commission must sit at a lower level than its parent."), code="level")
    commission.save()
    if commission.path != old_path:
        for descendant in Commission.objects.filter(path__startswith=old_path).exclude(pk=commission.pk):
            descendant.path = commission.path + descendant.path[len(old_path) :]
            descendant.save(update_fields=["path"])
    changes = _changes(before, {name: getattr(commission, name) for name in _COMMISSION_FIELDS})
    audit_record(actor=actor, action="commission.update", target=commission, commission=commission, changes=changes)
    jurisdiction.forget_everyone()  # a move changes who reaches it; names are shown from the loaded memberships
    return commission


@transaction.atomic
def office_create(*, commission: Commission, kind: str, actor: User | None = None) -> Office:
    administration.check_commission(actor=actor, commission=commission)
    office = Office(commission=commission, kind=kind)
    full_clean_or_refuse(office)
    office.save()
    audit_record(actor=actor, action="office.create", target=office, commission=commission, kind=kind)
    return office


def office_check_move(*, office: Office, commission: Commission) -> None:
    if office.commission_id != commission.pk and office.members.exists():
        raise DomainError(_("An office with members cannot move to another commission."), code="office_members")


@transaction.atomic
def office_update(*, office: Office, actor: User | None, commission: Commission, kind: str) -> Office:
    office = Office.objects.select_for_update().get(pk=office.pk)
    administration.check_commission(actor=actor, commission=office.commission)
    administration.check_commission(actor=actor, commission=commission)
    before = {"commission": office.commission, "kind": office.kind}
    office_check_move(office=office, commission=commission)
    office.commission, office.kind = commission, kind
    full_clean_or_refuse(office)
    office.save(update_fields=["commission", "kind"])
    changes = _changes(before, {"commission": commission, "kind": kind})
    audit_record(actor=actor, action="office.update", target=office, commission=commission, changes=changes)
    jurisdiction.forget_everyone()  # its members' loaded memberships carry the office
    return office


@transaction.atomic
def office_delete(*, office: Office, actor: User | None) -> None:
    administration.check_commission(actor=actor, commission=office.commission)
    if office.members.exists():
        raise DomainError(_("An office with members cannot be deleted."), code="office_members")
    audit_record(actor=actor, action="office.delete", target=office, commission=office.commission, kind=office.kind)
    office.delete()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    is_staff: bool = False,
    password_hash: str | None = None,
    home_commission: Commission | None = None,
    actor: User | None = None,
) -> User:
    """password_hash lets bulk loaders hash a shared password once instead of once per user. An account made by
    an administrator belongs to a commission they administer, and its password must be changed at first login."""
    if actor is not None and not administration.is_superuser(actor):
        administration.check_commission(actor=actor, commission=home_commission)
        if is_staff:
            raise DomainError(_("Only a superuser can change staff status."), code="privileged")
    user = User(username=username, full_name=full_name, email=email, is_staff=is_staff, home_commission=home_commission)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
        user.must_change_password = actor is not None
    else:
        user.set_unusable_password()
    full_clean_or_refuse(user, exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        commission=home_commission,
        fields={name: _audit_value(getattr(user, name)) for name in ("username", "full_name", "email", "is_staff")}
        | {"home_commission": user.home_commission_id, "must_change_password": user.must_change_password},
    )
    return user


# What an administrator may change on an account; a superuser may also change the privileges.
USER_FIELDS = ("username", "full_name", "first_name", "last_name", "email", "is_active", "home_commission")
PRIVILEGED_USER_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def _user_values(user: User, names) -> dict:
    values = {}
    for name in names:
        field = User._meta.get_field(name)
        values[name] = list(getattr(user, name).all()) if field.many_to_many else getattr(user, name)
    return values


@transaction.atomic
def user_update(*, user: User, actor: User | None, **fields) -> User:
    """Change an account's details (and, for a superuser, its privileges); the audit event lists each field's
    before and after value. Turning is_active off ends the user's sessions and API access."""
    unknown = set(fields) - set(USER_FIELDS) - set(PRIVILEGED_USER_FIELDS)
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}, code="field"
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    administration.check_user(actor=actor, user=user)
    before = _user_values(user, fields)
    changes = _changes(before, fields)
    if not changes:
        return user
    if actor is not None and not administration.is_superuser(actor):
        if set(changes) & set(PRIVILEGED_USER_FIELDS):
            raise DomainError(_("Only a superuser can change staff status and permissions."), code="privileged")
        if "home_commission" in changes:
            administration.check_commission(actor=actor, commission=fields["home_commission"])
    plain = [name for name in changes if not User._meta.get_field(name).many_to_many]
    for name in plain:
        setattr(user, name, fields[name])
    full_clean_or_refuse(user, exclude=["password"])
    if plain:
        user.save(update_fields=plain)
    for name in set(changes) - set(plain):
        getattr(user, name).set(fields[name])
    deactivated = changes.get("is_active") == [True, False]
    audit_record(
        actor=actor,
        action="user.deactivate" if deactivated else "user.update",
        target=user,
        commission=user.home_commission,
        changes=changes,
    )
    if deactivated or "is_superuser" in changes or "is_staff" in changes:
        _access_changed(user, actor=actor, reason="account_disabled" if deactivated else "privileges_changed")
    return user


def user_deactivate(*, user: User, actor: User | None) -> User:
    return user_update(user=user, actor=actor, is_active=False)


@transaction.atomic
def user_password_set(*, user: User, actor: User | None, password: str | None) -> User:
    """An administrator sets (or, with None, disables) a user's password; the user must choose a new one at the
    next login. Their sessions end: Django signs each session with the password hash."""
    user = User.objects.select_for_update().get(pk=user.pk)
    administration.check_user(actor=actor, user=user)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.must_change_password = bool(password) and (actor is None or actor.pk != user.pk)
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=actor,
        action="user.password_set",
        target=user,
        commission=user.home_commission,
        usable=bool(password),
        must_change_password=user.must_change_password,
    )
    _access_changed(user, actor=actor, reason="password_changed")
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str) -> User:
    """The user chooses their own password (the old one checked by the page); a forced change is done."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.check_password(password):
        raise DomainError(_("Choose a password different from the one you have now."), code="same_password")
    was_forced = user.must_change_password
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action="user.password_change", target=user, was_forced=was_forced)
    _access_changed(user, actor=user, reason="password_changed")
    return user


@transaction.atomic
def user_two_factor_passed(*, user: User, **how) -> None:
    """Record a second factor passed (at sign-in, or on the two-factor page: `how` says which)."""
    audit_record(actor=user, action="auth.two_factor", target=user, **how)


def user_two_factor_enrolled(*, user: User) -> None:
    audit_record(actor=user, action="auth.two_factor_enrol", target=user)


def user_two_factor_reset(*, user: User, actor: User | None) -> int:
    """Remove a user's authenticator and recovery codes (a lost phone); they enrol again after their next
    password login (accounts/two_factor.py). Returns how many devices were removed."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.select_for_update().get(pk=user.pk)
    administration.check_user(actor=actor, user=user)
    removed = {}
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed[model._meta.label_lower] = devices.count()
        devices.delete()
    audit_record(
        actor=actor,
        action="user.two_factor_reset",
        target=user,
        commission=user.home_commission,
        removed=removed,
    )
    _access_changed(user, actor=actor, reason="two_factor_reset")
    return sum(removed.values())


@transaction.atomic
def user_delete(*, user: User, actor: User | None) -> None:
    """Superusers only (administrators deactivate instead): an account that acted stays, for the audit trail."""
    if actor is not None and not administration.is_superuser(actor):
        raise DomainError(_("Accounts are deactivated, not deleted."), code="privileged")
    memberships = [[m.commission_id, m.role] for m in user.memberships.all()]
    audit_record(actor=actor, action="user.delete", target=user, username=user.username, memberships=memberships)
    user.delete()


def _access_changed(user: User, *, actor: User | None, reason: str) -> None:
    """The one place where a change of a user's credentials or standing takes effect beyond the row itself.

    Sessions need nothing more: a deactivated user's session no longer loads (ModelBackend refuses inactive
    users) and a new password invalidates every session (Django signs it with the password hash); a removed
    second factor unverifies them. API tokens are revoked outright, so none comes back if the account is
    enabled again or the change is undone."""
    from .tokens import api_tokens_revoke_all

    jurisdiction.forget(user)
    api_tokens_revoke_all(user=user, actor=actor, reason=reason)


def membership_check(
    *,
    user: User,
    commission: Commission | None,
    role: str,
    office: Office | None = None,
    replacing=None,
    actor: User | None = None,
) -> None:
    """Refuse unknown roles, commissions outside the tree, offices of another commission, duplicates, and a grant
    the actor may not make (accounts/administration.py: never to themselves)."""
    if role not in Role.values:
        raise DomainError(_("Unknown role: %(role)s.") % {"role": role}, code="role")
    if commission is None or not Commission.objects.filter(pk=commission.pk).exists():
        raise DomainError(_("The commission is not part of the tree."), code="commission")
    administration.check_membership(actor=actor, user=user, commission=commission, role=role)
    if office is not None and office.commission_id != commission.pk:
        raise DomainError(_("The office must belong to the same commission."), code="office")
    duplicates = Membership.objects.filter(user=user, commission=commission, role=role)
    if replacing is not None:
        duplicates = duplicates.exclude(pk=replacing.pk)
    if duplicates.exists():
        raise DomainError(
            _("%(user)s already holds this role at %(commission)s.") % {"user": user, "commission": commission},
            code="duplicate",
        )


@transaction.atomic
def membership_create(
    *, user: User, commission: Commission, role: str, office: Office | None = None, actor: User | None = None
) -> Membership:
    membership_check(user=user, commission=commission, role=role, office=office, actor=actor)
    membership = Membership(user=user, commission=commission, role=role, office=office)
    full_clean_or_refuse(membership, validate_constraints=False)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise DomainError(_("This membership already exists."), code="duplicate") from exc
    audit_record(
        actor=actor,
        action="membership.create",
        target=membership,
        commission=commission,
        role=role,
        user=user.pk,
        office=office.pk if office else None,
        is_staff=_sync_staff(user),
    )
    jurisdiction.forget(user)
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor: User | None = None) -> None:
    administration.check_membership(
        actor=actor, user=membership.user, commission=membership.commission, role=membership.role
    )
    pk = membership.pk
    membership.delete()
    membership.pk = pk  # the event names the row that was removed
    audit_record(
        actor=actor,
        action="membership.delete",
        target=membership,
        commission=membership.commission,
        role=membership.role,
        user=membership.user_id,
        office=membership.office_id,
        is_staff=_sync_staff(membership.user),
    )
    jurisdiction.forget(membership.user)


def _sync_staff(user: User) -> list[bool] | None:
    """The admin role opens the Django admin (staff status) and losing the last one closes it; superusers keep
    theirs. Returns [before, after] when it changed."""
    if user.is_superuser:
        return None
    staff = Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    if user.is_staff == staff:
        return None
    User.objects.filter(pk=user.pk).update(is_staff=staff)
    user.is_staff = staff
    return [not staff, staff]


@transaction.atomic
def admin_object_save(*, obj: models.Model, actor: User, created: bool, changes: dict) -> models.Model:
    """Save an object of another app edited in the Django admin (schedules, devices...) and audit what changed:
    `changes` is {field: [before, after]} with secrets left out by the caller."""
    obj.save()
    audit_record(
        actor=actor,
        action=f"admin.{'create' if created else 'update'}",
        target=obj,
        changes={name: [_audit_value(old), _audit_value(new)] for name, (old, new) in changes.items()},
    )
    return obj


@transaction.atomic
def admin_object_delete(*, obj: models.Model, actor: User) -> None:
    audit_record(actor=actor, action="admin.delete", target=obj, label=str(obj))
    obj.delete()


@transaction.atomic
def admin_action_record(*, actor: User, queryset: models.QuerySet, action: str) -> None:
    """An admin action of another app (e.g. "enable the selected tasks"): who ran it on which objects."""
    audit_record(
        actor=actor,
        action="admin.action",
        target=None,
        target_label=queryset.model._meta.label_lower,
        name=action,
        ids=sorted(str(pk) for pk in queryset.values_list("pk", flat=True)),
    )
