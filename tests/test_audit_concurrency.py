"""Issue 13: audited writes never wait for another transaction's commit, and the chain still holds.

Each test uses real connections (one per thread) on committed data: an open transaction that wrote an audit
event must not hold up an audited write elsewhere, and the events are chained right after their commit, in
the order the commits happened.
"""

import datetime
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEvent
from audit.services import audit_record, chain_pending, verify_chain
from cases.models import FeedbackMethod
from cases.services import feedback_record

from .cases_helpers import register

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5  # seconds: far more than an audited write takes, far less than "until the other one commits"


class OpenTransaction(threading.Thread):
    """A transaction on its own connection that writes an audit event and stays open until told to end."""

    def __init__(self, action: str, *, commit: bool = True):
        super().__init__(daemon=True)
        self.action, self.commit = action, commit
        self.written, self.finish = threading.Event(), threading.Event()
        self.event: AuditEvent | None = None

    def run(self) -> None:
        try:
            try:
                with transaction.atomic():
                    self.event = audit_record(actor=None, action=self.action, target=None, target_label="open")
                    self.written.set()
                    self.finish.wait(WAIT * 4)
                    if not self.commit:
                        raise _RolledBack
            except _RolledBack:
                pass
        finally:
            self.written.set()
            connection.close()

    def end(self) -> None:
        self.finish.set()
        self.join(WAIT)


class _RolledBack(Exception):
    pass


def _in_thread(work) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        start = time.perf_counter()
        try:
            outcome["value"] = work()
        finally:
            outcome["seconds"] = time.perf_counter() - start
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_feedback_write_is_not_blocked_by_an_open_transaction_that_wrote_an_audit_event(tree, zhanyi_intake):
    report = register(zhanyi_intake, tree["zhanyi"]).report
    other = OpenTransaction("open.elsewhere")
    other.start()
    assert other.written.wait(WAIT)
    try:
        writer, outcome = _in_thread(
            lambda: feedback_record(
                actor=zhanyi_intake,
                report=report,
                text="已核实，反映问题不属实。",
                method=FeedbackMethod.PHONE,
                given_on=datetime.date.today(),
            )
        )
        writer.join(WAIT)
        assert not writer.is_alive(), "the feedback write waited for the other transaction to commit"
        assert outcome["seconds"] < WAIT
    finally:
        other.end()
        writer.join(WAIT)
    feedback_event = AuditEvent.objects.get(action="report.feedback")
    assert feedback_event.chain_seq is not None  # chained right after its own commit, the other still open then
    assert verify_chain() == (True, None, "")


def test_events_are_chained_right_after_commit_in_the_order_of_the_commits():
    first_written = OpenTransaction("written.first.committed.last")
    first_written.start()
    assert first_written.written.wait(WAIT)
    second = audit_record(actor=None, action="written.second.committed.first", target=None, target_label="x")
    first_written.end()

    early, late = first_written.event, AuditEvent.objects.get(pk=second.pk)
    early = AuditEvent.objects.get(pk=early.pk)
    assert early.pk < late.pk
    # No chaining call here: the commit itself had them chained, the later commit after the earlier one.
    assert late.chain_seq is not None and early.chain_seq == late.chain_seq + 1
    assert early.prev_hash == late.hash
    assert verify_chain() == (True, None, "")


def test_a_rolled_back_transaction_leaves_no_gap_in_the_chain(tmp_path, settings):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.log"
    before = audit_record(actor=None, action="before", target=None, target_label="x")
    rolled_back = OpenTransaction("rolled.back", commit=False)
    rolled_back.start()
    assert rolled_back.written.wait(WAIT)
    rolled_back.end()
    after = audit_record(actor=None, action="after", target=None, target_label="x")

    assert not AuditEvent.objects.filter(action="rolled.back").exists()
    chain = list(AuditEvent.objects.order_by("chain_seq").values_list("id", "chain_seq"))
    assert [event_id for event_id, _ in chain] == [before.pk, after.pk]
    assert after.pk > before.pk + 1  # the id of the rolled-back event is never used
    assert [seq for _, seq in chain] == [1, 2]  # but its place in the chain is: no gap
    call_command("audit_checkpoint")
    call_command("verify_audit", "--since-checkpoint")


def test_an_event_left_unchained_for_minutes_is_reported_by_verify_and_chained_by_the_job():
    audit_record(actor=None, action="chained", target=None, target_label="x")
    # What a process killed between its commit and the chaining leaves: a committed event with no place yet.
    stranded = AuditEvent.objects.create(
        created_at=timezone.now() - timedelta(minutes=10), action="stranded", target_type="auth", target_id="x"
    )
    intact, event, problem = verify_chain()
    assert (intact, event) == (False, stranded)
    assert problem == "not chained 10 minutes after it was written (is the chaining job of beat running?)"

    from audit.tasks import chain_events

    chain_events.delay()  # what beat runs every minute
    assert AuditEvent.objects.get(pk=stranded.pk).chain_seq == 2
    assert verify_chain() == (True, None, "")
    assert chain_pending() == 0


def test_chaining_job_runs_every_minute_from_the_database_schedule():
    task = PeriodicTask.objects.get(task="audit.tasks.chain_events")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")
