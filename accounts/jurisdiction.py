"""Who can reach what: the one module every app uses to scope reads and check who may act (DESIGN.md §3).

A membership at commission C reaches C's own work; supervisors and admins at C also read the work of
C's subordinate commissions. Object-level grants (django-guardian) add single objects outside that reach.
"""

import functools
import uuid
from collections.abc import Iterable

from django.db.models import F, JSONField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from core.json_rows import JSONArrayAgg
from core.lookups import Ids

from .models import Commission, Membership, User
from .roles import SUBTREE_READERS, Role

_CACHE_ATTR = "_jurisdiction_cache"


def _cache(user) -> dict:
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _CACHE_ATTR, cache)
    return cache


def forget(user) -> None:
    """Drop what was computed or loaded for this user, in this object and in every process: the one call every
    service makes after a change of the user's memberships, grants or assignments (or API tokens, which the top
    bar shows). Call it after the change, in its transaction where there is one: the new reach_version is then
    committed with (or after) the change, so the user's very next request loads the new reach instead of the
    cached one (accounts/backends.py), and no request can cache the old reach under the new version."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    getattr(user, "_prefetched_objects_cache", {}).pop("memberships", None)
    for model in _grant_models():
        user.__dict__.pop(_grants_attr(model), None)
    if getattr(user, "pk", None) is not None:
        user.reach_version = uuid.uuid4()
        User.objects.filter(pk=user.pk).update(reach_version=user.reach_version)


def forget_everyone() -> None:
    """A commission added, moved or renamed, or an office renamed: the subtrees and names loaded with every user
    may have changed (rare administrative changes; one UPDATE of the users' versions)."""
    User.objects.update(reach_version=uuid.uuid4())


def memberships_with_reach() -> QuerySet[Membership]:
    """Memberships with their commission, office and the ids of the commission's subtree (no further query)."""
    subtree = (
        Commission.objects.filter(path__startswith=OuterRef("commission__path"))
        .order_by()
        .values(ids=JSONArrayAgg(F("pk")))
    )
    return (
        Membership.objects.select_related("commission", "office")
        .annotate(subtree_ids=Subquery(subtree[:1], output_field=JSONField()))
        .order_by("commission__path", "role")
    )


def memberships_of(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = _cache(user)
    if "memberships" not in cache:
        fetched = getattr(user, "_prefetched_objects_cache", {}).get("memberships")
        # The authentication backend (accounts/backends.py) loads them with the user, in the same query.
        cache["memberships"] = list(fetched if fetched is not None else memberships_with_reach().filter(user=user))
    return cache["memberships"]


def roles_at(user, commission: Commission | int) -> set[str]:
    commission_id = getattr(commission, "pk", commission)
    return {m.role for m in memberships_of(user) if m.commission_id == commission_id}


def has_role(user, commission: Commission | int, *roles: str) -> bool:
    """The user holds one of these roles at exactly this commission."""
    return bool(roles_at(user, commission) & set(roles))


def roles_of(user) -> set[str]:
    return {m.role for m in memberships_of(user)}


def commissions_with_role(user, *roles: str) -> list[Commission]:
    seen: dict[int, Commission] = {}
    for m in memberships_of(user):
        if m.role in roles:
            seen.setdefault(m.commission_id, m.commission)
    return list(seen.values())


def readable_commission_ids(user, roles: Iterable[str] | None = None) -> frozenset[int]:
    """Commissions whose work the user reads: their own, plus subtrees where they lead or administer."""
    wanted = frozenset(roles) if roles is not None else frozenset(Role.values)
    cache = _cache(user)
    key = ("readable", wanted)
    if key not in cache:
        ids: set[int] = set()
        for m in memberships_of(user):
            if m.role not in wanted:
                continue
            ids.add(m.commission_id)
            if m.role in SUBTREE_READERS:
                ids.update(m.subtree_ids or ())
        cache[key] = frozenset(ids)
    return cache[key]


def readable_commissions(user, roles: Iterable[str] | None = None) -> QuerySet[Commission]:
    return Commission.objects.filter(pk__any_of=Ids(readable_commission_ids(user, roles)))


def can_read_commission(user, commission: Commission | int, roles: Iterable[str] | None = None) -> bool:
    return getattr(commission, "pk", commission) in readable_commission_ids(user, roles)


def oversees(user, commission: Commission) -> bool:
    """A supervisor or admin at this commission or above it."""
    return any(
        m.role in SUBTREE_READERS and commission.path.startswith(m.commission.path) for m in memberships_of(user)
    )


def overseen_from_above_ids(user) -> frozenset[int]:
    """Commissions below one where the user is a supervisor or admin: the reach of a superior, which a
    recusal never removes (cases.selectors.recusals_removing_reach)."""
    cache = _cache(user)
    if "from_above" not in cache:
        ids: set[int] = set()
        for m in memberships_of(user):
            if m.role in SUBTREE_READERS:
                ids.update(pk for pk in (m.subtree_ids or ()) if pk != m.commission_id)
        cache["from_above"] = frozenset(ids)
    return cache["from_above"]


def oversees_from_above(user, commission: Commission | int) -> bool:
    return getattr(commission, "pk", commission) in overseen_from_above_ids(user)


def scope(
    queryset: QuerySet,
    user,
    *,
    commission_field: str = "commission",
    grant_perm: str | None = None,
    granted_through: str | None = None,
    also: Q | None = None,
) -> QuerySet:
    """Limit a queryset to the user's reach, plus the single objects granted to them with grant_perm, or the rows
    of the objects granted (`granted_through` names the path to them: a decision's "case"), plus the rows `also`
    names (the reports a user is assigned to)."""
    ids = readable_commission_ids(user)
    condition = Q(**{f"{commission_field}__any_of": Ids(ids)})
    if also is not None:
        condition |= also
    if grant_perm and getattr(user, "is_authenticated", False):
        model, path = queryset.model, "pk"
        if granted_through:
            path = granted_through
            for name in granted_through.split("__"):
                model = model._meta.get_field(name).related_model
        granted = granted_ids(user, model, grant_perm)
        if granted:
            condition |= Q(**{f"{path}__any_of": Ids(granted)})
    return queryset.filter(condition)


@functools.cache
def _grant_models() -> dict[type[Model], type[Model]]:
    """Each model with direct-FK grants (a guardian UserObjectPermissionBase subclass) -> its grant model."""
    from django.apps import apps
    from guardian.models import UserObjectPermissionBase

    found = {}
    for grant_model in apps.get_models():
        if issubclass(grant_model, UserObjectPermissionBase):
            target = getattr(grant_model._meta.get_field("content_object"), "related_model", None)
            if target is not None:  # guardian's own generic table has none; this project does not use it
                found[target] = grant_model
    return found


def _grants_attr(model: type[Model]) -> str:
    return f"grants_{model._meta.app_label}_{model._meta.model_name}"


def grant_annotations() -> dict:
    """For the user's own query (accounts/backends.py): each grant model's rows of the user as a JSON list, so
    that scoping costs no query and the ids reach PostgreSQL as a literal list an index can use."""
    return {
        _grants_attr(model): Subquery(
            grant_model.objects.filter(user=OuterRef("pk"))
            .order_by()
            .values(items=JSONArrayAgg(JSONObject(pk=F("content_object_id"), perm=F("permission__codename"))))[:1],
            output_field=JSONField(),
        )
        for model, grant_model in _grant_models().items()
    }


def granted_ids(user, model: type[Model], perm: str) -> list[int]:
    """Primary keys of the objects granted to this user one by one (never through a global permission)."""
    codename = perm.split(".", 1)[-1]
    cache = _cache(user)
    key = ("granted", model, codename)
    if key not in cache:
        attr = _grants_attr(model)
        if hasattr(user, attr):
            cache[key] = sorted({row["pk"] for row in getattr(user, attr) or [] if row["perm"] == codename})
        else:
            cache[key] = list(
                get_objects_for_user(
                    user, perm, klass=model, accept_global_perms=False, with_superuser=False, use_groups=False
                ).values_list("pk", flat=True)
            )
    return cache[key]


def is_granted(user, perm: str, obj: Model) -> bool:
    return obj.pk in granted_ids(user, type(obj), perm)


def grant(user, perm: str, obj: Model) -> None:
    assign_perm(perm, user, obj)
    forget(user)


def revoke(user, perm: str, obj: Model) -> None:
    remove_perm(perm, user, obj)
    forget(user)


def get_in_reach(queryset: QuerySet, **lookup):
    """Fetch one object from a scoped queryset; 'not yours' and 'does not exist' give the same 404."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
