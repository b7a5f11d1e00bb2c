"""One transition engine for every workflow (DESIGN.md §3, rules of the house).

Each workflow declares its states' transitions: from which states, to which, who may take it (a
predicate on the user and the object, plus the same rule as a database condition for work lists),
the conditions the object must meet, and what is asked of whom while it waits (`task`). The engine
alone writes status fields (`tests/test_workflow_engine.py` fails on any other writer): it locks the
row, checks, writes the new state with the caller's fields and the audit event in one transaction.

"My work" is derived from the same declarations (`core.work`): an object is in a user's work list
exactly when a transition with a task is open to that user on it now.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from core.lookups import Ids

REGISTRY: dict[str, Workflow] = {}
# Called inside the transaction after every transition: (workflow, obj, transition, actor, audit event). The inbox
# registers here to tell the people a transition now asks something of (inbox/apps.py).
AFTER_TRANSITION: list[Callable] = []
NEVER = Q(pk__isnull=True)  # a condition no row meets, that stays a boolean column in SQL


def by_the_system(user, obj, **context) -> bool:
    """`allowed` of the steps a worker or runner takes (an export's, a job run's): no page or API operation
    offers them, so there is no one to refuse."""
    return True


def any_of(*conditions: Q) -> Q:
    """Rows meeting any of the conditions; NEVER itself when none can be met (the work list skips the task)."""
    live = [c for c in conditions if c is not NEVER]
    return functools.reduce(operator.or_, live) if live else NEVER


def rows_at(user, *roles, field: str = "commission") -> Q:
    """Rows whose commission (`field`) is one where the user holds one of the roles: how a role becomes a row
    condition in every workflow's `actors`."""
    from accounts import jurisdiction

    ids = [c.pk for c in jurisdiction.commissions_with_role(user, *roles)]
    return rows_in(ids, field)


def rows_in(ids, field: str = "pk") -> Q:
    """Rows whose `field` is one of the ids (assigned reports, granted cases), as one parameter
    (core/lookups.py); NEVER for none."""
    return Q(**{f"{field}__any_of": Ids(ids)}) if ids else NEVER


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    targets: tuple[str, ...]  # the first is where the transition leads when the caller names none
    allowed: Callable[..., bool]  # (user, obj, **context) -> may this user take it on this object?
    who: str | Callable  # the refusal naming who may take it instead (or a function of the object)
    refusal: str = "forbidden"
    ready: Callable[[models.Model], str | None] | None = None  # a refusal message while the object is not ready
    ready_code: str = "not_ready"
    task: str | None = None  # what is asked of the actor while the object waits here (their work list)
    pending: Callable[..., bool] | None = None  # (user, obj): whether the task still asks anything (default: yes)
    asked: Callable[..., bool] | None = None  # (user, obj): who is asked, when narrower than who may take it
    actors: Callable[..., Q] | None = None  # (user) -> `allowed`, `ready` and `pending` as a condition on rows
    action: str | None = None  # the audit action, when it differs from "<workflow>.<name>"
    new_round: bool = False
    done: str | None = None  # the refusal once the object has left the sources ("already decided"), if not generic


def transition(name, label, sources, targets, allowed, who, **options) -> Transition:
    targets = (targets,) if isinstance(targets, str) else tuple(targets)
    return Transition(name, label, frozenset(sources), targets, allowed, who, **options)


