"""Carrying out a clarification: on its own, or as an item of the city's joint batch (市县联动).

In a batch each clarification is still carried out and recorded by its own commission (DESIGN.md §6 "one record
per act"): the date, place, participants and the person who carried it out are its own, the approved method and
audience are frozen, and the batch is carried out when all its items are.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError

from .. import workflow
from ..choices import Audience, BatchStatus, Method
from ..models import BatchItem, JointBatch, Recommendation
from .batches import batch_complete_if_done
from .common import require_text
from .recommendations import execute_locked


def open_batch_item(recommendation: Recommendation) -> BatchItem | None:
    """The item listing this clarification in a batch not yet carried out, if any."""
    return (
        BatchItem.objects.filter(recommendation=recommendation, batch__status=BatchStatus.BUILT)
        .select_related("batch")
        .first()
    )


def _refuse_changes(approved: dict, method_used: str | None, audience_reached: str | None) -> None:
    """The joint clarification carries out what was approved: another method or audience needs a new approval."""
    if method_used not in (None, "", approved.get("method")):
        raise DomainError(
            _("The approved method is “%(method)s”; in the joint batch it cannot be changed.")
            % {"method": Method(approved["method"]).label},
            code="frozen",
        )
    if audience_reached not in (None, "", approved.get("audience")):
        raise DomainError(
            _("The approved audience is “%(audience)s”; in the joint batch it cannot be changed.")
            % {"audience": Audience(approved["audience"]).label},
            code="frozen",
        )


def _execute_in_batch(
    *, actor: User, locked: Recommendation, item: BatchItem, method_used, audience_reached, **fields
) -> Recommendation:
    # The batch row is locked before anything is written: a rebuild cannot move the item meanwhile, and two
    # commissions recording their last items at once complete the batch exactly once.
    batch = JointBatch.objects.select_for_update().select_related("city").get(pk=item.batch_id)
    workflow.check_transition(recommendation=locked, actor=actor, name="execute")  # each commission its own
    approved = locked.approved_snapshot
    _refuse_changes(approved, method_used, audience_reached)
    executed = execute_locked(
        actor=actor,
        recommendation=locked,
        method_used=approved.get("method"),
        audience_reached=approved.get("audience"),
        batch=batch,
        **fields,
    )
    batch_complete_if_done(batch=batch, actor=actor)
    return executed


@transaction.atomic
def clarification_execute(
    *,
    actor: User,
    recommendation: Recommendation,
    executed_on: datetime.date,
    place: str,
    participants: str = "",
    method_used: str | None = None,
    audience_reached: str | None = None,
    allegation_ids=None,
    visit_due_on: datetime.date | None = None,
) -> Recommendation:
    """Record that a clarification was carried out; method and audience default to the approved ones. One listed
    in a batch not yet carried out is recorded as that batch's item, by its own commission."""
    place = require_text(place, _("The place"))
    locked = workflow.lock(recommendation)
    fields = {
        "executed_on": executed_on,
        "place": place,
        "participants": participants,
        "allegation_ids": allegation_ids,
        "visit_due_on": visit_due_on,
    }
    item = open_batch_item(locked)
    if item is not None:
        return _execute_in_batch(
            actor=actor, locked=locked, item=item, method_used=method_used, audience_reached=audience_reached, **fields
        )
    approved = locked.approved_snapshot
    return execute_locked(
        actor=actor,
        recommendation=locked,
        method_used=method_used or approved.get("method"),
        audience_reached=audience_reached or approved.get("audience"),
        **fields,
    )


@transaction.atomic
def batch_item_execute(
    *,
    actor: User,
    batch: JointBatch,
    recommendation: Recommendation,
    executed_on: datetime.date,
    place: str,
    participants: str = "",
    method_used: str | None = None,
    audience_reached: str | None = None,
    visit_due_on: datetime.date | None = None,
) -> Recommendation:
    """A commission records the execution of its own clarification listed in this batch."""
    place = require_text(place, _("The place"))
    locked = workflow.lock(recommendation)
    item = open_batch_item(locked)
    if item is None or item.batch_id != batch.pk:
        raise DomainError(_("This clarification is not waiting in this batch."), code="not_in_batch")
    return _execute_in_batch(
        actor=actor,
        locked=locked,
        item=item,
        method_used=method_used,
        audience_reached=audience_reached,
        executed_on=executed_on,
        place=place,
        participants=participants,
        allegation_ids=None,
        visit_due_on=visit_due_on,
    )
