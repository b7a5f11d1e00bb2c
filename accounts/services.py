from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError, full_clean_or_refuse

from . import jurisdiction
from .models import Commission, Membership, Office, User
from .roles import Role


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
    audit_record(actor=actor, action="commission.create", target=commission, commission=commission)
    return commission


@transaction.atomic
def commission_update(*, commission: Commission, actor: User | None = None, **fields) -> Commission:
    """Change names, codes or the parent; a move rewrites the paths of the whole subtree."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    old_path = commission.path
    parent = fields.pop("parent", commission.parent)
    level = fields.get("level", commission.level)
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
    audit_record(actor=actor, action="commission.update", target=commission, commission=commission)
    return commission


@transaction.atomic
def office_create(*, commission: Commission, kind: str) -> Office:
    office = Office(commission=commission, kind=kind)
    full_clean_or_refuse(office)
    office.save()
    return office


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    is_staff: bool = False,
    password_hash: str | None = None,
) -> User:
    """password_hash lets bulk loaders hash a shared password once instead of once per user."""
    user = User(username=username, full_name=full_name, email=email, is_staff=is_staff)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    full_clean_or_refuse(user, exclude=["password"])
    user.save()
    return user


def membership_check(
    *, user: User, commission: Commission | None, role: str, office: Office | None = None, replacing=None
) -> None:
    """Refuse unknown roles, commissions outside the tree, offices of another commission and duplicates."""
    if role not in Role.values:
        raise DomainError(_("Unknown role: %(role)s.") % {"role": role}, code="role")
    if commission is None or not Commission.objects.filter(pk=commission.pk).exists():
        raise DomainError(_("The commission is not part of the tree."), code="commission")
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
    membership_check(user=user, commission=commission, role=role, office=office)
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
    )
    jurisdiction.forget(user)
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor: User | None = None) -> None:
    audit_record(
        actor=actor,
        action="membership.delete",
        target=membership,
        commission=membership.commission,
        role=membership.role,
        user=membership.user_id,
    )
    membership.delete()
    jurisdiction.forget(membership.user)
