"""Tell people when a workflow transition asks something of them (issue 15: an inbox entry when a task is created
for someone or assigned to them).

The engine calls `on_transition` inside the transition's transaction (core.workflow.AFTER_TRANSITION); it queues
`notify_tasks` through the outbox, so the request does not wait for the recipients to be worked out and nothing is
told of a transition that rolled back. Recipients are exactly the users for whom the engine now lists a task on
the object (Workflow.tasks_for) and who may open it (Workflow.visible), the actor excepted.
"""

from django.db.models import Prefetch
from django.utils import translation

from accounts.jurisdiction import memberships_with_reach
from accounts.models import User
from core import outbox
from core.workflow import REGISTRY

from .models import Kind
from .services import notify

TASK = "inbox.tasks.notify_tasks"


def on_transition(workflow, obj, transition, actor, event) -> None:
    """After a transition (`event` is its audit event), or an announcement without one (`transition` is None,
    `event` the occasion's key: an assignment)."""
    if workflow.parties is None:
        return
    if transition is None:
        kind = Kind.TASK_ASSIGNED if event.startswith("assignment:") else Kind.TASK_CREATED
        outbox.enqueue(TASK, workflow.name, obj.pk, event, getattr(actor, "pk", None), kind.value)
    else:
        outbox.enqueue(TASK, workflow.name, obj.pk, event.pk, getattr(actor, "pk", None))


def notify_tasks(workflow_name: str, pk: int, occasion, actor_id: int | None, kind: str = Kind.TASK_CREATED) -> int:
    workflow = REGISTRY[workflow_name]
    obj = workflow.model.objects.filter(pk=pk).first()
    if obj is None:
        return 0
    shown = workflow.present(obj)
    # One notification per task and stay in a state, however many occasions announce it (the transition into
    # the state, then each investigator added): the stay is named by the last transition's audit event.
    from audit.models import AuditEvent

    stay = (
        AuditEvent.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk), data__has_key="status")
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    reference = shown["label"].split(" · ")[0]  # the reference alone: no summary or allegation in the inbox
    written = 0
    if workflow.prepare is not None:
        workflow.prepare(obj)
    candidates = User.objects.filter(pk__in=workflow.candidates(obj), is_active=True).exclude(pk=actor_id)
    # Each user's roles in the same query as the users (jurisdiction.memberships_of reads them), not one per user.
    for user in candidates.prefetch_related(Prefetch("memberships", queryset=memberships_with_reach())):
        tasks = workflow.tasks_for(user, obj)
        # Only people who may open the object are told of it (a recused supervisor may not: its reference alone
        # would tell them it exists); the same scoped selector as every read.
        if tasks and workflow.visible is not None and not workflow.visible(user).filter(pk=obj.pk).exists():
            continue
        for task in tasks:
            with translation.override("en"):
                message_id = str(task.task)  # the English source text is the message id, translated when shown
            written += len(
                notify(
                    [user],
                    kind=kind,
                    target=obj,
                    url=shown["url"],
                    due_on=shown["due_on"],
                    key=f"task:{workflow_name}:{pk}:{task.name}:{stay or 0}",
                    task=message_id,
                    label=reference,
                )
            )
    return written