@dataclass
class Workflow:
    """The states of one model's status field and the transitions between them."""

    name: str
    model: type[models.Model]
    transitions: Iterable[Transition]
    noun: str  # "the report", for refusals
    field: str = "status"
    related: tuple[str, ...] = ()  # select_related when locking
    audit_context: Callable[[models.Model], dict] = lambda obj: {}
    visible: Callable | None = None  # (user) -> the queryset of objects the user may open
    present: Callable | None = None  # (obj) -> {"url", "label", "due_on"} for work lists
    presented_with: tuple[str, ...] = ()  # select_related for `present` (no query per row)
    order: tuple = ("id",)  # work-list order (overdue and soonest due first where the object has a due date)
    parties: Callable | None = None  # (obj) -> (commissions, extra user ids): whom its tasks may ask, and above
    # (obj) -> None: fetch once what every user's checks on the object read, before many users are checked
    prepare: Callable | None = None
    by_name: dict[str, Transition] = dataclasses.field(init=False)

    def __post_init__(self):
        self.by_name = {t.name: t for t in self.transitions}
        REGISTRY[self.name] = self

    def extend(self, *transitions: Transition) -> None:
        """Steps another app adds on this workflow's objects (clarification asks for a recommendation on a concluded
        report): declared there, listed and checked here like the others."""
        for t in transitions:
            self.by_name[t.name] = t

    def __getitem__(self, name: str) -> Transition:
        return self.by_name[name]

    def state(self, obj) -> str:
        return getattr(obj, self.field)

    def check(self, obj, *, actor, name: str, target: str | None = None, **context) -> Transition:
        spec = self.by_name[name]
        if self.state(obj) not in spec.sources:
            if spec.done:
                raise DomainError(spec.done, code="wrong_state")
            raise DomainError(
                _("“%(action)s” is not possible while %(noun)s is “%(status)s”.")
                % {
                    "action": spec.label,
                    "noun": self.noun,
                    "status": getattr(obj, f"get_{self.field}_display")(),
                },
                code="wrong_state",
            )
        if not spec.allowed(actor, obj, **context):
            raise DomainError(spec.who(obj, **context) if callable(spec.who) else spec.who, code=spec.refusal)
        if target is not None and target not in spec.targets:
            raise DomainError(_("That transition leads nowhere valid."), code="wrong_state")
        if spec.ready is not None and (message := spec.ready(obj)):
            raise DomainError(message, code=spec.ready_code)
        return spec

    def refusal(self, obj, *, actor, name: str, **context) -> DomainError | None:
        """Why this user may not take the transition now, or None: for pages that show a button only where the
        service would accept it (the same rules as `check`)."""
        try:
            self.check(obj, actor=actor, name=name, **context)
        except DomainError as refused:
            return refused
        return None

    def lock(self, obj):
        if getattr(obj, "_locked", False):
            return obj
        locked = self.model.objects.select_for_update(of=("self",)).select_related(*self.related).get(pk=obj.pk)
        locked._locked = True
        return locked

    @transaction.atomic
    def apply(
        self,
        obj,
        *,
        actor,
        name: str,
        target: str | None = None,
        fields: dict | Callable[[str], dict] | None = None,
        context: dict | None = None,
        **audit_data,
    ):
        """Move the locked object to its next state, writing `fields` with it, and record the event.

        `fields` may be a function of the new state (a due date that depends on it, say).
        """
        locked = self.lock(obj)
        spec = self.check(locked, actor=actor, name=name, target=target, **(context or {}))
        new_state = target or spec.targets[0]
        previous = self.state(locked)
        setattr(locked, self.field, new_state)
        changes = fields(new_state) if callable(fields) else dict(fields or {})
        if spec.new_round:
            changes["round"] = locked.round + 1
        for attribute, value in changes.items():
            setattr(locked, attribute, value)
        update = [self.field, *changes]
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            update.append("updated_at")
        locked.save(update_fields=update)
        event = audit_record(
            actor=actor,
            action=spec.action or f"{self.name}.{name}",
            target=locked,
            previous=previous,
            status=new_state,
            **self.audit_context(locked),
            **audit_data,
        )
        for hook in AFTER_TRANSITION:
            hook(self, locked, spec, actor, event)
        if obj is not locked:
            setattr(obj, self.field, new_state)
            for attribute, value in changes.items():
                setattr(obj, attribute, value)
        return locked

    def allowed(self, user, obj, **context) -> list[str]:
        """Names of the transitions this user may take on this object now (the action panel's buttons)."""
        state = self.state(obj)
        return [
            t.name
            for t in self.by_name.values()
            if state in t.sources and t.allowed(user, obj, **context) and not (t.ready and t.ready(obj))
        ]

    def tasks_for(self, user, obj) -> list[Transition]:
        """The transitions open to this user now that ask something of them (what puts it in their work)."""
        names = set(self.allowed(user, obj))
        return [
            t
            for t in self.by_name.values()
            if t.task
            and t.name in names
            and (t.asked is None or t.asked(user, obj))
            and (t.pending is None or t.pending(user, obj))
        ]

    def announce(self, obj, *, actor, key: str) -> None:
        """Tell the hooks that the object asks new work of someone without a transition (an investigator added to
        a report under verification); `key` names the occasion, so it is told once."""
        for hook in AFTER_TRANSITION:
            hook(self, obj, None, actor, key)

    def candidates(self, obj) -> list[int]:
        """Ids of the users a task on this object may ask: members of its commissions and of those above them,
        and the extra people the workflow names (assigned investigators, say). `tasks_for` decides among them."""
        if self.parties is None:
            return []
        from accounts.models import Commission, Membership

        commissions, extra = self.parties(obj)
        codes = {code for c in commissions if c is not None for code in c.ancestor_codes()}
        line = Commission.objects.filter(division_code__in=codes)
        members = Membership.objects.filter(commission__in=line, user__is_active=True).values_list("user_id", flat=True)
        return sorted(set(members) | set(extra))

    def work(self, user) -> dict[Transition, Q]:
        """For each task of this workflow, the rows that wait for this user (with `visible`)."""
        found = {}
        for t in self.by_name.values():
            if t.task and t.actors is not None:
                condition = t.actors(user)
                if condition is not NEVER:
                    found[t] = Q(**{f"{self.field}__in": sorted(t.sources)}) & condition
        return found
