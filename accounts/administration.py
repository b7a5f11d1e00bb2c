"""Who may administer whom: the one rule the admin pages and the account services use (DESIGN.md §6).

An administrator is a user with the admin role at a commission C. They administer C's subtree:

- commissions: they see C's subtree; they add and change only commissions strictly below C (C itself,
  and its place in the tree, belong to the administrators above); nobody but a superuser deletes one;
- offices and memberships at commissions of that subtree, for the people they administer;
- people: a user belongs to the subtree when every membership they hold lies within it and their home
  commission (set when an account is created, for people who hold no role yet) lies within it too.
  A user with a role anywhere outside, a superuser, the administrator themselves and any other
  administrator at C's level or above are out of reach (administrators are appointed from above);
- the province-wide periodic tasks (django_celery_beat) belong to the administrators of the root
  commission (the province) alone.

A superuser administers everything; nobody, superusers included, grants a role to themselves.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import DomainError

from . import jurisdiction
from .models import Commission, Membership, Office, User
from .roles import Role


def is_superuser(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.is_superuser)


def _admin_memberships(actor) -> list[Membership]:
    return [m for m in jurisdiction.memberships_of(actor) if m.role == Role.ADMIN]


def administered_commission_ids(actor) -> frozenset[int]:
    """The subtrees where the actor holds the admin role (empty for a superuser: they need no list)."""
    return jurisdiction.readable_commission_ids(actor, roles=[Role.ADMIN])


def _strictly_below_ids(actor) -> frozenset[int]:
    ids: set[int] = set()
    for m in _admin_memberships(actor):
        ids.update(set(m.subtree_ids or ()) - {m.commission_id})
    return frozenset(ids)


def is_administrator(actor) -> bool:
    return is_superuser(actor) or bool(administered_commission_ids(actor))


def administers_province(actor, province_code: str) -> bool:
    """Province-wide data (the exemption catalogue, the evaluative phrases) is kept by the administrators of that
    provincial commission: a city's or county's admin keeps no list of its own."""
    return is_superuser(actor) or province_code in provinces_administered_by(actor)


def check_keeps_province_data(actor, *, province: str, was: str | None = None, refusal: str) -> None:
    """Refuses (forbidden) unless the actor keeps the province-wide data of the row's province, and of the province
    it was in before the change."""
    if not administers_province(actor, province) or (was is not None and not administers_province(actor, was)):
        raise DomainError(refusal, code="forbidden")


def provinces_administered_by(actor) -> set[str]:
    """The division codes of the provinces whose province-wide data the actor keeps as their administrator."""
    from .models import CommissionLevel

    return {
        m.commission.division_code
        for m in _admin_memberships(actor)
        if m.commission.level == CommissionLevel.PROVINCIAL
    }


def administers_root(actor) -> bool:
    """A superuser, or an admin of a commission at the top of the tree (the province)."""
    return is_superuser(actor) or any(m.commission.parent_id is None for m in _admin_memberships(actor))


def commissions_administered_by(actor, queryset: QuerySet[Commission] | None = None) -> QuerySet[Commission]:
    queryset = Commission.objects.all() if queryset is None else queryset
    return queryset if is_superuser(actor) else queryset.filter(pk__in=administered_commission_ids(actor))


def may_change_commission(actor, commission: Commission) -> bool:
    return is_superuser(actor) or commission.pk in _strictly_below_ids(actor)


def offices_administered_by(actor, queryset: QuerySet[Office] | None = None) -> QuerySet[Office]:
    queryset = Office.objects.all() if queryset is None else queryset
    return queryset if is_superuser(actor) else queryset.filter(commission_id__in=administered_commission_ids(actor))


def users_administered_by(actor, queryset: QuerySet[User] | None = None) -> QuerySet[User]:
    """The people the actor administers (the rule in the module docstring, as one query)."""
    queryset = User.objects.all() if queryset is None else queryset
    if is_superuser(actor):
        return queryset
    ids = administered_commission_ids(actor)
    if not ids:
        return queryset.none()
    role_outside = Membership.objects.filter(user=OuterRef("pk")).exclude(commission_id__in=ids)
    admin_not_below = Membership.objects.filter(user=OuterRef("pk"), role=Role.ADMIN).exclude(
        commission_id__in=_strictly_below_ids(actor)
    )
    role_inside = Membership.objects.filter(user=OuterRef("pk"), commission_id__in=ids)
    return (
        queryset.filter(is_superuser=False)
        .exclude(pk=actor.pk)
        .alias(_outside=Exists(role_outside), _peer=Exists(admin_not_below), _inside=Exists(role_inside))
        .filter(_outside=False, _peer=False)
        .filter(Q(home_commission_id__in=ids) | Q(home_commission__isnull=True, _inside=True))
    )


def may_administer_user(actor, user: User) -> bool:
    return users_administered_by(actor).filter(pk=user.pk).exists()


def memberships_administered_by(actor, queryset: QuerySet[Membership] | None = None) -> QuerySet[Membership]:
    queryset = Membership.objects.all() if queryset is None else queryset
    if is_superuser(actor):
        return queryset
    return queryset.filter(
        commission_id__in=administered_commission_ids(actor), user__in=users_administered_by(actor).values("pk")
    )


def _refuse_out_of_reach() -> None:
    raise DomainError(_("That is outside the commissions you administer."), code="out_of_reach")


def check_user(*, actor, user: User) -> None:
    """Refuse to change an account the actor does not administer (their own included)."""
    if actor is None or (user.pk is not None and user.pk == actor.pk and is_superuser(actor)):
        return
    if not may_administer_user(actor, user):
        _refuse_out_of_reach()


def check_commission(*, actor, commission: Commission | None) -> None:
    if actor is None or is_superuser(actor):
        return
    if commission is None or commission.pk not in administered_commission_ids(actor):
        _refuse_out_of_reach()


def check_membership(*, actor, user: User, commission: Commission, role: str) -> None:
    """A role is granted or taken away by an administrator of both the person and the commission, never by
    the person themselves; the admin role only by an administrator above that commission."""
    if actor is None:
        return  # the system itself: data migrations, demo data, management commands
    if user.pk == actor.pk:
        raise DomainError(_("Nobody can grant or take away a role of their own."), code="self_grant")
    if is_superuser(actor):
        return
    check_commission(actor=actor, commission=commission)
    if user.pk is not None:
        check_user(actor=actor, user=user)
    if role == Role.ADMIN and commission.pk not in _strictly_below_ids(actor):
        raise DomainError(
            _("Administrators are appointed by the administrators of a higher commission."), code="admin_role"
        )


def check_commission_change(*, actor, commission: Commission | None, parent: Commission | None) -> None:
    """Add (commission None) or change a commission: only below one's own, and never out of one's subtree."""
    if actor is None or is_superuser(actor):
        return
    if commission is not None and not may_change_commission(actor, commission):
        _refuse_out_of_reach()
    check_commission(actor=actor, commission=parent)
